package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
	"asylumguide/flows"

	"golang.org/x/time/rate"
)

func FuzzParseCommand(f *testing.F) {
	f.Fuzz(func(t *testing.T, text, username string) {
		cmd, arg, ok := parseCommand(text, username)
		if !ok {
			if cmd != "" || arg != "" {
				t.Fatalf("parseCommand(%q) = %q, %q with ok false", text, cmd, arg)
			}
			return
		}
		if cmd == "" || len(cmd) > maxCommand || strings.Trim(cmd, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			t.Fatalf("parseCommand(%q) gave command %q", text, cmd)
		}
		if len(arg) > len(text) {
			t.Fatalf("parseCommand(%q) gave an argument longer than the text", text)
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	f.Fuzz(func(t *testing.T, p string) {
		got, ok := parsePayload(p)
		if !ok {
			return
		}
		if len(p) > maxPayload {
			t.Fatalf("accepted a %d-byte payload", len(p))
		}
		for _, s := range []string{got.lang, got.topic} {
			if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
				t.Fatalf("parsePayload(%q) = %+v: outside the deep-link alphabet", p, got)
			}
		}
	})
}

// recorder is an in-memory Bot API that keeps every request body.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, b)
	r.mu.Unlock()
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(okBody)), Header: http.Header{}, Request: req}, nil
}

// FuzzHandle sends any text, callback data and language code through the
// whole handler, on a fixed day: it never panics, every request it makes
// is valid JSON, every message it sends is one of the guide's own screens
// (the date picker's included, as the button leads to them), and no sent
// text contains the fuzzed text, so no input is ever echoed back.
func FuzzHandle(f *testing.F) {
	s := testScreens(f)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	today := flows.Today(now)
	known := map[string]bool{}
	for _, tag := range s.Tags() {
		for _, sc := range s.All(tag) {
			known[sc.Text] = true
		}
		if t, err := s.Text(tag, flows.MsgGroupBody, nil); err == nil {
			known[t] = true
		}
		known[s.Saved(tag)] = true
		// Pop-ups and answers that are not screens of the tree.
		for _, id := range []string{flows.MsgDeadlineFuture, flows.MsgSearchFound, flows.MsgSearchNone, flows.MsgGuideFailed, flows.MsgLanguageNotSaved} {
			if t, err := s.Text(tag, id, nil); err == nil {
				known[strings.TrimSpace(t)] = true
			}
		}
	}
	rec := &recorder{}
	b, err := New(Config{Token: telegramtest.Token, APIURL: "http://telegram.invalid", Transport: rec,
		Prefs: newMemPrefs(), Screens: s, Username: telegramtest.Username, Now: func() time.Time { return now },
		Rate: rate.Inf, ChatRate: rate.Inf})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, data, langCode string, group bool) {
		rec.mu.Lock()
		rec.bodies = nil
		rec.mu.Unlock()
		u := telegramtest.User{ID: 42, Lang: langCode}
		msg := telegramtest.Text(u, text)
		if group {
			msg = telegramtest.GroupText(u, -100, text)
		}
		// The date picker's screens a button with this data leads to.
		allowed := map[string]bool{}
		for _, tag := range s.Tags() {
			if sc, _, err := s.Press(s.Tree().Parse(data), tag, today); err == nil && sc != nil {
				allowed[sc.Text] = true
			}
		}
		for _, upd := range []any{msg, telegramtest.Callback(u, 7, data)} {
			raw, _ := json.Marshal(upd)
			decoded, err := decodeUpdate(raw)
			if err != nil {
				t.Fatalf("cannot decode a well-formed update: %v", err)
			}
			handleNow(b, decoded)
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, body := range rec.bodies {
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				t.Fatalf("request body is not JSON: %v\n%s", err, body)
			}
			sent, ok := v["text"].(string)
			if !ok {
				continue
			}
			if !known[sent] && !allowed[sent] {
				t.Fatalf("sent a text that is not one of the guide's screens:\n%q", sent)
			}

		}
	})
}

// FuzzDecodeUpdate feeds any bytes as an update, as a broken proxy or a
// forged webhook call might: decoding never panics, and whatever decodes
// is handled without panicking.
func FuzzDecodeUpdate(f *testing.F) {
	rec := &recorder{}
	b, err := New(Config{Token: telegramtest.Token, APIURL: "http://telegram.invalid", Transport: rec,
		Prefs: newMemPrefs(), Screens: testScreens(f), Username: telegramtest.Username, Rate: rate.Inf, ChatRate: rate.Inf})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := decodeUpdate(raw)
		if err != nil {
			return
		}
		b.prepare(u)
		j := b.begin(u).(*job)
		j.step(context.Background())
		if errors.Is(j.err, errPanic) {
			t.Fatalf("panic on %q", raw)
		}
	})
}
