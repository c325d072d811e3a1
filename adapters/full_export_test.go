package adapters

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"manualbot/inference"
	"manualbot/inference/safetensors"
	"manualbot/internal/testutil"
)

// The check of --full: a CAT composition of two seeded random LoRAs on
// stories260K, fused into a complete checkpoint, loads back as a plain model (no
// adapters) and generates the same greedy ids as the unfused composition in process.
func TestExportFullMatchesUnfusedCAT(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	ctx := context.Background()
	modelDir := testutil.Fixture(t, "models/stories260K")
	m, err := inference.Load(ctx, modelDir, inference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	shape := ShapeOf(m.Config(), "stories260K")
	a, b := loadPair(t, shape)
	merged, err := Merge(ctx, []*Adapter{a, b}, MergeOptions{Method: MethodCat, Weights: Weights{Default: []float64{0.7, 0.3}}, Name: "soup"})
	if err != nil {
		t.Fatal(err)
	}
	greedy := func(m *inference.Model) []int {
		t.Helper()
		res, err := m.Generate(ctx, inference.GenerateRequest{PromptIDs: []int{1}, MaxTokens: 48, IgnoreEOS: true}, func(int) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return res.IDs
	}
	plain := greedy(m)
	if err := m.SetAdapters(merged.AdapterSet(), false); err != nil {
		t.Fatal(err)
	}
	want := greedy(m)
	if slices.Equal(plain, want) {
		t.Fatal("the composition does not change greedy generation: the test would prove nothing")
	}
	wantLogits, err := m.Logits(ctx, want[:16])
	if err != nil {
		t.Fatal(err)
	}

	root := t.TempDir()
	for _, tc := range []struct {
		name  string
		opts  FullExportOptions
		dtype safetensors.DType
		files int
	}{
		{"base dtype", FullExportOptions{Base: modelDir}, safetensors.F32, 1},
		{"sharded", FullExportOptions{Base: modelDir, ShardBytes: 256 << 10}, safetensors.F32, 4},
		{"bf16", FullExportOptions{Base: modelDir, DType: "bf16"}, safetensors.BF16, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(root, strings.ReplaceAll(tc.name, " ", "-"))
			if err := ExportFull(ctx, merged, out, tc.opts); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"config.json", "tokenizer.json", "tokenizer_config.json"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("the export lacks %s", f)
				}
			}
			var cfg map[string]any
			if err := json.Unmarshal(readFile(t, filepath.Join(out, "config.json")), &cfg); err != nil {
				t.Fatal(err)
			}
			set, err := safetensors.OpenDir(out)
			if err != nil {
				t.Fatal(err)
			}
			info, _ := set.Info("model.layers.0.self_attn.q_proj.weight")
			nfiles := len(set.Files())
			set.Close()
			if info.DType != tc.dtype || nfiles < tc.files {
				t.Errorf("weights %s in %d files, want %s in at least %d (torch_dtype %v)", info.DType, nfiles, tc.dtype, tc.files, cfg["torch_dtype"])
			}
			fused, err := inference.Load(ctx, out, inference.Options{})
			if err != nil {
				t.Fatalf("the export does not load as a plain model: %v", err)
			}
			if name, _ := fused.Adapter(); name != "" {
				t.Fatalf("the export carries adapter %q", name)
			}
			got := greedy(fused)
			logits, err := fused.Logits(ctx, want[:16])
			if err != nil {
				t.Fatal(err)
			}
			d := maxLogitDiff(logits, wantLogits)
			t.Logf("%s: max |logit - unfused CAT| = %.3g; greedy ids equal: %v", tc.name, d, slices.Equal(got, want))
			if tc.dtype == safetensors.F32 {
				if !slices.Equal(got, want) {
					t.Errorf("greedy ids differ from the unfused composition:\n got %v\nwant %v", got, want)
				}
				if d > 1e-4 {
					t.Errorf("max |logit - unfused CAT| = %g", d)
				}
			} else if d > 0.5 {
				t.Errorf("bf16 export: max |logit - unfused CAT| = %g, more than bf16 rounding explains", d)
			}
		})
	}
}

// An adapter for another model, or an existing folder, is refused and nothing is written.
func TestExportFullRefuses(t *testing.T) {
	ctx := context.Background()
	modelDir := testutil.Fixture(t, "models/stories260K")
	other := randomAdapter(shape135M(), "other", 2, 5)
	out := filepath.Join(t.TempDir(), "export")
	err := ExportFull(ctx, other, out, FullExportOptions{Base: modelDir})
	if err == nil || !strings.Contains(err.Error(), "base model") {
		t.Fatalf("another model's adapter: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("a refused export left %d entries behind", len(entries))
	}
	if err := ExportFull(ctx, other, out, FullExportOptions{Base: modelDir, DType: "int4"}); err == nil || !strings.Contains(err.Error(), "int4") {
		t.Errorf("dtype int4: %v", err)
	}
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ExportFull(ctx, other, full, FullExportOptions{Base: modelDir}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("non-empty folder: %v", err)
	}
}
