package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Engine names how the server takes adapters.
type Engine string

const (
	// VLLM registers adapters with POST /v1/load_lora_adapter and requests them by name.
	VLLM Engine = "vllm"
	// LoRAX takes the adapter in each request (model = adapter path, adapter_source local).
	LoRAX Engine = "lorax"
	// OpenAI is any other OpenAI-compatible server: no runtime adapters.
	OpenAI Engine = "openai"
)

// Engines lists the known engines, for validation and help text.
func Engines() []Engine { return []Engine{VLLM, LoRAX, OpenAI} }

// ErrUnavailable marks every failure of the engine (unreachable, an HTTP error, a model it
// does not serve, a broken stream), as opposed to a cancelled request.
var ErrUnavailable = errors.New("the model is unavailable")

// Options configure New.
type Options struct {
	// Endpoint is the server's base URL, with or without the trailing /v1.
	Endpoint string
	APIKey   string
	// Model is the served model name; empty means the only one the server lists.
	Model  string
	Engine Engine
	// Timeout bounds the wait for response headers of each attempt (0: 60s).
	Timeout time.Duration
	// IdleTimeout bounds the gap between two events of a stream (0: 60s).
	IdleTimeout time.Duration
	// Retries is how many times a request that failed before any answer text (refused
	// connection, 429, 502, 503, 504) is tried again; Backoff is the first wait (0: 500ms),
	// doubled each time, or the server's Retry-After when it sends one (at most 30s).
	Retries int
	Backoff time.Duration
	// MaxLoRARank is the server's --max-lora-rank when known (0: unknown), so an adapter
	// too large for it is refused here with the fix, not by the engine mid-swap.
	MaxLoRARank int
	// HTTPClient defaults to one without an overall timeout (streams are long).
	HTTPClient *http.Client
	Log        *slog.Logger
}

// Client talks to one serving engine. It is safe for concurrent use.
type Client struct {
	opts Options
	base string // scheme://host[:port][/prefix] without /v1
	http *http.Client
	log  *slog.Logger

	// mu guards the adapter in use and the registrations kept on the engine.
	mu      sync.Mutex
	swap    sync.Mutex // held while UseAdapter registers and checks a new adapter
	current *lease
	model   string // the served model resolved by Check (or Options.Model)
}

// New checks opts; it makes no request (Check does).
func New(opts Options) (*Client, error) {
	if opts.Engine == "" {
		opts.Engine = OpenAI
	}
	known := false
	for _, e := range Engines() {
		known = known || e == opts.Engine
	}
	if !known {
		return nil, fmt.Errorf("engine %q is not one of vllm, lorax, openai", opts.Engine)
	}
	u, err := url.Parse(strings.TrimSpace(opts.Endpoint))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not an http(s) URL such as http://localhost:8000/v1", opts.Endpoint)
	}
	base := strings.TrimSuffix(strings.TrimSuffix(u.String(), "/"), "/v1")
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 60 * time.Second
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	hc := opts.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.ResponseHeaderTimeout = opts.Timeout
		hc = &http.Client{Transport: tr}
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{opts: opts, base: base, http: hc, log: log, model: opts.Model}, nil
}

// Engine is the configured engine kind.
func (c *Client) Engine() Engine { return c.opts.Engine }

// Endpoint is the base URL requests go to (without /v1).
func (c *Client) Endpoint() string { return c.base }

// Model is the served model requests name when no adapter is in use.
func (c *Client) Model() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.model
}

// HTTPError is a non-2xx answer of the engine.
type HTTPError struct {
	Method, Path string
	Status       int
	Message      string // the engine's own message, one line, when it sent one
	RetryAfter   time.Duration
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// retryable is true for the answers that say "later" rather than "no".
func (e *HTTPError) retryable() bool {
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// fail wraps err as the engine's failure, naming the endpoint once.
func (c *Client) fail(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: engine %s: %w", ErrUnavailable, c.base, err)
}

// send makes one request with retries and returns a 2xx response; the caller closes its body.
func (c *Client) send(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	wait := c.opts.Backoff
	for attempt := 0; ; attempt++ {
		resp, err := c.sendOnce(ctx, method, path, payload)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var he *HTTPError
		retry := !errors.As(err, &he) || he.retryable()
		if !retry || attempt >= c.opts.Retries {
			return nil, err
		}
		d := wait
		if he != nil && he.RetryAfter > 0 {
			d = min(he.RetryAfter, 30*time.Second)
		}
		c.log.Warn("engine request failed; retrying", "path", path, "attempt", attempt+1, "wait", d, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(d):
		}
		wait *= 2
	}
}

func (c *Client) sendOnce(ctx context.Context, method, path string, payload []byte) (*http.Response, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	if c.opts.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, unwrapURL(err))
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<10))
	he := &HTTPError{Method: method, Path: path, Status: resp.StatusCode, Message: errorMessage(b)}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		he.RetryAfter = time.Duration(s) * time.Second
	}
	return nil, he
}

// unwrapURL drops url.Error's quoting of the whole URL, which the caller names already.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errorMessage finds the engine's message in the error body formats the engines use
// ({"error":{"message"}}, {"message"}, {"error":"..."}, {"detail"}) or the text itself.
func errorMessage(b []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
	}
	msg := ""
	if json.Unmarshal(b, &v) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case v.Message != "":
			msg = v.Message
		case json.Unmarshal(v.Error, &inner) == nil && inner.Message != "":
			msg = inner.Message
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			msg = s
		case v.Detail != nil:
			msg = fmt.Sprint(v.Detail)
		}
	}
	if msg == "" {
		msg = string(b)
	}
	return oneLine(msg, 300)
}

// oneLine squeezes s onto one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// getJSON GETs path and decodes its JSON body into v.
func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	return c.callJSON(ctx, http.MethodGet, path, nil, v)
}

func (c *Client) callJSON(ctx context.Context, method, path string, body, v any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s %s: the answer is not JSON (%s): is this an OpenAI-compatible server?",
			method, path, oneLine(string(b), 80))
	}
	return nil
}
