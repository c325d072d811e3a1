package adapters

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/inference"
	"manualbot/inference/safetensors"
	"manualbot/internal/testutil"
)

// The evidence on the real stories260K model: two LoRAs of ranks 4 and 8 merged by
// CAT at (0.7, 0.3) give the same logits applied unfused, fused, and exported then reloaded
// as a PEFT adapter, and all equal a plain model whose weights are W + sum w_i s_i B_i A_i
// (the dense reference) to 1e-4. A set for another model is refused by Validate before the
// model is touched.
func TestCatOnStories260K(t *testing.T) {
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
	for _, x := range []*Adapter{a, b} {
		if err := Validate(x, shape, nil); err != nil {
			t.Fatal(err)
		}
	}
	w := Weights{Default: []float64{0.7, 0.3}}
	merged, err := Merge(ctx, []*Adapter{a, b}, MergeOptions{Method: MethodCat, Weights: w, Name: "soup"})
	if err != nil {
		t.Fatal(err)
	}
	exported := filepath.Join(t.TempDir(), "soup")
	if err := merged.WriteDir(exported); err != nil {
		t.Fatal(err)
	}
	reloaded, err := Load(ctx, exported, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int{1, 403, 407, 261, 378, 2, 9, 77}
	logits := func(set *Adapter, fused bool) [][]float32 {
		t.Helper()
		if err := Validate(set, shape, nil); err != nil {
			t.Fatal(err)
		}
		if err := m.SetAdapters(set.AdapterSet(), fused); err != nil {
			t.Fatal(err)
		}
		out, err := m.Logits(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	unfused := logits(merged, false)
	fused := logits(merged, true)
	fromDisk := logits(reloaded, false)

	ref, err := inference.Load(ctx, denseReference(t, modelDir, []*Adapter{a, b}, w), inference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := ref.Logits(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	base, err := func() ([][]float32, error) {
		if err := m.SetAdapters(nil, false); err != nil {
			return nil, err
		}
		return m.Logits(ctx, ids)
	}()
	if err != nil {
		t.Fatal(err)
	}
	if d := maxLogitDiff(base, want); d < 1e-2 {
		t.Fatalf("the adapters barely change the logits (%g): the test would prove nothing", d)
	}
	t.Logf("adapters move the logits by up to %.3g", maxLogitDiff(base, want))
	for name, got := range map[string][][]float32{"unfused": unfused, "fused": fused, "exported": fromDisk} {
		t.Logf("%s: max |logit - dense reference| = %.3g", name, maxLogitDiff(got, want))
		if d := maxLogitDiff(got, want); d > 1e-4 {
			t.Errorf("%s: max |logit - dense reference| = %g", name, d)
		}
	}

	// An adapter for another model is refused before it reaches the model.
	other := randomAdapter(shape135M(), "other", 2, 5)
	if err := Validate(other, shape, nil); err == nil || !strings.Contains(err.Error(), "model needs") {
		t.Fatalf("validate other: %v", err)
	}
}

// denseReference writes a copy of the model whose targeted weights are W + sum_i w_i s_i B_i A_i.
func denseReference(t *testing.T, modelDir string, in []*Adapter, w Weights) string {
	t.Helper()
	dir := t.TempDir()
	set, err := safetensors.OpenDir(modelDir)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	var ts []safetensors.Tensor
	for _, n := range set.Names() {
		info, _ := set.Info(n)
		v, err := set.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		if module, ok := strings.CutSuffix(n, ".weight"); ok {
			if d := denseSum(in, w, module); d != nil {
				for i := range v {
					v[i] = float32(float64(v[i]) + d[i])
				}
			}
		}
		ts = append(ts, safetensors.F32Tensor(n, info.Shape, v))
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.json", "tokenizer.json", "tokenizer_config.json"} {
		if err := os.WriteFile(filepath.Join(dir, f), readFile(t, filepath.Join(modelDir, f)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func maxLogitDiff(x, y [][]float32) float64 {
	m := 0.0
	for i := range x {
		for j := range x[i] {
			m = max(m, math.Abs(float64(x[i][j]-y[i][j])))
		}
	}
	return m
}
