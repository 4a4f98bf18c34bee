package bot

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
	"asylumguide/flows"
	"asylumguide/flows/render"
	"asylumguide/locales"

	"golang.org/x/time/rate"
)

// memPrefs is an in-memory Prefs. failWrites makes every write fail, like
// a full disk.
type memPrefs struct {
	mu         sync.Mutex
	m          map[int64]string
	failWrites bool
}

func newMemPrefs() *memPrefs { return &memPrefs{m: map[int64]string{}} }

var errDiskFull = errors.New("write: no space left on device")

func (p *memPrefs) Language(id int64) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.m[id], nil
}

func (p *memPrefs) SetLanguage(id int64, tag string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failWrites {
		return errDiskFull
	}
	p.m[id] = tag
	return nil
}

func (p *memPrefs) Forget(id int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failWrites {
		return errDiskFull
	}
	delete(p.m, id)
	return nil
}

var (
	screensOnce sync.Once
	screensVal  *render.Screens
	screensErr  error
)

// testScreens renders the shipped catalog once for all tests.
func testScreens(t testing.TB) *render.Screens {
	t.Helper()
	screensOnce.Do(func() {
		cat, err := locales.Load()
		if err != nil {
			screensErr = err
			return
		}
		screensVal, screensErr = render.New(cat, flows.DefaultContent())
	})
	if screensErr != nil {
		t.Fatal(screensErr)
	}
	return screensVal
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testNow is the harness's clock: 26 November 2026, 11:00 in Kosovo.
var testNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// harness runs a Bot in long-polling mode against a fake Bot API.
type harness struct {
	t      testing.TB
	srv    *telegramtest.Server
	bot    *Bot
	prefs  *memPrefs
	logs   *logBuffer
	mu     sync.Mutex
	done   map[int64]bool // handled update ids
	cond   *sync.Cond
	cancel context.CancelFunc
	exit   chan error
}

func newHarness(t testing.TB, opts ...func(*Config)) *harness {
	t.Helper()
	srv := telegramtest.New(telegramtest.Token)
	t.Cleanup(srv.Close)
	h := &harness{t: t, srv: srv, prefs: newMemPrefs(), logs: &logBuffer{}, done: map[int64]bool{}, exit: make(chan error, 1)}
	h.cond = sync.NewCond(&h.mu)
	cfg := Config{
		Token:       telegramtest.Token,
		APIURL:      srv.URL,
		Prefs:       h.prefs,
		Screens:     testScreens(t),
		Log:         slog.New(Redact(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}), telegramtest.Token)),
		Username:    telegramtest.Username,
		PollTimeout: time.Second,
		Now:         func() time.Time { return testNow },
		Retry:       Retry{Attempts: 5, RateLimits: 20, Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond},
		// The conversations in tests tap faster than any person; the
		// tests of pacing set their own limits.
		Rate: rate.Inf, ChatRate: rate.Inf,
		Guide: testGuide,
	}
	for _, o := range opts {
		o(&cfg)
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.afterHandle = func(u *update, _ error) {
		h.mu.Lock()
		h.done[u.ID] = true
		h.cond.Broadcast()
		h.mu.Unlock()
	}
	h.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.exit <- b.Run(ctx, true) }()
	t.Cleanup(h.stop)
	// Start-up calls (deleteWebhook) are not part of any conversation.
	if !srv.WaitFor(5*time.Second, func([]telegramtest.Call) bool { return srv.Polls() > 0 }) {
		t.Fatal("bot did not start polling")
	}
	srv.Reset()
	return h
}

// stop shuts the bot down and waits for Run to return.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.exit:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(15 * time.Second):
		h.t.Error("Run did not return after shutdown")
	}
}

// do pushes one update, waits until the bot has handled it, and returns
// the Bot API calls the bot made for it.
func (h *harness) do(update any) []telegramtest.Call {
	h.t.Helper()
	before := len(h.srv.Calls())
	id := h.srv.Push(update)
	h.waitHandled(id)
	h.waitIdle()
	return h.srv.Calls()[before:]
}

// waitIdle waits until the dispatcher has let go of every chat: an
// update counts as handled a moment before its chat is free, and a tap
// that came in that moment would be answered aside, out of the order a
// transcript shows.
func (h *harness) waitIdle() {
	h.t.Helper()
	d := h.bot.dispatch
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		d.mu.Lock()
		idle := len(d.chats) == 0 && len(d.sides) == 0
		d.mu.Unlock()
		if idle {
			return
		}
	}
	h.t.Fatal("the dispatcher did not let go of its chats within 10s")
}

func (h *harness) waitHandled(id int64) {
	h.t.Helper()
	if !h.waitHandledFor(id, 10*time.Second) {
		h.t.Fatalf("update %d not handled within 10s", id)
	}
}

// waitHandledFor reports whether update id was handled within d. It is
// safe to call from many goroutines.
func (h *harness) waitHandledFor(id int64, d time.Duration) bool {
	timer := time.AfterFunc(d, func() {
		h.mu.Lock()
		h.cond.Broadcast()
		h.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(d)
	h.mu.Lock()
	defer h.mu.Unlock()
	for !h.done[id] {
		if time.Now().After(deadline) {
			return false
		}
		h.cond.Wait()
	}
	return true
}

// unsupportedLang is a language_code the guide can never be written in
// (ISO 639 "zxx", no linguistic content): a user whose app sends it gets
// English, whatever languages are added later.
const unsupportedLang = "zxx"

// testGuide stands in for the printed guide: a small HTML page in the
// language asked for.
func testGuide(lang string) ([]byte, error) {
	return []byte(`<!doctype html><html lang="` + lang + `"><title>Kosovo Asylum Guide</title></html>`), nil
}
