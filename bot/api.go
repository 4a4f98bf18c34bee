package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultAPIURL is Telegram's Bot API.
const DefaultAPIURL = "https://api.telegram.org"

// maxResponse bounds a Bot API response body; a getUpdates batch of 100
// large updates stays far below it.
const maxResponse = 8 << 20

// apiError is an answer from the Bot API with ok=false.
type apiError struct {
	Method      string
	Code        int
	Description string
	RetryAfter  int // seconds, with Code 429
}

func (e *apiError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("telegram %s: %d %s (retry after %ds)", e.Method, e.Code, e.Description, e.RetryAfter)
	}
	return fmt.Sprintf("telegram %s: %d %s", e.Method, e.Code, e.Description)
}

// transportError is a request that got no Bot API answer: the connection
// failed, timed out, or the server answered with something that is not a
// Bot API response (a proxy's error page). It never holds the request URL,
// which contains the token.
type transportError struct {
	Method string
	Err    error
}

func (e *transportError) Error() string { return "telegram " + e.Method + ": " + e.Err.Error() }
func (e *transportError) Unwrap() error { return e.Err }

// requestTimeout bounds the wait for Telegram's answer to one request
// other than a long poll.
const requestTimeout = 20 * time.Second

// client sends Bot API requests as JSON over one RoundTripper: the only
// way the bot talks to Telegram. Timeouts come from the transport (dial,
// TLS handshake, response header) and from each call's context.
type client struct {
	base string            // APIURL + "/bot" + token + "/"
	rt   http.RoundTripper // for ordinary calls
	long http.RoundTripper // for long polls, bounded by their context
	urls sync.Map          // method -> *url.URL
	bufs sync.Pool
}

// jsonHeader is the header of every JSON request. It is shared: a
// RoundTripper must not modify the request it is given (net/http's
// contract), and Config.Transport says so.
var jsonHeader = http.Header{"Content-Type": {"application/json"}}

func newClient(apiURL, token string, rt http.RoundTripper) *client {
	if rt == nil {
		rt = defaultTransport()
	}
	// A long poll waits for Telegram longer than any response-header
	// timeout, so it gets its own copy of the transport without one.
	long := rt
	if t, ok := rt.(*http.Transport); ok && t.ResponseHeaderTimeout > 0 {
		lt := t.Clone()
		lt.ResponseHeaderTimeout = 0
		long = lt
	}
	c := &client{base: strings.TrimRight(apiURL, "/") + "/bot" + token + "/", rt: rt, long: long}
	c.bufs.New = func() any { return new(bytes.Buffer) }
	return c
}

// defaultTransport keeps enough idle connections for every worker, so a
// busy bot reuses connections instead of opening new ones, and gives up on
// a request Telegram does not answer.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = requestTimeout
	// A whole request, headers and the longest screen, fits the buffer and
	// leaves in one write; with the default 4 KiB a long screen took two
	// writes and a 32 KiB copy buffer each time.
	t.WriteBufferSize = 32 << 10
	// Bot API answers are small JSON; asking for gzip only adds work.
	t.DisableCompression = true
	return t
}

var okPrefix = []byte(`{"ok":true`)

// url returns the parsed URL of a method, parsing it once.
func (c *client) url(method string) (*url.URL, error) {
	if u, ok := c.urls.Load(method); ok {
		return u.(*url.URL), nil
	}
	u, err := url.Parse(c.base + method)
	if err != nil {
		return nil, err
	}
	c.urls.Store(method, u)
	return u, nil
}

// call posts body to method and, when result is not nil, decodes the
// result into it.
func (c *client) call(ctx context.Context, method string, payload []byte, result any) error {
	return c.post(ctx, c.rt, method, jsonHeader, payload, result)
}

// callJSON posts params, encoded as JSON, to method.
func (c *client) callJSON(ctx context.Context, method string, params, result any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("telegram %s: encode: %w", method, err)
	}
	return c.call(ctx, method, body, result)
}

// post sends one request through rt.
func (c *client) post(ctx context.Context, rt http.RoundTripper, method string, header http.Header, payload []byte, result any) error {
	u, err := c.url(method)
	if err != nil {
		return &transportError{Method: method, Err: errors.New("bad API URL")}
	}
	// A NopCloser over a *bytes.Reader is a body net/http knows is in
	// memory: it writes headers and body in one go, not in two writes.
	req := (&http.Request{
		Method: http.MethodPost, URL: u, Host: u.Host, Header: header,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Body: io.NopCloser(bytes.NewReader(payload)), ContentLength: int64(len(payload)),
	}).WithContext(ctx)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return &transportError{Method: method, Err: stripURL(err)}
	}
	return c.answer(method, resp, result)
}

// answer reads a Bot API response.
func (c *client) answer(method string, resp *http.Response, result any) error {
	buf, err := c.read(method, resp)
	if err != nil {
		return err
	}
	defer c.bufs.Put(buf)
	return decodeAnswer(method, resp.StatusCode, buf.Bytes(), result)
}

// read reads a response body into a pooled buffer; the caller puts it
// back.
func (c *client) read(method string, resp *http.Response) (*bytes.Buffer, error) {
	buf := c.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponse+1))
	resp.Body.Close()
	if err == nil && buf.Len() > maxResponse {
		err = errors.New("response too large")
	}
	if err != nil {
		c.bufs.Put(buf)
		return nil, &transportError{Method: method, Err: stripURL(err)}
	}
	return buf, nil
}

// decodeAnswer decodes a Bot API response body b: the result into result
// if it is wanted, or the error.
func decodeAnswer(method string, status int, b []byte, result any) error {
	if result == nil && bytes.HasPrefix(b, okPrefix) {
		return nil
	}
	// One pass: the result, if wanted, is decoded in place.
	r := struct {
		OK          bool   `json:"ok"`
		Result      any    `json:"result"`
		ErrorCode   int    `json:"error_code"`
		Description string `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}{Result: result}
	if result == nil {
		r.Result = new(json.RawMessage)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		if ok := bytes.HasPrefix(b, okPrefix); ok && result != nil {
			return &transportError{Method: method, Err: fmt.Errorf("decode result: %w", err)}
		}
		return &transportError{Method: method, Err: fmt.Errorf("HTTP %d with a body that is not a Bot API response", status)}
	}
	if !r.OK {
		code := r.ErrorCode
		if code == 0 {
			code = status
		}
		return &apiError{Method: method, Code: code, Description: r.Description, RetryAfter: r.Parameters.RetryAfter}
	}
	return nil
}

// getUpdates long-polls for a batch. The whole batch is decoded at once;
// only if some update in it cannot be decoded does it come back raw, for
// the caller to decode one by one.
func (c *client) getUpdates(ctx context.Context, payload []byte) ([]*update, []json.RawMessage, error) {
	const method = "getUpdates"
	u, err := c.url(method)
	if err != nil {
		return nil, nil, &transportError{Method: method, Err: errors.New("bad API URL")}
	}
	req := (&http.Request{
		Method: http.MethodPost, URL: u, Host: u.Host, Header: jsonHeader,
		Body: io.NopCloser(bytes.NewReader(payload)), ContentLength: int64(len(payload)),
	}).WithContext(ctx)
	resp, err := c.long.RoundTrip(req)
	if err != nil {
		return nil, nil, &transportError{Method: method, Err: stripURL(err)}
	}
	buf, err := c.read(method, resp)
	if err != nil {
		return nil, nil, err
	}
	defer c.bufs.Put(buf)
	var batch struct {
		OK     bool      `json:"ok"`
		Result []*update `json:"result"`
	}
	if bytes.HasPrefix(buf.Bytes(), okPrefix) && json.Unmarshal(buf.Bytes(), &batch) == nil && batch.OK {
		return batch.Result, nil, nil
	}
	var raws []json.RawMessage
	if err := decodeAnswer(method, resp.StatusCode, buf.Bytes(), &raws); err != nil {
		return nil, nil, err
	}
	return nil, raws, nil
}

// stripURL drops the request URL, which holds the token, from an HTTP
// client error and keeps what went wrong.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errTimeout
		}
		var ne *net.OpError
		if errors.As(ue.Err, &ne) {
			return ne
		}
		return errors.New(ue.Op + ": " + ue.Err.Error())
	}
	return err
}

var errTimeout = errors.New("request timed out")
