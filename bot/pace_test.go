package bot

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// recordWakes collects the keys a pacer wakes, in order.
type recordWakes struct {
	mu   sync.Mutex
	keys []int64
}

func (r *recordWakes) wake(k int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = append(r.keys, k)
}

func (r *recordWakes) got() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.keys)
}

// TestChatRetryAfterIsKept: after a 429 for one chat, nothing is allowed
// to that chat until its retry_after has fully passed; other chats go on.
func TestChatRetryAfterIsKept(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, rate.Inf, 0, rate.Inf, 0)
	p.refused(1, 10*time.Second)
	tests := []struct {
		at        time.Duration // since the 429
		chat      int64
		wantWait  time.Duration
		wantCause waitCause
	}{
		{0, 1, 10 * time.Second, causeChat429},
		{0, 2, 0, causeNone},
		{9*time.Second + 999*time.Millisecond, 1, time.Millisecond, causeChat429},
		{10 * time.Second, 1, 0, causeNone},
	}
	var at time.Duration
	for _, tt := range tests {
		clk.Advance(tt.at - at)
		at = tt.at
		wait, cause := p.acquire(&ticket{key: tt.chat, chat: tt.chat})
		if wait != tt.wantWait || cause != tt.wantCause {
			t.Errorf("chat %d at +%v: wait %v (%s), want %v (%s)", tt.chat, tt.at, wait, waitCauses[cause], tt.wantWait, waitCauses[tt.wantCause])
		}
	}
}

// TestManyChatsThrottledAtOnce refuses 300 chats at once, each with its
// own retry_after, and checks every chat at every tenth of a second for a
// minute: none is allowed a moment before its own window has passed, and
// each is allowed as soon as it has.
func TestManyChatsThrottledAtOnce(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, rate.Inf, 0, rate.Inf, 0)
	rng := rand.New(rand.NewPCG(14, 14))
	until := map[int64]time.Duration{}
	for chat := int64(1); chat <= 300; chat++ {
		d := time.Duration(1+rng.IntN(60)) * time.Second
		until[chat] = d
		p.refused(chat, d)
		// An accepted call between refusals: per chat, not the whole bot.
		p.accepted()
	}
	for at := time.Duration(0); at <= 61*time.Second; at += 100 * time.Millisecond {
		for chat, end := range until {
			wait, cause := p.acquire(&ticket{key: chat, chat: chat})
			switch {
			case at < end && (wait != end-at || cause != causeChat429):
				t.Fatalf("chat %d at +%v (window %v): wait %v (%s), want %v for its 429", chat, at, end, wait, waitCauses[cause], end-at)
			case at >= end && wait != 0:
				t.Fatalf("chat %d at +%v (window %v): still waits %v", chat, at, end, wait)
			}
		}
		clk.Advance(100 * time.Millisecond)
	}
}

// TestRefusalRunHoldsTheWholeBot: Telegram does not say whether a 429 is
// for one chat or for the whole bot. refusalRun refusals in a row, with
// no call accepted between them, hold every send until the longest
// retry_after among them has passed; fewer, or random ones, hold only
// their chats.
func TestRefusalRunHoldsTheWholeBot(t *testing.T) {
	run := func(n, secs int) []int { return slices.Repeat([]int{secs}, n) }
	tests := []struct {
		name string
		// calls: a retry_after in seconds for a refusal, 0 for a call
		// accepted.
		calls      []int
		wantPaused time.Duration
	}{
		{"one short of a run", run(refusalRun-1, 1), 0},
		{"a run", append(run(refusalRun-1, 1), 3), 3 * time.Second},
		{"a run, the longest first", append([]int{3}, run(refusalRun-1, 1)...), 3 * time.Second},
		{"broken by a success", slices.Concat(run(refusalRun-1, 1), []int{0}, run(refusalRun-1, 1)), 0},
		{"one in five refused", slices.Repeat([]int{1, 0, 0, 0, 0}, 20), 0},
		{"success after a run", append(run(refusalRun, 2), 0), 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			p := newPacer(clk, rate.Inf, 0, rate.Inf, 0)
			for i, secs := range tt.calls {
				if secs == 0 {
					p.accepted()
					continue
				}
				p.refused(int64(100+i), time.Duration(secs)*time.Second)
			}
			if got := p.paused(); got != tt.wantPaused {
				t.Errorf("paused for %v, want %v", got, tt.wantPaused)
			}
			// A chat that was never refused waits exactly as long.
			wait, cause := p.acquire(&ticket{key: 1, chat: 1})
			if tt.wantPaused == 0 && wait != 0 || tt.wantPaused > 0 && (wait != untilWoken || cause != causeGlobal429) {
				t.Errorf("an untouched chat: wait %v (%s)", wait, waitCauses[cause])
			}
		})
	}
}

// TestTurnsGoInArrivalOrderAtThePace queues 40 chats behind a global pace
// of 10 a second (bursts of 2): their turns come in the order their
// updates arrived, never faster than the pace, and a 429 for the whole
// bot stops them until it has passed.
func TestTurnsGoInArrivalOrderAtThePace(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, 10, 2, rate.Inf, 0)
	w := &recordWakes{}
	p.wake = w.wake
	// Updates arrived in order 1..40, but ask in a shuffled order: the
	// oldest goes first.
	order := rand.New(rand.NewPCG(1, 4)).Perm(40)
	tickets := map[int64]*ticket{}
	immediate := 0
	for _, i := range order {
		k := int64(i + 1)
		tickets[k] = &ticket{key: k, chat: k, seq: uint64(k)}
		if wait, _ := p.acquire(tickets[k]); wait == 0 {
			immediate++
		}
	}
	if immediate != 2 {
		t.Fatalf("%d went at once, want the burst of 2", immediate)
	}
	clk.Advance(time.Second)
	// 10 turns in a second; the 2 of the burst went first.
	if got := len(w.got()); got != 10 {
		t.Fatalf("after 1s, %d turns came, want 10", got)
	}
	p.pauseAll(5 * time.Second)
	clk.Advance(4900 * time.Millisecond)
	if got := len(w.got()); got != 10 {
		t.Errorf("during a 429 for the whole bot, %d turns came, want none after the first 10", got-10)
	}
	clk.Advance(100*time.Millisecond + 3*time.Second)
	got := w.got()
	if len(got) != 38 {
		t.Fatalf("after the pause, %d turns in all, want 38", len(got))
	}
	if !slices.IsSorted(got) {
		t.Errorf("turns came out of arrival order: %v", got)
	}
	// A granted ticket then goes at once.
	if wait, _ := p.acquire(tickets[got[0]]); wait != 0 {
		t.Errorf("a chat whose turn came must wait %v more", wait)
	}
}

// TestChatPaceLetsQuickTapsThrough: one chat may send its burst at once,
// then one a second.
func TestChatPaceLetsQuickTapsThrough(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, rate.Inf, 0, 1, 3)
	var waits []time.Duration
	for range 5 {
		wait, _ := p.acquire(&ticket{key: 7, chat: 7})
		waits = append(waits, wait)
		clk.Advance(wait)
		if wait > 0 {
			p.acquire(&ticket{key: 7, chat: 7})
		}
	}
	want := []time.Duration{0, 0, 0, time.Second, time.Second}
	if !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
}

// TestGroupsArePacedAtTwentyAMinute: in a group, after its burst, one
// message every three seconds, as Telegram allows about 20 a minute
// there; a private chat next to it keeps its one a second.
func TestGroupsArePacedAtTwentyAMinute(t *testing.T) {
	clk := newFakeClock()
	p := newPacer(clk, rate.Inf, 0, DefaultChatRate, 3)
	waitsOf := func(chat int64) []time.Duration {
		var waits []time.Duration
		for range 5 {
			wait, _ := p.acquire(&ticket{key: chat, chat: chat})
			waits = append(waits, wait)
			clk.Advance(wait)
			if wait > 0 {
				p.acquire(&ticket{key: chat, chat: chat})
			}
		}
		return waits
	}
	if got, want := waitsOf(-1001234567890), []time.Duration{0, 0, 0, 3 * time.Second, 3 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("group: waits %v, want %v", got, want)
	}
	if got, want := waitsOf(42), []time.Duration{0, 0, 0, time.Second, time.Second}; !slices.Equal(got, want) {
		t.Errorf("private chat: waits %v, want %v", got, want)
	}
}

// TestPacerForgetsChatsThatAreAsNew: a crowd of chats, each paced and
// some refused, leaves nothing in the pacer once their retry_after has
// passed and their burst is whole again; without a limit per chat, a
// chat Telegram never refused is not kept at all.
func TestPacerForgetsChatsThatAreAsNew(t *testing.T) {
	for _, chatRate := range []rate.Limit{1, rate.Inf} {
		clk := newFakeClock()
		p := newPacer(clk, rate.Inf, 0, chatRate, 3)
		for id := int64(1); id <= 1000; id++ {
			p.acquire(&ticket{key: id, chat: id})
			if id%10 == 0 {
				p.refused(id, 30*time.Second)
			}
		}
		kept := len(p.chats)
		if chatRate == rate.Inf && kept != 100 {
			t.Errorf("no limit per chat: %d chats kept, want only the 100 refused", kept)
		}
		clk.Advance(31 * time.Second)
		p.acquire(&ticket{key: 5000, chat: 5000})
		if n := len(p.chats); n > 1 {
			t.Errorf("chat rate %v: %d of %d chats still kept after their waits passed", chatRate, n, kept)
		}
	}
}
