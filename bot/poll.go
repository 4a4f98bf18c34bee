package bot

import (
	"context"
	"encoding/json"
	"errors"
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
	backoff, failures := time.Duration(0), 0
	for ctx.Err() == nil {
		if backoff > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		ups, raws, err := b.getUpdates(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			class := Class(err)
			if class == ClassAuth {
				return err
			}
			failures++
			backoff = b.retry.pollWait(err, failures)
			if class == ClassRateLimited {
				// A 429 on a call that names no chat holds the whole bot.
				b.pace.pauseAll(backoff)
			}
			b.log.Warn("getUpdates failed", "class", class, "err", err, "retry_in", backoff)
			continue
		}
		idless := 0
		for _, raw := range raws {
			// Some update in the batch did not decode: one by one, so
			// one malformed update does not stall the rest.
			u, err := decodeUpdate(raw)
			if u.ID == 0 {
				idless++
			}
			if u.ID >= b.offset.Load() {
				b.offset.Store(u.ID + 1)
			}
			if err != nil {
				b.log.Warn("update skipped: cannot decode", "err_type", errorType(err))
				continue
			}
			ups = append(ups, u)
		}
		for _, u := range ups {
			if u == nil {
				continue
			}
			if u.ID >= b.offset.Load() {
				b.offset.Store(u.ID + 1)
			}
			b.prepare(u)
			if err := b.dispatch.submit(ctx, u); err != nil {
				// Shutting down: this update and the rest of the batch
				// stay unconfirmed, so Telegram sends them again.
				return ctx.Err()
			}
		}
		backoff, failures = 0, 0
		if idless > 0 && idless == len(raws) {
			// Not one update id could be read, so the offset cannot move
			// past them: wait before asking again rather than spin.
			backoff = b.retry.backoff(1)
			b.log.Warn("getUpdates batch unreadable", "count", idless)
		}
	}
	return ctx.Err()
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
