package bot_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
)

// syncBuffer is a log destination the bot's goroutines and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr returns a local address where nothing listens (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// unreachableBot builds a bot in HTTP mode whose Slack Web API is apiURL, logging to
// the returned buffer.
func unreachableBot(t *testing.T, apiURL string, limit time.Duration) (*bot.Bot, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	admins := newFakeAdmin()
	b, err := bot.New(bot.Options{
		Mode: "http", BotToken: fakeslack.BotToken, SigningSecret: fakeslack.SigningSecret,
		APIURL: apiURL, ConnectTimeout: limit, ShutdownTimeout: wait,
		FeedbackPath: filepath.Join(t.TempDir(), bot.FeedbackFile),
	}, bot.Deps{
		Answerer: newFakeAnswerer(admins), Admin: admins,
		Log:      slog.New(slog.NewTextHandler(logs, nil)),
		Listener: listen(t), MetricsListener: listen(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b, logs
}

// TestServeWaitsForSlack starts the bot while nothing listens at Slack's address (a
// refused connection, as when the network is not up yet), and brings Slack up five
// seconds later: the bot retries with backoff, says so in its log, and then serves.
func TestServeWaitsForSlack(t *testing.T) {
	slack := fakeslack.New(t)
	target, _ := url.Parse(slack.APIURL())
	addr := freeAddr(t)
	b, logs := unreachableBot(t, "http://"+addr+target.Path, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	time.Sleep(5 * time.Second)
	select {
	case err := <-done:
		t.Fatalf("Run gave up while Slack was unreachable: %v", err)
	default:
	}
	if n := strings.Count(logs.String(), "slack unreachable, retrying"); n < 2 {
		t.Fatalf("want at least two logged retries in 5 s, got %d:\n%s", n, logs)
	}
	// Slack comes up at the address the bot was given.
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(ln)
	defer srv.Close()
	slack.WaitFor(wait, "auth.test after Slack came up", func() bool { return slack.Calls("auth.test") != nil })
	deadline := time.Now().Add(wait)
	for !strings.Contains(logs.String(), "slack reachable again") {
		if time.Now().After(deadline) {
			t.Fatalf("no recovery logged:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned after Slack came up: %v", err)
	default:
	}
}

// TestServeGivesUpOnSlack: with Slack never reachable, Run returns a clear error once
// slack.connect_timeout has passed, not at the first refusal and not never.
func TestServeGivesUpOnSlack(t *testing.T) {
	b, logs := unreachableBot(t, "http://"+freeAddr(t)+"/api/", 3*time.Second)
	start := time.Now()
	err := b.Run(context.Background())
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "slack unreachable") || !strings.Contains(err.Error(), "connect_timeout") {
		t.Fatalf("Run = %v, want the unreachable error naming slack.connect_timeout", err)
	}
	if took < time.Second || !strings.Contains(logs.String(), "retrying") {
		t.Fatalf("gave up after %s without retrying:\n%s", took, logs)
	}
}
