package telegramtest

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Flood is Telegram's flood control as the fakes model it. Telegram
// accepts about 30 messages a second across all chats and about one a
// second in one chat, and "may allow short bursts"; beyond that it answers
// 429 with retry_after. Each cap is a token bucket: Rate a second, with
// room for Burst at once. A zero Rate is no cap.
type Flood struct {
	Rate      float64 // writes a second across all chats
	Burst     int     // 1 if 0
	ChatRate  float64 // writes a second to one chat
	ChatBurst int     // 1 if 0
}

// writeMethods are the calls that count against the caps: those that
// put a message in a chat. answerCallbackQuery does not; it is no message.
var writeMethods = map[string]bool{"sendMessage": true, "editMessageText": true, "sendDocument": true}

// floodKey names what a retry_after was given to: a chat for messages, a
// callback query for its answer, a method for calls that name neither.
type floodKey struct {
	kind byte // 'c' chat, 'q' callback query, 'm' method
	id   int64
	name string
}

// floodControl enforces the caps and every retry_after it gives: once a
// key is told to wait, each call for it is refused until the time has
// fully passed, and counted as early. A refusal by the global cap closes
// the window for the whole bot.
type floodControl struct {
	mu       sync.Mutex
	global   *rate.Limiter // nil: no global cap
	chatRate rate.Limit
	burst    int
	chats    map[int64]*rate.Limiter
	until    map[floodKey]time.Time
	botUntil time.Time // every write is refused until then
	early    int64
	refused  int64
}

func newFloodControl(f Flood) *floodControl {
	c := &floodControl{until: map[floodKey]time.Time{}, chats: map[int64]*rate.Limiter{}}
	c.set(f)
	return c
}

// set changes the caps.
func (c *floodControl) set(f Flood) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.global, c.chatRate, c.burst = nil, 0, 0
	clear(c.chats)
	if f.Rate > 0 {
		c.global = rate.NewLimiter(rate.Limit(f.Rate), max(f.Burst, 1))
	}
	if f.ChatRate > 0 {
		c.chatRate, c.burst = rate.Limit(f.ChatRate), max(f.ChatBurst, 1)
	}
}

// secondsUntil is retry_after as Telegram gives it: whole seconds,
// rounded up, at least one.
func secondsUntil(now, t time.Time) int {
	return max(1, int((t.Sub(now)+time.Second-1)/time.Second))
}

// check decides a call for key at now. write says whether it counts
// against the caps, chat is the chat it writes to. It returns the
// retry_after of a refusal, or 0 to serve the call.
func (c *floodControl) check(now time.Time, key floodKey, write bool, chat int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.until[key]; ok {
		if now.Before(t) {
			c.early++
			c.refused++
			return secondsUntil(now, t)
		}
		delete(c.until, key)
	}
	if !write {
		return 0
	}
	if now.Before(c.botUntil) {
		return c.refuse(key, c.botUntil, now)
	}
	var chatRes *rate.Reservation
	if c.chatRate > 0 {
		lim := c.chats[chat]
		if lim == nil {
			lim = rate.NewLimiter(c.chatRate, c.burst)
			c.chats[chat] = lim
		}
		chatRes = lim.ReserveN(now, 1)
		if d := chatRes.DelayFrom(now); d > 0 {
			chatRes.CancelAt(now)
			return c.refuse(key, now.Add(time.Duration(secondsUntil(now, now.Add(d)))*time.Second), now)
		}
	}
	if c.global != nil {
		r := c.global.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			if chatRes != nil {
				chatRes.CancelAt(now)
			}
			c.botUntil = now.Add(time.Duration(secondsUntil(now, now.Add(d))) * time.Second)
			return c.refuse(key, c.botUntil, now)
		}
	}
	return 0
}

// told records a retry_after given to key for another reason (an
// injected fault, a throttle), so that it is enforced too.
func (c *floodControl) told(now time.Time, key floodKey, secs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused++
	if t := now.Add(time.Duration(secs) * time.Second); t.After(c.until[key]) {
		c.until[key] = t
	}
}

func (c *floodControl) refuse(key floodKey, until, now time.Time) int {
	c.refused++
	c.until[key] = until
	return secondsUntil(now, until)
}

// counts returns the calls made before their retry_after had passed, and
// all calls refused with 429.
func (c *floodControl) counts() (early, refused int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.early, c.refused
}
