package cli

import (
	"strings"
	"testing"

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
	r := startServe(t, ingestedData(t), map[string]string{
		"MANUALBOT_MODEL_PATH":       testutil.Fixture(t, "models/stories260K"),
		"MANUALBOT_MODEL_MAX_TOKENS": "16",
		"MANUALBOT_ADAPTERS_DIRS":    testutil.PEFTAdapters(t),
	}, serveOpts{})
	first := r.AskText("Ev1", "UALICE", "<@UBOT> How do I descale the Brewmaster 3000?")
	if strings.Contains(first, "adapters:") {
		t.Errorf("no adapters were selected yet, but the answer reports some:\n%s", first)
	}
	if reply := r.AskText("Ev2", "UMALLORY", "<@UBOT> use qa=answering"); !strings.Contains(strings.ToLower(reply), "admin") {
		t.Errorf("a non-admin's use should be refused:\n%s", reply)
	}
	if reply := r.AskText("Ev3", "UADMIN", "<@UBOT> use qa=answering"); strings.Contains(strings.ToLower(reply), "error") {
		t.Fatalf("admin use failed:\n%s", reply)
	}
	second := r.AskText("Ev4", "UALICE", "<@UBOT> How do I descale the Brewmaster 3000?")
	t.Logf("answer after the swap: %s", second)
	if !strings.Contains(second, "adapters: answering") {
		t.Errorf("the answer after the swap does not report the QA adapter:\n%s", second)
	}
	r.Stop()
}
