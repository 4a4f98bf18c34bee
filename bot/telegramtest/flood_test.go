package telegramtest

import (
	"testing"
	"time"
)

// TestFloodControl walks one sequence of calls through the caps: 2 writes
// a second across chats (bursts of 2), 1 a second per chat (bursts of 2).
// Each retry_after given is enforced for its whole window, a call inside
// it is early, and a refusal by the global cap closes the window for every
// chat.
func TestFloodControl(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	c := newFloodControl(Flood{Rate: 2, Burst: 2, ChatRate: 1, ChatBurst: 2})
	chat := func(id int64) floodKey { return floodKey{kind: 'c', id: id} }
	steps := []struct {
		at        time.Duration
		key       floodKey
		write     bool
		chat      int64
		wantRetry int
		wantEarly int64
	}{
		{0, chat(1), true, 1, 0, 0},
		{0, chat(1), true, 1, 0, 0},                                           // the chat's burst
		{0, chat(1), true, 1, 1, 0},                                           // beyond it: wait a second
		{500 * time.Millisecond, chat(1), true, 1, 1, 1},                      // inside the window: early
		{999 * time.Millisecond, chat(1), true, 1, 1, 2},                      // still early
		{time.Second, chat(2), true, 2, 0, 2},                                 // the global bucket has refilled 2
		{time.Second, chat(3), true, 3, 0, 2},                                 // its burst
		{time.Second, chat(4), true, 4, 1, 2},                                 // beyond the global cap: the bot waits
		{1500 * time.Millisecond, chat(5), true, 5, 1, 2},                     // a chat not told: refused, not early
		{1500 * time.Millisecond, floodKey{kind: 'q', id: 9}, false, 0, 0, 2}, // answers are no writes
		{1999 * time.Millisecond, chat(4), true, 4, 1, 3},                     // told at 1 s: early
		{2 * time.Second, chat(4), true, 4, 0, 3},                             // the window has passed
		{2500 * time.Millisecond, chat(5), true, 5, 0, 3},
	}
	for i, s := range steps {
		got := c.check(t0.Add(s.at), s.key, s.write, s.chat)
		early, _ := c.counts()
		if got != s.wantRetry || early != s.wantEarly {
			t.Errorf("step %d (at %v, %v): retry_after %d, early %d; want %d, %d", i, s.at, s.key, got, early, s.wantRetry, s.wantEarly)
		}
	}
}

// TestFloodControlEnforcesToldWindows: a 429 given for another reason (an
// injected fault) is enforced like the caps' own.
func TestFloodControlEnforcesToldWindows(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	c := newFloodControl(Flood{})
	k := floodKey{kind: 'q', name: "cbq-1"}
	c.told(t0, k, 3)
	tests := []struct {
		at        time.Duration
		wantRetry int
	}{
		{time.Second, 2},
		{2500 * time.Millisecond, 1},
		{3 * time.Second, 0},
	}
	for _, tt := range tests {
		if got := c.check(t0.Add(tt.at), k, false, 0); got != tt.wantRetry {
			t.Errorf("at %v: retry_after %d, want %d", tt.at, got, tt.wantRetry)
		}
	}
	if early, refused := c.counts(); early != 2 || refused != 3 {
		t.Errorf("early %d, refused %d; want 2 and 3", early, refused)
	}
}
