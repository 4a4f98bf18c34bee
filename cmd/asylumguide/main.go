// Command asylumguide runs the Kosovo Asylum Guide Telegram bot, or shows
// the guide in a terminal with "asylumguide preview".
//
// It only wires the parts together: configuration from the environment and
// flags, the language store, the screens and the Telegram adapter.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"asylumguide/bot"
	"asylumguide/data"
	"asylumguide/flows"
	"asylumguide/flows/paper"
	guidepreview "asylumguide/flows/preview"
	"asylumguide/flows/render"
	"asylumguide/locales"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The store satisfies the interfaces the adapter declares.
var (
	_ bot.Prefs           = (*data.Store)(nil)
	_ bot.LanguageCounter = (*data.Store)(nil)
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// SIGHUP re-reads the content folder; it never stops the bot.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr, &hooks{reload: reload})
	stop()
	os.Exit(code)
}

const usage = `Kosovo Asylum Guide: a Telegram bot with free information about asylum in Kosovo.

Usage:
  asylumguide [flags]                 run the bot (TELEGRAM_BOT_TOKEN required)
  asylumguide preview [-lang en]      read the guide in this terminal; no token needed
  asylumguide poster -bot NAME [-lang ar|all] [-topic appeal] [-format svg|png] [-o FILE]
                                      print posters with a QR code of the guide's link
  asylumguide export [-lang ar|all] [-format html|md|review] [-o FILE]
                                      the whole guide in one language as one document;
                                      review: English beside the language, to sign off
  asylumguide check [-content-dir DIR]
                                      check edited texts and contacts as the bot would
  asylumguide content init DIR        write the built-in texts and contacts into DIR
  asylumguide healthcheck             exit 0 if the running bot answers /healthz

Run "asylumguide -h" or "asylumguide <command> -h" for the flags.
`

// exit codes
const (
	exitOK    = 0
	exitError = 1 // the bot could not run: database, port, ...
	exitUsage = 2 // the configuration is wrong
)

// hooks lets tests see inside a running program.
type hooks struct {
	ready  func(httpAddr string) // called once the bot takes updates
	now    func() time.Time      // the clock; time.Now if nil
	reload <-chan struct{}       // each receive re-reads the content (SIGHUP)
}

func (h *hooks) clock() func() time.Time {
	if h != nil && h.now != nil {
		return h.now
	}
	return time.Now
}

// run is the whole program; main only adds signals and the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, h *hooks) int {
	if len(args) > 0 {
		switch args[0] {
		case "preview":
			return preview(args[1:], stdin, stdout, stderr)
		case "poster":
			return poster(args[1:], stdout, stderr)
		case "export":
			return export(args[1:], getenv, stdout, stderr)
		case "check":
			return check(args[1:], getenv, flows.Today(h.clock()()), stdout, stderr)
		case "content":
			return contentInit(args[1:], stdout, stderr)
		case "healthcheck":
			return healthcheck(args[1:], getenv, stderr)
		case "help", "-h", "-help", "--help":
			if len(args) == 1 || args[0] == "help" {
				fmt.Fprint(stdout, usage)
				return exitOK
			}
		}
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "asylumguide: %v\n", err)
		return exitUsage
	}
	if err := serve(ctx, cfg, stdout, h); err != nil {
		fmt.Fprintf(stderr, "asylumguide: %v\n", err)
		return exitError
	}
	return exitOK
}

// config is the bot's configuration: environment variables, each of which
// a flag can override.
type config struct {
	token         string
	apiURL        string
	db            string
	secretFile    string
	webhookURL    string
	webhookSecret string
	listen        string
	log           string
	workers       int
	pprof         string
	contentDir    string
	drain         time.Duration
	// rate and chatRate are the messages a second the bot sends across
	// chats and in one chat; 0 turns a limit off.
	rate, chatRate float64
}

// tokenPattern is the shape of a token from @BotFather: the bot's numeric
// id, a colon, and a secret of letters, digits, _ and -.
var tokenPattern = regexp.MustCompile(`^[0-9]{3,20}:[A-Za-z0-9_-]{30,64}$`)

// secretPattern is what Telegram accepts as a webhook secret token.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	c := &config{}
	fs := flag.NewFlagSet("asylumguide", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.token, "token", env("TELEGRAM_BOT_TOKEN", ""), "bot token from @BotFather (env TELEGRAM_BOT_TOKEN)")
	fs.StringVar(&c.apiURL, "api-url", env("TELEGRAM_API_URL", bot.DefaultAPIURL), "Bot API base URL (env TELEGRAM_API_URL)")
	fs.StringVar(&c.db, "db", env("ASYLUMGUIDE_DB", "asylumguide.db"), "language database file (env ASYLUMGUIDE_DB)")
	fs.StringVar(&c.secretFile, "secret-file", env("ASYLUMGUIDE_SECRET_FILE", ""), "file with the key that hides user ids in the database; created if absent while the database holds no choice; back it up apart from the database (env ASYLUMGUIDE_SECRET_FILE, default: the database path with .key)")
	fs.StringVar(&c.webhookURL, "webhook-url", env("ASYLUMGUIDE_WEBHOOK_URL", ""), "public https URL for Telegram's webhook; long polling if empty (env ASYLUMGUIDE_WEBHOOK_URL)")
	fs.StringVar(&c.webhookSecret, "webhook-secret", env("ASYLUMGUIDE_WEBHOOK_SECRET", ""), "secret Telegram sends with each webhook call; random if empty (env ASYLUMGUIDE_WEBHOOK_SECRET)")
	fs.StringVar(&c.listen, "listen", env("ASYLUMGUIDE_LISTEN", ":8080"), "address for the webhook, /healthz, /readyz and /metrics (env ASYLUMGUIDE_LISTEN)")
	fs.StringVar(&c.log, "log", env("ASYLUMGUIDE_LOG", "text"), "log format and level: text|json, optionally with debug|info|warn|error, e.g. json,debug (env ASYLUMGUIDE_LOG)")
	workers, err := envInt(getenv, "ASYLUMGUIDE_WORKERS", 64)
	if err != nil {
		return nil, err
	}
	fs.IntVar(&c.workers, "workers", workers, "updates handled at once (env ASYLUMGUIDE_WORKERS)")
	drain, err := time.ParseDuration(env("ASYLUMGUIDE_DRAIN_TIMEOUT", "10s"))
	if err != nil || drain <= 0 {
		return nil, fmt.Errorf("ASYLUMGUIDE_DRAIN_TIMEOUT %q: write a duration such as 30s", getenv("ASYLUMGUIDE_DRAIN_TIMEOUT"))
	}
	fs.DurationVar(&c.drain, "drain-timeout", drain, "at shutdown, how long to wait for the next update to be answered before giving up on the rest (env ASYLUMGUIDE_DRAIN_TIMEOUT)")
	fs.StringVar(&c.contentDir, "content-dir", env("ASYLUMGUIDE_CONTENT_DIR", ""), "folder whose content.toml and active.<lang>.toml replace the built-in ones; re-read on SIGHUP (env ASYLUMGUIDE_CONTENT_DIR)")
	if err := paceFlags(fs, c, getenv); err != nil {
		return nil, err
	}
	fs.StringVar(&c.pprof, "pprof", env("ASYLUMGUIDE_PPROF", ""), "address for Go's profiler (net/http/pprof), e.g. 127.0.0.1:6060; off if empty. Never expose it publicly (env ASYLUMGUIDE_PPROF)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unknown command %q: run asylumguide help", fs.Arg(0))
	}
	switch {
	case c.token == "":
		return nil, errors.New("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather in Telegram; to read the guide without one, run: asylumguide preview")
	case !tokenPattern.MatchString(c.token):
		return nil, errors.New("TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then about 35 letters and digits): copy it again from @BotFather; to read the guide without one, run: asylumguide preview")
	}
	if u, err := url.Parse(c.apiURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("TELEGRAM_API_URL %q is not an http(s) URL", c.apiURL)
	}
	if c.webhookURL != "" {
		if u, err := url.Parse(c.webhookURL); err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("ASYLUMGUIDE_WEBHOOK_URL %q must be an https:// URL that Telegram can reach", c.webhookURL)
		}
	}
	if c.webhookSecret != "" && !secretPattern.MatchString(c.webhookSecret) {
		return nil, errors.New("ASYLUMGUIDE_WEBHOOK_SECRET may hold only letters, digits, _ and - (1 to 256 of them)")
	}
	if c.secretFile == "" {
		c.secretFile = strings.TrimSuffix(c.db, ".db") + ".key"
	}
	if _, _, err := logOptions(c.log); err != nil {
		return nil, err
	}
	if c.workers < 1 {
		return nil, errors.New("-workers must be at least 1")
	}
	if !(c.rate >= 0 && c.chatRate >= 0) || math.IsInf(c.rate, 0) || math.IsInf(c.chatRate, 0) {
		return nil, errors.New("-rate and -chat-rate (ASYLUMGUIDE_RATE, ASYLUMGUIDE_CHAT_RATE) take messages a second, such as 30 and 1; they cannot be negative (0 turns a limit off)")
	}
	return c, nil
}

// envInt reads a whole number from the environment, def if unset.
func envInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a whole number", name, v)
	}
	return n, nil
}

// logOptions reads ASYLUMGUIDE_LOG: a format (text, json) and a level
// (debug, info, warn, error), in any order, separated by commas.
func logOptions(s string) (json bool, level slog.Level, err error) {
	for _, part := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ':' || r == ' ' }) {
		switch part {
		case "text":
			json = false
		case "json":
			json = true
		case "debug":
			level = slog.LevelDebug
		case "info":
			level = slog.LevelInfo
		case "warn", "warning":
			level = slog.LevelWarn
		case "error":
			level = slog.LevelError
		default:
			return false, 0, fmt.Errorf("ASYLUMGUIDE_LOG %q: use text or json, and optionally debug, info, warn or error, e.g. json,debug", s)
		}
	}
	return json, level, nil
}

func newLogger(c *config, w io.Writer) *slog.Logger {
	asJSON, level, _ := logOptions(c.log)
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if asJSON {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(bot.Redact(h, c.token, c.webhookSecret))
}

// reloadOnSignal re-reads the content each time h.reload fires (SIGHUP).
// A set with problems is refused, its problems logged, and the old
// content stays; a good one replaces it at once, and the profile is set
// again if its texts changed.
func reloadOnSignal(ctx context.Context, h *hooks, dir string, now func() time.Time, log *slog.Logger, b *bot.Bot, current *atomic.Pointer[guideSet]) {
	if h == nil || h.reload == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.reload:
		}
		set, problems, err := loadGuide(dir, flows.Today(now()))
		if err == nil && len(problems) > 0 {
			err = problemsError(problems)
		}
		if err != nil {
			log.Error("content reload refused; the content shown before stays", "problems", len(problems))
			for _, p := range problems {
				log.Warn("content problem", "problem", p.String())
			}
			if len(problems) == 0 {
				log.Warn("content problem", "problem", err.Error())
			}
			continue
		}
		changed, err := b.Reload(set.screens)
		if err != nil {
			log.Error("content reload refused; the content shown before stays", "err", err)
			continue
		}
		current.Store(set)
		for _, l := range staleLines(set.stale) {
			log.Warn(l)
		}
		log.Info("content reloaded", "languages", len(set.screens.Languages()), "profile_changed", changed)
		if changed {
			go b.SetProfile(ctx)
		}
	}
}

// guideDocument makes the whole guide in a language as the HTML document
// people save from About (the same as "asylumguide export"), from the
// content shown now.
func guideDocument(screens func() *render.Screens) func(lang string) ([]byte, error) {
	return func(lang string) ([]byte, error) {
		var b bytes.Buffer
		if err := paper.Export(&b, screens(), lang, paper.HTML); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
}

// webhookFirst serves the webhook at exactly the path of webhookURL, as
// Telegram sends it (escaped: "%20", "%2F" and "{" included), and
// everything else through mux. The path is compared, not made a ServeMux
// pattern, so no URL can be read as a pattern or a wildcard.
func webhookFirst(webhookURL string, hook, mux http.Handler) http.Handler {
	u, _ := url.Parse(webhookURL)
	want := u.EscapedPath()
	if want == "" {
		want = "/"
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.EscapedPath() == want {
			hook.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// errTokenRefused is what the operator reads when Telegram answers 401 or
// 404: the token was revoked, or is not this bot's.
var errTokenRefused = errors.New("telegram refused the token (401/404): get the current token from @BotFather (/mybots, API Token) and set TELEGRAM_BOT_TOKEN")

// serve runs the bot until ctx ends.
func serve(ctx context.Context, c *config, logOut io.Writer, h *hooks) error {
	started := time.Now()
	log := newLogger(c, logOut)
	now := h.clock()
	set, problems, err := loadGuide(c.contentDir, flows.Today(now()))
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return problemsError(problems)
	}
	for _, l := range staleLines(set.stale) {
		log.Warn(l)
	}
	var current atomic.Pointer[guideSet]
	current.Store(set)
	screens := set.screens
	store, err := data.Open(c.db, c.secretFile, data.Options{})
	switch {
	case errors.Is(err, data.ErrLocked):
		return fmt.Errorf("database %s is in use by another process: stop the other asylumguide, or set ASYLUMGUIDE_DB to another file", c.db)
	case errors.Is(err, data.ErrCorrupt):
		return fmt.Errorf("database %s is damaged: move it aside (the bot then starts with an empty one) or restore a backup", c.db)
	case errors.Is(err, data.ErrKeyMismatch) && errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("the key %s is missing for the database %s: restore the key from your backup, or move the database aside to start a new one", c.secretFile, c.db)
	case errors.Is(err, data.ErrKeyMismatch):
		return fmt.Errorf("the key %s does not match the database %s: restore the key from your backup, or move the database aside to start a new one", c.secretFile, c.db)
	case err != nil:
		return fmt.Errorf("database: %w", err)
	}
	defer store.Close()
	watch := &dbWatch{store: store, log: log}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go watch.run(watchCtx, 30*time.Second)

	webhook := c.webhookURL != ""
	secret := c.webhookSecret
	if webhook && secret == "" {
		secret = rand.Text()
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	b, err := bot.New(bot.Config{
		Token: c.token, APIURL: c.apiURL, Prefs: store, Screens: screens, Log: log, Workers: c.workers, Metrics: registry,
		Rate: limit(c.rate), ChatRate: limit(c.chatRate),
		DrainTimeout: c.drain,
		Now:          now, Guide: guideDocument(func() *render.Screens { return current.Load().screens }),
	})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := watch.check(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if !b.Ready() {
			http.Error(w, "waiting for Telegram", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
		// Old contacts never make the bot unready; they are listed for
		// the people who run it.
		for _, l := range staleLines(current.Load().stale) {
			io.WriteString(w, "warning: "+l+"\n")
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	var handler http.Handler = mux
	if webhook {
		handler = webhookFirst(c.webhookURL, b.WebhookHandler(secret), mux)
	}
	if c.pprof != "" {
		pl, err := net.Listen("tcp", c.pprof)
		if err != nil {
			return fmt.Errorf("cannot listen on %s for the profiler (%v): set ASYLUMGUIDE_PPROF to a free address", c.pprof, errors.Unwrap(err))
		}
		pm := http.NewServeMux()
		pm.HandleFunc("/debug/pprof/", pprof.Index)
		pm.HandleFunc("/debug/pprof/profile", pprof.Profile)
		pm.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		pm.HandleFunc("/debug/pprof/trace", pprof.Trace)
		ps := &http.Server{Handler: pm, ReadHeaderTimeout: 10 * time.Second}
		go ps.Serve(pl)
		defer ps.Close()
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (%v): set ASYLUMGUIDE_LISTEN to a free address", c.listen, errors.Unwrap(err))
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		// The server's own errors (a failed accept, a bad TLS handshake)
		// go to the same log, in the same format.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go srv.Serve(ln)

	ctx, refused := context.WithCancelCause(ctx)
	defer refused(nil)
	setupDone := make(chan struct{})
	go func() {
		defer close(setupDone)
		if err := b.Setup(ctx, c.webhookURL, secret); bot.Class(err) == bot.ClassAuth {
			refused(errTokenRefused)
		}
	}()
	go reloadOnSignal(ctx, h, c.contentDir, now, log, b, &current)
	mode := "polling"
	if webhook {
		mode = "webhook"
	}
	log.Info("ready", "mode", mode, "listen", ln.Addr().String(), "languages", len(screens.Languages()), "startup", time.Since(started).Round(time.Microsecond))
	if h != nil && h.ready != nil {
		h.ready(ln.Addr().String())
	}

	stopped := make(chan struct{})
	go func() {
		<-ctx.Done()
		// Stop taking webhook calls first; Run drains what was accepted.
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		close(stopped)
	}()
	runErr := b.Run(ctx, !webhook)
	// Run ends by itself only when it cannot go on (Telegram refused the
	// token): stop the rest too, rather than live on deaf.
	if bot.Class(runErr) == bot.ClassAuth {
		refused(errTokenRefused)
		log.Error(errTokenRefused.Error())
	} else {
		refused(runErr)
	}
	<-stopped
	<-setupDone
	log.Info("stopped")
	if cause := context.Cause(ctx); errors.Is(cause, errTokenRefused) {
		return cause
	}
	if bot.Class(runErr) == bot.ClassAuth {
		return errTokenRefused
	}
	return runErr
}

// preview runs "asylumguide preview".
func preview(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("asylumguide preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", locales.Default, "language tag, one of the guide's languages (asylumguide preview -lang x lists them)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	cat, err := locales.Load()
	if err != nil {
		fmt.Fprintf(stderr, "asylumguide: %v\n", err)
		return exitError
	}
	screens, err := render.New(cat, flows.DefaultContent())
	if err != nil {
		fmt.Fprintf(stderr, "asylumguide: %v\n", err)
		return exitError
	}
	if !screens.Has(*lang) {
		fmt.Fprintf(stderr, "asylumguide: preview: no language %q (try one of: %s)\n", *lang, strings.Join(screens.Tags(), ", "))
		return exitUsage
	}
	if err := guidepreview.Run(screens, *lang, flows.Today(time.Now()), stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "asylumguide: %v\n", err)
		return exitError
	}
	return exitOK
}
