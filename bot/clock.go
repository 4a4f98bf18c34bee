package bot

import (
	"context"
	"time"
)

// clock is the time that pacing, parking and retries read and wait on.
// Tests give a fake one, so that a wait of a minute takes no time and
// every wait can be checked to the nanosecond.
type clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed.
	AfterFunc(d time.Duration, f func()) stopper
}

// stopper is a pending AfterFunc.
type stopper interface {
	// Stop prevents the call if it has not started, and reports whether
	// it did so.
	Stop() bool
}

// realClock is the system's clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) stopper { return time.AfterFunc(d, f) }

// sleep waits d on c, or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, c clock, d time.Duration) bool {
	done := make(chan struct{})
	t := c.AfterFunc(d, func() { close(done) })
	select {
	case <-done:
		return true
	case <-ctx.Done():
		t.Stop()
		return false
	}
}
