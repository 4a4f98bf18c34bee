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
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
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
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr, nil)
	stop()
	os.Exit(code)
}

const usage = `Kosovo Asylum Guide: a Telegram bot with free information about asylum in Kosovo.

Usage:
  asylumguide [flags]                 run the bot (TELEGRAM_BOT_TOKEN required)
  asylumguide preview [-lang en]      read the guide in this terminal; no token needed
  asylumguide poster -bot NAME [-lang ar|all] [-topic appeal] [-format svg|png] [-o FILE]
                                      print posters with a QR code of the guide's link
  asylumguide export [-lang ar] [-format html|md] [-o FILE]
                                      the whole guide in one language as one document
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
	ready func(httpAddr string) // called once the bot takes updates
	now   func() time.Time      // the clock; time.Now if nil
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
			return export(args[1:], stdout, stderr)
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

// warnStale tells the people running the bot which contacts nobody has
// confirmed for over a year. It never stops the bot: time passing is no
// reason to stop telling people where to get help.
func warnStale(log *slog.Logger, tree *flows.Tree, today flows.Date) {
	for _, c := range tree.Contacts() {
		if c.Stale(today) {
			log.Warn("contact details not confirmed for over 12 months: phone the organisation, then update Confirmed and Via in flows/content.go",
				"contact", c.Name, "confirmed", fmt.Sprintf("%04d-%02d", c.Confirmed.Year, c.Confirmed.Month), "via", string(c.Via))
		}
	}
}

// guideDocument makes the whole guide in a language as the HTML document
// people save from About (the same as "asylumguide export").
func guideDocument(screens *render.Screens) func(lang string) ([]byte, error) {
	return func(lang string) ([]byte, error) {
		var b bytes.Buffer
		if err := paper.Export(&b, screens, lang, paper.HTML); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
}

// errTokenRefused is what the operator reads when Telegram answers 401 or
// 404: the token was revoked, or is not this bot's.
var errTokenRefused = errors.New("telegram refused the token (401/404): get the current token from @BotFather (/mybots, API Token) and set TELEGRAM_BOT_TOKEN")

// serve runs the bot until ctx ends.
func serve(ctx context.Context, c *config, logOut io.Writer, h *hooks) error {
	started := time.Now()
	log := newLogger(c, logOut)
	cat, err := locales.Load()
	if err != nil {
		return err
	}
	screens, err := render.New(cat)
	if err != nil {
		return err
	}
	now := time.Now
	if h != nil && h.now != nil {
		now = h.now
	}
	warnStale(log, screens.Tree(), flows.Today(now()))
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
		Now: now, Guide: guideDocument(screens),
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
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	if webhook {
		u, _ := url.Parse(c.webhookURL)
		path := u.Path
		if path == "" {
			path = "/"
		}
		mux.Handle(path, b.WebhookHandler(secret))
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
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
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
	mode := "polling"
	if webhook {
		mode = "webhook"
	}
	log.Info("ready", "mode", mode, "listen", ln.Addr().String(), "languages", len(cat.Languages()), "startup", time.Since(started).Round(time.Microsecond))
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
	screens, err := render.New(cat)
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
