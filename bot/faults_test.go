package bot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
)

// faultsFor answers the first n calls of method with f.
func faultsFor(method string, n int32, f telegramtest.Fault) func(*telegramtest.Call) *telegramtest.Fault {
	var left atomic.Int32
	left.Store(n)
	return func(c *telegramtest.Call) *telegramtest.Fault {
		if c.Method == method && left.Add(-1) >= 0 {
			return &f
		}
		return nil
	}
}

func TestRateLimitIsWaitedOut(t *testing.T) {
	h := newHarness(t)
	h.srv.Fault = faultsFor("sendMessage", 1, telegramtest.Fault{Code: 429, RetryAfter: 1})
	start := time.Now()
	calls := h.do(telegramtest.Text(english, "/start"))
	if got := methods(calls); !equal(got, "sendMessage") {
		t.Fatalf("calls = %v, want one delivered sendMessage", got)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("retried after %v, before Telegram's retry_after of 1s", d)
	}
	if h.srv.Faults() != 1 {
		t.Errorf("faults = %d, want 1", h.srv.Faults())
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	h := newHarness(t)
	var n atomic.Int32
	h.srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
		if c.Method != "sendMessage" {
			return nil
		}
		switch n.Add(1) {
		case 1:
			return &telegramtest.Fault{Code: 502, HTML: true}
		case 2:
			return &telegramtest.Fault{Code: 500}
		case 3:
			return &telegramtest.Fault{Drop: true}
		}
		return nil
	}
	calls := h.do(telegramtest.Text(english, "/start"))
	if got := methods(calls); !equal(got, "sendMessage") {
		t.Fatalf("calls = %v, want the reply delivered on the fourth try", got)
	}
	if h.srv.Faults() != 3 {
		t.Errorf("faults = %d, want 3", h.srv.Faults())
	}
}

func TestBlockedUserIsNotRetried(t *testing.T) {
	h := newHarness(t)
	h.srv.Fault = faultsFor("sendMessage", 100, telegramtest.Fault{Code: 403})
	calls := h.do(telegramtest.Text(english, "/start"))
	if len(calls) != 0 || h.srv.Faults() != 1 {
		t.Errorf("a blocked user got %d delivered calls and %d attempts; want 0 and 1", len(calls), h.srv.Faults())
	}
	if strings.Contains(h.logs.String(), "level=WARN") {
		t.Errorf("a blocked user is normal, not a warning:\n%s", h.logs)
	}
}

// panicPrefs panics for one user, as a bug in a handler would.
type panicPrefs struct {
	*memPrefs
	bad int64
}

func (p panicPrefs) Language(id int64) (string, error) {
	if id == p.bad {
		panic("bug")
	}
	return p.memPrefs.Language(id)
}

func TestPanicIsRecoveredAndTheBotGoesOn(t *testing.T) {
	prefs := panicPrefs{newMemPrefs(), 666}
	h := newHarness(t, func(c *Config) { c.Prefs = prefs })
	if calls := h.do(telegramtest.Text(telegramtest.User{ID: 666}, "/start")); len(calls) != 0 {
		t.Errorf("the panicking update made calls: %v", methods(calls))
	}
	if !strings.Contains(h.logs.String(), "panic recovered") {
		t.Errorf("panic not logged:\n%s", h.logs)
	}
	if calls := h.do(telegramtest.Text(english, "/start")); !equal(methods(calls), "sendMessage") {
		t.Errorf("after a panic, the next user got %v, want a sendMessage", methods(calls))
	}
}

func TestStoreFailureStillShowsTheChosenLanguage(t *testing.T) {
	h := newHarness(t)
	h.prefs.failWrites = true
	calls := h.do(telegramtest.Callback(english, 5, "v1:lang:en"))
	if got := methods(calls); !equal(got, "answerCallbackQuery", "editMessageText") {
		t.Fatalf("calls = %v", got)
	}
	if !strings.Contains(calls[1].Params["text"], "Kosovo Asylum Guide") {
		t.Errorf("after a failed write the user got:\n%s", calls[1].Params["text"])
	}
	if !strings.Contains(h.logs.String(), "class=store") {
		t.Errorf("store failure not logged with its class:\n%s", h.logs)
	}
}

// TestLogsHoldNoUserData runs whole conversations at debug level, with
// faults, and checks that no user id, name, username, message text or the
// token reaches the log.
func TestLogsHoldNoUserData(t *testing.T) {
	h := newHarness(t)
	var n atomic.Int32
	h.srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
		switch n.Add(1) % 5 {
		case 1:
			return &telegramtest.Fault{Code: 500}
		case 3:
			return &telegramtest.Fault{Code: 400, Description: "Bad Request: chat not found"}
		}
		return nil
	}
	u := telegramtest.User{ID: 918273645, Lang: "en", Name: "Zlatan"}
	h.do(telegramtest.Text(u, "/start"))
	h.do(telegramtest.Text(u, "my secret story about Mitrovica"))
	h.do(telegramtest.Callback(u, 101, "v1:appeal"))
	h.do(telegramtest.Callback(u, 101, "v1:lang:en"))
	h.do(telegramtest.Media(u, "contact"))
	h.do(telegramtest.Text(u, "/forget"))
	logs := h.logs.String()
	if !strings.Contains(logs, "kind=callback") {
		t.Fatalf("expected debug logs of the updates, got:\n%s", logs)
	}
	for _, secret := range []string{"918273645", "Zlatan", "Zlatan_tg", "secret story", "Mitrovica", "+38344000000", telegramtest.Token, strings.Split(telegramtest.Token, ":")[1]} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains %q:\n%s", secret, logs)
		}
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	c := newClient("http://127.0.0.1:1", telegramtest.Token, nil)
	err := c.call(context.Background(), "sendMessage", []byte(`{}`), nil)
	if err == nil {
		t.Fatal("call to a closed port succeeded")
	}
	if strings.Contains(err.Error(), "TESTtoken") {
		t.Errorf("error holds the token: %v", err)
	}
	if Class(err) != ClassNetwork {
		t.Errorf("Class = %q, want %q", Class(err), ClassNetwork)
	}
}

func TestWebhookHandler(t *testing.T) {
	b, err := New(Config{Token: telegramtest.Token, APIURL: "http://127.0.0.1:1", Prefs: newMemPrefs(), Screens: testScreens(t), MaxPending: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	// No workers run, so the one slot fills and stays full.
	h := b.WebhookHandler("s3cret")
	update := `{"update_id":5,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"/start"}}`
	tests := []struct {
		name   string
		method string
		secret string
		body   string
		want   int
	}{
		{"get", "GET", "s3cret", "", http.StatusMethodNotAllowed},
		{"no secret", "POST", "", update, http.StatusUnauthorized},
		{"wrong secret", "POST", "s3cret!", update, http.StatusUnauthorized},
		{"too large", "POST", "s3cret", `{"update_id":1,"x":"` + strings.Repeat("a", 2<<20) + `"}`, http.StatusRequestEntityTooLarge},
		{"not JSON", "POST", "s3cret", "hello", http.StatusBadRequest},
		{"no update id", "POST", "s3cret", `{"message":{}}`, http.StatusBadRequest},
		{"update", "POST", "s3cret", update, http.StatusOK},
		{"queue full", "POST", "s3cret", update, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			req := httptestRequest(ctx, tt.method, tt.body)
			if tt.secret != "" {
				req.Header.Set(SecretHeader, tt.secret)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Errorf("status = %d, want %d", w.Code, tt.want)
			}
		})
	}
}

func methods(calls []telegramtest.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Method)
	}
	return out
}

func equal(got []string, want ...string) bool {
	return strings.Join(got, ",") == strings.Join(want, ",")
}

func httptestRequest(ctx context.Context, method, body string) *http.Request {
	req := httptest.NewRequestWithContext(ctx, method, "/hook", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}
