// Command loadtest runs the real asylumguide binary against a fake Bot API
// on loopback, with a crowd of simulated users of mixed languages who
// /start and then press the buttons they are shown, and prints one report:
// updates per second, replies missing, latency from an update reaching the
// bot to its reply request, Bot API calls by method, the bot's peak memory
// and goroutines, and its start-up time.
//
//	go run ./cmd/loadtest -users 2000 -duration 20s
//	go run ./cmd/loadtest -users 1000 -rate 1000 -think 1s -duration 30s
//	go run ./cmd/loadtest -users 3000 -duration 12s -throttle 2s -throttle-at 4s
//	go run ./cmd/loadtest -users 500 -duration 20s -429 0.2 -json
//	go run ./cmd/loadtest -scenario crowd
//
// The bot's own pacing (ASYLUMGUIDE_RATE, ASYLUMGUIDE_CHAT_RATE) is off
// unless -bot-rate and -bot-chat-rate say otherwise, as with a local Bot
// API server, so that a run measures what the bot can do. The "crowd"
// scenario is a link shared in a large group: 300 users start within one
// second and take 3 steps each, the fake Bot API caps writes as Telegram
// does (30 a second, bursts of 10; one a second per chat, bursts of 3),
// and the bot paces itself with its defaults.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"asylumguide/bot/telegramtest"
	"asylumguide/locales"
)

func main() {
	// The driver collects garbage less often than the bot it measures, so
	// its own pauses add less to the latencies it records.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// report is what a run measured, as printed or as JSON.
type report struct {
	telegramtest.LoadResult
	Mode             string        `json:"mode"`
	Rate             float64       `json:"target_rate"`
	PeakRSSMB        float64       `json:"peak_rss_mb"`
	SteadyRSSMB      float64       `json:"steady_rss_mb"`
	PeakGoroutines   int           `json:"peak_goroutines"`
	PeakPending      int           `json:"peak_pending_updates"`
	StartupInternal  time.Duration `json:"startup_internal"`
	StartupToHealthy time.Duration `json:"startup_to_healthy"`
	BinaryMB         float64       `json:"binary_mb"`
	BotExit          string        `json:"bot_exit"`
	BotWarnings      int64         `json:"bot_warnings"`
	// BotP50 and BotP99 are upper bounds from the bot's own histogram of
	// handling time (asylumguide_update_duration_seconds).
	BotP50             string        `json:"bot_handling_p50"`
	BotP99             string        `json:"bot_handling_p99"`
	ShutdownAfterStart time.Duration `json:"shutdown"`
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	users := fs.Int("users", 1000, "simulated users")
	duration := fs.Duration("duration", 15*time.Second, "how long users keep tapping")
	steps := fs.Int("steps", 0, "updates per user (0: until -duration)")
	rate := fs.Float64("rate", 0, "target updates per second across all users (0: as fast as the bot answers)")
	fail429 := fs.Float64("429", 0, "fraction of replies Telegram answers with 429")
	retryAfter := fs.Int("retry-after", 1, "retry_after of injected 429s, in seconds")
	throttle := fs.Duration("throttle", 0, "answer every reply with 429 for this long")
	throttleAt := fs.Duration("throttle-at", 3*time.Second, "when the throttle starts")
	latency := fs.Duration("latency", 0, "delay of every Bot API answer")
	think := fs.Duration("think", 0, "how long a user reads a screen before tapping again (0: at once)")
	warmup := fs.Duration("warmup", 2*time.Second, "latencies of updates in the run's first part are not counted")
	mode := fs.String("mode", "poll", "how updates reach the bot: poll or webhook")
	scenario := fs.String("scenario", "", `a preset: "crowd" (300 users within 1s, 3 steps, writes capped at 30/s); other flags given override it`)
	capRate := fs.Float64("cap", 0, "writes a second the fake Bot API accepts across all chats, as Telegram does (0: no cap)")
	capBurst := fs.Int("cap-burst", 10, "writes at once the global cap allows")
	chatCap := fs.Float64("chat-cap", 0, "writes a second the fake Bot API accepts in one chat (0: no cap)")
	chatCapBurst := fs.Int("chat-cap-burst", 3, "writes at once the per-chat cap allows")
	spread := fs.Duration("spread", 0, "start the users one after another over this time (0: all at once)")
	screenWait := fs.Duration("screen-wait", 10*time.Second, "at most how long a user whose tap was answered waits for the new screen before tapping again")
	botRate := fs.String("bot-rate", "0", `the bot's ASYLUMGUIDE_RATE, writes a second across chats ("0": off; "": the bot's default)`)
	botChatRate := fs.String("bot-chat-rate", "0", `the bot's ASYLUMGUIDE_CHAT_RATE, writes a second per chat ("0": off; "": the bot's default)`)
	bin := fs.String("bin", "", "asylumguide binary (default: build it)")
	workers := fs.Int("workers", 64, "the bot's -workers")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the bot during the run to this file")
	driverProfile := fs.String("driverprofile", "", "write a CPU profile of this load driver and its fake Bot API to this file")
	allocProfile := fs.String("allocprofile", "", "write the bot's allocation profile at the end of the run to this file")
	scrapeEvery := fs.Duration("scrape", 2*time.Second, "how often to read the bot's /metrics for goroutines and pending updates (a scrape costs the bot a few ms of CPU, like Prometheus's)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := applyScenario(fs, *scenario); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "asylumguide-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *bin == "" {
		*bin = filepath.Join(dir, "asylumguide")
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", *bin, "asylumguide/cmd/asylumguide")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build the bot: %w", err)
		}
	}
	rep := report{Mode: *mode, Rate: *rate}
	if fi, err := os.Stat(*bin); err == nil {
		rep.BinaryMB = float64(fi.Size()) / 1e6
	}

	langs, err := languageCodes()
	if err != nil {
		return err
	}
	cfg := telegramtest.LoadConfig{
		Langs: langs, Token: telegramtest.Token, Users: *users, Steps: *steps, Duration: *duration, Rate: *rate,
		Fail429: *fail429, RetryAfter: *retryAfter, Throttle: *throttle, ThrottleAt: *throttleAt, Latency: *latency, Think: *think, Warmup: *warmup,
		Flood:  telegramtest.Flood{Rate: *capRate, Burst: *capBurst, ChatRate: *chatCap, ChatBurst: *chatCapBurst},
		Spread: *spread, ScreenWait: *screenWait,
	}
	listen, err := freePort()
	if err != nil {
		return err
	}
	pprofAddr := ""
	if *cpuProfile != "" || *allocProfile != "" {
		if pprofAddr, err = freePort(); err != nil {
			return err
		}
	}
	env := []string{
		"ASYLUMGUIDE_PPROF=" + pprofAddr,
		"TELEGRAM_BOT_TOKEN=" + telegramtest.Token,
		"ASYLUMGUIDE_DB=" + filepath.Join(dir, "guide.db"),
		"ASYLUMGUIDE_LISTEN=" + listen,
		"ASYLUMGUIDE_LOG=json,info",
	}
	if *botRate != "" {
		env = append(env, "ASYLUMGUIDE_RATE="+*botRate)
	}
	if *botChatRate != "" {
		env = append(env, "ASYLUMGUIDE_CHAT_RATE="+*botChatRate)
	}
	if *mode == "webhook" {
		cfg.Webhook = "http://" + listen + "/hook"
		cfg.WebhookSecret = "load-secret"
		env = append(env, "ASYLUMGUIDE_WEBHOOK_URL=https://load.invalid/hook", "ASYLUMGUIDE_WEBHOOK_SECRET=load-secret")
	} else if *mode != "poll" {
		return fmt.Errorf("-mode must be poll or webhook")
	}
	load, err := telegramtest.NewLoad(cfg)
	if err != nil {
		return err
	}
	defer load.Close()
	env = append(env, "TELEGRAM_API_URL="+load.URL())

	bot := exec.Command(*bin, "-workers", strconv.Itoa(*workers))
	bot.Env = append(os.Environ(), env...)
	logs, _ := bot.StdoutPipe()
	bot.Stderr = os.Stderr
	began := time.Now()
	if err := bot.Start(); err != nil {
		return err
	}
	defer bot.Process.Kill()
	ready := make(chan time.Duration, 1)
	var warnings atomic.Int64
	go watchLogs(logs, ready, &warnings)
	if err := waitHealthy("http://"+listen+"/healthz", 10*time.Second); err != nil {
		return err
	}
	rep.StartupToHealthy = time.Since(began)
	select {
	case rep.StartupInternal = <-ready:
	case <-time.After(5 * time.Second):
	}

	sampler := newSampler(bot.Process.Pid, "http://"+listen+"/metrics", *scrapeEvery)
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() { sampler.run(stopSampling); close(sampled) }()

	profiled := make(chan error, 1)
	if *cpuProfile != "" {
		go func() {
			profiled <- fetchProfile("http://"+pprofAddr+"/debug/pprof/profile?seconds="+strconv.Itoa(max(1, int(duration.Seconds())-2)), *cpuProfile)
		}()
	} else {
		profiled <- nil
	}
	if *driverProfile != "" {
		f, err := os.Create(*driverProfile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	rep.LoadResult = load.Run(context.Background(), 15*time.Second)
	if err := <-profiled; err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: profile:", err)
	}
	close(stopSampling)
	<-sampled
	rep.PeakRSSMB, rep.SteadyRSSMB, rep.PeakGoroutines, rep.PeakPending = sampler.peakRSS(), sampler.steadyRSS(), sampler.goroutines, sampler.pending

	rep.BotP50, rep.BotP99 = handlingQuantiles("http://"+listen+"/metrics", 0.50), handlingQuantiles("http://"+listen+"/metrics", 0.99)
	if *allocProfile != "" {
		if err := fetchProfile("http://"+pprofAddr+"/debug/pprof/allocs", *allocProfile); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest: alloc profile:", err)
		}
	}
	stopAt := time.Now()
	bot.Process.Signal(syscall.SIGTERM)
	err = bot.Wait()
	rep.ShutdownAfterStart = time.Since(stopAt)
	rep.BotWarnings = warnings.Load()
	rep.BotExit = "0"
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		rep.BotExit = strconv.Itoa(exit.ExitCode())
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReport(out, rep, cfg)
	return nil
}

// scenarios are presets of flags; a flag given on the command line wins.
var scenarios = map[string]map[string]string{
	"crowd": {
		"users": "300", "steps": "3", "spread": "1s", "duration": "2m", "warmup": "0s",
		"cap": "30", "cap-burst": "10", "chat-cap": "1", "chat-cap-burst": "3",
		"screen-wait": "30s", "bot-rate": "", "bot-chat-rate": "",
	},
}

// applyScenario sets the flags of a scenario that were not given.
func applyScenario(fs *flag.FlagSet, name string) error {
	if name == "" {
		return nil
	}
	preset, ok := scenarios[name]
	if !ok {
		return fmt.Errorf("unknown -scenario %q (there is: crowd)", name)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for k, v := range preset {
		if !given[k] {
			if err := fs.Set(k, v); err != nil {
				return fmt.Errorf("scenario %s: -%s: %w", name, k, err)
			}
		}
	}
	return nil
}

// handlingQuantiles reads the bot's histogram of handling time and
// returns the bucket bound under which fraction q of updates finished.
func handlingQuantiles(url string, q float64) string {
	resp, err := http.Get(url)
	if err != nil {
		return "?"
	}
	defer resp.Body.Close()
	type bucket struct {
		le string
		n  float64
	}
	var buckets []bucket
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), `asylumguide_update_duration_seconds_bucket{le="`)
		if !ok {
			continue
		}
		le, count, _ := strings.Cut(rest, `"} `)
		n, _ := strconv.ParseFloat(count, 64)
		buckets = append(buckets, bucket{le, n})
	}
	if len(buckets) == 0 || buckets[len(buckets)-1].n == 0 {
		return "?"
	}
	total := buckets[len(buckets)-1].n
	for _, b := range buckets {
		if b.n >= q*total {
			if secs, err := strconv.ParseFloat(b.le, 64); err == nil {
				return "≤ " + time.Duration(secs*float64(time.Second)).String()
			}
			return b.le
		}
	}
	return "?"
}

// fetchProfile saves a CPU profile from the bot's profiler.
func fetchProfile(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// freePort finds a loopback port for the bot to listen on.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("bot not healthy within %v", within)
}

// watchLogs passes on the bot's own start-up time from its ready line,
// and counts (and shows the first few of) its warnings and errors.
func watchLogs(r io.Reader, ready chan<- time.Duration, warnings *atomic.Int64) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var line struct {
			Level   string          `json:"level"`
			Msg     string          `json:"msg"`
			Startup json.RawMessage `json:"startup"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		if line.Level == "WARN" || line.Level == "ERROR" {
			if warnings.Add(1) <= 5 {
				fmt.Fprintf(os.Stderr, "bot: %s\n", sc.Bytes())
			}
		}
		if line.Msg != "ready" {
			continue
		}
		// slog writes a duration as nanoseconds in JSON.
		if ns, err := strconv.ParseInt(string(line.Startup), 10, 64); err == nil {
			ready <- time.Duration(ns)
		}
	}
}

// sampler watches the bot's memory (from /proc) every 100 ms, and its
// goroutines and pending updates (from /metrics) every so often.
type sampler struct {
	pid                 int
	metrics             string
	every               time.Duration
	rss                 []float64
	goroutines, pending int
	hwm                 float64
}

func newSampler(pid int, metrics string, every time.Duration) *sampler {
	return &sampler{pid: pid, metrics: metrics, every: every}
}

func (s *sampler) run(stop <-chan struct{}) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	// Plain text: gzip on every scrape would load the bot being measured.
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableCompression: true}}
	var last time.Time
	for {
		select {
		case <-stop:
			s.hwm = procKB(s.pid, "VmHWM") / 1024
			return
		case <-t.C:
		}
		if kb := procKB(s.pid, "VmRSS"); kb > 0 {
			s.rss = append(s.rss, kb/1024)
		}
		if time.Since(last) < s.every {
			continue
		}
		last = time.Now()
		resp, err := client.Get(s.metrics)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
				n, _ := strconv.ParseFloat(v, 64)
				s.goroutines = max(s.goroutines, int(n))
			}
			if v, ok := strings.CutPrefix(line, "asylumguide_updates_pending "); ok {
				n, _ := strconv.ParseFloat(v, 64)
				s.pending = max(s.pending, int(n))
			}
		}
		resp.Body.Close()
	}
}

// peakRSS is the kernel's high-water mark of the bot's resident memory.
func (s *sampler) peakRSS() float64 {
	if s.hwm > 0 {
		return s.hwm
	}
	m := 0.0
	for _, v := range s.rss {
		m = max(m, v)
	}
	return m
}

// steadyRSS is the median of the samples in the second half of the run.
func (s *sampler) steadyRSS() float64 {
	if len(s.rss) == 0 {
		return 0
	}
	half := append([]float64(nil), s.rss[len(s.rss)/2:]...)
	sort.Float64s(half)
	return half[len(half)/2]
}

// procKB reads a "Name: N kB" line of /proc/<pid>/status.
func procKB(pid int, name string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseFloat(f[0], 64)
				return n
			}
		}
	}
	return 0
}

func printReport(w io.Writer, r report, cfg telegramtest.LoadConfig) {
	fmt.Fprintf(w, "Kosovo Asylum Guide load test: %d users, %s mode", r.Users, r.Mode)
	if r.Rate > 0 {
		fmt.Fprintf(w, ", target %.0f updates/s", r.Rate)
	}
	if cfg.Think > 0 {
		fmt.Fprintf(w, ", %v to read each screen", cfg.Think)
	}
	if cfg.Fail429 > 0 {
		fmt.Fprintf(w, ", %.0f%% of replies answered 429 (retry_after %ds)", cfg.Fail429*100, cfg.RetryAfter)
	}
	if cfg.Throttle > 0 {
		fmt.Fprintf(w, ", every reply 429 for %v from %v", cfg.Throttle, cfg.ThrottleAt)
	}
	if f := cfg.Flood; f.Rate > 0 || f.ChatRate > 0 {
		fmt.Fprintf(w, ", writes capped at %g/s (bursts of %d) and %g/s per chat (bursts of %d)", f.Rate, f.Burst, f.ChatRate, f.ChatBurst)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  updates sent        %d in %v\n", r.Sent, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  updates/s handled   %.0f\n", r.UpdatesPerSecond)
	fmt.Fprintf(w, "  replies missing     %d\n", r.Missing)
	fmt.Fprintf(w, "  latency, update delivered to its first reply request (after %v of warm-up)\n", cfg.Warmup)
	fmt.Fprintf(w, "    p50 %v  p90 %v  p99 %v  max %v\n", r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
	fmt.Fprintf(w, "  handling in the bot (its own histogram): p50 %s, p99 %s\n", r.BotP50, r.BotP99)
	fmt.Fprintf(w, "  Bot API calls\n")
	methods := make([]string, 0, len(r.Calls))
	for m := range r.Calls {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	for _, m := range methods {
		fmt.Fprintf(w, "    %-24s %d\n", m, r.Calls[m])
	}
	total := r.Injected429
	for _, n := range r.Calls {
		total += n
	}
	fmt.Fprintf(w, "  refused with 429    %d of %d calls (%.1f%%); made before retry_after had passed: %d\n", r.Injected429, total, 100*float64(r.Injected429)/float64(max(total, 1)), r.Early)
	fmt.Fprintf(w, "  messages written    %d, the last %v after the start", r.Writes, r.LastWrite.Round(time.Millisecond))
	if cfg.Flood.Rate > 0 {
		least := time.Duration(float64(r.Writes) / cfg.Flood.Rate * float64(time.Second))
		fmt.Fprintf(w, " (the cap's own minimum %v: %+.1f%%)", least.Round(time.Millisecond), 100*(r.LastWrite.Seconds()/least.Seconds()-1))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  tap to its answer   p50 %v  p90 %v  p99 %v  max %v\n", r.Answer[0].Round(time.Microsecond), r.Answer[1].Round(time.Microsecond), r.Answer[2].Round(time.Microsecond), r.Answer[3].Round(time.Microsecond))
	fmt.Fprintf(w, "  update to screen    p50 %v  p90 %v  p99 %v  max %v\n", r.Screen[0].Round(time.Millisecond), r.Screen[1].Round(time.Millisecond), r.Screen[2].Round(time.Millisecond), r.Screen[3].Round(time.Millisecond))
	if cfg.Throttle > 0 {
		fmt.Fprintf(w, "  after the throttle  %d updates waited it out; answered in arrival order but for %d pairs, none more than %d places out\n", r.AfterThrottle, r.OutOfOrder, r.MaxDisplacement)
	}
	fmt.Fprintf(w, "  bot memory          peak RSS %.1f MB, steady %.1f MB\n", r.PeakRSSMB, r.SteadyRSSMB)
	fmt.Fprintf(w, "  bot goroutines      %d at peak; pending updates at peak %d\n", r.PeakGoroutines, r.PeakPending)
	fmt.Fprintf(w, "  bot start-up        %v to ready (own measure), %v from exec to /healthz\n", r.StartupInternal, r.StartupToHealthy.Round(time.Millisecond))
	fmt.Fprintf(w, "  bot binary          %.1f MB; exit after SIGTERM: %s in %v\n", r.BinaryMB, r.BotExit, r.ShutdownAfterStart.Round(time.Millisecond))
	fmt.Fprintf(w, "  bot warnings        %d\n", r.BotWarnings)
}

// languageCodes are the Telegram language_code values the simulated users
// send: the base code of each of the guide's languages, and one it will
// never have ("ja"), which gets English.
func languageCodes() ([]string, error) {
	cat, err := locales.Load()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var codes []string
	for _, l := range cat.Languages() {
		code, _, _ := strings.Cut(l.Tag, "-")
		if !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	return append(codes, "ja"), nil
}
