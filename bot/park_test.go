package bot

import (
	"asylumguide/flows"
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// newPacedHarness runs a bot on a fake clock, which the fake Bot API
// shares for its retry_after windows: a wait of a minute takes no time,
// and a call a moment early is seen.
func newPacedHarness(t *testing.T, opts ...func(*Config)) (*harness, *fakeClock) {
	clk := newFakeClock()
	h := newHarness(t, append([]func(*Config){func(c *Config) { c.clock, c.Metrics = clk, prometheus.NewRegistry() }}, opts...)...)
	h.srv.SetClock(clk.Now)
	return h, clk
}

// push queues an update and waits until the bot has taken it and has
// done all it can without the clock moving.
func (h *harness) push(update any) int64 {
	h.t.Helper()
	id := h.srv.Push(update)
	if !h.srv.WaitFor(5*time.Second, func([]telegramtest.Call) bool { return h.srv.Confirmed() > id }) {
		h.t.Fatalf("update %d not taken", id)
	}
	h.settle()
	return id
}

// settle waits until no worker has anything left to do now: every chat
// with work left is parked.
func (h *harness) settle() {
	h.t.Helper()
	d := h.bot.dispatch
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		d.mu.Lock()
		idle := len(d.ready) == 0 && len(d.urgent) == 0
		for _, q := range d.chats {
			if q.running && !q.parked {
				idle = false
			}
		}
		d.mu.Unlock()
		if idle {
			return
		}
		time.Sleep(time.Millisecond)
	}
	h.t.Fatal("the bot did not settle")
}

// advance moves the clock and lets the bot do what became due. It moves
// a millisecond at a time, so that what falls due goes out at its time,
// as it would on a real clock, not all at the end.
func (h *harness) advance(clk *fakeClock, d time.Duration) {
	h.t.Helper()
	for ; d > time.Millisecond; d -= time.Millisecond {
		clk.Advance(time.Millisecond)
		h.settle()
	}
	clk.Advance(d)
	h.settle()
}

// writesTo returns the messages sent or edited in chat, by method.
func (h *harness) writesTo(chat int64) []string {
	var out []string
	for _, c := range h.srv.Calls() {
		if (c.Method == "sendMessage" || c.Method == "editMessageText") && c.Params["chat_id"] == itoa(chat) {
			out = append(out, c.Method)
		}
	}
	return out
}

// TestThrottledChatHoldsNoWorker gives the bot one worker and has
// Telegram refuse a chat's reply for 30 seconds: another chat is answered
// at once, and the first gets its reply when the 30 seconds have passed.
func TestThrottledChatHoldsNoWorker(t *testing.T) {
	h, clk := newPacedHarness(t, func(c *Config) { c.Workers = 1 })
	h.srv.Fault = faultsFor("sendMessage", 1, telegramtest.Fault{Code: 429, RetryAfter: 30})
	a, b := telegramtest.User{ID: 501, Lang: "en"}, telegramtest.User{ID: 502, Lang: "en"}
	h.push(telegramtest.Text(a, "/start"))
	h.push(telegramtest.Text(b, "/start"))
	if got := h.writesTo(b.ID); !slices.Equal(got, []string{"sendMessage"}) {
		t.Fatalf("while chat A waits out its 429, chat B got %v; want its reply at once", got)
	}
	h.advance(clk, 29*time.Second)
	if got := h.writesTo(a.ID); len(got) != 0 {
		t.Fatalf("chat A got %v before its retry_after passed", got)
	}
	h.advance(clk, time.Second)
	if got := h.writesTo(a.ID); !slices.Equal(got, []string{"sendMessage"}) {
		t.Errorf("after its retry_after, chat A got %v, want its reply", got)
	}
	if n := h.srv.Early(); n != 0 {
		t.Errorf("%d calls before retry_after had passed", n)
	}
}

// TestRetryAfterHoldsTheChat: once Telegram refuses a chat's message with
// retry_after 10, nothing more goes to that chat for 10 seconds, not even
// the answer to a newer update; its later updates wait behind, in order,
// and the tap among them is answered at once.
func TestRetryAfterHoldsTheChat(t *testing.T) {
	h, clk := newPacedHarness(t)
	h.srv.Fault = faultsFor("sendMessage", 1, telegramtest.Fault{Code: 429, RetryAfter: 10})
	a := telegramtest.User{ID: 601, Lang: "en"}
	h.push(telegramtest.Text(a, "/start"))
	h.push(telegramtest.Callback(a, 101, "v1:appeal"))
	h.push(telegramtest.Text(a, "/help"))
	if got := h.srv.CallsTo("answerCallbackQuery"); len(got) != 1 {
		t.Errorf("the tap got %d answers while its chat waited, want 1 at once", len(got))
	}
	if _, _, parked := h.bot.dispatch.stats(); parked != 1 {
		t.Errorf("%d chats parked, want 1", parked)
	}
	h.advance(clk, 10*time.Second-time.Millisecond)
	if got := h.writesTo(a.ID); len(got) != 0 {
		t.Fatalf("the chat got %v before its retry_after passed", got)
	}
	h.advance(clk, time.Millisecond)
	if got, want := h.writesTo(a.ID), []string{"sendMessage", "editMessageText", "sendMessage"}; !slices.Equal(got, want) {
		t.Errorf("after its retry_after the chat got %v, want %v in order", got, want)
	}
	if n := h.srv.Early(); n != 0 {
		t.Errorf("%d calls before retry_after had passed", n)
	}
	if got := counterValue(t, h.bot, "asylumguide_telegram_waits_total", "chat_429"); got != 1 {
		t.Errorf("chat_429 waits = %v, want 1", got)
	}
	if got := counterValue(t, h.bot, "asylumguide_telegram_wait_seconds_total", "chat_429"); got != 10 {
		t.Errorf("chat_429 seconds = %v, want 10", got)
	}
}

// TestOutageIsTriedForAsLongAsPatience: a reply that meets server
// errors for two minutes is still delivered, its chat parked between
// tries; one that meets them for good is given up after the three
// minutes of patience, not tried forever (B6).
func TestOutageIsTriedForAsLongAsPatience(t *testing.T) {
	h, clk := newPacedHarness(t, func(c *Config) { c.Retry = defaultRetry })
	outage := clk.Now().Add(2 * time.Minute)
	a, b := telegramtest.User{ID: 611, Lang: "en"}, telegramtest.User{ID: 612, Lang: "en"}
	var mu sync.Mutex
	delivered := map[string]int{}
	h.srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
		if c.Method != "sendMessage" {
			return nil
		}
		if c.Params["chat_id"] == itoa(b.ID) || clk.Now().Before(outage) {
			return &telegramtest.Fault{Code: 502}
		}
		mu.Lock()
		defer mu.Unlock()
		delivered[c.Params["chat_id"]]++
		return nil
	}
	h.push(telegramtest.Text(a, "/start"))
	h.push(telegramtest.Text(b, "/start"))
	for range 200 {
		h.advance(clk, time.Second)
	}
	mu.Lock()
	if got := delivered[itoa(a.ID)]; got != 1 {
		t.Errorf("after a two-minute outage chat a got %d replies, want 1", got)
	}
	mu.Unlock()
	tries := len(h.srv.CallsTo("sendMessage"))
	for range 60 {
		h.advance(clk, time.Second)
	}
	if more := len(h.srv.CallsTo("sendMessage")) - tries; more != 0 {
		t.Errorf("a reply that never got through was tried %d more times after its patience ran out", more)
	}
	if pending, _, _ := h.bot.dispatch.stats(); pending != 0 {
		t.Errorf("%d updates still pending after the patience ran out", pending)
	}
}

// TestRefusalsInARowHoldEverySend: refusalRun chats refused one after
// another read as Telegram holding back the whole bot: another chat's
// reply waits until the longest retry_after has passed.
func TestRefusalsInARowHoldEverySend(t *testing.T) {
	h, clk := newPacedHarness(t)
	h.srv.Fault = faultsFor("sendMessage", refusalRun, telegramtest.Fault{Code: 429, RetryAfter: 5})
	for i := range int64(refusalRun) {
		h.push(telegramtest.Text(telegramtest.User{ID: 700 + i, Lang: "en"}, "/start"))
	}
	g := telegramtest.User{ID: 799, Lang: "en"}
	h.push(telegramtest.Text(g, "/start"))
	h.advance(clk, 5*time.Second-time.Millisecond)
	if got := h.writesTo(g.ID); len(got) != 0 {
		t.Fatalf("while the bot was held back, another chat got %v", got)
	}
	h.advance(clk, time.Millisecond)
	if got := len(h.srv.CallsTo("sendMessage")); got != refusalRun+1 {
		t.Errorf("after the hold, %d replies, want %d", got, refusalRun+1)
	}
	if n := h.srv.Early(); n != 0 {
		t.Errorf("%d calls before retry_after had passed", n)
	}
}

// TestFloodAnswersEveryTap has a person tap 30 times while their chat
// waits out a 429: every tap is answered at once, the ones dropped for a
// newer tap included, so no button is left spinning; the screen of the
// last tap is shown once the wait is over.
func TestFloodAnswersEveryTap(t *testing.T) {
	h, clk := newPacedHarness(t)
	h.srv.Fault = faultsFor("editMessageText", 1, telegramtest.Fault{Code: 429, RetryAfter: 30})
	a := telegramtest.User{ID: 801, Lang: "en"}
	var ids []string
	for i := range 30 {
		data := "v1:apply"
		if i == 29 {
			data = "v1:rights"
		}
		tap := telegramtest.Callback(a, 101, data)
		ids = append(ids, tap["callback_query"].(map[string]any)["id"].(string))
		h.srv.Push(tap)
	}
	if !h.srv.WaitFor(5*time.Second, func([]telegramtest.Call) bool { return len(h.srv.CallsTo("answerCallbackQuery")) == len(ids) }) {
		t.Fatalf("%d of %d taps answered while the chat waited", len(h.srv.CallsTo("answerCallbackQuery")), len(ids))
	}
	var answered []string
	for _, c := range h.srv.CallsTo("answerCallbackQuery") {
		answered = append(answered, c.Params["callback_query_id"])
	}
	slices.Sort(answered)
	slices.Sort(ids)
	if !slices.Equal(answered, ids) {
		t.Errorf("answered %v, want each of %v once", answered, ids)
	}
	h.settle()
	h.advance(clk, 30*time.Second)
	edits := h.srv.CallsTo("editMessageText")
	if len(edits) == 0 || !strings.Contains(edits[len(edits)-1].Params["text"], "Your rights") {
		t.Errorf("after the wait the screen of the last tap was not shown (%d edits)", len(edits))
	}
}

// TestFloodOfLanguageTapsAnswersEach: language choices made while their
// chat waits out a 429 are answered at once, empty (nothing is stored
// yet, so nothing is said "saved"), those dropped for a newer tap
// included; each is answered once, and the last choice is stored.
func TestFloodOfLanguageTapsAnswersEach(t *testing.T) {
	h, clk := newPacedHarness(t)
	h.srv.Fault = faultsFor("editMessageText", 1, telegramtest.Fault{Code: 429, RetryAfter: 30})
	a := telegramtest.User{ID: 802, Lang: "en"}
	h.push(telegramtest.Callback(a, 101, "v1:apply"))
	langs := []string{"fr", "ar", "tr", "uk", "sq", "fa", "fr", "uk", "tr", "ar"}
	for _, l := range langs {
		h.srv.Push(telegramtest.Callback(a, 101, "v1:lang:"+l))
	}
	taps := 1 + len(langs)
	if !h.srv.WaitFor(5*time.Second, func([]telegramtest.Call) bool {
		return len(h.srv.CallsTo("answerCallbackQuery")) == taps
	}) {
		t.Fatalf("%d of %d taps answered while the chat waited", len(h.srv.CallsTo("answerCallbackQuery")), taps)
	}
	for _, c := range h.srv.CallsTo("answerCallbackQuery")[1:] {
		if c.Params["text"] != "" {
			t.Errorf("a language tap was answered %q before anything was stored", c.Params["text"])
		}
	}
	h.settle()
	h.advance(clk, 30*time.Second)
	h.advance(clk, 30*time.Second)
	if got := len(h.srv.CallsTo("answerCallbackQuery")); got != taps {
		t.Errorf("%d answers after the wait, want each of the %d taps answered once", got, taps)
	}
	last := langs[len(langs)-1]
	if tag, _ := h.prefs.Language(a.ID); tag != last {
		t.Errorf("stored %q, want the last choice %q", tag, last)
	}
}

// TestBusyChatIsToldAChoiceWasNotSaved: a language tap answered at once
// because its chat was busy, whose choice the disk then refuses, is told
// so in a message, in the language chosen.
func TestBusyChatIsToldAChoiceWasNotSaved(t *testing.T) {
	h, clk := newPacedHarness(t)
	h.srv.Fault = faultsFor("editMessageText", 1, telegramtest.Fault{Code: 429, RetryAfter: 5})
	a := telegramtest.User{ID: 803, Lang: "en"}
	h.push(telegramtest.Callback(a, 101, "v1:apply"))
	h.prefs.failWrites = true
	h.push(telegramtest.Callback(a, 101, "v1:lang:fr"))
	h.advance(clk, 10*time.Second)
	want, _ := h.bot.g().screens.Text("fr", flows.MsgLanguageNotSaved, nil)
	var told bool
	for _, c := range h.srv.CallsTo("sendMessage") {
		told = told || strings.Contains(c.Params["text"], strings.TrimSpace(want))
	}
	if !told {
		t.Errorf("the person was not told, in French, that their choice was not saved")
	}
	if got := len(h.srv.CallsTo("answerCallbackQuery")); got != 2 {
		t.Errorf("%d tap answers, want one for each of the 2 taps", got)
	}
}

// TestSendsArePacedInArrivalOrder: at 2 messages a second, six people
// who start at once get their replies two a second, first come first
// served, before Telegram has to refuse any.
func TestSendsArePacedInArrivalOrder(t *testing.T) {
	h, clk := newPacedHarness(t, func(c *Config) { c.Rate, c.Burst, c.ChatRate = 2, 1, rate.Inf })
	h.srv.SetFlood(telegramtest.Flood{Rate: 2, Burst: 1})
	var want []string
	for i := range int64(6) {
		u := telegramtest.User{ID: 900 + i, Lang: "en"}
		want = append(want, itoa(u.ID))
		h.push(telegramtest.Text(u, "/start"))
	}
	steps := []struct {
		after time.Duration
		sent  int
	}{{0, 1}, {499 * time.Millisecond, 1}, {time.Millisecond, 2}, {500 * time.Millisecond, 3}, {2 * time.Second, 6}}
	for _, s := range steps {
		h.advance(clk, s.after)
		if got := len(h.srv.CallsTo("sendMessage")); got != s.sent {
			t.Fatalf("%v later: %d replies sent, want %d", s.after, got, s.sent)
		}
	}
	var got []string
	for _, c := range h.srv.CallsTo("sendMessage") {
		got = append(got, c.Params["chat_id"])
	}
	if !slices.Equal(got, want) {
		t.Errorf("replies went to %v, want arrival order %v", got, want)
	}
	if n := h.srv.Refused(); n != 0 {
		t.Errorf("Telegram refused %d calls, want none: the bot paces itself", n)
	}
}

// TestWebhookAnswersTapsInTheResponse: in webhook mode a tap's answer
// goes back in the response to Telegram's POST, and only the screen is a
// call of its own.
func TestWebhookAnswersTapsInTheResponse(t *testing.T) {
	srv := telegramtest.New(telegramtest.Token)
	t.Cleanup(srv.Close)
	b, err := New(Config{Token: telegramtest.Token, APIURL: srv.URL, Prefs: newMemPrefs(), Screens: testScreens(t),
		Username: telegramtest.Username, Rate: rate.Inf, ChatRate: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan error, 1)
	go func() { exit <- b.Run(ctx, false) }()
	t.Cleanup(func() { cancel(); <-exit })
	raw, _ := json.Marshal(telegramtest.Callback(english, 101, "v1:appeal"))
	req := httptestRequest(context.Background(), "POST", string(telegramtest.WithID(raw, 77)))
	req.Header.Set(SecretHeader, "s3cret")
	w := httptest.NewRecorder()
	b.WebhookHandler("s3cret").ServeHTTP(w, req)
	var reply struct {
		Method string `json:"method"`
		ID     string `json:"callback_query_id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &reply); err != nil || w.Code != 200 || reply.Method != "answerCallbackQuery" || !strings.HasPrefix(reply.ID, "cbq-") {
		t.Fatalf("response %d %q, want 200 with the tap's answer", w.Code, w.Body)
	}
	if !srv.WaitFor(5*time.Second, func([]telegramtest.Call) bool { return len(srv.CallsTo("editMessageText")) == 1 }) {
		t.Fatal("the screen was not shown")
	}
	if n := len(srv.CallsTo("answerCallbackQuery")); n != 0 {
		t.Errorf("%d answerCallbackQuery calls; the answer was in the response", n)
	}
	// A message is no tap: a plain 200.
	req = httptestRequest(context.Background(), "POST", `{"update_id":78,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"from":{"id":1},"text":"/start"}}`)
	req.Header.Set(SecretHeader, "s3cret")
	w = httptest.NewRecorder()
	b.WebhookHandler("s3cret").ServeHTTP(w, req)
	if w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("a message got %d %q, want an empty 200", w.Code, w.Body)
	}
}

// counterValue reads a metric of the bot with one label value.
func counterValue(t *testing.T, b *Bot, name, label string) float64 {
	t.Helper()
	reg, ok := b.cfg.Metrics.(prometheus.Gatherer)
	if !ok {
		t.Fatal("the bot's registry cannot be read")
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
