package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"asylumguide/flows"
	"asylumguide/flows/render"
	"asylumguide/locales"

	"github.com/prometheus/client_golang/prometheus"
)

// Prefs stores each user's chosen language. *data.Store implements it.
type Prefs interface {
	Language(userID int64) (string, error)
	SetLanguage(userID int64, tag string) error
	Forget(userID int64) error
}

// Config is what a Bot needs.
type Config struct {
	Token  string
	APIURL string // DefaultAPIURL if empty
	// Transport carries the Bot API requests; one tuned for many workers
	// if nil. As net/http requires of every RoundTripper, it must not
	// modify the request: requests share their header map.
	Transport http.RoundTripper
	Prefs     Prefs
	Screens   *render.Screens
	Log       *slog.Logger
	// Workers handle updates in parallel (64 if 0); MaxPending bounds the
	// updates waiting for them (4096 if 0), PerChat those of one chat (8
	// if 0).
	Workers, MaxPending, PerChat int
	Retry                        Retry         // defaultRetry if zero
	PollTimeout                  time.Duration // long-poll wait; 50s if 0
	// DrainTimeout is how long the drain at shutdown waits for an update
	// to finish before it gives up on the rest; 10s if 0.
	DrainTimeout time.Duration
	// Username is the bot's @username, for commands such as
	// /start@AsylumGuideBot in groups. Learned from getMe if empty.
	Username string
	// Metrics is where the bot registers its Prometheus metrics; they are
	// kept but not published if nil.
	Metrics prometheus.Registerer
	// Now is the clock, for the appeal-deadline helper; time.Now if nil.
	Now func() time.Time
	// Guide returns the whole guide in a language as one HTML document,
	// for "Save the whole guide"; the button does nothing if nil.
	Guide func(lang string) ([]byte, error)
}

// Bot answers updates with screens of the guide.
type Bot struct {
	cfg Config
	api *client
	// guide is what the bot shows; Reload swaps it for new content.
	guide    atomic.Pointer[guide]
	log      *slog.Logger
	retry    Retry
	dispatch *dispatcher
	metrics  *metrics
	username atomic.Pointer[string]
	// reached is set once Telegram has answered getMe or getUpdates: the
	// token works and the network is there.
	reached atomic.Bool
	// webhookWanted and webhookSet: in webhook mode, no update arrives
	// until Telegram has accepted the webhook.
	webhookWanted, webhookSet atomic.Bool
	// offset is the next getUpdates offset: every update below it has
	// been accepted by the dispatcher.
	offset atomic.Int64
	// hooks lets tests observe handled updates.
	afterHandle func(*update, error)
}

// New checks cfg and prepares a bot; Run or the webhook handler starts it.
func New(cfg Config) (*Bot, error) {
	if cfg.Token == "" {
		return nil, errors.New("no bot token")
	}
	if cfg.Screens == nil || cfg.Prefs == nil {
		return nil, errors.New("bot needs screens and prefs")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 4096
	}
	if cfg.PerChat <= 0 {
		cfg.PerChat = 8
	}
	if cfg.Retry.Attempts == 0 && cfg.Retry.Patience == 0 {
		cfg.Retry = defaultRetry
	}
	if cfg.Retry.RateLimits == 0 {
		cfg.Retry.RateLimits = defaultRetry.RateLimits
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 50 * time.Second
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	g, err := newGuide(cfg.Screens)
	if err != nil {
		return nil, err
	}
	b := &Bot{
		cfg:   cfg,
		api:   newClient(cfg.APIURL, cfg.Token, cfg.Transport),
		log:   cfg.Log,
		retry: cfg.Retry,
	}
	b.guide.Store(g)
	if cfg.Username != "" {
		b.username.Store(&cfg.Username)
	}
	b.dispatch = newDispatcher(cfg.Workers, cfg.MaxPending, cfg.PerChat, b.process)
	b.metrics = newMetrics(cfg.Metrics, cfg.Screens, b.dispatch, cfg.Prefs)
	return b, nil
}

// Run handles updates until ctx ends: from long polling when poll is true,
// otherwise from the webhook handler. Then it stops taking updates and
// finishes those it has, while they are being answered (see
// giveUpWhenStuck).
func (b *Bot) Run(ctx context.Context, poll bool) error {
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	b.dispatch.start(work)
	var pollErr error
	if poll {
		pollErr = b.poll(ctx)
	} else {
		<-ctx.Done()
	}
	drain, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go b.giveUpWhenStuck(drain, cancel)
	if lost := b.dispatch.close(drain, cancelWork); lost > 0 {
		b.log.Error("shutdown: updates not handled in time", "count", lost)
	}
	if pollErr != nil && !errors.Is(pollErr, context.Canceled) {
		return pollErr
	}
	return nil
}

// giveUpWhenStuck ends the drain once no accepted update has been
// finished for DrainTimeout: while updates are still being answered, the
// drain goes on, so nothing Telegram counts as delivered is dropped at a
// fixed deadline while work is in progress.
func (b *Bot) giveUpWhenStuck(ctx context.Context, cancel func()) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	last, _ := b.dispatch.stats()
	since := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pending, _ := b.dispatch.stats()
		switch {
		case pending == 0:
			return
		case pending < last:
			last, since = pending, time.Now()
		case time.Since(since) > b.cfg.DrainTimeout:
			cancel()
			return
		}
	}
}

// process handles one update and logs the outcome: the one place where
// update errors are logged.
func (b *Bot) process(ctx context.Context, u *update) {
	start := time.Now()
	node, lang, err := b.safeHandle(ctx, u)
	dur := time.Since(start)
	b.metrics.update(u.kind(), dur)
	defer func() {
		if b.afterHandle != nil {
			b.afterHandle(u, err)
		}
	}()
	level, msg := slog.LevelDebug, "update"
	switch {
	case err == nil:
	case Class(err) == ClassBlocked:
		msg = "update: user blocked the bot"
	default:
		level, msg = slog.LevelWarn, "update failed"
	}
	// Checked first: building the attributes costs allocations that a
	// busy bot at info level should not pay for every update.
	if !b.log.Enabled(ctx, level) {
		return
	}
	attrs := []any{"kind", u.kind(), "node", string(node), "lang", lang, "dur", dur}
	if level == slog.LevelWarn {
		attrs = append(attrs, "class", Class(err), "err", err)
	}
	b.log.Log(ctx, level, msg, attrs...)
}

// errPanic marks an update whose handling panicked.
var errPanic = errors.New("panic while handling update")

func (b *Bot) safeHandle(ctx context.Context, u *update) (node flows.ID, lang string, err error) {
	defer func() {
		if r := recover(); r != nil {
			// The panic value could quote an update; log only where it
			// happened.
			b.log.Error("panic recovered", "kind", u.kind(), "stack", string(debug.Stack()))
			err = errPanic
		}
	}()
	return b.handle(ctx, u)
}

// handle answers one update and returns the node it showed and the
// language it showed it in.
func (b *Bot) handle(ctx context.Context, u *update) (flows.ID, string, error) {
	switch {
	case u.CallbackQuery != nil:
		return b.onCallback(ctx, u.CallbackQuery)
	case u.Message != nil:
		return b.onMessage(ctx, u.Message)
	case u.InlineQuery != nil:
		return b.onInline(ctx, u.InlineQuery)
	case u.ChosenInline != nil:
		return b.onChosenInline(u.ChosenInline)
	}
	// Edited messages, channel posts, inline queries and membership
	// changes need no answer.
	return "", "", nil
}

// language picks the language for a user: their stored choice, else their
// Telegram app's language if the guide has it, else English.
func (b *Bot) language(u *user) (string, error) {
	tag, err := b.cfg.Prefs.Language(u.ID)
	if err == nil && tag != "" && b.g().screens.Tree().HasLanguage(tag) {
		return tag, nil
	}
	if l, ok := b.g().screens.Catalog().Match(u.LanguageCode); ok {
		tag = l.Tag
	} else {
		tag = locales.Default
	}
	if err != nil {
		return tag, &storeError{err}
	}
	return tag, nil
}

func (b *Bot) onMessage(ctx context.Context, m *message) (flows.ID, string, error) {
	if m.From == nil || m.From.IsBot {
		return "", "", nil
	}
	if m.Chat.Type != "private" {
		return b.onGroupMessage(ctx, m)
	}
	lang, storeErr := b.language(m.From)
	node := flows.Main
	remember := false
	name, arg, isCommand := parseCommand(m.Text, b.botUsername())
	isCommand = isCommand && !m.forwarded()
	if !isCommand && m.Text != "" {
		// A typed question: the answer lists the screens it finds. The
		// text is searched and forgotten; it is never logged or counted.
		sc, found, err := b.g().screens.Search(lang, m.Text)
		if err != nil {
			return "", lang, err
		}
		b.metrics.search(lang, found)
		return "search", lang, errors.Join(b.send(ctx, m.Chat.ID, sc), storeErr)
	}
	if isCommand {
		if c, ok := flows.LookupCommand(name); ok {
			node = c.Node
			if c.Guide {
				return node, lang, joinStore(b.sendGuide(ctx, m.Chat.ID, lang), storeErr)
			}
			if c.Forget {
				if err := b.cfg.Prefs.Forget(m.From.ID); err != nil {
					node = flows.ForgetFailed
					storeErr = errors.Join(storeErr, &storeError{err})
				}
			}
		}
		if name == "start" {
			if l, topic, ok := b.parseStart(arg); ok {
				if l != "" {
					lang, remember = l, true
				}
				if topic != "" {
					node = topic
				}
			}
		}
	}
	err := b.send(ctx, m.Chat.ID, b.g().screens.Get(lang, node))
	if remember {
		storeErr = errors.Join(storeErr, b.remember(m.From.ID, lang))
	}
	return node, lang, errors.Join(err, storeErr)
}

// joinStore joins the error of a reply with that of the store.
func joinStore(err, storeErr error) error { return errors.Join(err, storeErr) }

// remember stores a user's language choice. It runs after the reply has
// gone: the person does not wait for the disk, and a failed write still
// leaves them reading in the language they chose.
func (b *Bot) remember(userID int64, lang string) error {
	if err := b.cfg.Prefs.SetLanguage(userID, lang); err != nil {
		return &storeError{err}
	}
	return nil
}

// parseStart reads a deep-link payload: "<lang>" or "<lang>_<topic>". It
// returns ok false for anything else; the payload is never echoed.
func (b *Bot) parseStart(payload string) (lang string, topic flows.ID, ok bool) {
	p, ok := parsePayload(payload)
	if !ok {
		return "", "", false
	}
	if p.lang != "" {
		l, found := b.g().screens.Catalog().Lookup(p.lang)
		if !found {
			// "EN", "sr" or "en-GB" in a hand-written link.
			if l, found = b.g().screens.Catalog().Match(p.lang); !found {
				return "", "", false
			}
		}
		lang = l.Tag
	}
	if p.topic != "" {
		id, found := flows.TopicNode(p.topic)
		if !found {
			return "", "", false
		}
		topic = id
	}
	return lang, topic, true
}

func (b *Bot) onCallback(ctx context.Context, q *callbackQuery) (flows.ID, string, error) {
	lang, storeErr := b.language(&q.From)
	act := b.g().screens.Tree().Parse(q.Data)
	if act.Kind == flows.SetLanguage {
		lang = act.Lang
	}
	sc, notice, err := b.g().screens.Press(act, lang, flows.Today(b.now()))
	if err != nil {
		return act.Target, lang, err
	}
	node := act.Target
	if sc != nil {
		node = sc.Node
	}
	if act.Kind == flows.SetLanguage {
		// Stored first, so that "saved" is said only of what was saved;
		// if it was not, the person is told, and reads on in the
		// language they chose.
		if err := b.remember(q.From.ID, act.Lang); err != nil {
			storeErr = errors.Join(storeErr, err)
			if notice, err = b.g().screens.Text(act.Lang, flows.MsgLanguageNotSaved, nil); err != nil {
				return node, lang, err
			}
		}
	}
	err = b.showCallback(ctx, q, sc, notice)
	if act.Kind == flows.SendGuide && q.Message != nil && q.Message.Chat.Type == "private" {
		err = errors.Join(err, b.sendGuide(ctx, q.Message.Chat.ID, lang))
	}
	return node, lang, errors.Join(err, storeErr)
}

// showCallback answers a button press and shows sc: in place of the
// message the button was on, or as a new message if that one cannot be
// edited any more. A nil sc leaves the message as it is.
func (b *Bot) showCallback(ctx context.Context, q *callbackQuery, sc *render.Screen, notice string) error {
	// The answer only stops the button's spinner: when Telegram refuses
	// it (a query too old after a backlog), the screen is shown anyway,
	// or the tap would seem dead.
	if err := b.answerCallback(ctx, q.ID, notice); err != nil && ctx.Err() == nil {
		b.log.Debug("callback answer refused", "class", Class(err))
	}
	m := q.Message
	if sc == nil || m == nil || m.Chat.Type != "private" {
		// A button on an inline message or in a group: nothing to edit.
		return nil
	}
	if m.Date == 0 {
		// Telegram no longer lets the bot touch that message.
		return b.send(ctx, m.Chat.ID, sc)
	}
	err := b.edit(ctx, m.Chat.ID, m.MessageID, sc)
	switch {
	case err == nil:
	case notModified(err):
		err = nil
	case cannotEdit(err):
		err = b.send(ctx, m.Chat.ID, sc)
	}
	return err
}

// botUsername is the bot's @username once known, or "".
func (b *Bot) botUsername() string {
	if p := b.username.Load(); p != nil {
		return *p
	}
	return ""
}

// send sends sc as a new message to chat.
func (b *Bot) send(ctx context.Context, chat int64, sc *render.Screen) error {
	return b.sendIn(ctx, chat, 0, sc)
}

// sendIn sends sc as a new message to chat, in forum topic thread if it
// is not 0.
func (b *Bot) sendIn(ctx context.Context, chat int64, thread int, sc *render.Screen) error {
	tail, err := b.g().tails.of(sc)
	if err != nil {
		return err
	}
	body := make([]byte, 0, 56+len(tail))
	body = append(body, `{"chat_id":`...)
	body = strconv.AppendInt(body, chat, 10)
	if thread != 0 {
		body = append(body, `,"message_thread_id":`...)
		body = strconv.AppendInt(body, int64(thread), 10)
	}
	body = append(body, ',')
	body = append(body, tail...)
	err = b.call(ctx, "sendMessage", body)
	if err == nil {
		b.metrics.shown(sc)
	}
	return err
}

// edit replaces message msg of chat with sc.
func (b *Bot) edit(ctx context.Context, chat int64, msg int, sc *render.Screen) error {
	tail, err := b.g().tails.of(sc)
	if err != nil {
		return err
	}
	body := make([]byte, 0, 48+len(tail))
	body = append(body, `{"chat_id":`...)
	body = strconv.AppendInt(body, chat, 10)
	body = append(body, `,"message_id":`...)
	body = strconv.AppendInt(body, int64(msg), 10)
	body = append(body, ',')
	body = append(body, tail...)
	err = b.call(ctx, "editMessageText", body)
	if err == nil || notModified(err) {
		b.metrics.shown(sc)
	}
	return err
}

// answerCallback answers a callback query, with a short notice if text
// is set.
func (b *Bot) answerCallback(ctx context.Context, id, text string) error {
	var body []byte
	if text == "" && plainID(id) {
		// The common case, a tap with no notice: no encoder needed.
		body = append(append(append(make([]byte, 0, 32+len(id)), `{"callback_query_id":"`...), id...), `"}`...)
	} else {
		var err error
		body, err = json.Marshal(struct {
			ID   string `json:"callback_query_id"`
			Text string `json:"text,omitempty"`
		}{id, text})
		if err != nil {
			return err
		}
	}
	return b.call(ctx, "answerCallbackQuery", body)
}

// plainID reports whether a callback query id needs no JSON escaping:
// Telegram's are digits.
func plainID(id string) bool {
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return id != ""
}

// call sends one request, retrying as b.retry allows.
func (b *Bot) call(ctx context.Context, method string, body []byte) error {
	return b.retry.do(ctx, func() error {
		err := b.api.call(ctx, method, body, nil)
		b.metrics.call(method, err)
		return err
	}, b.metrics.wait)
}

func (b *Bot) now() time.Time { return b.cfg.Now() }

// guide is the rendered guide the bot shows, with what the adapter keeps
// of it: the encoded screens, the shared cards and the guide's documents.
// A reload replaces all of it at once.
type guide struct {
	screens *render.Screens
	tails   *tails
	cards   cardResults
	files   guideFiles
}

func newGuide(s *render.Screens) (*guide, error) {
	t, err := newTails(s)
	if err != nil {
		return nil, fmt.Errorf("encode screens: %w", err)
	}
	return &guide{screens: s, tails: t}, nil
}

// g is the guide shown now.
func (b *Bot) g() *guide { return b.guide.Load() }

// Reload shows screens from now on: the updates being handled finish with
// the old ones. It reports whether the profile's texts (commands and
// descriptions) changed, so the caller can set them again with Setup's
// SetProfile.
func (b *Bot) Reload(screens *render.Screens) (profileChanged bool, err error) {
	g, err := newGuide(screens)
	if err != nil {
		return false, err
	}
	before := b.profiles()
	b.guide.Store(g)
	return !slices.EqualFunc(before, b.profiles(), equalProfile), nil
}

// Ready reports whether the bot can take updates: Telegram has answered
// since it started (the token is good and the network is up) and, in
// webhook mode, has accepted the webhook.
func (b *Bot) Ready() bool {
	return b.reached.Load() && (!b.webhookWanted.Load() || b.webhookSet.Load())
}
