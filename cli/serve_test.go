package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
	"manualbot/configs"
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
func waitServing(t *testing.T, listen string, done <-chan error, timeout time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		select {
		case err := <-done:
			t.Fatalf("serve stopped before it listened: %v", err)
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

// `serve` in HTTP mode, configured from the environment as a deployment would be,
// answers a signed mention in its thread and stops cleanly when its context ends.
func TestServeAnswersOverHTTP(t *testing.T) {
	slack := fakeslack.New(t)
	listen := freeAddr(t)
	for k, v := range map[string]string{
		"MANUALBOT_DATA_DIR":              t.TempDir(),
		"MANUALBOT_SLACK_MODE":            "http",
		"MANUALBOT_SLACK_BOT_TOKEN":       fakeslack.BotToken,
		"MANUALBOT_SLACK_SIGNING_SECRET":  fakeslack.SigningSecret,
		"MANUALBOT_SLACK_API_URL":         slack.APIURL(),
		"MANUALBOT_SLACK_LISTEN":          listen,
		"MANUALBOT_SLACK_METRICS_LISTEN":  freeAddr(t),
		"MANUALBOT_SLACK_UPDATE_INTERVAL": "10ms",
	} {
		t.Setenv(k, v)
	}
	cfg, err := configs.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	app := &App{Config: cfg, Log: slog.New(slog.NewJSONHandler(&logs, nil)), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, app, func(context.Context) (ServeDeps, error) {
			return ServeDeps{Answerer: serveAnswerer{}, Admin: serveAdmin{}}, nil
		})
	}()
	events := "http://" + listen + bot.EventsPath
	waitServing(t, listen, done, 15*time.Second)
	ts := slack.UserMessage("C1", "UALICE", "<@UBOT> reset?", "")
	req := fakeslack.EventRequest(events, fakeslack.Callback("Ev1", fakeslack.Mention("C1", "UALICE", "<@UBOT> reset?", ts, "")),
		fakeslack.SigningSecret, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	slack.WaitFor(15*time.Second, "the answer", func() bool {
		msgs := slack.BotMessages("C1", ts)
		return len(msgs) == 1 && strings.Contains(string(msgs[0].Blocks), "Pump Manual")
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(logs.String(), `"msg":"connected to slack"`) {
		t.Errorf("no JSON log of the connection:\n%s", logs.String())
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
