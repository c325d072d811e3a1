package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxRequestBytes bounds what Slack may send in one request; real payloads are a few KiB.
const maxRequestBytes = 1 << 20

// EventsPath is where Slack sends events, slash commands and interactivity in HTTP mode
// (Bolt's convention: one Request URL for all three).
const EventsPath = "/slack/events"

// runHTTP serves the Events API until ctx is cancelled, then stops taking requests.
func (b *Bot) runHTTP(ctx context.Context) error {
	ln := b.deps.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", b.opts.Listen); err != nil {
			return fmt.Errorf("listen %s: %w", b.opts.Listen, err)
		}
	}
	srv := &http.Server{
		Handler:           b.eventsHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	b.log.Info("serving the Slack Events API", "addr", ln.Addr().String(), "path", EventsPath)
	select {
	case err := <-errc:
		return fmt.Errorf("events server: %w", err)
	case <-ctx.Done():
	}
	b.stopping.Store(true)
	// Handlers only acknowledge, so they finish fast; what Shutdown may wait on is
	// connections a client opened but never used, which Close cuts.
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		b.log.Debug("closing idle Slack connections", "err", err)
		_ = srv.Close()
	}
	return ctx.Err()
}

// eventsHandler serves POST /slack/events and GET /healthz. It verifies Slack's signature
// on the raw body (401 when it is wrong, missing or older than five minutes), answers
// url_verification, and acknowledges everything else at once, before any work starts.
func (b *Bot) eventsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+EventsPath, b.serveEvents)
	mux.Handle("GET /healthz", b.metrics.healthHandler(b.health))
	return mux
}

func (b *Bot) serveEvents(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { b.metrics.ackLatency.Observe(time.Since(start).Seconds()) }()
	body, err := b.verifiedBody(r)
	if err != nil {
		b.metrics.errors.WithLabelValues("signature").Inc()
		b.log.Warn("rejected a request that is not from Slack", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	if b.stopping.Load() {
		// Slack retries later, and a restarted bot will take it.
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		b.serveEventsAPI(w, r, body)
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("ssl_check") == "1" {
			// Slack checking the certificate of a slash command's URL: nothing to run.
			w.WriteHeader(http.StatusOK)
			return
		}
		if payload := r.PostForm.Get("payload"); payload != "" {
			b.serveInteraction(w, payload)
			return
		}
		b.serveSlashCommand(w, r)
	default:
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
	}
}

// verifiedBody reads the body, checks its signature and timestamp, and puts the body
// back on r so later parsing (forms) sees it.
func (b *Bot) verifiedBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxRequestBytes {
		return nil, errors.New("body too large")
	}
	sv, err := slack.NewSecretsVerifier(r.Header, b.opts.SigningSecret)
	if err != nil {
		return nil, fmt.Errorf("signature headers: %w", err)
	}
	if _, err := sv.Write(body); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	if err := sv.Ensure(); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

func (b *Bot) serveEventsAPI(w http.ResponseWriter, r *http.Request, body []byte) {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		// Slack added an event type this slack-go does not know: acknowledge, so that
		// Slack does not retry (and eventually disable the app's events).
		b.log.Debug("unparsed event acknowledged", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if ev.Type == slackevents.URLVerification {
		var ch slackevents.ChallengeResponse
		if err := json.Unmarshal(body, &ch); err != nil {
			http.Error(w, "bad challenge", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(ch.Challenge))
		return
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		b.log.Debug("slack retry", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	w.WriteHeader(http.StatusOK)
	b.onEventsAPI(ev)
}

func (b *Bot) serveSlashCommand(w http.ResponseWriter, r *http.Request) {
	cmd, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "bad slash command", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	b.onSlashCommand(cmd)
}

func (b *Bot) serveInteraction(w http.ResponseWriter, payload string) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(payload), &cb); err != nil {
		http.Error(w, "bad interaction payload", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	b.onInteraction(cb)
}
