package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"asylumguide/bot/telegramtest"
)

// TestMain lets a test run the real main in a child process, so that it
// can send the child real signals.
func TestMain(m *testing.M) {
	if os.Getenv("ASYLUMGUIDE_TEST_RUN_MAIN") == "1" {
		os.Args = []string{"asylumguide"}
		main()
		return
	}
	os.Exit(m.Run())
}

// child starts the program as its own process against srv.
func child(t *testing.T, srv *telegramtest.Server, env ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0])
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = append(os.Environ(),
		"ASYLUMGUIDE_TEST_RUN_MAIN=1",
		"TELEGRAM_BOT_TOKEN="+telegramtest.Token,
		"TELEGRAM_API_URL="+srv.URL,
		"ASYLUMGUIDE_DB="+filepath.Join(dir, "guide.db"),
		"ASYLUMGUIDE_LISTEN=127.0.0.1:0",
		"ASYLUMGUIDE_LOG=json,debug",
	)
	cmd.Env = append(cmd.Env, env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &out
}

// TestSIGTERMFinishesAcceptedUpdates sends SIGTERM while replies are slow:
// the program stops polling, answers every update it had confirmed to
// Telegram, and exits 0.
func TestSIGTERMFinishesAcceptedUpdates(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	srv := telegramtest.New(telegramtest.Token)
	defer srv.Close()
	srv.Fault = func(c *telegramtest.Call) *telegramtest.Fault {
		if c.Method == "sendMessage" {
			return &telegramtest.Fault{Delay: 700 * time.Millisecond}
		}
		return nil
	}
	cmd, out := child(t, srv)
	if !srv.WaitFor(10*time.Second, func([]telegramtest.Call) bool { return srv.Polls() > 0 }) {
		t.Fatalf("child never polled:\n%s", out)
	}
	var last int64
	for i := range int64(5) {
		last = srv.Push(telegramtest.Text(telegramtest.User{ID: 8000 + i, Lang: "en"}, "/start"))
	}
	if !srv.WaitFor(5*time.Second, func([]telegramtest.Call) bool { return srv.Confirmed() > last }) {
		t.Fatal("updates were not confirmed")
	}
	began := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("exit status %d after SIGTERM:\n%s", exit.ExitCode(), out)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("shutdown took %v, over the 10s drain bound", d)
	}
	// The replies were delayed 700 ms each; they still all went out.
	if got := len(srv.CallsTo("sendMessage")); got != 5 {
		t.Errorf("replies sent = %d, want 5: accepted updates were dropped at shutdown\n%s", got, out)
	}
	if !strings.Contains(out.String(), `"msg":"stopped"`) {
		t.Errorf("no stopped line:\n%s", out)
	}
}

func TestSIGINTStopsToo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	srv := telegramtest.New(telegramtest.Token)
	defer srv.Close()
	cmd, out := child(t, srv)
	if !srv.WaitFor(10*time.Second, func([]telegramtest.Call) bool { return srv.Polls() > 0 }) {
		t.Fatalf("child never polled:\n%s", out)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGINT: %v\n%s", err, out)
	}
}
