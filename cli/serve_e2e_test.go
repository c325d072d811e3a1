package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
	"manualbot/configs"
	"manualbot/internal/testutil"
)

// TestServeRealPipeline runs `serve` on the real pipeline — the example manual in a Bleve
// index, the stories260K model and real PEFT adapters — against the fake Slack: a
// question gets a threaded answer with sources, and an admin's `use` changes the
// adapters the next answer reports.
func TestServeRealPipeline(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	data := t.TempDir()
	if _, _, err := runCLI(t, "--data-dir", data, "ingest", "--product", "brewmaster", testutil.RepoRoot(t)+"/examples/manuals"); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	slack := fakeslack.New(t)
	listen := freeAddr(t)
	for k, v := range map[string]string{
		"MANUALBOT_DATA_DIR":              data,
		"MANUALBOT_MODEL_PATH":            testutil.Fixture(t, "models/stories260K"),
		"MANUALBOT_MODEL_MAX_TOKENS":      "16",
		"MANUALBOT_ADAPTERS_DIRS":         testutil.PEFTAdapters(t),
		"MANUALBOT_SLACK_MODE":            "http",
		"MANUALBOT_SLACK_BOT_TOKEN":       fakeslack.BotToken,
		"MANUALBOT_SLACK_SIGNING_SECRET":  fakeslack.SigningSecret,
		"MANUALBOT_SLACK_API_URL":         slack.APIURL(),
		"MANUALBOT_SLACK_LISTEN":          listen,
		"MANUALBOT_SLACK_METRICS_LISTEN":  freeAddr(t),
		"MANUALBOT_SLACK_UPDATE_INTERVAL": "10ms",
		"MANUALBOT_SLACK_ADMINS":          "UADMIN",
	} {
		t.Setenv(k, v)
	}
	cfg, err := configs.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	app := &App{Config: cfg, Log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, app, app.servePipeline) }()
	waitServing(t, listen, done, 30*time.Second)
	events := "http://" + listen + bot.EventsPath
	// ask posts a mention and returns the bot's last reply once final: a question's answer
	// ends with feedback buttons (an actions block), an admin reply is final at once.
	ask := func(id, user, text string) string {
		final := func(s string) bool { return !strings.Contains(s, "Looking in the manuals") }
		if !strings.Contains(text, " use ") {
			final = func(s string) bool { return strings.Contains(s, `"type":"actions"`) }
		}
		ts := slack.UserMessage("C1", user, text, "")
		req := fakeslack.EventRequest(events, fakeslack.Callback(id, fakeslack.Mention("C1", user, text, ts, "")), fakeslack.SigningSecret, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var last string
		slack.WaitFor(30*time.Second, "the reply to "+id, func() bool {
			msgs := slack.BotMessages("C1", ts)
			if len(msgs) == 0 {
				return false
			}
			last = string(msgs[len(msgs)-1].Blocks) + msgs[len(msgs)-1].Text
			return final(last)
		})
		return last
	}

	first := ask("Ev1", "UALICE", "<@UBOT> How do I descale the Brewmaster 3000?")
	if strings.Contains(first, "adapters:") {
		t.Errorf("no adapters were selected yet, but the answer reports some:\n%s", first)
	}
	if reply := ask("Ev2", "UMALLORY", "<@UBOT> use qa=answering"); !strings.Contains(strings.ToLower(reply), "admin") {
		t.Errorf("a non-admin's use should be refused:\n%s", reply)
	}
	if reply := ask("Ev3", "UADMIN", "<@UBOT> use qa=answering"); strings.Contains(strings.ToLower(reply), "error") {
		t.Fatalf("admin use failed:\n%s", reply)
	}
	second := ask("Ev4", "UALICE", "<@UBOT> How do I descale the Brewmaster 3000?")
	t.Logf("answer after the swap: %s", second)
	if !strings.Contains(second, "adapters: answering") {
		t.Errorf("the answer after the swap does not report the QA adapter:\n%s", second)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
