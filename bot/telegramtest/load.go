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
	// WebhookSecret instead of through getUpdates. A callback query
	// answered in the webhook's response counts as answered then.
	Webhook, WebhookSecret string
	// Flood caps writes a second as Telegram does (the zero value caps
	// nothing). Every retry_after the fake gives is enforced for its whole
	// window, and calls made before it passed are counted.
	Flood Flood
	// Spread starts the users one after another over this time, as a
	// crowd following a link does; 0 starts them all at once.
	Spread time.Duration
	// ScreenWait bounds how long a user whose tap was answered waits for
	// the new screen before tapping again (10 s if 0). A user taps no
	// blank calendar cell, and a tap answered with a pop-up (a future
	// day) changes nothing on the screen, so neither waits; like a
	// person, a user does not tap again before the screen has changed.
	ScreenWait time.Duration
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
	rng       sync.Pool
	bufs      sync.Pool

	// pending holds every update sent and not yet answered, by id.
	pending sync.Map // int64 -> *pendingUpdate

	// flood enforces caps and retry_after; nil when the run refuses
	// nothing, so that a capacity run pays nothing for it.
	flood     *floodControl
	writes    atomic.Int64 // messages sent or edited
	lastWrite atomic.Int64 // unix nanos of the last one

	mu        sync.Mutex
	latencies []time.Duration
	answers   []time.Duration // update delivered to its callback answered
	screens   []time.Duration // update delivered to the next screen of its chat
	thrOrder  []int64         // delivery seq of updates answered after a throttle, in reply order
	markups   sync.Map
	client    *http.Client
}

type simUser struct {
	id       int64
	lang     string
	reply    chan screen // a new screen for the user
	answered chan answer // their button presses' answers
	// starts are the ids of the user's /start updates waiting for their
	// message, oldest first: the bot answers a chat's updates in order.
	mu     sync.Mutex
	starts []int64
	// delivered is when the user's last update reached the bot (unix
	// nanos), until a screen answers it.
	delivered atomic.Int64
}

type screen struct {
	msgID   int
	buttons []string // callback data
}

// untapped reports the buttons a simulated user leaves alone: a
// calendar's blank cells, which no person taps, and days from today on,
// which only bring a pop-up ("that day has not come yet"). A user who
// could tap on while pop-ups came at once would run ahead of their chat
// and see their own updates coalesced. Today is taken at UTC+2, at or
// after Kosovo's date, so no day the bot counts as future is tapped.
func untapped(now time.Time) func(data string) bool {
	today := "v1:day:" + now.In(time.FixedZone("", 2*3600)).Format("20060102")
	return func(data string) bool {
		return data == "v1:noop" || strings.HasPrefix(data, "v1:day:") && data >= today
	}
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Users, Sent, Replied, Missing int
	Elapsed                       time.Duration
	UpdatesPerSecond              float64
	P50, P90, P99, Max            time.Duration
	Calls                         map[string]int64
	// Injected429 counts every call answered 429: injected, beyond a cap,
	// or before a retry_after had passed. Early counts those last ones.
	Injected429, Early int64
	// Writes is the messages sent or edited; LastWrite, when the last one
	// was accepted, from the start of the run.
	Writes    int64
	LastWrite time.Duration
	// Answer is the time from a tap reaching the bot to its answer, and
	// Screen from an update reaching the bot to the next screen in its
	// chat: quantiles 0.5, 0.9, 0.99 and the maximum.
	Answer, Screen [4]time.Duration
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
	if cfg.ScreenWait <= 0 {
		cfg.ScreenWait = 10 * time.Second
	}
	l := &Load{cfg: cfg, ln: ln, base: 7_000_000_000, queue: make(chan []byte, 1<<16)}
	if cfg.Flood.Rate > 0 || cfg.Flood.ChatRate > 0 || cfg.Fail429 > 0 || cfg.Throttle > 0 {
		l.flood = newFloodControl(cfg.Flood)
	}
	l.msgID.Store(1000)
	l.rng.New = func() any { return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) }
	l.bufs.New = func() any { return new(bytes.Buffer) }
	for i := range cfg.Users {
		l.users = append(l.users, &simUser{id: l.base + int64(i), lang: cfg.Langs[i%len(cfg.Langs)], reply: make(chan screen, 1), answered: make(chan answer, 8)})
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
	reply := method == "sendMessage" || method == "editMessageText" || method == "answerCallbackQuery" || method == "sendDocument"
	if reply && l.flood != nil {
		now := time.Now()
		chat := chatID(body)
		key := floodKey{kind: 'c', id: chat}
		if method == "answerCallbackQuery" {
			key = floodKey{kind: 'q', id: jsonInt(body, `"callback_query_id":"`)}
		}
		secs := l.flood.check(now, key, writeMethods[method], chat)
		if secs == 0 {
			if on, s := l.throttled(now); on {
				secs = s
			} else if l.cfg.Fail429 > 0 {
				rng := l.rng.Get().(*rand.Rand)
				hit := rng.Float64() < l.cfg.Fail429
				l.rng.Put(rng)
				if hit {
					secs = l.cfg.RetryAfter
				}
			}
			if secs > 0 {
				l.flood.told(now, key, secs)
			}
		}
		if secs > 0 {
			w.WriteHeader(429)
			fmt.Fprintf(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after %d","parameters":{"retry_after":%d}}`, secs, secs)
			return
		}
	}
	l.count(method)
	switch method {
	case "sendMessage", "editMessageText":
		chat := chatID(body)
		msg := int(jsonInt(body, `"message_id":`))
		if method == "sendMessage" {
			msg = int(l.msgID.Add(1))
		}
		now := time.Now()
		l.writes.Add(1)
		l.lastWrite.Store(now.UnixNano())
		if u := l.user(chat); u != nil {
			if method == "sendMessage" {
				l.replied(u.firstStart())
			}
			if at := u.delivered.Swap(0); at != 0 {
				l.mu.Lock()
				l.screens = append(l.screens, now.Sub(time.Unix(0, at)))
				l.mu.Unlock()
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
	case "sendDocument":
		// The guide saved: a document, by upload or by the file_id of
		// an earlier one. It is the reply; the screen stays as it was.
		chat := chatID(body)
		now := time.Now()
		l.writes.Add(1)
		l.lastWrite.Store(now.UnixNano())
		if u := l.user(chat); u != nil {
			if at := u.delivered.Swap(0); at != 0 {
				l.mu.Lock()
				l.screens = append(l.screens, now.Sub(time.Unix(0, at)))
				l.mu.Unlock()
			}
			select {
			case u.reply <- screen{}:
			default:
			}
		}
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":1,"chat":{"id":%d,"type":"private"},"document":{"file_id":"doc-1","file_unique_id":"doc-1"}}}`, l.msgID.Add(1), chat)
	case "answerCallbackQuery":
		l.answered(body)
		io.WriteString(w, `{"ok":true,"result":true}`)
	case "getMe":
		fmt.Fprintf(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Guide","username":%q}}`, Username)
	default:
		io.WriteString(w, `{"ok":true,"result":true}`)
	}
}

// answered records the answer to a callback query, made by a call or in a
// webhook's response. Our callback query ids are the update's id.
func (l *Load) answered(body []byte) {
	p := l.replied(jsonInt(body, `"callback_query_id":"`))
	if p == nil {
		return
	}
	if at := p.delivered.Load(); at > 0 {
		l.mu.Lock()
		l.answers = append(l.answers, time.Since(time.Unix(0, at)))
		l.mu.Unlock()
	}
	select {
	case p.user.answered <- answer{id: jsonInt(body, `"callback_query_id":"`), popup: bytes.Contains(body, []byte(`"text":`))}:
	default:
	}
}

// chatID reads chat_id from a JSON or multipart body, or 0.
func chatID(body []byte) int64 {
	if id := jsonInt(body, `"chat_id":`); id != 0 {
		return id
	}
	return jsonInt(body, "name=\"chat_id\"\r\n\r\n")
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

// answer is the answer to a button press: the update it answers, and
// whether it shows a pop-up.
type answer struct {
	id    int64
	popup bool
}

// firstStart takes the oldest /start of u still waiting for its message,
// or 0.
func (u *simUser) firstStart() int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.starts) == 0 {
		return 0
	}
	id := u.starts[0]
	u.starts = u.starts[1:]
	return id
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
		now := time.Now().UnixNano()
		p.delivered.Store(now)
		p.user.delivered.Store(now)
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

// awaitTap waits, as a person does, for the answer to the user's press
// id and then for the new screen, which may come first; a pop-up alone
// (a future day) changes nothing, unless the press also changes the
// screen (a language). The screen updates sc. It reports false once the
// run has ended.
func (l *Load) awaitTap(run context.Context, u *simUser, id int64, screenToo bool, sc *screen) bool {
	t := time.NewTimer(l.cfg.ScreenWait)
	defer t.Stop()
	answered, shown, popup := false, false, false
	for !answered || !shown && (!popup || screenToo) {
		select {
		case s := <-u.reply:
			*sc, shown = s, true
		case a := <-u.answered:
			// Answers to earlier presses that came late are not this one's.
			if a.id == id {
				answered, popup = true, a.popup
			}
		case <-t.C:
			return true
		case <-run.Done():
			return false
		}
	}
	return true
}

// send hands an update of user u to the bot: a /start, or a tap on data
// on message msgID, and returns its id. It counts as sent once it is queued (or posted): one
// the end of the run stopped first was never sent.
func (l *Load) send(ctx context.Context, u *simUser, start bool, msgID int, data string) int64 {
	id := l.nextToken.Add(1)
	raw := l.update(id, u, start, msgID, data)
	l.pending.Store(id, &pendingUpdate{user: u})
	if start {
		u.mu.Lock()
		u.starts = append(u.starts, id)
		u.mu.Unlock()
	}
	if l.cfg.Webhook == "" {
		select {
		case l.queue <- raw:
			l.sent.Add(1)
		case <-ctx.Done():
			l.pending.Delete(id)
		}
		return id
	}
	setUpdateID(raw, id)
	l.sent.Add(1)
	// A POST under way when the run ends still completes: the answer to
	// a tap may come back in its response.
	req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, l.cfg.Webhook, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", l.cfg.WebhookSecret)
	l.delivered(id)
	resp, err := l.client.Do(req)
	if err != nil {
		return id
	}
	// The bot may answer one method in the response, and Telegram then
	// makes that call: here, the tap's answer.
	buf := l.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	io.Copy(buf, resp.Body)
	resp.Body.Close()
	if reply := buf.Bytes(); bytes.Contains(reply, []byte(`"method":"answerCallbackQuery"`)) {
		l.count("answerCallbackQuery (webhook reply)")
		l.answered(reply)
	}
	l.bufs.Put(buf)
	return id
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
	for i, u := range l.users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if l.cfg.Spread > 0 {
				t := time.NewTimer(l.cfg.Spread * time.Duration(i) / time.Duration(len(l.users)))
				select {
				case <-t.C:
				case <-run.Done():
					t.Stop()
					return
				}
			}
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
				buttons := slices.DeleteFunc(slices.Clone(sc.buttons), untapped(time.Now()))
				if step == 0 || len(buttons) == 0 {
					l.send(run, u, true, 0, "")
					select {
					case sc = <-u.reply:
					case <-run.Done():
						return
					}
					continue
				}
				data := buttons[rng.IntN(len(buttons))]
				id := l.send(run, u, false, sc.msgID, data)
				if !l.awaitTap(run, u, id, strings.HasPrefix(data, "v1:lang:"), &sc) {
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
	r := LoadResult{Users: len(l.users), Elapsed: elapsed, Calls: map[string]int64{}, Writes: l.writes.Load()}
	if l.flood != nil {
		r.Early, r.Injected429 = l.flood.counts()
	}
	if at := l.lastWrite.Load(); at > 0 {
		r.LastWrite = time.Unix(0, at).Sub(l.start)
	}
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
	r.Answer, r.Screen = quantiles(l.answers), quantiles(l.screens)
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

// quantiles returns the 0.5, 0.9 and 0.99 quantiles of ds and its maximum.
func quantiles(ds []time.Duration) [4]time.Duration {
	var q [4]time.Duration
	if len(ds) == 0 {
		return q
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	for i, p := range []float64{0.5, 0.9, 0.99} {
		q[i] = s[min(len(s)-1, int(p*float64(len(s))))]
	}
	q[3] = s[len(s)-1]
	return q
}
