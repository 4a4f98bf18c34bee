package bot

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRetryBudgets(t *testing.T) {
	r := Retry{Attempts: 3, RateLimits: 4, Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
	limited := &apiError{Method: "sendMessage", Code: 429, RetryAfter: 1}
	server := &apiError{Method: "sendMessage", Code: 502}
	tests := []struct {
		name      string
		errs      []error // what each try returns; nil after the list
		wantTries int
		wantErr   bool
	}{
		{"ok at once", nil, 1, false},
		{"429 three times, then ok", []error{limited, limited, limited}, 4, false},
		{"429 beyond its budget", []error{limited, limited, limited, limited, limited, limited}, 5, true},
		{"server errors then ok", []error{server, server}, 3, false},
		{"server errors beyond the attempts", []error{server, server, server, server}, 3, true},
		{"429s do not use up fault attempts", []error{server, limited, limited, server, limited}, 6, false},
		{"network fault", []error{&transportError{Method: "x", Err: errTimeout}}, 2, false},
		{"blocked: no retry", []error{&apiError{Code: 403, Description: "Forbidden: bot was blocked by the user"}}, 1, true},
		{"bad request: no retry", []error{&apiError{Code: 400, Description: "Bad Request: chat not found"}}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tries, waits := 0, 0
			err := r.do(context.Background(), instantClock{newFakeClock()}, func() error {
				tries++
				if tries <= len(tt.errs) {
					return tt.errs[tries-1]
				}
				return nil
			}, func(error, time.Duration) { waits++ })
			if tries != tt.wantTries || (err != nil) != tt.wantErr {
				t.Errorf("tries = %d, err = %v; want %d tries, error %v", tries, err, tt.wantTries, tt.wantErr)
			}
			if waits != tries-1 && !tt.wantErr {
				t.Errorf("waits = %d, want one before each retry (%d)", waits, tries-1)
			}
		})
	}
}

// instantClock fires every timer at once, advancing its fake clock by
// the time asked: a blocking retry runs through its waits in no time.
type instantClock struct{ *fakeClock }

func (c instantClock) AfterFunc(d time.Duration, f func()) stopper {
	t := c.fakeClock.AfterFunc(d, f)
	c.Advance(d)
	return t
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	r := Retry{Attempts: 10, RateLimits: 10, Backoff: time.Hour, MaxBackoff: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	tries := 0
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err := r.do(ctx, newFakeClock(), func() error { tries++; return &apiError{Code: 429, RetryAfter: 3600} }, nil)
	if tries != 1 || err == nil {
		t.Errorf("tries = %d, err = %v; want one try and the error once the context ends", tries, err)
	}
}

// TestRetryAfterIsWaitedInFull: each 429 is waited out for exactly the
// retry_after Telegram gave, however long; none is cut short.
func TestRetryAfterIsWaitedInFull(t *testing.T) {
	r := Retry{Attempts: 3, RateLimits: 5, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}
	afters := []int{1, 65, 3600}
	clk := instantClock{newFakeClock()}
	tries := 0
	err := r.do(context.Background(), clk, func() error {
		if tries++; tries <= len(afters) {
			return &apiError{Code: 429, RetryAfter: afters[tries-1]}
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := clk.Waits()
	want := []time.Duration{time.Second, 65 * time.Second, time.Hour}
	if len(got) != len(want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("wait %d = %v, want %v: the whole retry_after", i, got[i], want[i])
		}
	}
}

func TestClass(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&apiError{Code: 429}, ClassRateLimited},
		{&apiError{Code: 500}, ClassServer},
		{&apiError{Code: 403}, ClassBlocked},
		{&apiError{Code: 401}, ClassAuth},
		{&apiError{Code: 404}, ClassAuth},
		{&apiError{Code: 409}, ClassConflict},
		{&apiError{Code: 400}, ClassBadRequest},
		{&transportError{Err: errTimeout}, ClassNetwork},
		{&transportError{Err: context.DeadlineExceeded}, ClassNetwork},
		{context.Canceled, ClassCanceled},
		{&storeError{errors.New("disk full")}, ClassStore},
		{errors.New("?"), ClassOther},
	}
	for _, tt := range tests {
		if got := Class(tt.err); got != tt.want {
			t.Errorf("Class(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestServerErrorsAreTriedForAsLongAsPatience: a request that meets
// server errors for longer than eight tries is still delivered while its
// patience lasts, and given up after it (B6).
func TestServerErrorsAreTriedForAsLongAsPatience(t *testing.T) {
	r := Retry{Patience: 400 * time.Millisecond, RateLimits: 1, Backoff: 5 * time.Millisecond, MaxBackoff: 10 * time.Millisecond}
	start := time.Now()
	tries := 0
	err := r.do(context.Background(), realClock{}, func() error {
		tries++
		if time.Since(start) < 200*time.Millisecond {
			return &apiError{Code: 502}
		}
		return nil
	}, nil)
	if err != nil || tries <= 8 {
		t.Errorf("after %d tries: %v; want the reply delivered after the outage", tries, err)
	}
	start = time.Now()
	err = r.do(context.Background(), realClock{}, func() error { return &apiError{Code: 502} }, nil)
	if d := time.Since(start); err == nil || d < 400*time.Millisecond || d > 2*time.Second {
		t.Errorf("an endless outage gave up after %v with %v; want about the patience", d, err)
	}
}
