package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"manualbot/internal/testutil"
)

// Issue 4's evidence on stories260K: generate with two LoRAs of different ranks at
// weights 0.7/0.3 unfused, fused, through the CAT adapter our `adapters merge` exports,
// and through PEFT's own CAT merge of the same pair, gives the same greedy tokens — and
// not the base model's.
func TestGenerateWithAdaptersAgreesAcrossForms(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	model := testutil.Fixture(t, "models/stories260K")
	ref := filepath.Join(testutil.RepoRoot(t), "testdata", "hfref")
	a, b := filepath.Join(ref, "adapter_a"), filepath.Join(ref, "adapter_b")
	exported := filepath.Join(t.TempDir(), "cat")
	if _, _, err := runCLI(t, "adapters", "merge", "--method", "cat", "--weights", "0.7,0.3", "--out", exported, a, b); err != nil {
		t.Fatalf("adapters merge: %v", err)
	}
	gen := func(extra ...string) []int {
		t.Helper()
		args := append([]string{"generate", "--model", model, "--temperature", "0", "--max-tokens", "40", "--prompt-ids", "1", "--json"}, extra...)
		out, _, err := runCLI(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", extra, err)
		}
		var o generateOutput
		if err := json.Unmarshal([]byte(out), &o); err != nil {
			t.Fatalf("%v: %v\n%s", extra, err, out)
		}
		return o.IDs
	}
	base := gen()
	unfused := gen("--adapter", a+":0.7", "--adapter", b+":0.3")
	forms := map[string][]int{
		"fused pair":        gen("--adapter", a+":0.7", "--adapter", b+":0.3", "--fused"),
		"exported cat":      gen("--adapter", exported),
		"PEFT's cat merge":  gen("--adapter", filepath.Join(ref, "merged_cat")),
		"explicit cat pair": gen("--adapter", a+":0.7", "--adapter", b+":0.3", "--merge", "cat"),
	}
	if slices.Equal(base, unfused) {
		t.Fatalf("the adapters changed nothing: %v", base)
	}
	for name, ids := range forms {
		if !slices.Equal(ids, unfused) {
			t.Errorf("%s: %v\nunfused pair:  %v", name, ids, unfused)
		}
	}
}

func TestGenerateAdapterErrors(t *testing.T) {
	model := testutil.Fixture(t, "models/stories260K")
	ref := filepath.Join(testutil.RepoRoot(t), "testdata", "hfref")
	tests := []struct {
		name string
		args []string
	}{
		{"missing folder", []string{"--adapter", filepath.Join(t.TempDir(), "nope")}},
		{"unknown merge", []string{"--adapter", filepath.Join(ref, "adapter_a"), "--merge", "average"}},
		{"unequal ranks for ties", []string{"--adapter", filepath.Join(ref, "adapter_a"), "--adapter", filepath.Join(ref, "adapter_b"), "--merge", "ties"}},
		{"merge without adapters", []string{"--merge", "cat"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"generate", "--model", model, "--max-tokens", "2", "--prompt-ids", "1"}, tc.args...)
			if _, _, err := runCLI(t, args...); err == nil {
				t.Fatalf("accepted %v", tc.args)
			}
		})
	}
}
