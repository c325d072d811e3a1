package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// `adapters merge --full` writes a checkpoint that `generate` loads as a plain model; without
// --model it says what is missing.
func TestAdaptersMergeFull(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	ads := testutil.PEFTAdapters(t)
	model := testutil.Fixture(t, "models/stories260K")
	out := filepath.Join(t.TempDir(), "fused")
	if _, _, err := runCLI(t, "adapters", "merge", "--method", "cat", "--full", "--out", out, ads+"/widget", ads+"/answering"); err == nil ||
		!strings.Contains(err.Error(), "--model") {
		t.Fatalf("--full without --model: %v", err)
	}
	stdout, _, err := runCLI(t, "adapters", "merge", "--method", "cat", "--full", "--model", model, "--dtype", "bf16", "--out", out, ads+"/widget", ads+"/answering")
	if err != nil || !strings.Contains(stdout, "fused in (rank 12)") {
		t.Fatalf("merge --full: %v %s", err, stdout)
	}
	gen, _, err := runCLI(t, "generate", "--model", out, "--max-tokens", "8", "--json", "--prompt-ids", "1")
	if err != nil || !strings.Contains(gen, `"generated_tokens": 8`) && !strings.Contains(gen, `"generated_tokens":8`) {
		t.Fatalf("generate on the export: %v %s", err, gen)
	}
}
