package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"manualbot/adapters"
	"manualbot/bot"
	"manualbot/bot/fakeslack"
	"manualbot/configs"
	"manualbot/internal/testutil"
)

// writeCLIComposition saves a composition of root's widget (rank 4) and answering (rank 8)
// adapters at per-module weights w(i) for the i-th module.
func writeCLIComposition(t *testing.T, root, name string, w func(i int) float64) {
	t.Helper()
	ctx := context.Background()
	var srcs []*adapters.Adapter
	for _, n := range []string{"widget", "answering"} {
		a, err := adapters.Load(ctx, filepath.Join(root, n), nil)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, a)
	}
	weights := adapters.Weights{Modules: map[string][]float64{}}
	i := 0
	for _, a := range srcs {
		for _, m := range a.ModuleNames() {
			if _, ok := weights.Modules[m]; !ok {
				x := w(i)
				weights.Modules[m] = []float64{x, 1 - x}
				i++
			}
		}
	}
	shape, err := adapters.ShapeFromHFConfig(testutil.Fixture(t, "models/stories260K"))
	if err != nil {
		t.Fatal(err)
	}
	shape.Name = ""
	c, err := adapters.NewComposition(name, srcs, weights, adapters.BaseModel{Name: "stories260K", Shape: shape})
	if err != nil {
		t.Fatal(err)
	}
	c.Tuned = &adapters.TuneRecord{Data: "test"}
	merged, err := adapters.Merge(ctx, srcs, adapters.MergeOptions{Method: adapters.MethodCat, Weights: weights, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := adapters.WriteComposition(filepath.Join(root, name), c, merged); err != nil {
		t.Fatal(err)
	}
}

// TestServeUsesComposition runs `serve` on the real pipeline with a configured composition
// (adapters.composition): answers name it; an admin's `use composition=NAME` swaps in
// another for the next answer; a name with a path separator, or a plain adapter, is
// refused and the composition in use stays.
func TestServeUsesComposition(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	data := t.TempDir()
	if _, _, err := runCLI(t, "--data-dir", data, "ingest", "--product", "brewmaster", testutil.RepoRoot(t)+"/examples/manuals"); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	ads := testutil.PEFTAdapters(t)
	writeCLIComposition(t, ads, "brew-a", func(i int) float64 { return 0.2 + 0.1*float64(i%5) })
	writeCLIComposition(t, ads, "brew-b", func(i int) float64 { return 0.9 - 0.1*float64(i%5) })
	slack := fakeslack.New(t)
	listen := freeAddr(t)
	for k, v := range map[string]string{
		"MANUALBOT_DATA_DIR":              data,
		"MANUALBOT_MODEL_PATH":            testutil.Fixture(t, "models/stories260K"),
		"MANUALBOT_MODEL_MAX_TOKENS":      "16",
		"MANUALBOT_ADAPTERS_DIRS":         ads,
		"MANUALBOT_ADAPTERS_COMPOSITION":  "brew-a",
		"MANUALBOT_SLACK_MODE":            "http",
		"MANUALBOT_SLACK_BOT_TOKEN":       fakeslack.BotToken,
		"MANUALBOT_SLACK_SIGNING_SECRET":  fakeslack.SigningSecret,
		"MANUALBOT_SLACK_API_URL":         slack.APIURL(),
		"MANUALBOT_SLACK_LISTEN":          listen,
		"MANUALBOT_SLACK_METRICS_LISTEN":  "",
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
	q := "<@UBOT> How do I descale the Brewmaster 3000?"
	if a := ask("Ev1", "UALICE", q); !strings.Contains(a, "composition: brew-a (widget + answering)") {
		t.Errorf("the configured composition does not answer:\n%s", a)
	}
	for i, bad := range []string{"use composition=../brew-b", "use composition=widget"} {
		if reply := ask("Bad"+string(rune('0'+i)), "UADMIN", "<@UBOT> "+bad); strings.Contains(reply, "Now answering") {
			t.Errorf("%q accepted:\n%s", bad, reply)
		}
	}
	if a := ask("Ev2", "UALICE", q); !strings.Contains(a, "composition: brew-a") {
		t.Errorf("a refused swap changed the composition:\n%s", a)
	}
	if reply := ask("Ev3", "UADMIN", "<@UBOT> use composition=brew-b"); !strings.Contains(reply, "Now answering with composition=brew-b") {
		t.Fatalf("admin use composition failed:\n%s", reply)
	}
	if a := ask("Ev4", "UALICE", q); !strings.Contains(a, "composition: brew-b (widget + answering)") {
		t.Errorf("the answer after the swap does not name brew-b:\n%s", a)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
