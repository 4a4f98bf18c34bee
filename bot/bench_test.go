package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"asylumguide/bot/telegramtest"
)

// memTransport answers every Bot API request in memory, like Telegram
// does when all goes well, so a benchmark measures the bot alone.
type memTransport struct{ requests atomic.Int64 }

var okBody = []byte(`{"ok":true,"result":true}`)

func (m *memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	m.requests.Add(1)
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(okBody)), Header: http.Header{}, Request: r}, nil
}

func benchBot(b *testing.B) (*Bot, *memTransport) {
	b.Helper()
	tr := &memTransport{}
	// Limits far above what a benchmark reaches: the pacing is checked
	// on every call, and never makes one wait.
	bt, err := New(Config{
		Token: telegramtest.Token, APIURL: "http://telegram.invalid", Transport: tr,
		Prefs: newMemPrefs(), Screens: testScreens(b), Username: telegramtest.Username,
		Rate: 1e9, ChatRate: 1e9,
	})
	if err != nil {
		b.Fatal(err)
	}
	return bt, tr
}

// BenchmarkHandleNavigation is one button press end to end in process:
// the update's JSON in, its answer decided as it arrives, its screen
// decided and paced, answerCallbackQuery and editMessageText out.
func BenchmarkHandleNavigation(b *testing.B) {
	bt, tr := benchBot(b)
	raw := []byte(`{"update_id":10,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":1001,"is_bot":false,"first_name":"Amira","language_code":"en"},"message":{"message_id":101,"date":1764150000,"chat":{"id":1001,"type":"private","first_name":"Amira"},"from":{"id":123456789,"is_bot":true,"first_name":"Kosovo Asylum Guide","username":"AsylumGuideTestBot"},"text":"…"},"chat_instance":"42","data":"v1:appeal"}}`)
	b.ReportAllocs()
	for b.Loop() {
		u, err := decodeUpdate(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := handleNow(bt, u); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tr.requests.Load())/float64(b.N), "requests/op")
}

// handleNow handles u at once, as a worker does when nothing must wait:
// the tap's answer decided as it arrives, then the job that answers it.
func handleNow(b *Bot, u *update) error {
	b.prepare(u)
	j := b.begin(u).(*job)
	if wait, cause, done := j.step(context.Background()); !done {
		return fmt.Errorf("a call had to wait %v (%s)", wait, waitCauses[cause])
	}
	if j.err != nil && !errors.Is(j.err, errPanic) {
		return j.err
	}
	return nil
}
