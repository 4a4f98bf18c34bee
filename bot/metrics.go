package bot

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Counter is a Prefs that can count the stored choices by language, for
// the stored-preferences metric.
type Counter interface {
	Counts() (map[string]int, error)
}

// metrics are the bot's Prometheus metrics. They count and time; their
// labels are update kinds, screens, languages, methods and error classes,
// never anything that identifies a person. Every label value is known at
// start-up, so the hot path only increments.
type metrics struct {
	updates  map[string]prometheus.Counter // by kind
	screens  [][]prometheus.Counter        // [language][node]
	calls    map[string]map[string]prometheus.Counter
	callsVec *prometheus.CounterVec
	waits    *prometheus.CounterVec // 429 and backoff waits, by reason
	waited   *prometheus.CounterVec // seconds waited, by reason
	latency  prometheus.Histogram
}

// updateKinds are the values of update.kind().
var updateKinds = []string{"callback", "command", "text", "media", "edited_message", "channel_post", "inline_query", "my_chat_member", "other"}

// apiMethods are the Bot API methods the hot path calls.
var apiMethods = []string{"sendMessage", "editMessageText", "answerCallbackQuery", "getUpdates", "deleteWebhook"}

// apiResults are "ok" and the error classes.
var apiResults = []string{"ok", ClassRateLimited, ClassServer, ClassNetwork, ClassBlocked, ClassBadRequest, ClassAuth, ClassConflict, ClassCanceled, ClassOther}

func newMetrics(reg prometheus.Registerer, s *Screens, d *dispatcher, prefs Prefs) *metrics {
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
		Name: "asylumguide_telegram_retry_waits_total", Help: "Waits before retrying a Bot API request: rate_limited (HTTP 429) or backoff.",
	}, []string{"reason"})
	waited := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "asylumguide_telegram_retry_wait_seconds_total", Help: "Seconds spent waiting before retries, by reason.",
	}, []string{"reason"})
	latency := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "asylumguide_update_duration_seconds",
		Help:    "Time to handle one update, Bot API calls included.",
		Buckets: []float64{.00025, .0005, .001, .002, .003, .004, .005, .0075, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})
	m := &metrics{updates: map[string]prometheus.Counter{}, calls: map[string]map[string]prometheus.Counter{}, callsVec: calls, waits: waits, waited: waited, latency: latency}
	for _, k := range updateKinds {
		m.updates[k] = updates.WithLabelValues(k)
	}
	for _, l := range s.langs {
		row := make([]prometheus.Counter, len(s.nodes))
		for ni, n := range s.nodes {
			row[ni] = screens.WithLabelValues(string(n.ID), l.Tag)
		}
		m.screens = append(m.screens, row)
	}
	for _, method := range apiMethods {
		m.calls[method] = map[string]prometheus.Counter{}
		for _, r := range apiResults {
			m.calls[method][r] = calls.WithLabelValues(method, r)
		}
	}
	collectors := []prometheus.Collector{updates, screens, calls, waits, waited, latency,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "asylumguide_updates_pending", Help: "Updates accepted and not yet handled.",
		}, func() float64 { p, _ := d.stats(); return float64(p) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "asylumguide_updates_replaced_total", Help: "Updates dropped for a newer one from the same chat (a user tapping faster than the bot could answer).",
		}, func() float64 { _, r := d.stats(); return float64(r) }),
	}
	if c, ok := prefs.(Counter); ok {
		collectors = append(collectors, &prefsCollector{counter: c, desc: prometheus.NewDesc(
			"asylumguide_stored_preferences", "Stored language choices, by language (counted at most once a minute).", []string{"lang"}, nil)})
	}
	for _, c := range collectors {
		// A second bot in one process (tests) finds the metrics taken;
		// it counts on its own and does not publish.
		reg.Register(c)
	}
	return m
}

func (m *metrics) update(kind string, d time.Duration) {
	if c, ok := m.updates[kind]; ok {
		c.Inc()
	}
	m.latency.Observe(d.Seconds())
}

func (m *metrics) shown(sc *Screen) {
	if sc.li < len(m.screens) && sc.ni < len(m.screens[sc.li]) {
		m.screens[sc.li][sc.ni].Inc()
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

func (m *metrics) wait(err error, d time.Duration) {
	reason := "backoff"
	if Class(err) == ClassRateLimited {
		reason = ClassRateLimited
	}
	m.waits.WithLabelValues(reason).Inc()
	m.waited.WithLabelValues(reason).Add(d.Seconds())
}

// prefsCollector reports the stored choices by language. Counting scans
// the whole store, so the answer is kept for a minute.
type prefsCollector struct {
	counter Counter
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
