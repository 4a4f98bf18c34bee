package bot

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"time"
)

// allowedUpdates are the update kinds the guide asks Telegram for.
var allowedUpdates = []string{"message", "callback_query", "inline_query", "chosen_inline_result", "my_chat_member"}

// poll long-polls getUpdates until ctx ends. An update is confirmed to
// Telegram (by asking for the next offset) only once the dispatcher has
// accepted it, and Run drains accepted updates before it returns, so an
// update Telegram counts as delivered is not lost at shutdown.
func (b *Bot) poll(ctx context.Context) error {
	if err := b.retry.do(ctx, b.clock, func() error {
		err := b.api.call(ctx, "deleteWebhook", []byte(`{}`), nil)
		b.metrics.call("deleteWebhook", err)
		return err
	}, b.metrics.wait); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Not fatal: getUpdates says so again if a webhook is still set.
		b.log.Warn("deleteWebhook failed", "class", Class(err), "err", err)
	} else {
		b.reached.Store(true)
	}
	b.log.Info("polling for updates")
	backoff, failures, idle := time.Duration(0), 0, 0
	warn := rateLimited{every: 10 * time.Second}
	for ctx.Err() == nil {
		if backoff > 0 && !sleep(ctx, b.clock, backoff) {
			return ctx.Err()
		}
		asked := time.Now()
		ups, raws, err := b.getUpdates(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			class := Class(err)
			if class == ClassAuth {
				// The token was revoked or is not this bot's: no retry
				// can help, so the bot stops and says so (cmd).
				return err
			}
			failures++
			backoff = b.retry.pollWait(err, failures)
			if class == ClassRateLimited {
				// A 429 on a call that names no chat holds the whole bot.
				b.pace.pauseAll(backoff)
			}
			if warn.ok() {
				b.log.Warn("getUpdates failed", "class", class, "err", err, "retry_in", backoff, "failures", failures)
			}
			continue
		}
		failures = 0
		handled := 0
		for _, raw := range raws {
			// Some update in the batch did not decode: one by one, so
			// one malformed update does not stall the rest.
			u, err := decodeUpdate(raw)
			if b.advance(u.ID) && err == nil {
				ups = append(ups, u)
			} else if err != nil && warn.ok() {
				b.log.Warn("update skipped: cannot decode", "err_type", errorType(err))
			}
		}
		for _, u := range ups {
			if u == nil || len(raws) == 0 && !b.advance(u.ID) {
				continue
			}
			b.prepare(u)
			if err := b.dispatch.submit(ctx, u); err != nil {
				// Shutting down: this update and the rest of the batch
				// stay unconfirmed, so Telegram sends them again.
				return ctx.Err()
			}
			handled++
		}
		// A long poll that comes back at once with nothing new (a server
		// that ignores the timeout, a batch of updates already seen or
		// unreadable, forged ids the offset cannot pass) must not become a
		// busy loop: wait, longer each time, and say so now and then.
		backoff = 0
		if handled == 0 && time.Since(asked) < minPoll {
			idle++
			backoff = min(minPoll<<min(idle-1, 5), b.retry.MaxBackoff*4)
			if len(ups)+len(raws) > 0 && warn.ok() {
				b.log.Warn("getUpdates gave nothing new", "count", len(ups)+len(raws), "retry_in", backoff)
			}
		} else {
			idle = 0
		}
	}
	return ctx.Err()
}

// minPoll is the least time between two polls that bring nothing.
const minPoll = 250 * time.Millisecond

// advance moves the offset past update id and reports whether the update
// is new. An id at or below the offset was handled already (a server
// replaying it); an id that is not positive, or so large that the next
// offset would overflow, is forged: it is skipped, and never moves the
// offset.
func (b *Bot) advance(id int64) bool {
	if id <= 0 || id == math.MaxInt64 {
		return false
	}
	if id < b.offset.Load() {
		return false
	}
	b.offset.Store(id + 1)
	return true
}

// rateLimited lets a repeated warning through at most once per period.
type rateLimited struct {
	every time.Duration
	last  time.Time
}

func (r *rateLimited) ok() bool {
	if time.Since(r.last) < r.every {
		return false
	}
	r.last = time.Now()
	return true
}

// getUpdates asks for the next batch: decoded, or raw if some update in
// it cannot be decoded.
func (b *Bot) getUpdates(ctx context.Context) ([]*update, []json.RawMessage, error) {
	body, err := json.Marshal(struct {
		Offset         int64    `json:"offset"`
		Timeout        int      `json:"timeout"`
		AllowedUpdates []string `json:"allowed_updates"`
	}{b.offset.Load(), int(b.cfg.PollTimeout / time.Second), allowedUpdates})
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.PollTimeout+15*time.Second)
	defer cancel()
	ups, raws, err := b.api.getUpdates(ctx, body)
	if ctx.Err() == nil {
		b.metrics.call("getUpdates", err)
	}
	if err != nil {
		return nil, nil, err
	}
	b.reached.Store(true)
	return ups, raws, nil
}

// errorType names a decoding error's kind without its text, which can
// quote the update.
func errorType(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax"
	case errors.As(err, &te):
		return "type"
	}
	return "other"
}
