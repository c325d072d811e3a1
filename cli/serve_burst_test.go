package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
	"manualbot/configs"
	"manualbot/internal/testutil"
)

// TestServeBurstNoneLost sends a burst of questions at once through the real bot — serve
// on the example manual's index and the stories260K model, against the fake Slack — from
// ten people asking within their rate limit and one asking past it: every question gets
// exactly one reply in its thread, a finished answer or the message saying why not
// (the rate limit), and the counts add up.
func TestServeBurstNoneLost(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	data := t.TempDir()
	if _, _, err := runCLI(t, "--data-dir", data, "ingest", "--product", "brewmaster", testutil.RepoRoot(t)+"/examples/manuals"); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	slack := fakeslack.New(t)
	listen := freeAddr(t)
	const perUser, limit, greedy = 3, 3, 6
	for k, v := range map[string]string{
		"MANUALBOT_DATA_DIR":               data,
		"MANUALBOT_MODEL_PATH":             testutil.Fixture(t, "models/stories260K"),
		"MANUALBOT_MODEL_MAX_TOKENS":       "8",
		"MANUALBOT_SLACK_MODE":             "http",
		"MANUALBOT_SLACK_BOT_TOKEN":        fakeslack.BotToken,
		"MANUALBOT_SLACK_SIGNING_SECRET":   fakeslack.SigningSecret,
		"MANUALBOT_SLACK_API_URL":          slack.APIURL(),
		"MANUALBOT_SLACK_LISTEN":           listen,
		"MANUALBOT_SLACK_METRICS_LISTEN":   "",
		"MANUALBOT_SLACK_UPDATE_INTERVAL":  "10ms",
		"MANUALBOT_SLACK_USER_RATE_LIMIT":  fmt.Sprint(limit),
		"MANUALBOT_SLACK_SHUTDOWN_TIMEOUT": "60s",
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

	type question struct{ id, user, ts string }
	var qs []question
	for u := range 10 {
		for i := range perUser {
			qs = append(qs, question{id: fmt.Sprintf("EvB%d-%d", u, i), user: fmt.Sprintf("U%02d", u)})
		}
	}
	for i := range greedy {
		qs = append(qs, question{id: fmt.Sprintf("EvG%d", i), user: "UGREEDY"})
	}
	for i := range qs {
		qs[i].ts = slack.UserMessage("C1", qs[i].user, "<@UBOT> How do I descale the Brewmaster 3000?", "")
	}
	var wg sync.WaitGroup
	for _, q := range qs {
		wg.Go(func() {
			text := "<@UBOT> How do I descale the Brewmaster 3000?"
			req := fakeslack.EventRequest(events, fakeslack.Callback(q.id, fakeslack.Mention("C1", q.user, text, q.ts, "")), fakeslack.SigningSecret, time.Now())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: status %d", q.id, resp.StatusCode)
			}
		})
	}
	wg.Wait()

	answered, limited := map[string]int{}, map[string]int{}
	for _, q := range qs {
		var last string
		slack.WaitFor(2*time.Minute, "the reply to "+q.id, func() bool {
			msgs := slack.BotMessages("C1", q.ts)
			if len(msgs) == 0 {
				return false
			}
			last = string(msgs[len(msgs)-1].Blocks) + msgs[len(msgs)-1].Text
			return strings.Contains(last, `"type":"actions"`) || strings.Contains(last, "asking faster than")
		})
		if n := len(slack.BotMessages("C1", q.ts)); n != 1 {
			t.Errorf("%s: %d bot messages in its thread, want 1", q.id, n)
		}
		if strings.Contains(last, "asking faster than") {
			limited[q.user]++
		} else {
			answered[q.user]++
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	for u := range 10 {
		if user := fmt.Sprintf("U%02d", u); answered[user] != perUser || limited[user] != 0 {
			t.Errorf("%s: %d answered, %d rate-limited; want all %d answered", user, answered[user], limited[user], perUser)
		}
	}
	if answered["UGREEDY"] != limit || limited["UGREEDY"] != greedy-limit {
		t.Errorf("UGREEDY: %d answered, %d told to wait; want %d and %d", answered["UGREEDY"], limited["UGREEDY"], limit, greedy-limit)
	}
	t.Logf("%d questions at once: %d answered, %d told why not", len(qs), len(qs)-limited["UGREEDY"], limited["UGREEDY"])
}
