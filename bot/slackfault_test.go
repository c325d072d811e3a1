package bot_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"manualbot/bot"
)

// faultProxy stands between the bot and the fake Slack and fails some Web API calls the
// way Slack does under load: 429 with Retry-After, or a 5xx, before the call reaches
// Slack (so a retry is the only way the write happens).
type faultProxy struct {
	srv *httptest.Server

	mu     sync.Mutex
	calls  map[string]int                 // method -> calls seen
	faults map[string]int                 // method -> faults injected
	plan   func(method string, n int) int // status to answer the n-th call with (0: pass)
}

func newFaultProxy(t testing.TB, target string, plan func(method string, n int) int) *faultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{calls: map[string]int{}, faults: map[string]int{}, plan: plan}
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		p.mu.Lock()
		p.calls[method]++
		status := p.plan(method, p.calls[method])
		if status != 0 {
			p.faults[method]++
		}
		p.mu.Unlock()
		switch {
		case status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"ok":false,"error":"ratelimited"}`, status)
		case status != 0:
			http.Error(w, "upstream connect error", status)
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// apiURL is the proxy's address in the form of the target's API URL.
func (p *faultProxy) apiURL(target string) string {
	u, _ := url.Parse(target)
	return p.srv.URL + u.Path
}

func (p *faultProxy) injected(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults[method]
}

// TestAnswersCompleteThroughSlackErrors asks several questions while Slack answers some
// message writes with 429 (Retry-After: 1) and others with 502/503: every answer must
// still reach its thread complete, once.
func TestAnswersCompleteThroughSlackErrors(t *testing.T) {
	plan := func(method string, n int) int {
		switch {
		case method == "chat.postMessage" && n%4 == 1:
			return http.StatusTooManyRequests
		case method == "chat.postMessage" && n%4 == 3:
			return http.StatusServiceUnavailable
		case method == "chat.update" && n%5 == 1:
			return http.StatusTooManyRequests
		case method == "chat.update" && n%5 == 3:
			return http.StatusBadGateway
		}
		return 0
	}
	var proxy *faultProxy
	h := start(t, "http", func(o *bot.Options, _ *fakeAnswerer) {
		proxy = newFaultProxy(t, o.APIURL, plan)
		o.APIURL = proxy.apiURL(o.APIURL)
	})
	var threads []string
	for i := range 4 {
		threads = append(threads, h.mention(someone, fmt.Sprintf("how do I reset pump %d?", i), ""))
	}
	for _, ts := range threads {
		msgs := h.waitFinal(channel, ts)
		if len(msgs) != 1 {
			t.Errorf("thread %s: %d bot messages, want the one answer", ts, len(msgs))
		}
		if all := strings.Join(blockTexts(t, msgs[len(msgs)-1].Blocks), "\n"); !strings.Contains(all, "If the light stays red, see the error table [2].") {
			t.Errorf("thread %s: answer incomplete:\n%s", ts, all)
		}
	}
	for _, m := range []string{"chat.postMessage", "chat.update"} {
		if proxy.injected(m) == 0 {
			t.Errorf("no fault was injected on %s: the test proves nothing", m)
		}
	}
}
