// Package telegramtest is an in-process fake of the Telegram Bot API for
// tests and load runs. It serves getUpdates from a queue the test fills,
// records every call (JSON, multipart and URL-encoded bodies, as the bot
// and go-telegram/bot send them), answers like Telegram does (message ids,
// "message is not modified", 401 for a wrong token) and can inject faults:
// 429 with retry_after, 5xx, dropped connections, delays. Like Telegram it
// can cap writes a second, globally and per chat, and it enforces every
// retry_after it gives, counting the calls made before one had passed.
package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token is a well-formed bot token for tests.
const Token = "123456789:TESTtoken-abcdefghijklmnopqrstuvwxyz0"

// Username is the fake bot's @username.
const Username = "AsylumGuideTestBot"

// Call is one request the bot made.
type Call struct {
	Method string
	// Params holds each parameter: strings as they are, other JSON values
	// (numbers, objects, arrays) as their JSON text.
	Params map[string]string
	At     time.Time
	// MessageID is the id of the message a sendMessage call created.
	MessageID int
	// Files names the parameters that came as uploaded files, with
	// their file names.
	Files map[string]string
}

// Fault is what the server does instead of answering a call normally.
type Fault struct {
	Code        int           // Bot API error code: 429, 500, 502, 403, 400...
	RetryAfter  int           // with 429
	Description string        // Telegram's description; a default if empty
	Delay       time.Duration // wait before answering (or failing)
	Drop        bool          // close the connection without an answer
	HTML        bool          // answer Code with an HTML page, as a proxy would
}

// Server is a fake Bot API.
type Server struct {
	*httptest.Server
	token string

	// Fault, if set, is asked about each call before it is served; a nil
	// answer serves it normally. Set it before the bot starts or guard it.
	Fault func(c *Call) *Fault
	// OnCall, if set, sees every served call (after any fault).
	OnCall func(c *Call)
	// NoRecord stops the server keeping calls, for long load runs.
	NoRecord bool

	mu        sync.Mutex
	calls     []Call
	queue     []json.RawMessage
	queueIDs  []int64
	nextID    int64
	confirmed int64 // every update below this offset is confirmed
	arrived   chan struct{}
	nextMsg   int
	shown     map[string]string // "chat/message" -> text+markup, for "not modified"
	webhook   string
	faults    int
	polls     int
	uploads   int
	fileIDs   map[string]bool
	flood     *floodControl
	now       func() time.Time
}

// New starts a fake Bot API that accepts token.
func New(token string) *Server {
	s := &Server{token: token, nextID: 1, arrived: make(chan struct{}), nextMsg: 100, shown: map[string]string{}, flood: newFloodControl(Flood{}), now: time.Now}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Push queues an update for getUpdates. update is a JSON object without
// update_id (or a map/struct that encodes to one); Push assigns the id and
// returns it.
func (s *Server) Push(update any) int64 {
	raw, ok := update.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(update); err != nil {
			panic(err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID
	s.nextID++
	s.queue = append(s.queue, WithID(raw, id))
	s.queueIDs = append(s.queueIDs, id)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return id
}

// PushRaw queues bytes as they are, even if they are not a valid update,
// to test how the bot copes. id is the update_id the bytes claim.
func (s *Server) PushRaw(raw []byte, id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id >= s.nextID {
		s.nextID = id + 1
	}
	s.queue = append(s.queue, raw)
	s.queueIDs = append(s.queueIDs, id)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// NextID returns the id the next pushed update will get.
func (s *Server) NextID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextID
}

// WithID returns the JSON object raw with "update_id" set to id first.
func WithID(raw []byte, id int64) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	out := make([]byte, 0, len(raw)+24)
	out = append(out, `{"update_id":`...)
	out = strconv.AppendInt(out, id, 10)
	if len(raw) > 2 {
		out = append(out, ',')
		out = append(out, raw[1:]...)
	} else {
		out = append(out, '}')
	}
	return out
}

// Confirmed returns the offset the bot has confirmed: every update with a
// smaller id is one Telegram would consider delivered.
func (s *Server) Confirmed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed
}

// Pending returns how many pushed updates are not yet confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Calls returns the calls so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls of one method.
func (s *Server) CallsTo(method string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Reset forgets the calls so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Polls returns how many getUpdates calls arrived.
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

// Faults returns how many calls were answered with a fault.
func (s *Server) Faults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// SetClock sets the server's clock for caps and retry_after windows
// (time.Now at first): tests of pacing give it the bot's fake clock.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetFlood caps writes as Telegram does.
func (s *Server) SetFlood(f Flood) { s.flood.set(f) }

// Early returns how many calls came before the retry_after given for
// their chat (or callback query, or method) had passed.
func (s *Server) Early() int64 { e, _ := s.flood.counts(); return e }

// Refused returns how many calls were answered 429, injected or not.
func (s *Server) Refused() int64 { _, r := s.flood.counts(); return r }

// Webhook returns the URL the bot registered with setWebhook.
func (s *Server) Webhook() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// WaitFor polls until cond is true of the calls or timeout passes, and
// reports whether it became true.
func (s *Server) WaitFor(timeout time.Duration, cond func([]Call) bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond(s.Calls()) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		http.NotFound(w, r)
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok || token != s.token {
		writeError(w, 401, "Unauthorized", 0)
		return
	}
	params, files, err := parseParams(r)
	if err != nil {
		writeError(w, 400, "Bad Request: "+err.Error(), 0)
		return
	}
	s.mu.Lock()
	now := s.now
	s.mu.Unlock()
	c := &Call{Method: method, Params: params, At: now(), Files: files}
	key := callKey(method, params)
	if secs := s.flood.check(c.At, key, writeMethods[method], jsonInt64(params["chat_id"])); secs > 0 {
		writeError(w, 429, "", secs)
		return
	}
	if s.Fault != nil {
		if f := s.Fault(c); f != nil {
			if f.Code == 429 {
				s.flood.told(c.At, key, max(f.RetryAfter, 1))
			}
			s.mu.Lock()
			s.faults++
			s.mu.Unlock()
			if f.Delay > 0 {
				select {
				case <-time.After(f.Delay):
				case <-r.Context().Done():
					return
				}
			}
			if f.Drop {
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						conn.Close()
						return
					}
				}
				panic(http.ErrAbortHandler)
			}
			if f.Code != 0 {
				if f.HTML {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(f.Code)
					fmt.Fprintf(w, "<html><body><h1>%d Bad Gateway</h1></body></html>", f.Code)
					return
				}
				writeError(w, f.Code, f.Description, f.RetryAfter)
				return
			}
		}
	}
	if method == "getUpdates" {
		// Polls are counted, not recorded: a transcript is about replies.
		s.mu.Lock()
		s.polls++
		s.mu.Unlock()
		s.getUpdates(w, r, c)
		return
	}
	if method != "sendMessage" {
		s.record(c)
	}
	switch method {
	case "sendMessage":
		s.mu.Lock()
		s.nextMsg++
		id := s.nextMsg
		s.shown[params["chat_id"]+"/"+strconv.Itoa(id)] = params["text"] + params["reply_markup"]
		s.mu.Unlock()
		c.MessageID = id
		s.record(c)
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":%d,"chat":{"id":%s,"type":"private"},"text":"..."}}`,
			id, time.Now().Unix(), jsonNumber(params["chat_id"]))
	case "editMessageText":
		key := params["chat_id"] + "/" + params["message_id"]
		content := params["text"] + params["reply_markup"]
		s.mu.Lock()
		prev, known := s.shown[key]
		s.shown[key] = content
		s.mu.Unlock()
		if known && prev == content {
			writeError(w, 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message", 0)
			return
		}
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%s,"date":%d,"chat":{"id":%s,"type":"private"},"text":"..."}}`,
			jsonNumber(params["message_id"]), time.Now().Unix(), jsonNumber(params["chat_id"]))
	case "sendDocument":
		s.mu.Lock()
		var id string
		switch {
		case files["document"] != "":
			s.uploads++
			id = fmt.Sprintf("doc-%d", s.uploads)
			if s.fileIDs == nil {
				s.fileIDs = map[string]bool{}
			}
			s.fileIDs[id] = true
		case s.fileIDs[params["document"]]:
			id = params["document"]
		}
		s.nextMsg++
		msg := s.nextMsg
		s.mu.Unlock()
		if id == "" {
			writeError(w, 400, "Bad Request: wrong remote file identifier specified", 0)
			return
		}
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":%d,"chat":{"id":%s,"type":"private"},"document":{"file_id":%q,"file_unique_id":%q}}}`,
			msg, time.Now().Unix(), jsonNumber(params["chat_id"]), id, id)
	case "answerInlineQuery":
		if err := checkInlineResults(params["results"]); err != nil {
			writeError(w, 400, "Bad Request: "+err.Error(), 0)
			return
		}
		io.WriteString(w, `{"ok":true,"result":true}`)
	case "getMe":
		fmt.Fprintf(w, `{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Kosovo Asylum Guide","username":%q}}`, Username)
	case "setWebhook":
		s.mu.Lock()
		s.webhook = params["url"]
		s.mu.Unlock()
		io.WriteString(w, `{"ok":true,"result":true,"description":"Webhook was set"}`)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhook = ""
		s.mu.Unlock()
		io.WriteString(w, `{"ok":true,"result":true}`)
	default:
		io.WriteString(w, `{"ok":true,"result":true}`)
	}
}

func (s *Server) record(c *Call) {
	if s.OnCall != nil {
		s.OnCall(c)
	}
	if s.NoRecord {
		return
	}
	s.mu.Lock()
	s.calls = append(s.calls, *c)
	s.mu.Unlock()
}

// getUpdates serves the queue like Telegram: offset confirms every update
// below it, and with nothing to send the call waits up to timeout seconds.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, c *Call) {
	offset, _ := strconv.ParseInt(c.Params["offset"], 10, 64)
	timeout, _ := strconv.Atoi(c.Params["timeout"])
	limit, _ := strconv.Atoi(c.Params["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.After(time.Duration(timeout) * time.Second)
	for {
		s.mu.Lock()
		if offset > s.confirmed {
			s.confirmed = offset
		}
		i := 0
		for i < len(s.queueIDs) && s.queueIDs[i] < s.confirmed {
			i++
		}
		s.queue, s.queueIDs = s.queue[i:], s.queueIDs[i:]
		n := min(len(s.queue), limit)
		batch := append([]json.RawMessage(nil), s.queue[:n]...)
		arrived := s.arrived
		s.mu.Unlock()
		if n > 0 || timeout == 0 {
			writeBatch(w, batch)
			return
		}
		select {
		case <-arrived:
		case <-deadline:
			io.WriteString(w, `{"ok":true,"result":[]}`)
			return
		case <-r.Context().Done():
			return
		}
	}
}

// writeBatch answers getUpdates with updates, each already JSON.
func writeBatch(w io.Writer, updates []json.RawMessage) {
	var b bytes.Buffer
	b.WriteString(`{"ok":true,"result":[`)
	for i, u := range updates {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(u)
	}
	b.WriteString(`]}`)
	w.Write(b.Bytes())
}

func writeError(w http.ResponseWriter, code int, desc string, retryAfter int) {
	if desc == "" {
		desc = map[int]string{
			400: "Bad Request", 403: "Forbidden: bot was blocked by the user", 409: "Conflict",
			429: "Too Many Requests: retry after " + strconv.Itoa(retryAfter),
			500: "Internal Server Error", 502: "Bad Gateway",
		}[code]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if retryAfter > 0 {
		fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":%q,"parameters":{"retry_after":%d}}`, code, desc, retryAfter)
		return
	}
	fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":%q}`, code, desc)
}

// callKey names what a retry_after for this call applies to: its chat,
// else its callback query, else its method.
func callKey(method string, params map[string]string) floodKey {
	if id, err := strconv.ParseInt(params["chat_id"], 10, 64); err == nil {
		return floodKey{kind: 'c', id: id}
	}
	if q := params["callback_query_id"]; q != "" {
		return floodKey{kind: 'q', name: q}
	}
	return floodKey{kind: 'm', name: method}
}

func jsonInt64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func jsonNumber(s string) string {
	if _, err := strconv.ParseInt(s, 10, 64); err != nil {
		return "0"
	}
	return s
}

// Uploads returns how many files were uploaded with sendDocument (not
// sent again by their file_id).
func (s *Server) Uploads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploads
}

// checkInlineResults validates answerInlineQuery's results as Telegram
// does: at most 50, each with a unique id of 1 to 64 bytes, a title and a
// message, and buttons whose URLs are http(s) or tg links.
func checkInlineResults(raw string) error {
	var results []struct {
		Type    string `json:"type"`
		ID      string `json:"id"`
		Title   string `json:"title"`
		Content struct {
			Text string `json:"message_text"`
		} `json:"input_message_content"`
		Markup struct {
			Rows [][]struct {
				Text string `json:"text"`
				URL  string `json:"url"`
			} `json:"inline_keyboard"`
		} `json:"reply_markup"`
	}
	if err := json.Unmarshal([]byte(raw), &results); err != nil {
		return fmt.Errorf("can't parse inline query results: %v", err)
	}
	if len(results) > 50 {
		return errors.New("too many inline query results specified")
	}
	seen := map[string]bool{}
	for _, r := range results {
		switch {
		case r.Type != "article":
			return fmt.Errorf("unsupported result type %q", r.Type)
		case r.ID == "" || len(r.ID) > 64:
			return errors.New("RESULT_ID_INVALID")
		case seen[r.ID]:
			return errors.New("RESULT_ID_DUPLICATE")
		case r.Title == "" || r.Content.Text == "":
			return errors.New("result has no title or message text")
		}
		seen[r.ID] = true
		for _, row := range r.Markup.Rows {
			for _, b := range row {
				u, err := url.Parse(b.URL)
				if b.Text == "" || err != nil || !(u.Scheme == "https" || u.Scheme == "http" || u.Scheme == "tg") || u.Host == "" && u.Scheme != "tg" {
					return fmt.Errorf("BUTTON_URL_INVALID: %q", b.URL)
				}
			}
		}
	}
	return nil
}

// parseParams reads a request body the way the Bot API does: JSON,
// multipart/form-data or URL-encoded form, or the URL query. Parameters
// that came as files are also named in files.
func parseParams(r *http.Request) (params, files map[string]string, err error) {
	params, files = map[string]string{}, map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, nil, err
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return params, files, nil
		}
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, nil, fmt.Errorf("invalid JSON body: %v", err)
		}
		for k, v := range m {
			var s string
			if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
				params[k] = s
			} else {
				params[k] = string(v)
			}
		}
	case "multipart/form-data":
		mr := multipart.NewReader(r.Body, ctParams["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, nil, fmt.Errorf("invalid multipart body: %v", err)
			}
			v, err := io.ReadAll(p)
			if err != nil {
				return nil, nil, err
			}
			params[p.FormName()] = string(v)
			if p.FileName() != "" {
				files[p.FormName()] = p.FileName()
			}
		}
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, nil, err
		}
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, nil, err
		}
		for k, vs := range v {
			params[k] = vs[0]
		}
	}
	return params, files, nil
}
