package bot

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
	"asylumguide/flows"
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
		{"queue full", "POST", "s3cret", strings.Replace(update, `"update_id":5`, `"update_id":6`, 1), http.StatusServiceUnavailable},
		{"the same update again", "POST", "s3cret", update, http.StatusOK},
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

// TestEveryReplyArrivesUnderThrottlingAndErrors answers 20% of calls with
// 429 and 5% with 500 while 20 users each press through 6 screens: every
// update still gets its reply, in order per chat.
func TestEveryReplyArrivesUnderThrottlingAndErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds of retry_after waits")
	}
	h := newHarness(t)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	h.srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
		mu.Lock()
		p := rng.Float64()
		mu.Unlock()
		switch {
		case p < 0.20:
			return &telegramtest.Fault{Code: 429, RetryAfter: 1}
		case p < 0.25:
			return &telegramtest.Fault{Code: 500}
		}
		return nil
	}
	path := []string{"v1:apply", "v1:apply_where", "v1:main", "v1:appeal", "v1:appeal_deadline", "v1:appeal_help"}
	// Each user taps the next button once they see the screen, as people do.
	var wg sync.WaitGroup
	for user := range int64(20) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := telegramtest.User{ID: 5000 + user, Lang: "en"}
			for step := range len(path) + 1 {
				var id int64
				if step == 0 {
					id = h.srv.Push(telegramtest.Text(u, "/start"))
				} else {
					id = h.srv.Push(telegramtest.Callback(u, 101, path[step-1]))
				}
				if !h.waitHandledFor(id, 60*time.Second) {
					t.Errorf("user %d: step %d not handled in 60s", u.ID, step)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got, want := len(h.srv.CallsTo("sendMessage")), 20; got != want {
		t.Errorf("delivered sendMessage = %d, want %d", got, want)
	}
	if got, want := len(h.srv.CallsTo("editMessageText")), 20*len(path); got != want {
		t.Errorf("delivered editMessageText = %d, want %d", got, want)
	}
	// Each chat saw its screens in the order it asked for them.
	seen := map[string][]string{}
	for _, c := range h.srv.CallsTo("editMessageText") {
		seen[c.Params["chat_id"]] = append(seen[c.Params["chat_id"]], firstLine(c.Params["text"]))
	}
	s := testScreens(t)
	var want []string
	for _, d := range path {
		want = append(want, firstLine(s.Get("en", s.Tree().Parse(d).Target).Text))
	}
	for chat, got := range seen {
		if !equal(got, want...) {
			t.Errorf("chat %s saw %v, want %v", chat, got, want)
		}
	}
	if h.srv.Faults() == 0 {
		t.Error("no faults were injected")
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// TestSlowTelegramTimesOutAndRetries makes Telegram hang on the first
// sendMessage: the request times out and the retry delivers the reply.
func TestSlowTelegramTimesOutAndRetries(t *testing.T) {
	tr := defaultTransport()
	tr.ResponseHeaderTimeout = 200 * time.Millisecond
	h := newHarness(t, func(c *Config) { c.Transport = tr })
	h.srv.Fault = faultsFor("sendMessage", 1, telegramtest.Fault{Delay: 2 * time.Second})
	start := time.Now()
	calls := h.do(telegramtest.Text(english, "/start"))
	if got := methods(calls); !equal(got, "sendMessage") {
		t.Fatalf("calls = %v, want the reply delivered after a timeout", got)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("reply took %v; the hung request was not cut at its timeout", d)
	}
}

// TestFloodFromOneUserDoesNotSlowOthers has one user tap 1,000 times at
// once: the bot does a bounded amount of work for them, shows them the
// screen of their last tap, and answers another user at once.
func TestFloodFromOneUserDoesNotSlowOthers(t *testing.T) {
	h := newHarness(t)
	flooder := telegramtest.User{ID: 6001, Lang: "en"}
	var updates []json.RawMessage
	for i := range 1000 {
		data := "v1:apply"
		if i == 999 {
			data = "v1:rights"
		}
		b, _ := json.Marshal(telegramtest.Callback(flooder, 101, data))
		updates = append(updates, b)
	}
	for _, u := range updates {
		h.srv.Push(u)
	}
	other := h.srv.Push(telegramtest.Text(telegramtest.User{ID: 6002, Lang: "en"}, "/start"))
	start := time.Now()
	h.waitHandled(other)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the other user waited %v behind the flood", d)
	}
	if !h.srv.WaitFor(10*time.Second, func([]telegramtest.Call) bool {
		edits := h.srv.CallsTo("editMessageText")
		return len(edits) > 0 && strings.Contains(edits[len(edits)-1].Params["text"], "Your rights")
	}) {
		t.Fatal("the flooder never saw the screen of their last tap")
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(h.srv.CallsTo("editMessageText")); n > 200 {
		t.Errorf("the flood caused %d edits; want the work bounded", n)
	}
}

// TestExpiredCallbackStillShowsTheScreen has Telegram refuse the answer to
// a tap, as it does for a query too old after a backlog: the screen the
// person asked for is shown all the same.
func TestExpiredCallbackStillShowsTheScreen(t *testing.T) {
	h := newHarness(t)
	h.srv.Fault = faultsFor("answerCallbackQuery", 1, telegramtest.Fault{Code: 400,
		Description: "Bad Request: query is too old and response timeout expired or query ID is invalid"})
	calls := h.do(telegramtest.Callback(english, 5, "v1:appeal"))
	// The fake records only the calls it served: the refused answer is
	// not among them.
	if got := methods(calls); !equal(got, "editMessageText") {
		t.Fatalf("calls = %v, want the screen edited after the refused answer", got)
	}
	if !strings.Contains(calls[0].Params["text"], "Art. 74") {
		t.Errorf("the tap showed:\n%s", calls[0].Params["text"])
	}
}

// TestForgetOnAFailingDiskSaysSo has the store fail on /forget: the person
// is told, in their language, that nothing was deleted and to try again.
func TestForgetOnAFailingDiskSaysSo(t *testing.T) {
	h := newHarness(t)
	h.prefs.failWrites = true
	french := telegramtest.User{ID: 77, Lang: "fr"}
	calls := h.do(telegramtest.Text(french, "/forget"))
	if got := methods(calls); !equal(got, "sendMessage") {
		t.Fatalf("calls = %v, want one reply", got)
	}
	want := h.bot.g().screens.Get("fr", flows.ForgetFailed).Text
	if got := calls[0].Params["text"]; got != want {
		t.Errorf("reply to a failed /forget:\n%s\nwant:\n%s", got, want)
	}
}

// TestLanguageSavedOnlyWhenSaved: "✅ Language saved" comes only after the
// choice is stored; when the disk refuses it, the pop-up says it could not
// be saved, in the chosen language, and the screen is in that language
// (C7, C16).
func TestLanguageSavedOnlyWhenSaved(t *testing.T) {
	h := newHarness(t)
	s := h.bot.g().screens
	calls := h.do(telegramtest.Callback(english, 5, "v1:lang:fr"))
	if got, want := calls[0].Params["text"], s.Saved("fr"); got != want {
		t.Errorf("pop-up after a stored choice = %q, want %q", got, want)
	}
	if tag, _ := h.prefs.Language(english.ID); tag != "fr" {
		t.Errorf("stored %q, want fr", tag)
	}
	h.prefs.failWrites = true
	calls = h.do(telegramtest.Callback(english, 5, "v1:lang:ar"))
	want, _ := s.Text("ar", flows.MsgLanguageNotSaved, nil)
	if got := calls[0].Params["text"]; got != want {
		t.Errorf("pop-up after a failed write = %q, want %q", got, want)
	}
	if got := calls[1].Params["text"]; got != s.Get("ar", flows.Main).Text {
		t.Errorf("after a failed write the screen is not in the chosen language:\n%s", got)
	}
}

// TestForwardedStartIsNoCommand forwards someone's "/start ar_appeal": it
// is read as a question, not obeyed, and nothing is stored (A3).
func TestForwardedStartIsNoCommand(t *testing.T) {
	h := newHarness(t)
	u := telegramtest.User{ID: 4242, Lang: "en"}
	fwd := telegramtest.Text(u, "/start ar_appeal")
	fwd["message"].(map[string]any)["forward_origin"] = map[string]any{"type": "hidden_user", "date": 1, "sender_user_name": "X"}
	calls := h.do(fwd)
	if len(calls) != 1 || strings.Contains(calls[0].Params["text"], "الطعن") {
		t.Errorf("a forwarded /start was obeyed: %v", formatCall(&calls[0]))
	}
	if tag, _ := h.prefs.Language(u.ID); tag != "" {
		t.Errorf("a forwarded /start stored %q", tag)
	}
}

// TestForumTopicStart: /start in a forum topic is answered in that topic
// (A12).
func TestForumTopicStart(t *testing.T) {
	h := newHarness(t)
	m := telegramtest.GroupText(english, -100999, "/start")
	m["message"].(map[string]any)["message_thread_id"] = 7
	m["message"].(map[string]any)["is_topic_message"] = true
	calls := h.do(m)
	if len(calls) != 1 || calls[0].Params["message_thread_id"] != "7" {
		t.Errorf("the answer to /start in topic 7: %v", calls)
	}
}

// TestWebhookDeliveredTwiceIsAnsweredOnce posts the same update three
// times, as a retrying proxy might: one reply (A34).
func TestWebhookDeliveredTwiceIsAnsweredOnce(t *testing.T) {
	h := newHarness(t)
	hook := httptest.NewServer(h.bot.WebhookHandler("s3cret"))
	defer hook.Close()
	body, _ := json.Marshal(telegramtest.WithID(mustJSON(telegramtest.Text(english, "/start")), 987654))
	for range 3 {
		req, _ := http.NewRequest("POST", hook.URL, strings.NewReader(string(body)))
		req.Header.Set(SecretHeader, "s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	h.srv.WaitFor(2*time.Second, func([]telegramtest.Call) bool { return len(h.srv.CallsTo("sendMessage")) > 0 })
	time.Sleep(200 * time.Millisecond)
	if n := len(h.srv.CallsTo("sendMessage")); n != 1 {
		t.Errorf("%d replies to one update delivered three times", n)
	}
}

// TestDrainGoesOnWhileProgressing stops the bot with 40 updates accepted
// and each reply taking 100 ms on 4 workers (a second of work) and a drain
// limit of 300 ms: as long as replies go out, the drain goes on, so all
// 40 accepted updates are answered (D13).
func TestDrainGoesOnWhileProgressing(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Workers = 4; c.DrainTimeout = 300 * time.Millisecond })
	h.srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
		if c.Method == "sendMessage" {
			return &telegramtest.Fault{Delay: 100 * time.Millisecond, Code: 0}
		}
		return nil
	}
	var last int64
	for i := range int64(40) {
		last = h.srv.Push(telegramtest.Text(telegramtest.User{ID: 9000 + i, Lang: "en"}, "/start"))
	}
	if !h.srv.WaitFor(5*time.Second, func([]telegramtest.Call) bool { return h.srv.Confirmed() > last }) {
		t.Fatal("updates were not accepted")
	}
	h.stop()
	if got := len(h.srv.CallsTo("sendMessage")); got != 40 {
		t.Errorf("%d of 40 accepted updates answered after the drain", got)
	}
}
