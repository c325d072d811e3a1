package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"manualbot/inference/remote/fakeengine"
	"manualbot/internal/testutil"
)

// TestReadmeScaleOut runs the README's vLLM example as written, against the fake engine:
// the manualbot.yaml block (only its host and folders replaced by the test's), a CAT of two
// rank-16 adapters, and an engine with the README command's --max-lora-rank. `serve --check`
// must pass, and fail with the fix when the engine's limit is the default 16.
func TestReadmeScaleOut(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	_, rest, ok := strings.Cut(text, "cat > manualbot.yaml <<'YAML'\n")
	yaml, _, ok2 := strings.Cut(rest, "\nYAML\n")
	if !ok || !ok2 {
		t.Fatal("README: no manualbot.yaml block in the scale-out section")
	}
	m := regexp.MustCompile(`VLLM_ALLOW_RUNTIME_LORA_UPDATING=True vllm serve \S+ \\\n.*--enable-lora --max-lora-rank (\d+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("README: no vllm serve command with runtime LoRA updating, --enable-lora and --max-lora-rank")
	}
	rank, _ := strconv.Atoi(m[1])

	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	ads := testutil.PEFTAdapters(t)
	root := t.TempDir()
	// Two rank-16 adapters from the fixtures (CAT ranks add up: 8+8, and 4+4+8), then their CAT.
	for _, mg := range [][]string{
		{filepath.Join(root, "p16"), ads + "/answering", ads + "/answering"},
		{filepath.Join(root, "q16"), ads + "/widget", ads + "/gizmo", ads + "/answering"},
		{filepath.Join(root, "brew+qa"), filepath.Join(root, "p16"), filepath.Join(root, "q16")},
	} {
		out, _, err := runCLI(t, append([]string{"adapters", "merge", "--method", "cat", "--out"}, mg...)...)
		if err != nil {
			t.Fatalf("merge: %v", err)
		}
		if want := map[bool]string{true: "rank 32", false: "rank 16"}[strings.HasSuffix(mg[0], "brew+qa")]; !strings.Contains(out, want) {
			t.Fatalf("merge %s: %s, want %s", mg[0], out, want)
		}
	}
	model := tokenizerOnly(t)
	data := t.TempDir()
	ingestExample(t, data)
	t.Setenv("MANUALBOT_DATA_DIR", data)
	for _, tc := range []struct {
		engineRank int
		want       string
	}{
		{rank, "on the engine as brew+qa-"},
		{16, "--max-lora-rank 32"},
	} {
		eng := fakeengine.New(t, fakeengine.Options{Model: "llama-3.1-8b", MaxLoRARank: tc.engineRank, Tokenize: sameTokenizer(t, model)})
		cfg := strings.NewReplacer(
			"http://vllm-host:8000/v1", eng.URL+"/v1",
			"/models/Llama-3.1-8B-Instruct", model,
			"/shared/adapters/brew+qa", filepath.Join(root, "brew+qa"),
			"/shared/adapters", ads,
		).Replace(yaml)
		file := filepath.Join(t.TempDir(), "manualbot.yaml")
		if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _, err := runCLI(t, "--config", file, "serve", "--check")
		got := out
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("engine --max-lora-rank %d: want %q in:\n%s", tc.engineRank, tc.want, got)
		}
	}
}
