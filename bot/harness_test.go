package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
)

// wait bounds every wait on the bot; it guards against hangs and is never a latency check.
const wait = 15 * time.Second

// Users of the fake workspace.
const (
	admin     = "UADMIN"
	groupUser = "UGROUPIE"
	someone   = "UALICE"
	channel   = "C0PUMPS"
	dm        = "D0ALICE"
)

// harness runs the real bot against the fake Slack in one mode.
type harness struct {
	t        testing.TB
	mode     string
	slack    *fakeslack.Server
	admin    *fakeAdmin
	ans      *fakeAnswerer
	bot      *bot.Bot
	opts     bot.Options
	events   string // the HTTP mode's events URL
	metrics  string // base URL of /healthz and /metrics
	cancel   context.CancelFunc
	done     chan error
	stopped  bool
	eventSeq int
	queue    bot.Queue // nil: the bot's own
}

func start(t testing.TB, mode string, tweak func(*bot.Options, *fakeAnswerer)) *harness {
	t.Helper()
	h := &harness{t: t, mode: mode, slack: fakeslack.New(t), admin: newFakeAdmin(), done: make(chan error, 1)}
	h.ans = newFakeAnswerer(h.admin)
	h.slack.SetGroup("S0ADMINS", groupUser)
	h.opts = bot.Options{
		Mode:            mode,
		BotToken:        fakeslack.BotToken,
		AppToken:        fakeslack.AppToken,
		SigningSecret:   fakeslack.SigningSecret,
		APIURL:          h.slack.APIURL(),
		Admins:          []string{admin, "S0ADMINS"},
		UserRateLimit:   100,
		UpdateInterval:  20 * time.Millisecond,
		ChannelProducts: map[string]string{channel: "pump"},
		FeedbackPath:    filepath.Join(t.TempDir(), bot.FeedbackFile),
		ShutdownTimeout: wait,
		// The tests written for the chat.update path keep it; streaming_test.go covers
		// native streams.
		Streaming:     "update",
		MaxConcurrent: 100,
	}
	if tweak != nil {
		tweak(&h.opts, h.ans)
	}
	h.launch()
	t.Cleanup(func() { h.stop() })
	return h
}

// restart stops the bot (draining it) and starts a new one with the same options on the
// same fake Slack, as a redeploy does.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.stop(); err != nil {
		h.t.Fatalf("stop before restart: %v", err)
	}
	h.stopped = false
	h.done = make(chan error, 1)
	before := h.slack.Connections()
	h.launch()
	if h.mode == "socket" {
		h.slack.WaitFor(wait, "the restarted bot's connection", func() bool { return h.slack.Connections() > before })
		h.slack.WaitConnected(wait)
	}
}

// launch builds and runs a bot from h.opts.
func (h *harness) launch() {
	t := h.t
	t.Helper()
	eventsLn := listen(t)
	metricsLn := listen(t)
	h.events = "http://" + eventsLn.Addr().String() + bot.EventsPath
	h.metrics = "http://" + metricsLn.Addr().String()
	logLevel := slog.LevelWarn
	if os.Getenv("BOT_TEST_DEBUG") != "" {
		logLevel = slog.LevelDebug
	}
	b, err := bot.New(h.opts, bot.Deps{Queue: h.queue,
		Answerer: h.ans, Admin: h.admin,
		Log:      slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: logLevel})),
		Listener: eventsLn, MetricsListener: metricsLn,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.bot = b
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- b.Run(ctx) }()
	if h.mode == "socket" {
		h.slack.WaitConnected(wait)
	} else {
		h.waitHealthy()
	}
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// waitHealthy polls /healthz until the bot serves (HTTP mode has no connection to wait on).
func (h *harness) waitHealthy() {
	h.t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		resp, err := http.Get(h.metrics + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && h.slack.Calls("auth.test") != nil {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatal("bot did not become healthy")
}

// stop cancels the bot and waits for Run to return, which includes draining answers in
// flight: after stop, everything the bot was going to post is posted.
func (h *harness) stop() error {
	h.t.Helper()
	if h.stopped {
		return nil
	}
	h.stopped = true
	h.cancel()
	select {
	case err := <-h.done:
		return err
	case <-time.After(2 * wait):
		h.t.Fatal("bot did not stop")
		return nil
	}
}

func (h *harness) nextEventID() string {
	h.eventSeq++
	return fmt.Sprintf("Ev%04d", h.eventSeq)
}

// deliver sends an Events API callback the way the mode does, retry > 0 marking a retry,
// and returns the HTTP status (HTTP mode) or 200 once acknowledged (Socket Mode).
func (h *harness) deliver(eventID string, inner map[string]any, retry int) int {
	h.t.Helper()
	payload := fakeslack.Callback(eventID, inner)
	if h.mode == "socket" {
		env := h.slack.Envelope("events_api", payload, retry)
		h.slack.WaitFor(wait, "ack of "+env, func() bool { return h.slack.Acked(env) })
		return http.StatusOK
	}
	req := fakeslack.EventRequest(h.events, payload, fakeslack.SigningSecret, time.Now())
	if retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", fmt.Sprint(retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	return h.do(req)
}

func (h *harness) do(req *http.Request) int {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// mention posts a person's mention of the bot in the channel and delivers its event.
func (h *harness) mention(user, text, threadTS string) string {
	h.t.Helper()
	full := "<@" + fakeslack.BotUserID + "> " + text
	ts := h.slack.UserMessage(channel, user, full, threadTS)
	h.deliver(h.nextEventID(), fakeslack.Mention(channel, user, full, ts, threadTS), 0)
	return ts
}

// slash runs `/manualbot text` and returns the response_url id its reply goes to.
func (h *harness) slash(user, text string) string {
	h.t.Helper()
	id := fmt.Sprintf("slash-%s-%d", user, time.Now().UnixNano())
	if h.mode == "socket" {
		env := h.slack.Envelope("slash_commands", fakeslack.SlashPayload(user, channel, text, h.slack.ResponseURL(id)), 0)
		h.slack.WaitFor(wait, "ack of "+env, func() bool { return h.slack.Acked(env) })
		return id
	}
	form := fakeslack.SlashCommand(user, channel, text, h.slack.ResponseURL(id))
	if code := h.do(fakeslack.FormRequest(h.events, form, fakeslack.SigningSecret, time.Now())); code != http.StatusOK {
		h.t.Fatalf("slash command: status %d", code)
	}
	return id
}

// waitResponse waits for the reply posted to a response_url id.
func (h *harness) waitResponse(id string) string {
	h.t.Helper()
	h.slack.WaitFor(wait, "response to "+id, func() bool { return len(h.slack.ResponseTexts(id)) > 0 })
	return h.slack.ResponseTexts(id)[0]
}

// waitFinal waits for the bot's answer in a thread to be final (it has the feedback
// buttons) and returns the thread's bot messages.
func (h *harness) waitFinal(ch, threadTS string) []fakeslack.Message {
	h.t.Helper()
	var msgs []fakeslack.Message
	h.slack.WaitFor(wait, "final answer in thread "+threadTS, func() bool {
		msgs = h.slack.BotMessages(ch, threadTS)
		return len(msgs) > 0 && strings.Contains(string(msgs[len(msgs)-1].Blocks), "feedback_helpful")
	})
	return msgs
}

// waitReply waits for the bot's first message in a thread whose text contains want.
func (h *harness) waitReply(ch, threadTS, want string) fakeslack.Message {
	h.t.Helper()
	var got fakeslack.Message
	h.slack.WaitFor(wait, fmt.Sprintf("a reply containing %q", want), func() bool {
		for _, m := range h.slack.BotMessages(ch, threadTS) {
			if strings.Contains(m.Text, want) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// blockTexts returns every text in a message's blocks, for assertions on what users see.
func blockTexts(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var blocks any
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatalf("blocks: %v: %s", err, raw)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				out = append(out, s)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(blocks)
	return out
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// click sends a feedback button click on msg by user, its reply going to response id rid.
func (h *harness) click(user string, msg fakeslack.Message, actionID, rid string) {
	h.t.Helper()
	payload := fakeslack.FeedbackClick(user, channel, msg, actionID, channel+"/"+msg.TS, h.slack.ResponseURL(rid))
	if h.mode == "socket" {
		env := h.slack.Envelope("interactive", payload, 0)
		h.slack.WaitFor(wait, "ack", func() bool { return h.slack.Acked(env) })
		return
	}
	h.do(fakeslack.FormRequest(h.events, fakeslack.InteractionForm(payload), fakeslack.SigningSecret, time.Now()))
}

// post delivers a person's plain message (no mention) in ch as a message event.
func (h *harness) post(ch, user, text, threadTS string) string {
	h.t.Helper()
	ts := h.slack.UserMessage(ch, user, text, threadTS)
	ev := map[string]any{"type": "message", "channel": ch, "channel_type": "channel", "user": user, "text": text, "ts": ts, "event_ts": ts}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	h.deliver(h.nextEventID(), ev, 0)
	return ts
}
