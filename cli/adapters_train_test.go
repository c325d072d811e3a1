package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// The domain-skill workflow from the command line: ingest a manual, train a LoRA on its
// chunks, then learn CAT weights for it and a QA adapter, and use the result.
func TestTrainAndTuneFromTheCommandLine(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("trains on a model (not under -short; the race run keeps to the concurrent paths)")
	}
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	data := t.TempDir()
	model := testutil.Fixture(t, "models/stories260K")
	if _, _, err := runCLI(t, "--data-dir", data, "ingest", "--product", "brewmaster", testutil.RepoRoot(t)+"/examples/manuals"); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	out := filepath.Join(t.TempDir(), "brew")
	stdout, _, err := runCLI(t, "--data-dir", data, "adapters", "train", "--model", model, "--product", "brewmaster",
		"--out", out, "--rank", "2", "--steps", "4", "--batch", "2", "--seq-len", "64", "--eval-every", "2")
	if err != nil {
		t.Fatalf("train: %v", err)
	}
	if !strings.Contains(stdout, "domain LoRA") || !strings.Contains(stdout, "validation loss") {
		t.Errorf("train summary: %q", stdout)
	}
	manifest, err := os.ReadFile(filepath.Join(out, "manualbot.json"))
	if err != nil || !strings.Contains(string(manifest), `"domain"`) {
		t.Fatalf("manifest %s: %v", manifest, err)
	}

	qaData := filepath.Join(t.TempDir(), "qa.jsonl")
	rec := `{"question":"How long does descaling take?","context":"The program takes 25 minutes.","answer":"25 minutes"}` + "\n"
	if err := os.WriteFile(qaData, []byte(strings.Repeat(rec, 4)), 0o644); err != nil {
		t.Fatal(err)
	}
	tuned := filepath.Join(t.TempDir(), "tuned")
	qaAdapter := filepath.Join(testutil.RepoRoot(t), "testdata", "hfref", "adapter_b")
	if _, _, err := runCLI(t, "adapters", "tune", "--model", model, "--data", qaData, "--out", tuned, "--steps", "2", out, qaAdapter); err != nil {
		t.Fatalf("tune: %v", err)
	}
	if _, err := os.Stat(filepath.Join(tuned, "cat_weights.json")); err != nil {
		t.Errorf("tune wrote no learned weights: %v", err)
	}
	if _, _, err := runCLI(t, "generate", "--model", model, "--adapter", tuned, "--max-tokens", "4", "--prompt-ids", "1"); err != nil {
		t.Errorf("generate with the tuned CAT adapter: %v", err)
	}
	if _, _, err := runCLI(t, "--data-dir", data, "adapters", "train", "--model", model, "--product", "nosuch", "--out", filepath.Join(t.TempDir(), "x"), "--steps", "1"); err == nil {
		t.Error("training on a product with no chunks should fail")
	}
}
