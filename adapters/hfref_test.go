package adapters

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"manualbot/inference"
	"manualbot/internal/testutil"
)

// The tests in this file compare manualbot with Hugging Face PEFT 0.21.0 on transformers
// 5.17.0, using the numbers in testdata/hfref written by scripts/reference/hf_reference.py:
// real PEFT adapters (save_pretrained), PEFT's own add_weighted_adapter merges of them, and
// the logits PEFT gives over a short prompt with each one active. Nothing here compares
// manualbot with itself.

// hfrefTol is how far a logit may be from PEFT's (both f32).
const hfrefTol = 1e-4

// hfrefMerges is testdata/hfref/merges.json: the prompt, and per adapter or merge the logits
// at every prompt position, as rows in position order.
type hfrefMerges struct {
	Prompt []int
	Logits map[string][][]float32
}

// hfrefPath is a file or folder of testdata/hfref.
func hfrefPath(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(testutil.RepoRoot(t), "testdata", "hfref", name)
}

// loadHFRefMerges reads merges.json, turning {"0": [...], "1": [...]} into rows.
func loadHFRefMerges(t *testing.T) hfrefMerges {
	t.Helper()
	data, err := os.ReadFile(hfrefPath(t, "merges.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := hfrefMerges{Logits: map[string][][]float32{}}
	if err := json.Unmarshal(raw["prompt"], &out.Prompt); err != nil || len(out.Prompt) == 0 {
		t.Fatalf("merges.json: prompt: %v", err)
	}
	for key, v := range raw {
		if key == "prompt" {
			continue
		}
		var byPos map[string][]float32
		if err := json.Unmarshal(v, &byPos); err != nil {
			t.Fatalf("merges.json: %s: %v", key, err)
		}
		rows := make([][]float32, len(out.Prompt))
		for p, row := range byPos {
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(rows) {
				t.Fatalf("merges.json: %s: position %q is not in the prompt", key, p)
			}
			rows[i] = row
		}
		for i, r := range rows {
			if r == nil {
				t.Fatalf("merges.json: %s: no logits at position %d", key, i)
			}
		}
		out.Logits[key] = rows
	}
	return out
}

// hfrefModel loads stories260K on the pure-Go backend.
func hfrefModel(t *testing.T) *inference.Model {
	t.Helper()
	m, err := inference.Load(context.Background(), testutil.Fixture(t, "models/stories260K"), inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// hfrefAdapter loads one of the PEFT adapter folders of testdata/hfref with our loader.
func hfrefAdapter(t *testing.T, name string) *Adapter {
	t.Helper()
	a, err := Load(context.Background(), hfrefPath(t, name), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// hfrefLogits validates a against the model, applies it (fused or not; nil removes adapters)
// and returns the logits over the prompt.
func hfrefLogits(t *testing.T, m *inference.Model, a *Adapter, fused bool, prompt []int) [][]float32 {
	t.Helper()
	var set *inference.AdapterSet
	if a != nil {
		if err := Validate(a, ShapeOf(m.Config(), "stories260K"), nil); err != nil {
			t.Fatal(err)
		}
		set = a.AdapterSet()
	}
	if err := m.SetAdapters(set, fused); err != nil {
		t.Fatal(err)
	}
	out, err := m.Logits(context.Background(), prompt)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hfrefMaxDiff is max |x - y| over two logit tables of the same shape.
func hfrefMaxDiff(t *testing.T, x, y [][]float32) float64 {
	t.Helper()
	if len(x) != len(y) {
		t.Fatalf("%d rows vs %d", len(x), len(y))
	}
	d := 0.0
	for i := range x {
		if len(x[i]) != len(y[i]) {
			t.Fatalf("row %d: %d logits vs %d", i, len(x[i]), len(y[i]))
		}
		for j := range x[i] {
			d = max(d, math.Abs(float64(x[i][j])-float64(y[i][j])))
		}
	}
	return d
}

// hfrefDeltaDiff is, over every module either adapter adapts, max |Scale B A - Scale' B' A'|
// (a module one adapter lacks counts as a zero delta there), and the largest |delta| seen, so
// a small difference can be told from a small delta.
func hfrefDeltaDiff(x, y *Adapter) (diff, size float64) {
	names := map[string]bool{}
	for m := range x.Modules {
		names[m] = true
	}
	for m := range y.Modules {
		names[m] = true
	}
	for m := range names {
		var dx, dy []float64
		if f, ok := x.Modules[m]; ok {
			dx = f.Delta()
		}
		if f, ok := y.Modules[m]; ok {
			dy = f.Delta()
		}
		for i := range max(len(dx), len(dy)) {
			var a, b float64
			if i < len(dx) {
				a = dx[i]
			}
			if i < len(dy) {
				b = dy[i]
			}
			diff = max(diff, math.Abs(a-b))
			size = max(size, math.Abs(a), math.Abs(b))
		}
	}
	return diff, size
}

// hfrefCheckLogits compares logits with PEFT's, logging the difference.
func hfrefCheckLogits(t *testing.T, what string, got, want [][]float32) {
	t.Helper()
	d := hfrefMaxDiff(t, got, want)
	t.Logf("%s: max |logit - PEFT| = %.3g", what, d)
	if d > hfrefTol {
		t.Errorf("%s: max |logit - PEFT| = %g > %g", what, d, hfrefTol)
	}
}

// TestHFRefAdapters applies PEFT's own adapter folders (rank 4 alpha 8; rank 8 alpha 16 with
// rsLoRA, so scale 16/sqrt(8) rather than 2) unfused and fused, and compares the logits with
// PEFT's for the same adapter.
func TestHFRefAdapters(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	ref := loadHFRefMerges(t)
	m := hfrefModel(t)
	base := hfrefLogits(t, m, nil, false, ref.Prompt)
	for _, tc := range []struct {
		name, key string
		scale     float64
	}{
		{"adapter_a", "a", 8.0 / 4},
		{"adapter_b", "b", 16 / math.Sqrt(8)},
		{"adapter_c", "c", 8.0 / 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := hfrefAdapter(t, tc.name)
			for name, f := range a.Modules {
				if math.Abs(f.Scale-tc.scale) > 1e-12 {
					t.Fatalf("module %s: scale %v, PEFT uses %v", name, f.Scale, tc.scale)
				}
			}
			want := ref.Logits[tc.key]
			if d := hfrefMaxDiff(t, base, want); d < 1e-2 {
				t.Fatalf("the adapter moves PEFT's logits by only %g: the comparison would prove nothing", d)
			}
			for _, fused := range []bool{false, true} {
				hfrefCheckLogits(t, "fused="+strconv.FormatBool(fused), hfrefLogits(t, m, a, fused, ref.Prompt), want)
			}
		})
	}
}

// TestHFRefMerges merges the adapters with our Merge as hf_reference.py asked PEFT's
// add_weighted_adapter to (weights 0.7/0.3), and checks against PEFT's merged_* folders:
// the logits of our merge, the per-module delta Scale·B·A of our merge against PEFT's, the
// factors themselves where they are unique (not svd, whose singular vectors are unique
// only up to sign), and that PEFT's merged folders, loaded with our loader, give PEFT's
// logits.
func TestHFRefMerges(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	ctx := context.Background()
	ref := loadHFRefMerges(t)
	m := hfrefModel(t)
	base := hfrefLogits(t, m, nil, false, ref.Prompt)
	in := map[string]*Adapter{}
	for _, n := range []string{"adapter_a", "adapter_b", "adapter_c"} {
		in[n] = hfrefAdapter(t, n)
	}
	w := Weights{Default: []float64{0.7, 0.3}}
	for _, tc := range []struct {
		name   string
		inputs []string
		opts   MergeOptions
		// deltaTol bounds max |delta - PEFT's delta| per entry.
		deltaTol float64
		// upToSign compares each rank-1 component's factors after aligning its sign (svd);
		// otherwise A and B must equal PEFT's as they are.
		upToSign bool
		// factorTol bounds max |factor - PEFT's factor| per entry.
		factorTol float64
	}{
		{"merged_cat", []string{"adapter_a", "adapter_b"}, MergeOptions{Method: MethodCat, Weights: w}, 1e-6, false, 1e-6},
		{"merged_linear", []string{"adapter_a", "adapter_c"}, MergeOptions{Method: MethodLinear, Weights: w}, 1e-6, false, 1e-6},
		{"merged_ties", []string{"adapter_a", "adapter_c"}, MergeOptions{Method: MethodTies, Weights: w, Density: 0.5}, 1e-6, false, 1e-6},
		{"merged_svd", []string{"adapter_a", "adapter_c"}, MergeOptions{Method: MethodSVD, Weights: w, Rank: 4}, 1e-5, true, 1e-5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := ref.Logits[tc.name]
			if d := hfrefMaxDiff(t, base, want); d < 1e-2 {
				t.Fatalf("the merge moves PEFT's logits by only %g: the comparison would prove nothing", d)
			}
			var inputs []*Adapter
			for _, n := range tc.inputs {
				inputs = append(inputs, in[n])
			}
			opts := tc.opts
			opts.Name = tc.name
			ours, err := Merge(ctx, inputs, opts)
			if err != nil {
				t.Fatal(err)
			}
			peft := hfrefAdapter(t, tc.name)

			diff, size := hfrefDeltaDiff(ours, peft)
			t.Logf("delta: max |ours - PEFT| = %.3g (largest |delta| %.3g)", diff, size)
			if diff > tc.deltaTol {
				t.Errorf("delta: max |ours - PEFT| = %g > %g", diff, tc.deltaTol)
			}
			hfrefCompareFactors(t, ours, peft, tc.upToSign, tc.factorTol)
			for _, fused := range []bool{false, true} {
				f := "fused=" + strconv.FormatBool(fused)
				hfrefCheckLogits(t, "our merge, "+f, hfrefLogits(t, m, ours, fused, ref.Prompt), want)
				hfrefCheckLogits(t, "PEFT's folder, "+f, hfrefLogits(t, m, peft, fused, ref.Prompt), want)
			}
		})
	}
}

// hfrefCompareFactors compares our merged factors with PEFT's module by module. PEFT gives
// every module the merged r; where ours has a smaller rank (cat of a module only some inputs
// adapt), PEFT's extra rows of A and columns of B must be zero and the rest must be ours.
// With upToSign, component k (row k of A with column k of B) may have its sign flipped as a
// whole, which leaves B·A unchanged (SVD's ambiguity). Both merges have scale 1
// (lora_alpha = r), so the stored factors are the whole story.
func hfrefCompareFactors(t *testing.T, ours, peft *Adapter, upToSign bool, tol float64) {
	t.Helper()
	worst, padded, flipped := 0.0, 0, 0
	for _, name := range sortedModules(peft.Modules) {
		p := peft.Modules[name]
		o, ok := ours.Modules[name]
		if !ok {
			t.Errorf("module %s: PEFT's merge has it, ours does not", name)
			continue
		}
		if o.Scale != p.Scale || o.In != p.In || o.Out != p.Out || o.Rank > p.Rank {
			t.Errorf("module %s: ours is rank %d [%d->%d] scale %v, PEFT's rank %d [%d->%d] scale %v",
				name, o.Rank, o.In, o.Out, o.Scale, p.Rank, p.In, p.Out, p.Scale)
			continue
		}
		if o.Rank < p.Rank {
			padded++
		}
		dA, dB := 0.0, 0.0
		for k := range p.Rank {
			sign := 1.0
			if upToSign && k < o.Rank {
				dot := 0.0
				for i := range p.In {
					dot += float64(p.A[k*p.In+i]) * float64(o.A[k*o.In+i])
				}
				if dot < 0 {
					sign = -1
					flipped++
				}
			}
			for i := range p.In {
				var v float64
				if k < o.Rank {
					v = sign * float64(o.A[k*o.In+i])
				}
				dA = max(dA, math.Abs(float64(p.A[k*p.In+i])-v))
			}
			for j := range p.Out {
				var v float64
				if k < o.Rank {
					v = sign * float64(o.B[j*o.Rank+k])
				}
				dB = max(dB, math.Abs(float64(p.B[j*p.Rank+k])-v))
			}
		}
		if dA > tol || dB > tol {
			t.Errorf("module %s: factors differ from PEFT's: max |A - A_peft| = %g, max |B - B_peft| = %g (tolerance %g)", name, dA, dB, tol)
		}
		worst = max(worst, dA, dB)
	}
	for name := range ours.Modules {
		if _, ok := peft.Modules[name]; !ok {
			t.Errorf("module %s: our merge has it, PEFT's does not", name)
		}
	}
	t.Logf("factors: max |ours - PEFT| over A and B = %.3g; %d of %d modules zero-padded to PEFT's rank; %d components sign-flipped",
		worst, padded, len(peft.Modules), flipped)
}
