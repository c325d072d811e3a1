package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
	"manualbot/configs"
	"manualbot/internal/testutil"
)

// serveRun is `serve` on the real pipeline against the fake Slack, in one mode.
type serveRun struct {
	t      *testing.T
	mode   string
	slack  *fakeslack.Server
	events string
	seq    int
}

// startServe ingests the example manuals under product brewmaster into a fresh data dir
// and runs serve with env on top of the fake Slack's settings; config is a YAML file's
// text (for map-valued keys, which the environment cannot carry).
func startServe(t *testing.T, mode string, env map[string]string, config string) *serveRun {
	t.Helper()
	data := t.TempDir()
	if _, _, err := runCLI(t, "--data-dir", data, "ingest", "--product", "brewmaster", testutil.RepoRoot(t)+"/examples/manuals"); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	r := &serveRun{t: t, mode: mode, slack: fakeslack.New(t)}
	listen, metrics := freeAddr(t), freeAddr(t)
	r.events = "http://" + listen + bot.EventsPath
	base := map[string]string{
		"MANUALBOT_DATA_DIR":              data,
		"MANUALBOT_SLACK_MODE":            mode,
		"MANUALBOT_SLACK_BOT_TOKEN":       fakeslack.BotToken,
		"MANUALBOT_SLACK_APP_TOKEN":       fakeslack.AppToken,
		"MANUALBOT_SLACK_SIGNING_SECRET":  fakeslack.SigningSecret,
		"MANUALBOT_SLACK_API_URL":         r.slack.APIURL(),
		"MANUALBOT_SLACK_LISTEN":          listen,
		"MANUALBOT_SLACK_METRICS_LISTEN":  metrics,
		"MANUALBOT_SLACK_UPDATE_INTERVAL": "10ms",
		"MANUALBOT_SLACK_ADMINS":          "UADMIN",
	}
	for k, v := range env {
		base[k] = v
	}
	for k, v := range base {
		t.Setenv(k, v)
	}
	file := ""
	if config != "" {
		file = filepath.Join(t.TempDir(), "manualbot.yaml")
		if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := configs.Load(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := &App{Config: cfg, Log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, app, app.servePipeline) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	// /healthz is 200 only once Slack is connected, in either mode.
	waitServing(t, metrics, done, 60*time.Second)
	return r
}

// deliver sends an event callback the way the mode does.
func (r *serveRun) deliver(inner map[string]any) {
	r.t.Helper()
	r.seq++
	payload := fakeslack.Callback(fmt.Sprintf("EvServe%03d", r.seq), inner)
	if r.mode == "socket" {
		env := r.slack.Envelope("events_api", payload, 0)
		r.slack.WaitFor(30*time.Second, "ack", func() bool { return r.slack.Acked(env) })
		return
	}
	resp, err := http.DefaultClient.Do(fakeslack.EventRequest(r.events, payload, fakeslack.SigningSecret, time.Now()))
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("event: status %d", resp.StatusCode)
	}
}

// ask mentions the bot in ch (in thread, when set) and returns the bot's last message in
// the thread once it is final: an answer ends with its feedback buttons; with command set,
// the first reply is final.
func (r *serveRun) ask(ch, user, text, thread string, command bool) string {
	r.t.Helper()
	full := "<@" + fakeslack.BotUserID + "> " + text
	ts := r.slack.UserMessage(ch, user, full, thread)
	r.deliver(fakeslack.Mention(ch, user, full, ts, thread))
	where := ts
	if thread != "" {
		where = thread
	}
	var last string
	r.slack.WaitFor(60*time.Second, "the reply to "+text, func() bool {
		for _, m := range r.slack.BotMessages(ch, where) {
			if !tsAfter(m.TS, ts) {
				continue
			}
			s := string(m.Blocks) + m.Text
			if command && !strings.Contains(s, "Looking in the manuals") || strings.Contains(s, `"type":"actions"`) || strings.Contains(s, "Sorry") {
				last = s
				return true
			}
		}
		return false
	})
	return last
}

func tsAfter(a, b string) bool { return len(a) > len(b) || len(a) == len(b) && a > b }

// A follow-up in a thread far longer than stories260K's 512-token window is answered
// (its oldest turns dropped), where it used to fail the whole answer.
func TestServeLongThreadAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	for _, mode := range []string{"http", "socket"} {
		t.Run(mode, func(t *testing.T) {
			r := startServe(t, mode, map[string]string{
				"MANUALBOT_MODEL_PATH":       testutil.Fixture(t, "models/stories260K"),
				"MANUALBOT_MODEL_MAX_TOKENS": "16",
			}, "")
			root := r.slack.UserMessage("C1", "UALICE", "<@UBOT> How do I descale the Brewmaster 3000?", "")
			long := strings.Repeat("The descaling cycle runs hot water with descaler through the boiler and the steam wand. ", 12)
			for i := range 5 {
				r.slack.BotMessage("C1", fmt.Sprintf("Answer %d. %s [1]", i, long), root)
				r.slack.UserMessage("C1", "UALICE", fmt.Sprintf("<@UBOT> Question %d: and then? %s", i, long), root)
			}
			got := r.ask("C1", "UALICE", "How often should I descale it?", root, false)
			if strings.Contains(got, "Sorry") || !strings.Contains(got, "feedback_helpful") {
				t.Fatalf("the long thread's follow-up was not answered:\n%s", got)
			}
		})
	}
}

// A manual shared in a channel tied to a product is filed under that product, so that
// channel's questions (searched within the product) find it; before, it went under the
// global product and the channel found nothing.
func TestServeUploadFoundFromItsChannel(t *testing.T) {
	for _, mode := range []string{"http", "socket"} {
		t.Run(mode, func(t *testing.T) {
			r := startServe(t, mode, nil, "slack:\n  channel_products:\n    CVALVES: valves\n")
			manual := fakeslack.File{ID: "FVALVE", Name: "valve-guide.md",
				Content: []byte("# Valve Guide\n\n## Bleeding the valve\nTurn the bleed screw a quarter turn until the hissing stops.\n")}
			r.slack.AddFile(manual)
			full := "<@" + fakeslack.BotUserID + "> ingest"
			ts := r.slack.UserMessage("CVALVES", "UADMIN", full, "")
			r.deliver(fakeslack.WithFiles(fakeslack.Mention("CVALVES", "UADMIN", full, ts, ""), manual))
			r.slack.WaitFor(60*time.Second, "the ingest reply", func() bool { return len(r.slack.BotMessages("CVALVES", ts)) > 0 })
			if reply := r.slack.BotMessages("CVALVES", ts)[0].Text; !strings.Contains(reply, ":white_check_mark:") {
				t.Fatalf("ingest reply: %s", reply)
			}
			got := r.ask("CVALVES", "UALICE", "How do I bleed the valve?", "", false)
			if !strings.Contains(got, "Valve Guide") {
				t.Errorf("the channel's question did not find its upload:\n%s", got)
			}
		})
	}
}
