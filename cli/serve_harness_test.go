package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
	"manualbot/configs"
	"manualbot/internal/testutil"
)

// The one harness for the cli's `serve` end-to-end tests: serve configured from the
// environment, as a deployment is, against the fake Slack.

// serveRun is a running `serve` and the fake Slack it talks to.
type serveRun struct {
	t      *testing.T
	mode   string
	Slack  *fakeslack.Server
	Listen string        // the events listener (HTTP mode)
	Events string        // the URL signed event callbacks are posted to
	Logs   *bytes.Buffer // serve's JSON log
	seq    int

	cancel context.CancelFunc
	exited chan struct{} // closed once runServe has returned err
	err    error
	stop   sync.Once
}

// serveOpts is what a test may change about the serve it starts.
type serveOpts struct {
	Mode   string // "http" (the default) or "socket"
	Config string // a YAML config file's text (for map-valued keys the environment cannot carry)
	// Deps builds serve's pipeline; the real one (App.servePipeline) when nil.
	Deps func(context.Context) (ServeDeps, error)
}

// startServe runs serve on data with the fake Slack's settings, free listen and metrics
// ports (never the default 9090), a 10ms update interval and UADMIN as admin; env adds or
// overrides keys. It returns once serve answers /healthz and stops serve at cleanup.
func startServe(t *testing.T, data string, env map[string]string, opts serveOpts) *serveRun {
	t.Helper()
	if opts.Mode == "" {
		opts.Mode = "http"
	}
	r := &serveRun{t: t, mode: opts.Mode, Slack: fakeslack.New(t), Listen: freeAddr(t), Logs: &bytes.Buffer{}}
	r.Events = "http://" + r.Listen + bot.EventsPath
	metrics := freeAddr(t)
	base := map[string]string{
		"MANUALBOT_DATA_DIR":              data,
		"MANUALBOT_SLACK_MODE":            opts.Mode,
		"MANUALBOT_SLACK_BOT_TOKEN":       fakeslack.BotToken,
		"MANUALBOT_SLACK_APP_TOKEN":       fakeslack.AppToken,
		"MANUALBOT_SLACK_SIGNING_SECRET":  fakeslack.SigningSecret,
		"MANUALBOT_SLACK_API_URL":         r.Slack.APIURL(),
		"MANUALBOT_SLACK_LISTEN":          r.Listen,
		"MANUALBOT_SLACK_METRICS_LISTEN":  metrics,
		"MANUALBOT_SLACK_UPDATE_INTERVAL": "10ms",
		"MANUALBOT_SLACK_ADMINS":          "UADMIN",
	}
	setenv(t, base, env)
	file := ""
	if opts.Config != "" {
		file = filepath.Join(t.TempDir(), "manualbot.yaml")
		if err := os.WriteFile(file, []byte(opts.Config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := configs.Load(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := &App{Config: cfg, Log: slog.New(slog.NewJSONHandler(r.Logs, nil)), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	deps := app.servePipeline
	if opts.Deps != nil {
		deps = opts.Deps
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.exited = cancel, make(chan struct{})
	go func() {
		defer close(r.exited)
		r.err = runServe(ctx, app, deps)
	}()
	t.Cleanup(func() {
		r.stop.Do(func() {
			cancel()
			if <-r.exited; r.err != nil {
				t.Errorf("serve: %v", r.err)
			}
		})
	})
	// /healthz is 200 only once Slack is connected; socket mode has it on the metrics port.
	health := r.Listen
	if opts.Mode == "socket" {
		health = metrics
	}
	r.waitServing(health, 60*time.Second)
	return r
}

// Stop ends serve and fails the test if it stopped with an error.
func (r *serveRun) Stop() {
	r.t.Helper()
	r.stop.Do(func() {
		r.cancel()
		if <-r.exited; r.err != nil {
			r.t.Fatalf("serve: %v", r.err)
		}
	})
}

// send delivers an event callback the way the mode does and returns the HTTP status
// (200 once acknowledged, in socket mode).
func (r *serveRun) send(id string, inner map[string]any) int {
	r.t.Helper()
	payload := fakeslack.Callback(id, inner)
	if r.mode == "socket" {
		env := r.Slack.Envelope("events_api", payload, 0)
		r.Slack.WaitFor(30*time.Second, "ack", func() bool { return r.Slack.Acked(env) })
		return http.StatusOK
	}
	resp, err := http.DefaultClient.Do(fakeslack.EventRequest(r.Events, payload, fakeslack.SigningSecret, time.Now()))
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// deliver sends an event callback under the next event id and fails unless it is taken.
func (r *serveRun) deliver(inner map[string]any) {
	r.t.Helper()
	r.seq++
	if status := r.send(fmt.Sprintf("EvServe%03d", r.seq), inner); status != http.StatusOK {
		r.t.Fatalf("event: status %d", status)
	}
}

// isAnswer: an answer is final once it ends with its feedback buttons (an actions block).
func isAnswer(s string) bool { return strings.Contains(s, `"type":"actions"`) }

// isReply: a command's reply is final at once, past the "Looking in the manuals" placeholder.
func isReply(s string) bool { return !strings.Contains(s, "Looking in the manuals") }

// Ask posts text as user's mention in C1 as event id and returns the bot's last reply in
// its thread (blocks then text) and that message, once final says it is done.
func (r *serveRun) Ask(id, user, text string, final func(string) bool) (string, fakeslack.Message) {
	r.t.Helper()
	ts := r.Slack.UserMessage("C1", user, text, "")
	r.send(id, fakeslack.Mention("C1", user, text, ts, ""))
	var last string
	var msg fakeslack.Message
	r.Slack.WaitFor(30*time.Second, "the reply to "+id, func() bool {
		msgs := r.Slack.BotMessages("C1", ts)
		if len(msgs) == 0 {
			return false
		}
		msg = msgs[len(msgs)-1]
		last = string(msg.Blocks) + msg.Text
		return final(last)
	})
	return last, msg
}

// AskText is Ask with the end told by the text: an admin's `use` is final at its first
// reply, a question at its answer.
func (r *serveRun) AskText(id, user, text string) string {
	r.t.Helper()
	final := isAnswer
	if strings.Contains(text, " use ") {
		final = isReply
	}
	last, _ := r.Ask(id, user, text, final)
	return last
}

// AskThread mentions the bot in ch (in thread, when set) and returns the bot's last
// message in the thread once it is final: an answer ends with its feedback buttons; with
// command set, the first reply is final.
func (r *serveRun) AskThread(ch, user, text, thread string, command bool) string {
	r.t.Helper()
	full := "<@" + fakeslack.BotUserID + "> " + text
	ts := r.Slack.UserMessage(ch, user, full, thread)
	r.deliver(fakeslack.Mention(ch, user, full, ts, thread))
	where := ts
	if thread != "" {
		where = thread
	}
	var last string
	r.Slack.WaitFor(60*time.Second, "the reply to "+text, func() bool {
		for _, m := range r.Slack.BotMessages(ch, where) {
			if !tsAfter(m.TS, ts) {
				continue
			}
			s := string(m.Blocks) + m.Text
			if command && isReply(s) || isAnswer(s) || strings.Contains(s, "Sorry") {
				last = s
				return true
			}
		}
		return false
	})
	return last
}

func tsAfter(a, b string) bool { return len(a) > len(b) || len(a) == len(b) && a > b }

// setenv sets base's environment variables, with extra's added or taking their place.
func setenv(t *testing.T, base, extra map[string]string) {
	for k, v := range extra {
		base[k] = v
	}
	for k, v := range base {
		t.Setenv(k, v)
	}
}

// ingestExample ingests the example manuals under product brewmaster into data.
func ingestExample(t *testing.T, data string) {
	t.Helper()
	if _, _, err := runCLI(t, "--data-dir", data, "ingest", "--product", "brewmaster", testutil.RepoRoot(t)+"/examples/manuals"); err != nil {
		t.Fatalf("ingest: %v", err)
	}
}

// ingestedData is a fresh data dir with the example manuals ingested.
func ingestedData(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	ingestExample(t, data)
	return data
}

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

// waitServing polls serve's /healthz on listen until it answers 200, failing the test
// with serve's own error if it stops first. (fakeslack's WaitFor wakes only on Slack
// traffic, and serve makes none between auth.test and listening.)
func (r *serveRun) waitServing(listen string, timeout time.Duration) {
	t := r.t
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-r.exited:
			t.Fatalf("serve stopped before it listened: %v", r.err)
		default:
		}
		if resp, err := client.Get("http://" + listen + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer /healthz on %s within %s", listen, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
