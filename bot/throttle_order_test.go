package bot

import (
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
)

// TestChatsServedInArrivalOrderAfterAThrottle throttles every request
// for a second while 300 chats wait, then checks the order in which their
// replies come once the throttle lifts.
func TestChatsServedInArrivalOrderAfterAThrottle(t *testing.T) {
	h := newHarness(t)
	var throttled atomic.Bool
	throttled.Store(true)
	liftAt := time.Now().Add(time.Second)
	h.srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
		if throttled.Load() && c.Method != "getUpdates" {
			left := time.Until(liftAt)
			if left <= 0 {
				throttled.Store(false)
				return nil
			}
			// Like Telegram: the seconds left, rounded up.
			return &telegramtest.Fault{Code: 429, RetryAfter: int((left + time.Second - 1) / time.Second)}
		}
		return nil
	}
	const chats = 300
	var last int64
	for i := range int64(chats) {
		last = h.srv.Push(telegramtest.Text(telegramtest.User{ID: 90000 + i, Lang: "en"}, "/start"))
	}
	h.waitHandled(last)
	if !h.srv.WaitFor(15*time.Second, func([]telegramtest.Call) bool { return len(h.srv.CallsTo("sendMessage")) == chats }) {
		t.Fatalf("%d of %d replies", len(h.srv.CallsTo("sendMessage")), chats)
	}
	// 64 workers retry at once when the throttle lifts, so the first 64
	// chats come back in any order among themselves; a worker the
	// scheduler runs late may lag a little more. Chats far out of order
	// would mean the early ones were left waiting.
	var order []int
	far := 0
	for i, c := range h.srv.CallsTo("sendMessage") {
		id, _ := strconv.Atoi(c.Params["chat_id"])
		order = append(order, id-90000)
		if d := i - (id - 90000); d > 2*64 || d < -2*64 {
			far++
		}
	}
	t.Logf("faults %d, order: %v", h.srv.Faults(), order[:80])
	if far > chats/20 {
		t.Errorf("%d of %d replies came more than 128 places from their arrival order", far, chats)
	}
}
