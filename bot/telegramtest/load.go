package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// LoadConfig describes a crowd of simulated users.
type LoadConfig struct {
	Token string
	Users int // simulated users, each waiting for its reply before it taps again
	Steps int // updates per user; 0 means until Duration ends
	// Duration bounds the run; 0 means until every user made Steps updates.
	Duration time.Duration
	Rate     float64 // updates per second across all users; 0 means as fast as replies come
	Langs    []string
	// Fail429 answers this fraction of replies with 429 and RetryAfter.
	Fail429    float64
	RetryAfter int
	// From ThrottleAt, for Throttle, every reply is answered with 429
	// until the throttle lifts, as Telegram does to a bot over its limits.
	ThrottleAt, Throttle time.Duration
	// Latency delays every Bot API answer, like a distant server.
	Latency time.Duration
	// Warmup is the start of the run whose latencies are not counted:
	// the bot opens its connections and its caches fill.
	Warmup time.Duration
	// Think is how long a user reads a screen before the next tap (from
	// half to one and a half times it). Zero taps at once, which no
	// person does: a tap then waits behind the work left from the one
	// before (storing a language choice, say).
	Think time.Duration
	// Webhook, if set, delivers updates by POST to this URL with
	// WebhookSecret instead of through getUpdates.
	Webhook, WebhookSecret string
}

// Load is a fake Bot API built for load runs and the simulated users that
// drive it. It reads only what it needs from each request, so a load run
// measures the bot, not the fake.
type Load struct {
	cfg   LoadConfig
	srv   *http.Server
	ln    net.Listener
	users []*simUser
	base  int64
	start time.Time
	seq   atomic.Int64 // delivery order
	sent  atomic.Int64

	// nextToken names each update the users send; the update_id is given
	// at delivery, so ids grow in delivery order as Telegram's do.
	nextToken atomic.Int64
	nextID    atomic.Int64 // the last update_id delivered
	msgID     atomic.Int64
	queue     chan []byte
	calls     sync.Map // method -> *atomic.Int64
	faults    atomic.Int64
	rng       sync.Pool
	bufs      sync.Pool

	// pending holds every update sent and not yet answered, by id.
	pending sync.Map // int64 -> *pendingUpdate

	mu        sync.Mutex
	latencies []time.Duration
	thrOrder  []int64 // delivery seq of updates answered after a throttle, in reply order
	markups   sync.Map
	client    *http.Client
}

type simUser struct {
	id       int64
	lang     string
	reply    chan screen   // a new screen for the user
	answered chan struct{} // their button press was answered
	start    atomic.Int64  // id of the user's /start waiting for its message, 0 if none
}

type screen struct {
	msgID   int
	buttons []string // callback data
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Users, Sent, Replied, Missing int
	Elapsed                       time.Duration
	UpdatesPerSecond              float64
	P50, P90, P99, Max            time.Duration
	Calls                         map[string]int64
	Injected429                   int64
	// AfterThrottle is the number of updates that waited out the throttle
	// (delivered before it began, answered after it lifted); OutOfOrder counts pairs
	// of them answered in the opposite order of their delivery, and
	// MaxDisplacement is how many places one moved at most.
	AfterThrottle, OutOfOrder, MaxDisplacement int
}

// NewLoad starts the fake Bot API on a loopback port.
func NewLoad(cfg LoadConfig) (*Load, error) {
	if len(cfg.Langs) == 0 {
		return nil, errors.New("load: no language codes for the simulated users")
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &Load{cfg: cfg, ln: ln, base: 7_000_000_000, queue: make(chan []byte, 1<<16)}
	l.msgID.Store(1000)
	l.rng.New = func() any { return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) }
	l.bufs.New = func() any { return new(bytes.Buffer) }
	for i := range cfg.Users {
		l.users = append(l.users, &simUser{id: l.base + int64(i), lang: cfg.Langs[i%len(cfg.Langs)], reply: make(chan screen, 1), answered: make(chan struct{}, 1)})
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 512
	l.client = &http.Client{Transport: t, Timeout: 30 * time.Second}
	l.srv = &http.Server{Handler: http.HandlerFunc(l.serve)}
	go l.srv.Serve(ln)
	return l, nil
}

// URL is the fake Bot API's base URL.
func (l *Load) URL() string { return "http://" + l.ln.Addr().String() }

// Close stops the fake.
func (l *Load) Close() error { return l.srv.Close() }

func (l *Load) count(method string) {
	c, _ := l.calls.LoadOrStore(method, new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
}

// throttled reports whether Telegram is refusing replies now, and for how
// many more seconds.
func (l *Load) throttled(now time.Time) (bool, int) {
	if l.cfg.Throttle <= 0 || l.start.IsZero() {
		return false, 0
	}
	from := l.start.Add(l.cfg.ThrottleAt)
	to := from.Add(l.cfg.Throttle)
	if now.Before(from) || !now.Before(to) {
		return false, 0
	}
	// Like Telegram: the whole seconds left, rounded up.
	return true, int((to.Sub(now) + time.Second - 1) / time.Second)
}

func (l *Load) serve(w http.ResponseWriter, r *http.Request) {
	_, method, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"+l.cfg.Token), "/")
	buf := l.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer l.bufs.Put(buf)
	io.Copy(buf, r.Body)
	body := buf.Bytes()
	if l.cfg.Latency > 0 {
		time.Sleep(l.cfg.Latency)
	}
	if method == "getUpdates" {
		l.count(method)
		l.getUpdates(w, r, body)
		return
	}
	reply := method == "sendMessage" || method == "editMessageText" || method == "answerCallbackQuery"
	if reply {
		now := time.Now()
		if on, secs := l.throttled(now); on {
			l.faults.Add(1)
			w.WriteHeader(429)
			fmt.Fprintf(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after %d","parameters":{"retry_after":%d}}`, secs, secs)
			return
		}
		if l.cfg.Fail429 > 0 {
			rng := l.rng.Get().(*rand.Rand)
			hit := rng.Float64() < l.cfg.Fail429
			l.rng.Put(rng)
			if hit {
				l.faults.Add(1)
				w.WriteHeader(429)
				fmt.Fprintf(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after %d","parameters":{"retry_after":%d}}`, l.cfg.RetryAfter, l.cfg.RetryAfter)
				return
			}
		}
	}
	l.count(method)
	switch method {
	case "sendMessage", "editMessageText":
		chat := jsonInt(body, `"chat_id":`)
		msg := int(jsonInt(body, `"message_id":`))
		if method == "sendMessage" {
			msg = int(l.msgID.Add(1))
		}
		if u := l.user(chat); u != nil {
			if method == "sendMessage" {
				l.replied(u.start.Swap(0))
			}
			select {
			case u.reply <- screen{msgID: msg, buttons: l.buttons(body)}:
			default:
			}
		}
		out := append(buf.AvailableBuffer()[:0], `{"ok":true,"result":{"message_id":`...)
		out = strconv.AppendInt(out, int64(msg), 10)
		out = append(out, `,"date":1,"chat":{"id":`...)
		out = strconv.AppendInt(out, chat, 10)
		out = append(out, `,"type":"private"},"text":"..."}}`...)
		w.Write(out)
	case "answerCallbackQuery":
		// Our callback query ids are the update's id.
		if p := l.replied(jsonInt(body, `"callback_query_id":"`)); p != nil {
			select {
			case p.user.answered <- struct{}{}:
			default:
			}
		}
		io.WriteString(w, `{"ok":true,"result":true}`)
	case "getMe":
		fmt.Fprintf(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Guide","username":%q}}`, Username)
	default:
		io.WriteString(w, `{"ok":true,"result":true}`)
	}
}

// jsonInt reads the integer after key in a JSON body, or 0.
func jsonInt(body []byte, key string) int64 {
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return 0
	}
	rest := body[i+len(key):]
	j := 0
	for j < len(rest) && (rest[j] == '-' || rest[j] >= '0' && rest[j] <= '9') {
		j++
	}
	n, _ := strconv.ParseInt(string(rest[:j]), 10, 64)
	return n
}

// buttons returns the callback data of the keyboard in a message body,
// parsing each distinct keyboard once.
func (l *Load) buttons(body []byte) []string {
	i := bytes.Index(body, []byte(`"reply_markup":`))
	if i < 0 {
		return nil
	}
	markup := body[i+len(`"reply_markup":`) : len(body)-1]
	if v, ok := l.markups.Load(string(markup)); ok {
		return v.([]string)
	}
	var m struct {
		Rows [][]struct {
			Data string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	var data []string
	if json.Unmarshal(markup, &m) == nil {
		for _, row := range m.Rows {
			for _, k := range row {
				// Save-the-guide answers with a document, not a screen:
				// simulated users, who wait for a screen, leave it.
				if k.Data != "" && k.Data != "v1:do:guide" {
					data = append(data, k.Data)
				}
			}
		}
	}
	l.markups.Store(string(markup), data)
	return data
}

// user is the simulated user with Telegram id (and private chat) id.
func (l *Load) user(id int64) *simUser {
	if i := id - l.base; i >= 0 && i < int64(len(l.users)) {
		return l.users[i]
	}
	return nil
}

// pendingUpdate is an update sent to the bot and not yet answered.
type pendingUpdate struct {
	user      *simUser
	delivered atomic.Int64 // unix nanos it reached the bot; 0 before
	seq       atomic.Int64 // its place in delivery order
}

// replied records the answer to update id: the answer to a button press,
// or the message that answers a /start. It returns the update, or nil if
// it was not pending (answered already, or not ours).
func (l *Load) replied(id int64) *pendingUpdate {
	v, ok := l.pending.LoadAndDelete(id)
	if !ok {
		return nil
	}
	p := v.(*pendingUpdate)
	at := p.delivered.Load()
	now := time.Now()
	l.mu.Lock()
	if at > 0 && at >= l.start.Add(l.cfg.Warmup).UnixNano() {
		l.latencies = append(l.latencies, now.Sub(time.Unix(0, at)))
	}
	if l.cfg.Throttle > 0 && at > 0 {
		// An update that reached the bot before the throttle began and
		// was answered after it lifted: it waited the throttle out.
		began := l.start.Add(l.cfg.ThrottleAt)
		lift := began.Add(l.cfg.Throttle)
		if at < began.UnixNano() && !now.Before(lift) {
			l.thrOrder = append(l.thrOrder, p.seq.Load())
		}
	}
	l.mu.Unlock()
	return p
}

// delivered marks update id as handed to the bot now.
func (l *Load) delivered(id int64) {
	if v, ok := l.pending.Load(id); ok {
		p := v.(*pendingUpdate)
		p.seq.Store(l.seq.Add(1))
		p.delivered.Store(time.Now().UnixNano())
	}
}

func (l *Load) getUpdates(w http.ResponseWriter, r *http.Request, body []byte) {
	timeout := time.Duration(jsonInt(body, `"timeout":`)) * time.Second
	var batch []json.RawMessage
	select {
	case u := <-l.queue:
		batch = append(batch, u)
	case <-time.After(timeout):
	case <-r.Context().Done():
		return
	}
more:
	for len(batch) > 0 && len(batch) < 100 {
		select {
		case u := <-l.queue:
			batch = append(batch, u)
		default:
			break more
		}
	}
	for _, u := range batch {
		setUpdateID(u, l.nextID.Add(1))
		l.delivered(jsonInt(u, `"load_token":`))
	}
	writeBatch(w, batch)
}

// idField is where an update's id goes, written at delivery into the
// spaces (JSON allows them before a number).
const idField = `{"update_id":                   0,"load_token":`

// setUpdateID writes id into an update built by update.
func setUpdateID(raw []byte, id int64) {
	digits := strconv.AppendInt(nil, id, 10)
	end := len(`{"update_id":                   0`)
	start := len(`{"update_id":`)
	for i := start; i < end; i++ {
		raw[i] = ' '
	}
	copy(raw[end-len(digits):end], digits)
}

// update builds one update of user u, named by token: a /start, or a tap
// on data. Tags and callback data hold no characters that need escaping
// in JSON. Its update_id is set when it is delivered.
func (l *Load) update(token int64, u *simUser, start bool, msgID int, data string) []byte {
	b := make([]byte, 0, 340)
	b = append(b, idField...)
	b = strconv.AppendInt(b, token, 10)
	from := func(b []byte) []byte {
		b = append(b, `"from":{"id":`...)
		b = strconv.AppendInt(b, u.id, 10)
		return append(append(append(b, `,"is_bot":false,"first_name":"U","language_code":"`...), u.lang...), `"}`...)
	}
	chat := func(b []byte) []byte {
		b = append(b, `"chat":{"id":`...)
		b = strconv.AppendInt(b, u.id, 10)
		return append(b, `,"type":"private"},"date":1764150000`...)
	}
	if start {
		b = append(b, `,"message":{"message_id":`...)
		b = strconv.AppendInt(b, token, 10)
		b = append(from(append(b, ',')), ',')
		b = append(chat(b), `,"text":"/start`...)
		if u.id%5 == 0 {
			b = append(append(append(b, ' '), u.lang...), "_appeal"...)
		}
		return append(b, `"}}`...)
	}
	b = append(b, `,"callback_query":{"id":"`...)
	b = strconv.AppendInt(b, token, 10)
	b = append(from(append(b, `",`...)), `,"message":{"message_id":`...)
	b = strconv.AppendInt(b, int64(msgID), 10)
	b = append(chat(append(b, ',')), `},"chat_instance":"1","data":"`...)
	return append(append(b, data...), `"}}`...)
}

// send hands an update of user u to the bot: a /start, or a tap on data
// on message msgID. It counts as sent once it is queued (or posted): one
// the end of the run stopped first was never sent.
func (l *Load) send(ctx context.Context, u *simUser, start bool, msgID int, data string) {
	id := l.nextToken.Add(1)
	raw := l.update(id, u, start, msgID, data)
	l.pending.Store(id, &pendingUpdate{user: u})
	if start {
		u.start.Store(id)
	}
	if l.cfg.Webhook == "" {
		select {
		case l.queue <- raw:
			l.sent.Add(1)
		case <-ctx.Done():
			l.pending.Delete(id)
		}
		return
	}
	setUpdateID(raw, id)
	l.sent.Add(1)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, l.cfg.Webhook, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", l.cfg.WebhookSecret)
	l.delivered(id)
	resp, err := l.client.Do(req)
	if err != nil {
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// Run drives the users until ctx ends, Duration passes or every user made
// Steps updates, then waits up to drain for outstanding replies.
func (l *Load) Run(ctx context.Context, drain time.Duration) LoadResult {
	l.start = time.Now()
	run := ctx
	if l.cfg.Duration > 0 {
		var cancel context.CancelFunc
		run, cancel = context.WithTimeout(ctx, l.cfg.Duration)
		defer cancel()
	}
	var limiter func() bool
	if l.cfg.Rate > 0 {
		var n atomic.Int64
		interval := float64(time.Second) / l.cfg.Rate
		limiter = func() bool {
			at := l.start.Add(time.Duration(float64(n.Add(1)-1) * interval))
			if d := time.Until(at); d > 0 {
				t := time.NewTimer(d)
				defer t.Stop()
				select {
				case <-t.C:
				case <-run.Done():
					return false
				}
			}
			return run.Err() == nil
		}
	}
	var wg sync.WaitGroup
	for _, u := range l.users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(u.id), 7))
			var sc screen
			for step := 0; l.cfg.Steps == 0 || step < l.cfg.Steps; step++ {
				if l.cfg.Think > 0 && step > 0 {
					t := time.NewTimer(l.cfg.Think/2 + time.Duration(rng.Int64N(int64(l.cfg.Think))))
					select {
					case <-t.C:
					case <-run.Done():
						t.Stop()
						return
					}
				}
				if limiter != nil && !limiter() {
					return
				}
				if run.Err() != nil {
					return
				}
				select {
				case <-u.answered: // left over from the last press
				default:
				}
				if step == 0 || len(sc.buttons) == 0 {
					l.send(run, u, true, 0, "")
				} else {
					l.send(run, u, false, sc.msgID, sc.buttons[rng.IntN(len(sc.buttons))])
				}
				select {
				case sc = <-u.reply:
				case <-u.answered:
					// A press is answered first; the new screen follows,
					// unless the button changes nothing (a calendar's
					// blank cell, a future day).
					t := time.NewTimer(300 * time.Millisecond)
					select {
					case sc = <-u.reply:
					case <-t.C:
					case <-run.Done():
					}
					t.Stop()
				case <-run.Done():
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(l.start)
	// Replies still on their way.
	deadline := time.Now().Add(drain)
	for time.Now().Before(deadline) {
		if l.outstanding() == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return l.result(elapsed)
}

func (l *Load) outstanding() int {
	n := 0
	l.pending.Range(func(any, any) bool { n++; return true })
	return n
}

func (l *Load) result(elapsed time.Duration) LoadResult {
	r := LoadResult{Users: len(l.users), Elapsed: elapsed, Calls: map[string]int64{}, Injected429: l.faults.Load()}
	r.Sent = int(l.sent.Load())
	r.Missing = l.outstanding()
	r.Replied = r.Sent - r.Missing
	r.UpdatesPerSecond = float64(r.Replied) / elapsed.Seconds()
	l.calls.Range(func(k, v any) bool {
		r.Calls[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	l.mu.Lock()
	lat := slices.Clone(l.latencies)
	order := slices.Clone(l.thrOrder)
	l.mu.Unlock()
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	r.P50, r.P90, r.P99 = pct(0.50), pct(0.90), pct(0.99)
	if len(lat) > 0 {
		r.Max = lat[len(lat)-1]
	}
	r.AfterThrottle = len(order)
	sorted := slices.Clone(order)
	slices.Sort(sorted)
	rank := map[int64]int{}
	for i, s := range sorted {
		rank[s] = i
	}
	for i, s := range order {
		if d := i - rank[s]; d > r.MaxDisplacement {
			r.MaxDisplacement = d
		} else if -d > r.MaxDisplacement {
			r.MaxDisplacement = -d
		}
		for _, later := range order[i+1:] {
			if later < s {
				r.OutOfOrder++
			}
		}
	}
	return r
}
