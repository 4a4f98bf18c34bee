package bot

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"time"
)

// Retry bounds how hard the bot tries to deliver one Bot API request.
type Retry struct {
	// Attempts is the most tries of one request that meets server errors
	// or network faults, the first try included; 0 for no count, only
	// Patience.
	Attempts int
	// Patience is how long a request that keeps meeting server errors or
	// network faults is tried again, from its first try; 0 for no bound
	// but Attempts. A person is waiting for that reply: an outage of a
	// minute or two must delay it, not lose it.
	Patience time.Duration
	// RateLimits is how many times one request may be answered 429 and
	// waited out. Telegram says exactly how long to wait, so these waits
	// get a budget of their own: a throttle must delay a reply, not lose it.
	RateLimits int
	// Backoff is the first wait after a server error or a network fault;
	// it doubles each time, up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
}

// defaultRetry rides out minutes of throttling or of an outage. Each
// retry_after is waited out in full, however long: a parked chat holds
// no worker, and calling before it has passed only makes Telegram hold
// the bot back longer.
var defaultRetry = Retry{Patience: 3 * time.Minute, RateLimits: 20, Backoff: 200 * time.Millisecond, MaxBackoff: 15 * time.Second}

// Error classes, for logs and metrics: they say what went wrong without
// saying anything about the user.
const (
	ClassRateLimited = "rate_limited"
	ClassServer      = "server_error"
	ClassNetwork     = "network"
	ClassBlocked     = "blocked"
	ClassBadRequest  = "bad_request"
	ClassAuth        = "unauthorized"
	ClassConflict    = "conflict"
	ClassCanceled    = "canceled"
	ClassStore       = "store"
	ClassOther       = "other"
)

// Class names the kind of a Bot API or store error.
func Class(err error) string {
	var api *apiError
	var te *transportError
	var se *storeError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	case errors.As(err, &te):
		// Includes timeouts, which net/http reports as DeadlineExceeded.
		return ClassNetwork
	case errors.Is(err, context.DeadlineExceeded):
		return ClassCanceled
	case errors.As(err, &se):
		return ClassStore
	case errors.As(err, &api):
		switch {
		case api.Code == 429:
			return ClassRateLimited
		case api.Code >= 500:
			return ClassServer
		case api.Code == 403:
			return ClassBlocked
		case api.Code == 401 || api.Code == 404:
			return ClassAuth
		case api.Code == 409:
			return ClassConflict
		}
		return ClassBadRequest
	}
	return ClassOther
}

// do runs f until it succeeds, fails for good, or runs out of tries,
// waiting on c in between. After a 429 it waits the whole retry_after
// Telegram gave, never less: calling during the window only makes
// Telegram throttle the bot longer. It holds its goroutine while it
// waits, so it is for the calls at start-up; an update's calls park
// their chat instead (see job). waiting, if set, hears of each wait.
func (r Retry) do(ctx context.Context, c clock, f func() error, waiting func(error, time.Duration)) error {
	faults, limits := 1, 0
	began := c.Now()
	for {
		err := f()
		if err == nil || ctx.Err() != nil {
			return err
		}
		var d time.Duration
		switch Class(err) {
		case ClassRateLimited:
			if limits++; limits > r.RateLimits {
				return err
			}
			d = retryAfter(err)
		case ClassServer, ClassNetwork, ClassOther:
			if faults++; r.Attempts > 0 && faults > r.Attempts || r.Patience > 0 && c.Now().Sub(began) > r.Patience {
				return err
			}
			d = r.backoff(faults - 1)
		default:
			return err
		}
		if waiting != nil {
			waiting(err, d)
		}
		if !sleep(ctx, c, d) {
			return err
		}
	}
}

// retryAfter is the wait a 429 asks for, in full, and at least a second.
func retryAfter(err error) time.Duration {
	secs := 1
	var api *apiError
	if errors.As(err, &api) && api.RetryAfter > 0 {
		secs = api.RetryAfter
	}
	return time.Duration(secs) * time.Second
}

// pollWait is the wait before polling again after n failed polls in a
// row: what a 429 asks, else the backoff.
func (r Retry) pollWait(err error, n int) time.Duration {
	if Class(err) == ClassRateLimited {
		return retryAfter(err)
	}
	return r.backoff(n)
}

// backoff is the wait before retry n (1, 2, …) after a fault: doubling
// from Backoff up to MaxBackoff, with jitter to spread the retries of many
// chats after an outage.
func (r Retry) backoff(n int) time.Duration {
	d := r.Backoff << (n - 1)
	if d <= 0 || d > r.MaxBackoff {
		d = r.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// notModified reports the harmless error of editing a message to what it
// already shows (a double tap).
func notModified(err error) bool {
	var api *apiError
	return errors.As(err, &api) && api.Code == 400 && strings.Contains(api.Description, "message is not modified")
}

// cannotEdit reports that the message to edit is gone or too old, so the
// screen must come as a new message.
func cannotEdit(err error) bool {
	var api *apiError
	if !errors.As(err, &api) || api.Code != 400 {
		return false
	}
	d := strings.ToLower(api.Description)
	return strings.Contains(d, "message to edit not found") ||
		strings.Contains(d, "message can't be edited") ||
		strings.Contains(d, "message_id_invalid")
}

// storeError wraps a failure of the language store.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }
