package bot

import (
	"net/http"
	"sync/atomic"
)

// apiFailuresUnhealthy is how many Web API calls in a row must fail (no answer, or a 5xx)
// before /healthz says so: one failed call is noise, three mean Slack cannot be reached.
const apiFailuresUnhealthy = 3

// apiHealth counts consecutive failed Web API calls, for /healthz: HTTP mode has no
// connection to watch, and a Socket Mode websocket can be up while the Web API is not.
type apiHealth struct {
	base     http.RoundTripper
	failures atomic.Int64
}

func (t *apiHealth) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode >= 500 {
		if req.Context().Err() == nil {
			t.failures.Add(1)
		}
	} else {
		t.failures.Store(0)
	}
	return resp, err
}

// healthy reports whether fewer than apiFailuresUnhealthy calls in a row failed.
func (t *apiHealth) healthy() bool { return t.failures.Load() < apiFailuresUnhealthy }

// withAPIHealth returns a copy of hc whose transport feeds h.
func withAPIHealth(hc *http.Client, h *apiHealth) *http.Client {
	c := *hc
	h.base = c.Transport
	if h.base == nil {
		h.base = http.DefaultTransport
	}
	c.Transport = h
	return &c
}
