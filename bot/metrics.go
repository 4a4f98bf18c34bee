package bot

import (
	"sync"
	"time"

	"asylumguide/flows"
	"asylumguide/flows/render"

	"github.com/prometheus/client_golang/prometheus"
)

// LanguageCounter is a Prefs that can count the stored choices by
// language, for the stored-preferences metric.
type LanguageCounter interface {
	Counts() (map[string]int, error)
}

// metrics are the bot's Prometheus metrics. They count and time; their
// labels are update kinds, screens, languages, methods and error classes,
// never anything that identifies a person. Every label value is known at
// start-up, so the hot path only increments.
type metrics struct {
	updates  map[string]prometheus.Counter // by kind
	screens  map[screenKey]prometheus.Counter
	calls    map[string]map[string]prometheus.Counter
	callsVec *prometheus.CounterVec
	// replies counts taps answered in a webhook's response.
	replies prometheus.Counter
	// waits and waitSecs count the waits before Bot API calls, and the
	// seconds waited, by cause.
	waits, waitSecs [len(waitCauses)]prometheus.Counter
	latency         prometheus.Histogram
	searches        map[screenKey]prometheus.Counter // by language, and found or not
	inlines         *prometheus.CounterVec           // inline queries, by language
	shares          *prometheus.CounterVec           // chosen cards, by language and topic
	guides          *prometheus.CounterVec           // guide documents, by language and how
}

// updateKinds are the values of update.kind().
var updateKinds = []string{"callback", "command", "text", "media", "edited_message", "channel_post", "inline_query", "chosen_inline_result", "my_chat_member", "other"}

// apiMethods are the Bot API methods the hot path calls.
var apiMethods = []string{"sendMessage", "editMessageText", "answerCallbackQuery", "answerInlineQuery", "sendDocument", "getUpdates", "deleteWebhook"}

// apiResults are "ok" and the error classes.
var apiResults = []string{"ok", ClassRateLimited, ClassServer, ClassNetwork, ClassBlocked, ClassBadRequest, ClassAuth, ClassConflict, ClassCanceled, ClassOther}

// screenKey names a screen for its counter.
type screenKey struct {
	lang string
	node flows.ID
}

func newMetrics(reg prometheus.Registerer, s *render.Screens, d *dispatcher, p *pacer, prefs Prefs) *metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	updates := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_updates_total", Help: "Updates handled, by kind.",
	}, []string{"kind"})
	screens := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_screens_shown_total", Help: "Screens sent or edited in, by screen and language.",
	}, []string{"screen", "lang"})
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_telegram_requests_total", Help: "Bot API requests, by method and result (ok or an error class).",
	}, []string{"method", "result"})
	waits := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_telegram_waits_total", Help: "Waits before a Bot API request, by cause: paced (the bot's own pace), chat_429 (Telegram's retry_after for a chat or a call), global_429 (for the whole bot), backoff (after a server error or a network fault).",
	}, []string{"cause"})
	waited := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_telegram_wait_seconds_total", Help: "Seconds requests waited before they were sent, by cause.",
	}, []string{"cause"})
	latency := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "asylumguide_update_duration_seconds",
		Help:    "Time to handle one update, Bot API calls included.",
		Buckets: []float64{.00025, .0005, .001, .002, .003, .004, .005, .0075, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	searches := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_searches_total", Help: "Typed questions, by language and result (found or none). What was typed is never kept.",
	}, []string{"lang", "result"})
	inlines := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_inline_queries_total", Help: "Inline queries (people about to share a topic), by language.",
	}, []string{"lang"})
	shares := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_shared_cards_total", Help: "Topic cards shared into a chat, by language and topic (needs inline feedback on in @BotFather).",
	}, []string{"lang", "topic"})
	guides := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_guide_documents_total", Help: "Whole-guide documents sent, by language and how: uploaded, cached (sent by file_id) or failed.",
	}, []string{"lang", "how"})
	m := &metrics{inlines: inlines, shares: shares, guides: guides, updates: map[string]prometheus.Counter{}, screens: map[screenKey]prometheus.Counter{}, calls: map[string]map[string]prometheus.Counter{}, callsVec: calls, latency: latency}
	m.replies = calls.WithLabelValues("answerCallbackQuery", "webhook_reply")
	for c, name := range waitCauses {
		if name != "" {
			m.waits[c], m.waitSecs[c] = waits.WithLabelValues(name), waited.WithLabelValues(name)
		}
	}
	for _, k := range updateKinds {
		m.updates[k] = updates.WithLabelValues(k)
	}
	for _, l := range s.Languages() {
		for _, n := range s.Nodes() {
			m.screens[screenKey{l.Tag, n.ID}] = screens.WithLabelValues(string(n.ID), l.Tag)
		}
	}
	m.searches = map[screenKey]prometheus.Counter{}
	for _, l := range s.Languages() {
		for _, r := range []flows.ID{"found", "none"} {
			m.searches[screenKey{l.Tag, r}] = searches.WithLabelValues(l.Tag, string(r))
		}
	}
	for _, method := range apiMethods {
		m.calls[method] = map[string]prometheus.Counter{}
		for _, r := range apiResults {
			m.calls[method][r] = calls.WithLabelValues(method, r)
		}
	}
	collectors := []prometheus.Collector{updates, screens, calls, waits, waited, latency, searches, inlines, shares, guides,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "asylumguide_updates_pending", Help: "Updates accepted and not yet handled.",
		}, func() float64 { p, _, _ := d.stats(); return float64(p) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "asylumguide_updates_replaced_total", Help: "Updates dropped for a newer one from the same chat (a user tapping faster than the bot could answer).",
		}, func() float64 { _, r, _ := d.stats(); return float64(r) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "asylumguide_chats_parked", Help: "Chats whose next request waits (for its pace, a retry_after or a backoff) without holding a worker.",
		}, func() float64 { _, _, n := d.stats(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "asylumguide_pace_waiting_chats", Help: "Chats waiting for their turn to send, in arrival order.",
		}, func() float64 { return float64(p.waiting()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "asylumguide_pace_writes_per_second", Help: "Messages a second the bot allows itself across chats now: 0 while Telegram holds the whole bot back, +Inf with no limit.",
		}, p.pace),
	}
	if c, ok := prefs.(LanguageCounter); ok {
		collectors = append(collectors, &prefsCollector{counter: c, desc: prometheus.NewDesc(
			"asylumguide_stored_preferences", "Stored language choices, by language (counted at most once a minute).", []string{"lang"}, nil)})
	}
	reg.MustRegister(collectors...)
	return m
}

func (m *metrics) update(kind string, d time.Duration) {
	if c, ok := m.updates[kind]; ok {
		c.Inc()
	}
	m.latency.Observe(d.Seconds())
}

func (m *metrics) shown(sc *render.Screen) {
	if c, ok := m.screens[screenKey{sc.Lang, sc.Node}]; ok {
		c.Inc()
	}
}

func (m *metrics) search(lang string, found bool) {
	result := flows.ID("none")
	if found {
		result = "found"
	}
	if c, ok := m.searches[screenKey{lang, result}]; ok {
		c.Inc()
	}
}

// known reports whether a label value is one the bot set up, so that
// forged input cannot create new label values.
func (m *metrics) knownLang(lang string) bool {
	_, ok := m.searches[screenKey{lang, "found"}]
	return ok
}

func (m *metrics) inline(lang string) {
	if m.knownLang(lang) {
		m.inlines.WithLabelValues(lang).Inc()
	}
}

func (m *metrics) shared(lang, topic string) {
	if _, ok := flows.TopicNode(topic); ok && m.knownLang(lang) {
		m.shares.WithLabelValues(lang, topic).Inc()
	}
}

func (m *metrics) guide(lang, how string) {
	if m.knownLang(lang) {
		m.guides.WithLabelValues(lang, how).Inc()
	}
}

func (m *metrics) call(method string, err error) {
	result := "ok"
	if err != nil {
		result = Class(err)
	}
	if byResult, ok := m.calls[method]; ok {
		if c, ok := byResult[result]; ok {
			c.Inc()
			return
		}
	}
	m.callsVec.WithLabelValues(method, result).Inc()
}

// webhookReply counts a tap answered in a webhook's response.
func (m *metrics) webhookReply() { m.replies.Inc() }

// waited counts a wait of d before a request.
func (m *metrics) waited(c waitCause, d time.Duration) {
	if c == causeNone || int(c) >= len(waitCauses) {
		return
	}
	m.waits[c].Inc()
	m.waitSecs[c].Add(d.Seconds())
}

// wait counts a wait of a start-up call, which names no chat: a 429
// there holds the whole bot.
func (m *metrics) wait(err error, d time.Duration) {
	c := causeBackoff
	if Class(err) == ClassRateLimited {
		c = causeGlobal429
	}
	m.waited(c, d)
}

// prefsCollector reports the stored choices by language. Counting scans
// the whole store, so the answer is kept for a minute.
type prefsCollector struct {
	counter LanguageCounter
	desc    *prometheus.Desc
	mu      sync.Mutex
	at      time.Time
	counts  map[string]int
}

func (p *prefsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- p.desc }

func (p *prefsCollector) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	if time.Since(p.at) > time.Minute {
		if counts, err := p.counter.Counts(); err == nil {
			p.counts, p.at = counts, time.Now()
		}
	}
	counts := p.counts
	p.mu.Unlock()
	for lang, n := range counts {
		ch <- prometheus.MustNewConstMetric(p.desc, prometheus.GaugeValue, float64(n), lang)
	}
}
