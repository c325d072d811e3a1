package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
	"manualbot/qa"
)

type serveAnswerer struct{}

func (serveAnswerer) Ask(_ context.Context, q qa.Question, onPartial func(string)) (*qa.Answer, error) {
	onPartial("Hold")
	return &qa.Answer{Text: "Hold the reset button [1].", Adapters: []string{"pumps", "qa"},
		Citations: []qa.Citation{{N: 1, Title: "Pump Manual", Section: "Reset", Page: 3}}}, nil
}

type serveAdmin struct{}

func (serveAdmin) Adapters(context.Context) ([]bot.AdapterInfo, error)                { return nil, nil }
func (serveAdmin) Use(context.Context, bot.UseRequest) error                          { return nil }
func (serveAdmin) Status(context.Context) (bot.Status, error)                         { return bot.Status{}, nil }
func (serveAdmin) IngestFile(context.Context, string, string, string) (string, error) { return "", nil }
func (serveAdmin) Reindex(context.Context) (string, error)                            { return "", nil }

// `serve` in HTTP mode, configured from the environment as a deployment would be,
// answers a signed mention in its thread and stops cleanly when its context ends.
func TestServeAnswersOverHTTP(t *testing.T) {
	r := startServe(t, t.TempDir(), map[string]string{"MANUALBOT_SLACK_ADMINS": ""}, serveOpts{
		Deps: func(context.Context) (ServeDeps, error) {
			return ServeDeps{Answerer: serveAnswerer{}, Admin: serveAdmin{}}, nil
		},
	})
	slack := r.Slack
	ts := slack.UserMessage("C1", "UALICE", "<@UBOT> reset?", "")
	r.send("Ev1", fakeslack.Mention("C1", "UALICE", "<@UBOT> reset?", ts, ""))
	slack.WaitFor(15*time.Second, "the answer", func() bool {
		msgs := slack.BotMessages("C1", ts)
		return len(msgs) == 1 && strings.Contains(string(msgs[0].Blocks), "Pump Manual")
	})
	r.Stop()
	if !strings.Contains(r.Logs.String(), `"msg":"connected to slack"`) {
		t.Errorf("no JSON log of the connection:\n%s", r.Logs.String())
	}
}

// `serve` names the secrets it lacks before doing anything.
func TestServeNeedsTokens(t *testing.T) {
	t.Setenv("MANUALBOT_DATA_DIR", t.TempDir())
	t.Setenv("MANUALBOT_SLACK_BOT_TOKEN", "")
	var out, errOut bytes.Buffer
	root := NewRoot(strings.NewReader(""), &out, &errOut)
	root.SetArgs([]string{"serve", "--mode", "http"})
	err := root.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "slack.bot_token") || !strings.Contains(err.Error(), "slack.signing_secret") {
		t.Fatalf("serve without tokens: %v", err)
	}
}
