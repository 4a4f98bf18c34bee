package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
	"asylumguide/flows"
)

// contentDir writes the built-in content into a temporary folder, as
// "asylumguide content init" does, and returns it.
func contentDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "content")
	var out, errOut syncBuffer
	if code := run(context.Background(), []string{"content", "init", dir}, envOf(nil), strings.NewReader(""), &out, &errOut, nil); code != exitOK {
		t.Fatalf("content init: exit %d: %s", code, errOut.String())
	}
	return dir
}

// edit replaces old with new in a file of dir; the test fails if old is
// not there, so it never checks an edit that did not happen.
func edit(t *testing.T, dir, name, old, new string) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", name, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestContentInitRefusesAFolderInUse(t *testing.T) {
	dir := contentDir(t)
	var out, errOut syncBuffer
	code := run(context.Background(), []string{"content", "init", dir}, envOf(nil), strings.NewReader(""), &out, &errOut, nil)
	if code != exitError || !strings.Contains(errOut.String(), "choose an empty folder") {
		t.Errorf("init into a used folder: exit %d, %q", code, errOut.String())
	}
}

// TestCheckCommand breaks the files the ways a translator or an NGO
// might: check names the file, the line, the message and what to do, and
// exits 1; the untouched folder passes with exit 0 and the stale-contact
// warnings.
func TestCheckCommand(t *testing.T) {
	tests := []struct {
		name, file, old, new string
		want                 []string // in check's output
	}{
		{"missing message", "active.fr.toml", "[nav_back]\n", "[nav_back_old]\n", []string{"active.fr.toml:", "message nav_back is missing", "nav_back_old"}},
		{"extra placeholder", "active.uk.toml", "{{.Phone}}", "{{.Phone}} {{.Name}}", []string{"active.uk.toml:", "uses the fields"}},
		{"changed phone number in a text", "active.ar.toml", "704 042", "704 043", []string{"active.ar.toml:", "rights_detained_body", "numbers"}},
		{"changed phone number in content", flows.ContentFile, `phone = "+383 38 243 707"`, `phone = "038-243-707"`, []string{"content.toml:", "contacts.krct", "international form"}},
		{"broken HTML", "active.tr.toml", "<b>", "<b ", []string{"active.tr.toml:", "Telegram HTML"}},
		{"over-long button", "active.sq.toml", `other = "🏠 Menyja"`, `other = "🏠 Menyja kryesore e udhëzuesit për azilin në Kosovë"`, []string{"active.sq.toml:", "nav_main", "button"}},
		{"wrong plural forms", "active.uk.toml", "few = ", "fev = ", []string{"active.uk.toml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := contentDir(t)
			edit(t, dir, tt.file, tt.old, tt.new)
			var out, errOut syncBuffer
			code := run(context.Background(), []string{"check", "-content-dir", dir}, envOf(nil), strings.NewReader(""), &out, &errOut, nil)
			got := out.String() + errOut.String()
			if code != exitError {
				t.Errorf("check exit %d, want 1:\n%s", code, got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("check output lacks %q:\n%s", w, got)
				}
			}
		})
	}
	dir := contentDir(t)
	var out, errOut syncBuffer
	code := run(context.Background(), []string{"check", "-content-dir", dir}, envOf(nil), strings.NewReader(""), &out, &errOut, &hooks{now: testNow})
	if code != exitOK || !strings.Contains(out.String(), "ok: 9 languages") || !strings.Contains(out.String(), "warning: contact") {
		t.Errorf("check of the built-in files: exit %d:\n%s%s", code, out.String(), errOut.String())
	}
}

// TestContentFolderReplacesTextsAndContacts starts the bot with a content
// folder in which a sentence and CRPK's phone number were changed: the
// next replies show both.
func TestContentFolderReplacesTextsAndContacts(t *testing.T) {
	dir := contentDir(t)
	edit(t, dir, flows.ContentFile, `phone = "+383 38 243 610"`, `phone = "+383 38 243 611"`)
	edit(t, dir, "active.en.toml", "Choose a topic below.", "Please choose a topic below.")
	p := start(t, map[string]string{"ASYLUMGUIDE_CONTENT_DIR": dir})
	user := telegramtest.User{ID: 3131, Lang: "en"}
	p.srv.Push(telegramtest.Text(user, "/start"))
	if msg := waitMethod(t, p.srv, "sendMessage"); !strings.Contains(msg.Params["text"], "Please choose a topic below.") {
		t.Errorf("the edited sentence is not shown:\n%s", msg.Params["text"])
	}
	p.srv.Push(telegramtest.Callback(user, 100, "v1:help_crpk"))
	if msg := waitMethod(t, p.srv, "editMessageText"); !strings.Contains(msg.Params["text"], "+383 38 243 611") {
		t.Errorf("the new phone number is not shown:\n%s", msg.Params["text"])
	}
}

// TestBrokenContentFolderStopsTheStart: the bot does not start with files
// that fail the checks, and says which and why.
func TestBrokenContentFolderStopsTheStart(t *testing.T) {
	dir := contentDir(t)
	edit(t, dir, "active.fr.toml", "[nav_back]\n", "[nav_bak]\n")
	srv := telegramtest.New(telegramtest.Token)
	t.Cleanup(srv.Close)
	var out, errOut syncBuffer
	code := run(context.Background(), nil, envOf(map[string]string{
		"TELEGRAM_BOT_TOKEN": telegramtest.Token, "TELEGRAM_API_URL": srv.URL,
		"ASYLUMGUIDE_DB": filepath.Join(t.TempDir(), "g.db"), "ASYLUMGUIDE_LISTEN": "127.0.0.1:0",
		"ASYLUMGUIDE_CONTENT_DIR": dir,
	}), strings.NewReader(""), &out, &errOut, nil)
	if code != exitError || !strings.Contains(errOut.String(), "active.fr.toml:") || !strings.Contains(errOut.String(), "nav_back is missing") {
		t.Errorf("start with a broken folder: exit %d:\n%s", code, errOut.String())
	}
}

// TestReloadKeepsServingOnBadContent reloads twice: a good change shows
// in the next reply; a broken file is refused, logged, and the content
// before it keeps serving.
func TestReloadKeepsServingOnBadContent(t *testing.T) {
	dir := contentDir(t)
	reload := make(chan struct{})
	p := startWith(t, map[string]string{"ASYLUMGUIDE_CONTENT_DIR": dir}, &hooks{reload: reload, now: testNow})
	user := telegramtest.User{ID: 3232, Lang: "en"}
	ask := func() string {
		p.srv.Reset()
		p.srv.Push(telegramtest.Callback(user, 100, "v1:help_crpk"))
		return waitMethod(t, p.srv, "editMessageText").Params["text"]
	}
	edit(t, dir, flows.ContentFile, `phone = "+383 38 243 610"`, `phone = "+383 38 243 612"`)
	reload <- struct{}{}
	waitLog(t, p, "content reloaded")
	if got := ask(); !strings.Contains(got, "+383 38 243 612") {
		t.Errorf("after the reload:\n%s", got)
	}
	edit(t, dir, flows.ContentFile, `phone = "+383 38 243 612"`, `phone = "not a number"`)
	reload <- struct{}{}
	waitLog(t, p, "content reload refused")
	if got := ask(); !strings.Contains(got, "+383 38 243 612") {
		t.Errorf("after a refused reload the content changed:\n%s", got)
	}
	if !strings.Contains(p.logs.String(), "contacts.crpk") {
		t.Errorf("the refused reload does not say what is wrong:\n%s", p.logs)
	}
}

func waitLog(t *testing.T, p *program, text string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(p.logs.String(), text) {
			return
		}
	}
	t.Fatalf("no %q in the log:\n%s", text, p.logs)
}

// TestSIGHUPReloadsInAChildProcess runs the real program, changes a phone
// number in its content folder and sends SIGHUP: the next reply shows the
// new number, and the process lives on.
func TestSIGHUPReloadsInAChildProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := contentDir(t)
	srv := telegramtest.New(telegramtest.Token)
	defer srv.Close()
	cmd, out := child(t, srv, "ASYLUMGUIDE_CONTENT_DIR="+dir)
	if !srv.WaitFor(10*time.Second, func([]telegramtest.Call) bool { return srv.Polls() > 0 }) {
		t.Fatalf("child never polled:\n%s", out)
	}
	edit(t, dir, flows.ContentFile, `phone = "+383 38 243 610"`, `phone = "+383 38 243 613"`)
	cmd.Process.Signal(syscall.SIGHUP)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "content reloaded"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no reload after SIGHUP:\n%s", out)
		}
	}
	srv.Push(telegramtest.Callback(telegramtest.User{ID: 3333, Lang: "en"}, 100, "v1:help_crpk"))
	if msg := waitMethod(t, srv, "editMessageText"); !strings.Contains(msg.Params["text"], "+383 38 243 613") {
		t.Errorf("after SIGHUP:\n%s", msg.Params["text"])
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v\n%s", err, out)
	}
}
