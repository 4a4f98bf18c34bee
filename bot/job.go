package bot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"asylumguide/flows"
	"asylumguide/flows/render"
)

// request is one Bot API call that answers an update.
type request struct {
	method string
	// chat is the chat the call writes a message to: such a call is
	// paced, and waits out the chat's retry_after. 0 for a call that
	// writes no message (a tap's answer, an inline answer).
	chat   int64
	body   []byte
	header http.Header // jsonHeader if nil
	result any         // the answer's result is decoded into it, if set
	// done hears how the call ended (nil if it succeeded) and returns
	// the calls that follow from it and the error to report; without
	// done, the error is reported as it is.
	done func(err error) ([]*request, error)
	// courtesy marks a call whose failure is only logged, at debug
	// level: a tap's answer, which only stops the button's spinner.
	courtesy bool
	// screen is the screen a sendMessage or editMessageText shows: it is
	// counted once shown, and an edit that can no longer be made is sent
	// as a new message.
	screen *render.Screen
}

// job is the work of one update: the guide decides the answer at once,
// and the calls that deliver it go out one by one, each when the pacer
// and Telegram allow. A call that must wait parks the job; the
// dispatcher runs it again later from where it stopped.
type job struct {
	b     *Bot
	u     *update // nil for a tap's answer sent aside
	start time.Time
	node  flows.ID
	lang  string
	err   error
	reqs  []*request // still to make, the next first
	// first and slots hold the usual calls, an answer and a screen,
	// without allocations of their own.
	first [2]*request
	slots [2]request
	used  int
	// after runs once every call is made: storing a language choice,
	// which the person does not wait for.
	after  func() error
	ticket ticket
	// faults and limits count the tries of the next call that met a
	// fault or a 429; faultSince is when its first fault came.
	faults, limits int
	faultSince     time.Time
	// parkedAt and cause describe the wait the job is in, if any.
	parkedAt time.Time
	cause    waitCause
}

// begin decides the answer to u and returns the job that delivers it.
func (b *Bot) begin(u *update) task {
	j := &job{b: b, u: u, start: b.clock.Now(), ticket: ticket{key: u.chatKey(), seq: u.seq}}
	j.reqs = j.first[:0]
	if body := u.takeAnswer(); body != nil {
		// The chat was idle when the tap came: answered first thing.
		j.answer(body)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				j.panicked()
			}
		}()
		j.node, j.lang, j.err = b.handle(j, u)
	}()
	return j
}

// aside takes out the answer to a tap that arrives while its chat is
// busy, or that is dropped for a newer one, so that the button stops
// spinning at once. A language choice is answered "saved" only once it
// is stored, in its turn (see onCallback); here it gets an empty answer.
// The tap's screen is decided again when its turn comes: an earlier
// update may change the language.
func (b *Bot) aside(u *update) task {
	u.decided = false
	if q := u.CallbackQuery; u.answer == nil && q != nil && !u.answered && u.press.act.Kind == flows.SetLanguage {
		u.answer, _ = answerBody(q.ID, "")
	}
	body := u.takeAnswer()
	if body == nil {
		return nil
	}
	j := &job{b: b, start: b.clock.Now()}
	j.reqs = j.first[:0]
	j.answer(body)
	return j
}

// step makes the job's calls until they are done or one must wait.
func (j *job) step(ctx context.Context) (wait time.Duration, cause waitCause, done bool) {
	b := j.b
	if !j.parkedAt.IsZero() {
		b.metrics.waited(j.cause, b.clock.Now().Sub(j.parkedAt))
		j.parkedAt = time.Time{}
	}
	defer func() {
		if r := recover(); r != nil {
			j.panicked()
			wait, cause, done = 0, causeNone, j.finish()
		}
	}()
	for len(j.reqs) > 0 {
		if err := ctx.Err(); err != nil {
			j.err = errors.Join(j.err, err)
			break
		}
		r := j.reqs[0]
		if r.chat != 0 {
			j.ticket.chat = r.chat
			if d, c := b.pace.acquire(&j.ticket); d != 0 {
				return j.park(d, c)
			}
		} else if d := b.pace.paused(); d > 0 {
			return j.park(d, causeGlobal429)
		}
		header := r.header
		if header == nil {
			header = jsonHeader
		}
		err := b.api.post(ctx, b.api.rt, r.method, header, r.body, r.result)
		b.metrics.call(r.method, err)
		if err == nil {
			b.pace.accepted()
		} else if d, c, again := j.retry(r, err); again && ctx.Err() == nil {
			if d == 0 {
				// A write refused with 429: acquire says how long its
				// chat, or the whole bot, must wait.
				continue
			}
			return j.park(d, c)
		}
		j.faults, j.limits = 0, 0
		j.reqs = j.reqs[1:]
		switch {
		case r.screen != nil:
			var more *request
			more, err = j.shown(r, err)
			if more != nil {
				j.reqs = append([]*request{more}, j.reqs...)
			}
		case r.courtesy:
			if err != nil && Class(err) != ClassCanceled {
				b.log.Debug("callback answer refused", "class", Class(err))
			}
			err = nil
		case r.done != nil:
			var more []*request
			more, err = r.done(err)
			if len(more) > 0 {
				j.reqs = append(more, j.reqs...)
			}
		}
		if err != nil {
			j.err = errors.Join(j.err, err)
		}
	}
	return 0, causeNone, j.finish()
}

// retry decides whether a failed call is tried again, after how long,
// and why. A 429 is recorded with the pacer, which holds the chat (or
// the whole bot) for the whole retry_after.
func (j *job) retry(r *request, err error) (time.Duration, waitCause, bool) {
	rt := j.b.retry
	switch Class(err) {
	case ClassRateLimited:
		d := retryAfter(err)
		j.b.pace.refused(r.chat, d)
		if j.limits++; j.limits > rt.RateLimits {
			return 0, causeNone, false
		}
		if r.chat != 0 {
			return 0, causeChat429, true
		}
		return d, causeChat429, true
	case ClassServer, ClassNetwork, ClassOther:
		now := j.b.clock.Now()
		if j.faults == 0 {
			j.faultSince = now
		}
		if j.faults++; rt.Attempts > 0 && j.faults >= rt.Attempts || rt.Patience > 0 && now.Sub(j.faultSince) > rt.Patience {
			return 0, causeNone, false
		}
		return rt.backoff(j.faults), causeBackoff, true
	}
	return 0, causeNone, false
}

// park records the wait the job goes into.
func (j *job) park(d time.Duration, c waitCause) (time.Duration, waitCause, bool) {
	j.parkedAt, j.cause = j.b.clock.Now(), c
	return d, c, false
}

// finish runs what follows the calls and logs the update: the one place
// where update errors are logged.
func (j *job) finish() bool {
	b := j.b
	if j.after != nil {
		j.err = errors.Join(j.err, j.after())
		j.after = nil
	}
	u := j.u
	if u == nil {
		return true
	}
	dur := b.clock.Now().Sub(j.start)
	b.metrics.update(u.kind(), dur)
	if b.afterHandle != nil {
		defer b.afterHandle(u, j.err)
	}
	level, msg := slog.LevelDebug, "update"
	switch {
	case j.err == nil:
	case Class(j.err) == ClassBlocked:
		msg = "update: user blocked the bot"
	default:
		level, msg = slog.LevelWarn, "update failed"
	}
	// Checked first: building the attributes costs allocations that a
	// busy bot at info level should not pay for every update.
	if !b.log.Enabled(context.Background(), level) {
		return true
	}
	attrs := []any{"kind", u.kind(), "node", string(j.node), "lang", j.lang, "dur", dur}
	if level == slog.LevelWarn {
		attrs = append(attrs, "class", Class(j.err), "err", j.err)
	}
	b.log.Log(context.Background(), level, msg, attrs...)
	return true
}

// errPanic marks an update whose handling panicked.
var errPanic = errors.New("panic while handling update")

// panicked drops the rest of a job that panicked. The panic value could
// quote an update; only where it happened is logged.
func (j *job) panicked() {
	kind := "answer"
	if j.u != nil {
		kind = j.u.kind()
	}
	j.b.log.Error("panic recovered", "kind", kind, "stack", string(debug.Stack()))
	j.err, j.reqs, j.after = errPanic, nil, nil
}

// send adds sending sc as a new message to chat.
func (j *job) send(chat int64, sc *render.Screen) error {
	return j.sendIn(chat, 0, sc)
}

// sendIn adds sending sc as a new message to chat, in forum topic thread
// if it is not 0.
func (j *job) sendIn(chat int64, thread int, sc *render.Screen) error {
	r, err := j.sendRequest(chat, thread, sc)
	if err != nil {
		return err
	}
	j.reqs = append(j.reqs, r)
	return nil
}

func (j *job) sendRequest(chat int64, thread int, sc *render.Screen) (*request, error) {
	return j.screenRequest("sendMessage", chat, "message_thread_id", thread, sc)
}

// edit adds replacing message msg of chat with sc; a double tap ("message
// is not modified") is no error, and a message that can no longer be
// edited gets sc as a new message.
func (j *job) edit(chat int64, msg int, sc *render.Screen) error {
	r, err := j.screenRequest("editMessageText", chat, "message_id", msg, sc)
	if err != nil {
		return err
	}
	j.reqs = append(j.reqs, r)
	return nil
}

// screenRequest is the call method that shows sc in chat, with the
// number field (a message or a forum topic) set to n unless n is 0.
func (j *job) screenRequest(method string, chat int64, field string, n int, sc *render.Screen) (*request, error) {
	tail, err := j.b.g().tails.of(sc)
	if err != nil {
		return nil, err
	}
	body := make([]byte, 0, 64+len(tail))
	body = append(body, `{"chat_id":`...)
	body = strconv.AppendInt(body, chat, 10)
	if n != 0 {
		body = append(body, `,"`...)
		body = append(body, field...)
		body = append(body, `":`...)
		body = strconv.AppendInt(body, int64(n), 10)
	}
	body = append(body, ',')
	body = append(body, tail...)
	r := j.request()
	r.method, r.chat, r.body, r.screen = method, chat, body, sc
	return r, nil
}

// shown hears how a screen's call ended: it counts a screen shown, and
// turns an edit that can no longer be made into a new message.
func (j *job) shown(r *request, err error) (*request, error) {
	switch {
	case err == nil, r.method == "editMessageText" && notModified(err):
		j.b.metrics.shown(r.screen)
		return nil, nil
	case r.method == "editMessageText" && cannotEdit(err):
		return j.sendRequest(r.chat, 0, r.screen)
	}
	return nil, err
}

// request returns a blank request, from the job's own room while it has
// some.
func (j *job) request() *request {
	if j.used < len(j.slots) {
		j.used++
		return &j.slots[j.used-1]
	}
	return new(request)
}

// answer adds answering a tap with body. The answer only stops the
// button's spinner: when Telegram refuses it (a query too old after a
// backlog), the rest goes on, or the tap would seem dead.
func (j *job) answer(body []byte) {
	r := j.request()
	r.method, r.body, r.courtesy = "answerCallbackQuery", body, true
	j.reqs = append(j.reqs, r)
}
