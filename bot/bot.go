package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"asylumguide/flows"
	"asylumguide/flows/render"
	"asylumguide/locales"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
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
	// Rate bounds the messages sent or edited a second across all chats
	// (DefaultRate if 0), Burst how many may go at once (DefaultBurst if
	// 0); ChatRate and ChatBurst do the same in one chat (DefaultChatRate
	// and DefaultChatBurst if 0). rate.Inf turns a limit off, for a local
	// Bot API server, which has no such limits. Taps are answered outside
	// these limits: an answer is no message.
	Rate, ChatRate   rate.Limit
	Burst, ChatBurst int
	Retry            Retry         // defaultRetry if zero
	PollTimeout      time.Duration // long-poll wait; 50s if 0
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
	// clock is what pacing, parking and retries wait on; the system's
	// clock if nil. Tests set a fake one.
	clock clock
}

// Bot answers updates with screens of the guide.
type Bot struct {
	cfg Config
	api *client
	// guide is what the bot shows; Reload swaps it for new content.
	guide    atomic.Pointer[guide]
	log      *slog.Logger
	retry    Retry
	clock    clock
	pace     *pacer
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
	// langChanges counts the language choices stored or forgotten, so
	// that a tap decided as it arrived knows whether its language may
	// have changed before its turn.
	langChanges atomic.Uint64
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
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.ChatRate == 0 {
		cfg.ChatRate = DefaultChatRate
	}
	if cfg.ChatBurst <= 0 {
		cfg.ChatBurst = DefaultChatBurst
	}
	if cfg.Rate < 0 || cfg.ChatRate < 0 {
		return nil, errors.New("bot: a rate cannot be negative (rate.Inf turns a limit off)")
	}
	if cfg.clock == nil {
		cfg.clock = realClock{}
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
		clock: cfg.clock,
		pace:  newPacer(cfg.clock, cfg.Rate, cfg.Burst, cfg.ChatRate, cfg.ChatBurst),
	}
	b.guide.Store(g)
	if cfg.Username != "" {
		b.username.Store(&cfg.Username)
	}
	b.dispatch = newDispatcher(cfg.clock, cfg.Workers, cfg.MaxPending, cfg.PerChat, b.begin, b.aside)
	b.pace.wake = b.dispatch.wake
	b.metrics = newMetrics(cfg.Metrics, cfg.Screens, b.dispatch, b.pace, cfg.Prefs)
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
	last, _, _ := b.dispatch.stats()
	since := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pending, _, _ := b.dispatch.stats()
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

// handle decides the answer to one update: it adds the calls that
// deliver it to j, and returns the node it shows and the language it
// shows it in.
func (b *Bot) handle(j *job, u *update) (flows.ID, string, error) {
	switch {
	case u.CallbackQuery != nil:
		// The decision made as the tap arrived stands unless a
		// language was stored or forgotten since: an update of the
		// same chat just before it may have changed the person's.
		p := &u.press
		if !u.decided || b.langChanges.Load() != u.langChanges && p.act.Kind != flows.SetLanguage && !b.stillIn(&u.CallbackQuery.From, p.lang) {
			b.decide(u.CallbackQuery, p)
		}
		return b.onCallback(j, u.CallbackQuery, p)
	case u.Message != nil:
		return b.onMessage(j, u.Message)
	case u.InlineQuery != nil:
		return b.onInline(j, u.InlineQuery)
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

func (b *Bot) onMessage(j *job, m *message) (flows.ID, string, error) {
	if m.From == nil || m.From.IsBot {
		return "", "", nil
	}
	if m.Chat.Type != "private" {
		return b.onGroupMessage(j, m)
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
		return "search", lang, errors.Join(j.send(m.Chat.ID, sc), storeErr)
	}
	if isCommand {
		if c, ok := flows.LookupCommand(name); ok {
			node = c.Node
			if c.Guide {
				return node, lang, errors.Join(j.guide(m.Chat.ID, lang), storeErr)
			}
			if c.Forget {
				err := b.cfg.Prefs.Forget(m.From.ID)
				b.langChanges.Add(1)
				if err != nil {
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
	err := j.send(m.Chat.ID, b.g().screens.Get(lang, node))
	if remember {
		j.after = func() error { return b.remember(m.From.ID, lang) }
	}
	return node, lang, errors.Join(err, storeErr)
}

// remember stores a user's language choice. A failed write still leaves
// them reading in the language they chose.
func (b *Bot) remember(userID int64, lang string) error {
	defer b.langChanges.Add(1)
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

func (b *Bot) onCallback(j *job, q *callbackQuery, p *press) (flows.ID, string, error) {
	act, lang := p.act, p.lang
	if p.err != nil {
		return act.Target, lang, p.err
	}
	node := act.Target
	if p.sc != nil {
		node = p.sc.Node
	}
	storeErr := p.storeErr
	if act.Kind == flows.SetLanguage {
		// Stored before the tap is answered, so that "saved" is said
		// only of what was saved. A tap that came while its chat was busy
		// was answered, empty, then (see aside).
		if err := b.remember(q.From.ID, act.Lang); err != nil {
			storeErr = errors.Join(storeErr, err)
			if err := b.notSaved(j, q, act.Lang); err != nil {
				return node, lang, err
			}
		} else if !j.u.answered {
			body, err := answerBody(q.ID, p.notice)
			if err != nil {
				return node, lang, err
			}
			j.answer(body)
		}
	}
	err := b.showCallback(j, q, p.sc)
	if act.Kind == flows.SendGuide && q.Message != nil && q.Message.Chat.Type == "private" {
		err = errors.Join(err, j.guide(q.Message.Chat.ID, lang))
	}
	return node, lang, errors.Join(err, storeErr)
}

// notSaved tells the person their language choice could not be stored;
// they read on in the language they chose. It is the tap's answer, or a
// message if the tap was answered already.
func (b *Bot) notSaved(j *job, q *callbackQuery, lang string) error {
	g := b.g()
	if j.u.answered {
		if q.Message == nil {
			return nil
		}
		sc, err := g.screens.Notice(lang, flows.MsgLanguageNotSaved)
		if err != nil {
			return err
		}
		return j.send(q.Message.Chat.ID, sc)
	}
	text, err := g.screens.Text(lang, flows.MsgLanguageNotSaved, nil)
	if err != nil {
		return err
	}
	body, err := answerBody(q.ID, text)
	if err != nil {
		return err
	}
	j.answer(body)
	return nil
}

// press is what a tap leads to: the screen and the pop-up, in the
// person's language.
type press struct {
	act      flows.Action
	lang     string
	sc       *render.Screen // nil: the screen stays
	notice   string
	storeErr error // reading the language failed; it was guessed
	err      error
}

// stillIn reports whether u's language is still lang.
func (b *Bot) stillIn(u *user, lang string) bool {
	now, err := b.language(u)
	return err == nil && now == lang
}

// decide works out what a tap leads to, into p.
func (b *Bot) decide(q *callbackQuery, p *press) {
	g := b.g()
	*p = press{act: g.screens.Tree().Parse(q.Data)}
	p.lang, p.storeErr = b.language(&q.From)
	if p.act.Kind == flows.SetLanguage {
		p.lang = p.act.Lang
	}
	p.sc, p.notice, p.err = g.screens.Press(p.act, p.lang, flows.Today(b.now()))
}

// showCallback shows sc for a button press: in place of the message the
// button was on, or as a new message if that one cannot be edited any
// more. A nil sc leaves the message as it is. The tap itself was
// answered when it arrived (see prepare).
func (b *Bot) showCallback(j *job, q *callbackQuery, sc *render.Screen) error {
	m := q.Message
	if sc == nil || m == nil || m.Chat.Type != "private" {
		// A button on an inline message or in a group: nothing to edit.
		return nil
	}
	if m.Date == 0 {
		// Telegram no longer lets the bot touch that message.
		return j.send(m.Chat.ID, sc)
	}
	return j.edit(m.Chat.ID, m.MessageID, sc)
}

// prepare readies an update as it arrives. A tap is decided at once, so
// that its answer (the pop-up text, if the button has one) never waits
// behind a chat's messages: Telegram wants an answer to every callback
// query, or the button spins. The decision also serves for the screen
// while no earlier update of the chat can change it (see aside).
func (b *Bot) prepare(u *update) {
	q := u.CallbackQuery
	if q == nil {
		return
	}
	u.langChanges = b.langChanges.Load()
	b.decide(q, &u.press)
	u.decided = true
	if u.press.act.Kind == flows.SetLanguage {
		// Its "saved" is said once the choice is stored, in its turn
		// (see onCallback).
		return
	}
	if body, err := answerBody(q.ID, u.press.notice); err == nil {
		u.answer = body
	}
}

// botUsername is the bot's @username once known, or "".
func (b *Bot) botUsername() string {
	if p := b.username.Load(); p != nil {
		return *p
	}
	return ""
}

// answerBody is the answerCallbackQuery request for a tap, with a
// short notice if text is set.
func answerBody(id, text string) ([]byte, error) {
	if text == "" && plainID(id) {
		// The common case, a tap with no notice: no encoder needed.
		return append(append(append(make([]byte, 0, 32+len(id)), `{"callback_query_id":"`...), id...), `"}`...), nil
	}
	return json.Marshal(struct {
		ID   string `json:"callback_query_id"`
		Text string `json:"text,omitempty"`
	}{id, text})
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
