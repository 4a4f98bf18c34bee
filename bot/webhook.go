package bot

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"sync"
)

// maxWebhookBody bounds an update delivered to the webhook. Telegram's
// updates are a few kilobytes; a text message at the 4,096-character limit
// with its entities stays well below this.
const maxWebhookBody = 1 << 20

// SecretHeader carries the webhook secret Telegram was given in setWebhook.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// WebhookHandler serves Telegram's webhook calls. It checks the secret in
// constant time (401), takes only POST (405), bounds the body (413),
// rejects what is not an update (400), and answers 200 only once the
// update is queued. While the bot shuts down it answers 503, and Telegram
// delivers the update again later.
//
// Telegram makes one Bot API call given in the response to its POST. A
// tap's answer goes there: it is decided as the update arrives, needs
// nothing from earlier updates, and its result is not needed, so the 200
// waits for nothing but the queue and the bot saves a request per tap.
// Messages are ordinary calls, whose errors the bot sees.
func (b *Bot) WebhookHandler(secret string) http.Handler {
	want := []byte(secret)
	var seen recentIDs
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get(SecretHeader))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		u, err := decodeUpdate(body)
		if u.ID <= 0 {
			http.Error(w, "not a Telegram update", http.StatusBadRequest)
			return
		}
		if err != nil {
			// An update with fields we cannot read: take it, so Telegram
			// does not send it again, and skip it.
			b.log.Warn("update skipped: cannot decode", "err_type", errorType(err))
			w.WriteHeader(http.StatusOK)
			return
		}
		if !seen.add(u.ID) {
			// Delivered again (Telegram, or a proxy, retrying): answered
			// once already.
			w.WriteHeader(http.StatusOK)
			return
		}
		b.prepare(u)
		answer := u.takeAnswer()
		if err := b.dispatch.submit(r.Context(), u); err != nil {
			seen.remove(u.ID)
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		if answer == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(webhookReply(answer))
		b.metrics.webhookReply()
	})
}

// webhookReply turns the body of a call to answerCallbackQuery into a
// webhook response that asks Telegram to make it.
func webhookReply(body []byte) []byte {
	out := make([]byte, 0, len(body)+32)
	out = append(out, `{"method":"answerCallbackQuery",`...)
	return append(out, body[1:]...)
}

// recentIDs remembers the last update ids the webhook took, so that an
// update delivered twice is answered once.
type recentIDs struct {
	mu   sync.Mutex
	ids  map[int64]bool
	ring [recentMax]int64
	next int
}

const recentMax = 1024

// add records id and reports whether it is new.
func (r *recentIDs) add(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = make(map[int64]bool, recentMax)
	}
	if r.ids[id] {
		return false
	}
	delete(r.ids, r.ring[r.next])
	r.ring[r.next] = id
	r.next = (r.next + 1) % recentMax
	r.ids[id] = true
	return true
}

// remove forgets id, for an update that was refused and will come again.
func (r *recentIDs) remove(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.ids, id)
}
