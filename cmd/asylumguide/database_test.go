package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
	"asylumguide/data"
)

// storeChoice makes a database in dir that holds one choice, with its key
// next to it, as the bot names them by default.
func storeChoice(t *testing.T, dir string) (db, key string) {
	t.Helper()
	db, key = filepath.Join(dir, "guide.db"), filepath.Join(dir, "guide.key")
	s, err := data.Open(db, key, data.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetLanguage(20000, "ar"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return db, key
}

// runOnce runs the program against an unreachable Bot API and returns its
// exit code and standard error; a program that starts instead of refusing
// is stopped after 5 s and reported.
func runOnce(t *testing.T, db string) (int, string) {
	t.Helper()
	var stdout, stderr syncBuffer
	env := map[string]string{"TELEGRAM_BOT_TOKEN": telegramtest.Token, "ASYLUMGUIDE_DB": db, "ASYLUMGUIDE_LISTEN": "127.0.0.1:0", "TELEGRAM_API_URL": "http://127.0.0.1:1"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	code := run(ctx, nil, envOf(env), strings.NewReader(""), &stdout, &stderr, nil)
	if ctx.Err() != nil {
		t.Errorf("the program started and ran until stopped (exit %d)", code)
	}
	return code, stderr.String()
}

// TestKeyMismatchIsAClearError covers C19 and C20: a database that holds
// choices, with its key file missing or replaced, stops the bot with one
// line naming both files, and no key is made.
func TestKeyMismatchIsAClearError(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(t *testing.T, key string)
		want  string
	}{
		{"key file missing", func(t *testing.T, key string) {
			if err := os.Remove(key); err != nil {
				t.Fatal(err)
			}
		}, "is missing for the database"},
		{"another key", func(t *testing.T, key string) {
			if err := os.WriteFile(key, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "does not match the database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, key := storeChoice(t, t.TempDir())
			tt.spoil(t, key)
			keyBefore, _ := os.ReadFile(key)
			code, msg := runOnce(t, db)
			if code != exitError {
				t.Errorf("exit code %d, want %d", code, exitError)
			}
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tt.want) || !strings.Contains(msg, key) || !strings.Contains(msg, db) || !strings.Contains(msg, "restore the key from your backup") {
				t.Errorf("stderr = %q, want one line naming %s and %s, saying %q and what to do", msg, key, db, tt.want)
			}
			if keyAfter, _ := os.ReadFile(key); !bytes.Equal(keyAfter, keyBefore) {
				t.Error("the key file was created or changed")
			}
		})
	}
}

// TestTruncatedDatabaseIsAClearError covers C8, C9 and C10: a database cut
// short gives the one "damaged: move it aside" line, never a fault or a
// new empty database, and is left as it was.
func TestTruncatedDatabaseIsAClearError(t *testing.T) {
	for _, size := range []int64{0, 4096, 8192} {
		db, _ := storeChoice(t, t.TempDir())
		if err := os.Truncate(db, size); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(db)
		code, msg := runOnce(t, db)
		if code != exitError {
			t.Errorf("%d bytes: exit code %d, want %d", size, code, exitError)
		}
		if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "is damaged: move it aside") {
			t.Errorf("%d bytes: stderr = %q, want one line saying the file is damaged and what to do", size, msg)
		}
		if after, err := os.ReadFile(db); err != nil || !bytes.Equal(after, before) {
			t.Errorf("%d bytes: the file was changed (%v)", size, err)
		}
	}
}

// TestDeletedDatabaseFailsReadiness covers C15: the database file deleted
// while the bot runs makes /readyz answer 503, and the log says so once.
func TestDeletedDatabaseFailsReadiness(t *testing.T) {
	db := filepath.Join(t.TempDir(), "guide.db")
	p := start(t, map[string]string{"ASYLUMGUIDE_DB": db})
	if !p.srv.WaitFor(10*time.Second, func([]telegramtest.Call) bool { return p.srv.Polls() > 0 }) {
		t.Fatal("no poll")
	}
	if code, body := get(t, "http://"+p.addr+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d %q before the file was deleted", code, body)
	}
	if err := os.Remove(db); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		code, body := get(t, "http://"+p.addr+"/readyz")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "database file missing: "+db) {
			t.Errorf("/readyz = %d %q after the file was deleted, want 503 database file missing", code, body)
		}
	}
	if n := strings.Count(p.logs.String(), `"msg":"database file missing`); n != 1 {
		t.Errorf("the log says the database is missing %d times, want once:\n%s", n, p.logs)
	}
}
