package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"asylumguide/bot"
	"asylumguide/bot/telegramtest"
	"asylumguide/data"
)

// syncBuffer is a bytes.Buffer safe for the program's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigErrorsAreOneClearLine(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"no token", nil, nil, []string{"TELEGRAM_BOT_TOKEN is not set", "@BotFather", "asylumguide preview"}},
		{"malformed token", map[string]string{"TELEGRAM_BOT_TOKEN": "hello"}, nil, []string{"does not look like a bot token", "@BotFather", "asylumguide preview"}},
		{"http webhook", map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.Token, "ASYLUMGUIDE_WEBHOOK_URL": "http://example.org/hook"}, nil, []string{"https://"}},
		{"bad secret", map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.Token, "ASYLUMGUIDE_WEBHOOK_SECRET": "a b"}, nil, []string{"ASYLUMGUIDE_WEBHOOK_SECRET"}},
		{"bad log", map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.Token, "ASYLUMGUIDE_LOG": "loud"}, nil, []string{"ASYLUMGUIDE_LOG", "json"}},
		{"unknown command", map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.Token}, []string{"serve"}, []string{"unknown command"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			code := run(context.Background(), tt.args, envOf(tt.env), strings.NewReader(""), &stdout, &stderr, nil)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d", code, exitUsage)
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "asylumguide: ") {
				t.Errorf("stderr = %q, want one line starting with \"asylumguide: \"", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("stderr = %q, want it to mention %q", msg, w)
				}
			}
			if strings.Contains(msg, telegramtest.Token) {
				t.Error("stderr holds the token")
			}
		})
	}
}

func TestPreviewWalksTheGuide(t *testing.T) {
	var stdout, stderr syncBuffer
	in := strings.NewReader("3\n1\nb\n9\n5\n1\nm\ninterpreter\nq\n")
	if code := run(context.Background(), []string{"preview", "-lang", "en"}, envOf(nil), in, &stdout, &stderr, nil); code != exitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"Kosovo Asylum Guide", "  1) 📝 How to apply",
		"The deadline: 15 days", "Law on Asylum, Art. 74",
		"Type a number from 1 to 7, a word to search for",
		"Here is what I found for your question", "1) 🗣️",
		"Get legal help now", "+383 38 243 610", "1) 🌐 Website ↗ https://crpkosovo.org",
		"On a phone this button opens https://crpkosovo.org",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preview output lacks %q", want)
		}
	}
	if strings.Contains(out, "<b>") {
		t.Error("preview shows HTML tags")
	}
}

func TestPreviewUnknownLanguage(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"preview", "-lang", "xx"}, envOf(nil), strings.NewReader(""), &stdout, &stderr, nil)
	if code != exitUsage || !strings.Contains(stderr.String(), "no language \"xx\"") {
		t.Errorf("exit %d, stderr %q; want a usage error naming the language", code, stderr.String())
	}
}

// program is the real program running against a fake Bot API.
type program struct {
	srv    *telegramtest.Server
	addr   string
	logs   *syncBuffer
	cancel context.CancelFunc
	exit   chan int
	stderr *syncBuffer
}

func start(t *testing.T, env map[string]string, setup ...func(*telegramtest.Server)) *program {
	t.Helper()
	return startWith(t, env, &hooks{now: testNow}, setup...)
}

// startWith starts the program with hooks of the test's own.
func startWith(t *testing.T, env map[string]string, h *hooks, setup ...func(*telegramtest.Server)) *program {
	t.Helper()
	srv := telegramtest.New(telegramtest.Token)
	t.Cleanup(srv.Close)
	for _, f := range setup {
		f(srv)
	}
	dir := t.TempDir()
	full := map[string]string{
		"TELEGRAM_BOT_TOKEN": telegramtest.Token,
		"TELEGRAM_API_URL":   srv.URL,
		"ASYLUMGUIDE_DB":     filepath.Join(dir, "guide.db"),
		"ASYLUMGUIDE_LISTEN": "127.0.0.1:0",
		"ASYLUMGUIDE_LOG":    "json,debug",
	}
	for k, v := range env {
		full[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{srv: srv, logs: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, exit: make(chan int, 1)}
	ready := make(chan string, 1)
	go func() {
		h.ready = func(a string) { ready <- a }
		p.exit <- run(ctx, nil, envOf(full), strings.NewReader(""), p.logs, p.stderr, h)
	}()
	select {
	case p.addr = <-ready:
	case code := <-p.exit:
		t.Fatalf("program exited with %d before it was ready: %s", code, p.stderr)
	case <-time.After(10 * time.Second):
		t.Fatal("program not ready within 10s")
	}
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends the equivalent of SIGTERM and checks the program exits 0.
func (p *program) stop(t *testing.T) {
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case code := <-p.exit:
		if code != exitOK {
			t.Errorf("exit code %d after shutdown; stderr %q", code, p.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Error("program did not exit within 15s of shutdown")
	}
}

func waitMethod(t *testing.T, srv *telegramtest.Server, method string) telegramtest.Call {
	t.Helper()
	var found telegramtest.Call
	ok := srv.WaitFor(10*time.Second, func(cs []telegramtest.Call) bool {
		for _, c := range cs {
			if c.Method == method {
				found = c
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("no %s call within 10s", method)
	}
	return found
}

func TestRunPolling(t *testing.T) {
	p := start(t, nil)
	p.srv.Push(telegramtest.Text(telegramtest.User{ID: 555, Lang: "en"}, "/start"))
	msg := waitMethod(t, p.srv, "sendMessage")
	if !strings.Contains(msg.Params["text"], "Kosovo Asylum Guide") || msg.Params["chat_id"] != "555" {
		t.Errorf("reply = %v", msg.Params)
	}
	cmds := waitMethod(t, p.srv, "setMyCommands")
	if !strings.Contains(cmds.Params["commands"], `"command":"language"`) {
		t.Errorf("setMyCommands commands = %s", cmds.Params["commands"])
	}
	// The command menu is for private chats: in groups the bot answers
	// only /start, so members must not be offered the rest.
	if got := cmds.Params["scope"]; got != `{"type":"all_private_chats"}` {
		t.Errorf("setMyCommands scope = %s, want all_private_chats", got)
	}
	p.stop(t)
	if !strings.Contains(p.logs.String(), `"msg":"ready"`) || !strings.Contains(p.logs.String(), `"mode":"polling"`) {
		t.Errorf("no ready line in logs:\n%s", p.logs)
	}
}

// TestGetMeIsRetried has Telegram fail getMe at start, as when the network
// is not up yet: the bot keeps asking, learns its username, and then
// answers /start@Bot in a group.
func TestGetMeIsRetried(t *testing.T) {
	var failed atomic.Int32
	p := start(t, nil, func(srv *telegramtest.Server) {
		srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
			if c.Method == "getMe" && failed.Add(1) <= 2 {
				return &telegramtest.Fault{Code: 502, HTML: true}
			}
			return nil
		}
	})
	waitMethod(t, p.srv, "getMe")
	p.srv.Push(telegramtest.GroupText(telegramtest.User{ID: 556, Lang: "en"}, -100123, "/start@"+telegramtest.Username))
	msg := waitMethod(t, p.srv, "sendMessage")
	if msg.Params["chat_id"] != "-100123" || !strings.Contains(msg.Params["reply_markup"], "https://t.me/"+telegramtest.Username) {
		t.Errorf("group /start got %v", msg.Params)
	}
	if n := failed.Load(); n < 3 {
		t.Errorf("getMe asked %d times, want the failures retried", n)
	}
}

// TestRefusedWebhookIsNotReady has Telegram refuse the webhook: /readyz
// fails until Telegram accepts it on a later try.
func TestRefusedWebhookIsNotReady(t *testing.T) {
	var refuse atomic.Bool
	refuse.Store(true)
	p := start(t, map[string]string{"ASYLUMGUIDE_WEBHOOK_URL": "https://guide.example.org/hook"}, func(srv *telegramtest.Server) {
		srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
			if c.Method == "setWebhook" && refuse.Load() {
				return &telegramtest.Fault{Code: 400, Description: "Bad Request: bad webhook: Failed to resolve host"}
			}
			return nil
		}
	})
	ready := func() int {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	time.Sleep(300 * time.Millisecond)
	if code := ready(); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the webhook refused = %d, want 503", code)
	}
	refuse.Store(false)
	waitMethod(t, p.srv, "setWebhook")
	ok := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !ok; time.Sleep(50 * time.Millisecond) {
		ok = ready() == http.StatusOK
	}
	if !ok {
		t.Errorf("/readyz not ready after Telegram accepted the webhook:\n%s", p.logs)
	}
}

// testNow is the programs' clock: the day this was written, so what the
// tests see does not change as the calendar moves on.
func testNow() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }

// TestStaleContactsAreLogged: contacts last confirmed from the source page
// of March 2025 are over twelve months old on the test's day, and the
// start-up log says which and what to do; the bot runs on.
func TestStaleContactsAreLogged(t *testing.T) {
	p := start(t, nil)
	waitMethod(t, p.srv, "getMe")
	resp, err := http.Get("http://" + p.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p.stop(t)
	logs := p.logs.String()
	for _, name := range []string{"CRPK", "ICRC", "KRCT"} {
		if !strings.Contains(logs, `contact \"`+name) {
			t.Errorf("no stale warning for %s:\n%s", name, logs)
		}
		if !strings.Contains(string(body), `contact "`+name) {
			t.Errorf("/readyz does not list %s as stale:\n%s", name, body)
		}
	}
	if !strings.Contains(logs, "over 12 months ago: phone them") {
		t.Errorf("the warning does not say what is wrong and what to do:\n%s", logs)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d with stale contacts; old contacts must never make the bot unready", resp.StatusCode)
	}
}

func TestRunWebhook(t *testing.T) {
	p := start(t, map[string]string{
		"ASYLUMGUIDE_WEBHOOK_URL":    "https://guide.example.org/tg/hook",
		"ASYLUMGUIDE_WEBHOOK_SECRET": "webhook-secret-123",
	})
	set := waitMethod(t, p.srv, "setWebhook")
	if set.Params["url"] != "https://guide.example.org/tg/hook" || set.Params["secret_token"] != "webhook-secret-123" {
		t.Errorf("setWebhook params = %v", set.Params)
	}
	update := telegramtest.WithID(mustJSON(t, telegramtest.Text(telegramtest.User{ID: 777, Lang: "en"}, "/help")), 1)
	post := func(secret string) int {
		req, _ := http.NewRequest("POST", "http://"+p.addr+"/tg/hook", bytes.NewReader(update))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(bot.SecretHeader, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong secret: status %d, want 401", code)
	}
	if code := post("webhook-secret-123"); code != http.StatusOK {
		t.Fatalf("update: status %d, want 200", code)
	}
	msg := waitMethod(t, p.srv, "sendMessage")
	if !strings.Contains(msg.Params["text"], "How to use the guide") {
		t.Errorf("reply to /help = %q", msg.Params["text"])
	}
	resp, err := http.Get("http://" + p.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("/healthz = %d %q", resp.StatusCode, body)
	}
	if strings.Contains(p.logs.String(), "webhook-secret-123") || strings.Contains(p.logs.String(), telegramtest.Token) {
		t.Error("logs hold the webhook secret or the token")
	}
}

func TestLockedDatabaseIsAClearError(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "guide.db")
	s, err := data.Open(db, filepath.Join(dir, "guide.key"), data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var stdout, stderr syncBuffer
	env := map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.Token, "ASYLUMGUIDE_DB": db, "ASYLUMGUIDE_LISTEN": "127.0.0.1:0", "TELEGRAM_API_URL": "http://127.0.0.1:1"}
	began := time.Now()
	code := run(context.Background(), nil, envOf(env), strings.NewReader(""), &stdout, &stderr, nil)
	if code != exitError {
		t.Errorf("exit code %d, want %d", code, exitError)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("took %v to report a locked database, want under 2s", d)
	}
	msg := stderr.String()
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "in use by another process") {
		t.Errorf("stderr = %q, want one line saying the database is in use", msg)
	}
}

func TestDatabaseAndKeyAreCreatedPrivate(t *testing.T) {
	dir := t.TempDir()
	p := start(t, map[string]string{"ASYLUMGUIDE_DB": filepath.Join(dir, "g.db")})
	p.stop(t)
	for _, name := range []string{"g.db", "g.key"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDamagedDatabaseIsAClearErrorAndKept(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "guide.db")
	junk := bytes.Repeat([]byte("not a database "), 1000)
	if err := os.WriteFile(db, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	env := map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.Token, "ASYLUMGUIDE_DB": db, "ASYLUMGUIDE_LISTEN": "127.0.0.1:0", "TELEGRAM_API_URL": "http://127.0.0.1:1"}
	code := run(context.Background(), nil, envOf(env), strings.NewReader(""), &stdout, &stderr, nil)
	if code != exitError {
		t.Errorf("exit code %d, want %d", code, exitError)
	}
	if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "is damaged") || !strings.Contains(msg, "move it aside") {
		t.Errorf("stderr = %q, want one line saying the file is damaged and what to do", msg)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(after, junk) {
		t.Error("the damaged file was changed")
	}
}

// TestProgramLogsHoldNoSecrets runs the real program at debug level with
// JSON logs through conversations and faults (including transport errors,
// whose messages can quote request URLs) and checks the
// token, the webhook secret and the users' data never reach the log.
func TestProgramLogsHoldNoSecrets(t *testing.T) {
	var n int
	var mu sync.Mutex
	faults := func(srv *telegramtest.Server) {
		srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
			mu.Lock()
			defer mu.Unlock()
			n++
			switch {
			case strings.HasPrefix(c.Method, "setMy"):
				return &telegramtest.Fault{Drop: true}
			case n%4 == 1:
				return &telegramtest.Fault{Code: 502, HTML: true}
			}
			return nil
		}
	}
	p := start(t, map[string]string{"ASYLUMGUIDE_WEBHOOK_URL": "https://guide.example.org/hook", "ASYLUMGUIDE_WEBHOOK_SECRET": "hook-secret-XYZ"}, faults)
	user := telegramtest.User{ID: 4455667788, Lang: "en", Name: "Dardan"}
	for i, upd := range []any{
		telegramtest.Text(user, "/start"),
		telegramtest.Text(user, "my phone is +38349111222, I live in Fushë Kosovë"),
		telegramtest.Callback(user, 101, "v1:help_crpk"),
		telegramtest.Media(user, "contact"),
		telegramtest.Text(user, "/forget"),
	} {
		body := telegramtest.WithID(mustJSON(t, upd), int64(i+1))
		req, _ := http.NewRequest("POST", "http://"+p.addr+"/hook", bytes.NewReader(body))
		req.Header.Set(bot.SecretHeader, "hook-secret-XYZ")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if !p.srv.WaitFor(10*time.Second, func([]telegramtest.Call) bool { return len(p.srv.CallsTo("sendMessage")) >= 4 }) {
		t.Fatalf("replies did not arrive:\n%s", p.logs)
	}
	// setWebhook met a 502 first and is tried again a second later;
	// then the profile is set, and fails as injected.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(p.logs.String(), `"msg":"profile not set"`); {
		time.Sleep(50 * time.Millisecond)
	}
	p.stop(t)
	logs := p.logs.String()
	if !strings.Contains(logs, `"msg":"profile not set"`) {
		t.Fatalf("the injected profile failures were not logged:\n%s", logs)
	}
	if !strings.Contains(logs, `"kind":"command"`) {
		t.Fatalf("no debug lines for the updates:\n%s", logs)
	}
	for _, secret := range []string{telegramtest.Token, strings.Split(telegramtest.Token, ":")[1], "hook-secret-XYZ", "4455667788", "Dardan", "38349111222", "Fushë"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log holds %q:\n%s", secret, logs)
		}
	}
}

// TestProfileInEveryLanguage checks the start-up profile: the command
// menu, description and short description for each language Telegram has
// a code for, and a default.
func TestProfileInEveryLanguage(t *testing.T) {
	p := start(t, nil)
	want := []string{"", "sq", "sr", "en", "uk", "ar", "tr", "fa", "fr"}
	for _, method := range []string{"setMyCommands", "setMyDescription", "setMyShortDescription"} {
		ok := p.srv.WaitFor(10*time.Second, func([]telegramtest.Call) bool { return len(p.srv.CallsTo(method)) >= len(want) })
		if !ok {
			t.Fatalf("%s called %d times, want %d", method, len(p.srv.CallsTo(method)), len(want))
		}
		got := map[string]telegramtest.Call{}
		for _, c := range p.srv.CallsTo(method) {
			got[c.Params["language_code"]] = c
		}
		for _, code := range want {
			if _, ok := got[code]; !ok {
				t.Errorf("%s: no call for language_code %q", method, code)
			}
		}
		if method == "setMyDescription" {
			if d := got["ar"].Params["description"]; !strings.Contains(d, "كوسوفو") {
				t.Errorf("Arabic description = %q", d)
			}
			if d := got[""].Params["description"]; !strings.Contains(d, "Kosovo") {
				t.Errorf("default description = %q", d)
			}
		}
		if method == "setMyCommands" {
			if c := got["sr"].Params["commands"]; !strings.Contains(c, `"command":"forget"`) || !strings.ContainsAny(c, "абвгдежзијклмнопрстуфхцчшђћџљњ") {
				t.Errorf("Serbian commands should be in Cyrillic: %s", c)
			}
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsCountWithoutIdentifyingAnyone uses the guide, then reads
// /metrics: the counters moved, and no label holds anything about a user.
func TestMetricsCountWithoutIdentifyingAnyone(t *testing.T) {
	p := start(t, nil)
	if !p.srv.WaitFor(10*time.Second, func([]telegramtest.Call) bool { return p.srv.Polls() > 0 }) {
		t.Fatal("no poll")
	}
	if code, body := get(t, "http://"+p.addr+"/readyz"); code != 200 {
		t.Errorf("/readyz = %d %q after Telegram answered", code, body)
	}
	user := telegramtest.User{ID: 99887766, Lang: "ar", Name: "Layla"}
	p.srv.Push(telegramtest.Text(user, "/start fa_appeal"))
	p.srv.Push(telegramtest.Callback(user, 101, "v1:appeal_deadline"))
	p.srv.Push(telegramtest.Text(user, "hello from Layla"))
	if !p.srv.WaitFor(10*time.Second, func([]telegramtest.Call) bool { return len(p.srv.CallsTo("sendMessage")) >= 2 }) {
		t.Fatal("no replies")
	}
	time.Sleep(100 * time.Millisecond)
	code, body := get(t, "http://"+p.addr+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`asylumguide_updates_total{kind="command"} 1`,
		`asylumguide_updates_total{kind="callback"} 1`,
		`asylumguide_updates_total{kind="text"} 1`,
		`asylumguide_screens_shown_total{lang="fa",screen="appeal"} 1`,
		`asylumguide_screens_shown_total{lang="fa",screen="appeal_deadline"} 1`,
		`asylumguide_screens_shown_total{lang="fa",screen="main"} 1`,
		`asylumguide_telegram_requests_total{method="sendMessage",result="ok"} 2`,
		`asylumguide_update_duration_seconds_count 3`,
		`asylumguide_stored_preferences{lang="fa"} 1`,
		"go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, secret := range []string{"99887766", "Layla", "hello", telegramtest.Token} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics holds %q", secret)
		}
	}
	// Label values come from fixed sets: kinds, screens, languages,
	// methods, classes. Count the series to catch a label gone wild.
	series := 0
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "asylumguide_") {
			series++
		}
	}
	if series > 2000 {
		t.Errorf("%d asylumguide series; a label is not from a fixed set", series)
	}
}

func TestReadyzWaitsForTelegram(t *testing.T) {
	p := start(t, nil, func(srv *telegramtest.Server) {
		srv.Fault = func(*telegramtest.Call) *telegramtest.Fault { return &telegramtest.Fault{Code: 502} }
	})
	if code, _ := get(t, "http://"+p.addr+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d while Telegram fails, want 503", code)
	}
	if code, _ := get(t, "http://"+p.addr+"/healthz"); code != 200 {
		t.Errorf("/healthz = %d, want 200: the process is alive", code)
	}
}

func TestPreviewEveryLanguage(t *testing.T) {
	for _, tag := range []string{"sq", "sr-Latn", "sr-Cyrl", "en", "uk", "ar", "tr", "fa", "fr"} {
		var stdout, stderr syncBuffer
		code := run(context.Background(), []string{"preview", "-lang", tag}, envOf(nil), strings.NewReader("3\n2\n1\nq\n"), &stdout, &stderr, nil)
		if code != exitOK || !strings.Contains(stdout.String(), "CRPK") || !strings.Contains(stdout.String(), "1)") {
			t.Errorf("preview -lang %s: exit %d, stderr %q", tag, code, stderr.String())
		}
	}
}

// TestRevokedTokenStopsTheBot has Telegram answer one getUpdates with 401
// (the token was revoked): the program ends at once with the line that
// says what to do and exit code 1, instead of living on deaf (B13).
func TestRevokedTokenStopsTheBot(t *testing.T) {
	for _, code := range []int{401, 404} {
		srv := telegramtest.New(telegramtest.Token)
		t.Cleanup(srv.Close)
		var once atomic.Bool
		srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
			if c.Method == "getUpdates" && once.CompareAndSwap(false, true) {
				return &telegramtest.Fault{Code: code, Description: "Unauthorized"}
			}
			return nil
		}
		var out, errOut syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(context.Background(), nil, envOf(map[string]string{
				"TELEGRAM_BOT_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": srv.URL,
				"ASYLUMGUIDE_DB": filepath.Join(t.TempDir(), "g.db"), "ASYLUMGUIDE_LISTEN": "127.0.0.1:0",
			}), strings.NewReader(""), &out, &errOut, nil)
		}()
		select {
		case got := <-done:
			if got != exitError || !strings.Contains(errOut.String(), "refused the token") {
				t.Errorf("%d: exit %d, stderr %q", code, got, errOut.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%d: the program lives on after Telegram refused the token:\n%s", code, out.String())
		}
	}
}

// TestOddWebhookPaths starts the bot with webhook URLs whose paths hold an
// escaped space, a brace, an escaped slash or what ServeMux reads as a
// wildcard: no panic, and Telegram's deliveries to exactly that path are
// taken (D10, D11).
func TestOddWebhookPaths(t *testing.T) {
	for _, path := range []string{"/a%20b", "/hook%7B", "/a%2Fb", "/%7Bid%7D", "/t/hook"} {
		t.Run(path, func(t *testing.T) {
			p := start(t, map[string]string{"ASYLUMGUIDE_WEBHOOK_URL": "https://guide.example.org" + path, "ASYLUMGUIDE_WEBHOOK_SECRET": "s3"})
			body := telegramtest.WithID(mustJSON(t, telegramtest.Text(telegramtest.User{ID: 777, Lang: "en"}, "/help")), 1)
			req, _ := http.NewRequest("POST", "http://"+p.addr+path, bytes.NewReader(body))
			req.Header.Set(bot.SecretHeader, "s3")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("delivery to %s: %d", path, resp.StatusCode)
			}
			waitMethod(t, p.srv, "sendMessage")
		})
	}
}
