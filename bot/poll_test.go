package bot

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
)

// answeringServer is a Bot API that answers every getUpdates at once
// with body, as a broken proxy or an emulator without long polling does,
// and records the offsets asked for and the messages sent.
type answeringServer struct {
	polls, sends atomic.Int64
	mu           sync.Mutex
	offsets      []int64
}

func (a *answeringServer) start(t *testing.T, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/getUpdates"):
			a.polls.Add(1)
			var p struct {
				Offset int64 `json:"offset"`
			}
			raw, _ := io.ReadAll(r.Body)
			json.Unmarshal(raw, &p)
			a.mu.Lock()
			a.offsets = append(a.offsets, p.Offset)
			a.mu.Unlock()
			io.WriteString(w, body)
		case strings.HasSuffix(r.URL.Path, "/sendMessage"):
			a.sends.Add(1)
			io.WriteString(w, `{"ok":true,"result":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"}}}`)
		default:
			io.WriteString(w, `{"ok":true,"result":true}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// runFor runs a bot against url for d and stops it.
func runFor(t *testing.T, url string, d time.Duration, logs io.Writer) {
	b, err := New(Config{Token: telegramtest.Token, APIURL: url, Prefs: newMemPrefs(), Screens: testScreens(t),
		Username: telegramtest.Username, PollTimeout: time.Second,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	b.Run(ctx, true)
}

// TestEmptyPollsDoNotSpin has a server answer every poll at once with
// nothing, or with something unreadable: the bot waits between polls
// (B10, B11, G2) and warns at most once per period.
func TestEmptyPollsDoNotSpin(t *testing.T) {
	for _, body := range []string{
		`{"ok":true,"result":null}`,
		` {"ok":true,"result":[]}`,
		`{"ok":true,"result":[1,2,3]}`,
		`{"ok":true,"result":[{"update_id":"77"}]}`,
	} {
		t.Run(body, func(t *testing.T) {
			var a answeringServer
			var logs logBuffer
			runFor(t, a.start(t, body), 2*time.Second, &logs)
			if n := a.polls.Load(); n > 12 {
				t.Errorf("%d polls in 2 s against a server that answers at once", n)
			}
			if n := strings.Count(logs.String(), "level=WARN"); n > 2 {
				t.Errorf("%d warnings in 2 s:\n%s", n, logs.String())
			}
		})
	}
}

// TestForgedUpdateIDsCannotWedgeTheOffset gives updates with a negative id
// and with the largest id: neither is answered again and again, and the
// offset never turns negative (B15, B16).
func TestForgedUpdateIDsCannotWedgeTheOffset(t *testing.T) {
	start := `{"message":{"message_id":5,"date":1,"chat":{"id":7,"type":"private"},"from":{"id":7,"is_bot":false,"first_name":"A","language_code":"en"},"text":"/start"}`
	for _, id := range []string{"-5", "9223372036854775807"} {
		t.Run(id, func(t *testing.T) {
			var a answeringServer
			var logs logBuffer
			runFor(t, a.start(t, `{"ok":true,"result":[{"update_id":`+id+`,`+start[1:]+`]}`), 2*time.Second, &logs)
			if n := a.sends.Load(); n > 0 {
				t.Errorf("a forged update was answered %d times", n)
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			for _, o := range a.offsets {
				if o < 0 {
					t.Fatalf("asked for offset %d", o)
				}
			}
			if n := len(a.offsets); n > 12 {
				t.Errorf("%d polls in 2 s", n)
			}
		})
	}
}
