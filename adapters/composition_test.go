package adapters

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// compositionFixture writes two seeded random LoRAs of different ranks (a domain one of
// rank 2 on q/v, a QA one of rank 4 on q/down) into an adapters folder, and a composition
// of them with distinct weights in every module.
type compositionFixture struct {
	root, dir string
	shape     ModelShape
	sources   []*Adapter
	weights   Weights
}

func newCompositionFixture(t *testing.T) compositionFixture {
	t.Helper()
	ctx := context.Background()
	shape := storiesShape(t)
	root := t.TempDir()
	writeSpec(t, filepath.Join(root, "brew"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj", "v_proj"}, seed: 1, skill: SkillDomain})
	writeSpec(t, filepath.Join(root, "qa"), shape, spec{rank: 4, alpha: 8, projs: []string{"q_proj", "down_proj"}, seed: 2, skill: SkillQA})
	var sources []*Adapter
	for _, n := range []string{"brew", "qa"} {
		a, err := Load(ctx, filepath.Join(root, n), nil)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, a)
	}
	w := Weights{Modules: map[string][]float64{}}
	for i, m := range mergedModules(sources) {
		x := 0.1 + 0.8*float64(i%7)/6
		w.Modules[m] = []float64{x, 1 - x}
	}
	fx := compositionFixture{root: root, dir: filepath.Join(root, "brew+qa"), shape: shape, sources: sources, weights: w}
	fx.write(t, "brew+qa", fx.dir, BaseModel{Name: "stories260K", Shape: shape})
	return fx
}

func (fx compositionFixture) write(t *testing.T, name, dir string, base BaseModel) {
	t.Helper()
	c, err := NewComposition(name, fx.sources, fx.weights, base)
	if err != nil {
		t.Fatal(err)
	}
	c.Tuned = &TuneRecord{Data: "target.jsonl", Examples: 4, Steps: 3}
	merged, err := Merge(context.Background(), fx.sources, MergeOptions{Method: MethodCat, Weights: fx.weights, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteComposition(dir, c, merged); err != nil {
		t.Fatal(err)
	}
}

// A composition written and read back resolves to the CAT merge whose every module's delta
// is the dense sum_i w_i s_i B_i A_i of the sources at the recorded weights, and equals the
// exported PEFT adapter beside it; the registry lists it with its domain products.
func TestCompositionResolvesToTheLearnedCAT(t *testing.T) {
	ctx := context.Background()
	fx := newCompositionFixture(t)
	reg, err := Scan(ctx, []string{fx.root}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	comps := reg.Compositions()
	if len(comps) != 1 || comps[0].Name != "brew+qa" || strings.Join(comps[0].Manifest.Products, ",") != "widget" {
		t.Fatalf("compositions = %+v", comps)
	}
	c, err := reg.Composition("brew+qa")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Learned() || strings.Join(c.SourceNames(), ",") != "brew,qa" {
		t.Fatalf("composition read back as %+v", c)
	}
	merged, err := c.Resolve(ctx, reg, fx.shape, nil)
	if err != nil {
		t.Fatal(err)
	}
	exported, err := Load(ctx, fx.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mergedModules(fx.sources) {
		want := make([]float64, 0)
		for i, a := range fx.sources {
			f, ok := a.Modules[m]
			if !ok {
				continue
			}
			d := f.Delta()
			if want == nil || len(want) == 0 {
				want = make([]float64, len(d))
			}
			for j := range d {
				want[j] += fx.weights.Modules[m][i] * d[j]
			}
		}
		if diff := maxAbsDiff(merged.Modules[m].Delta(), want); diff > 1e-6 {
			t.Errorf("module %s: resolved delta differs from the dense reference by %g", m, diff)
		}
		if diff := maxAbsDiff(exported.Modules[m].Delta(), want); diff > 1e-6 {
			t.Errorf("module %s: exported delta differs from the dense reference by %g", m, diff)
		}
	}
	sum := c.Summary()
	if v := sum.PerLayer[0]["q_proj"]; len(v) != 2 || math.Abs(v[0]-fx.weights.Modules["model.layers.0.self_attn.q_proj"][0]) > 1e-12 {
		t.Errorf("summary of layer 0 q_proj = %v", v)
	}
}

// Every bad composition is refused with one line naming the problem.
func TestCompositionRefusesWhatWasNotComposed(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		spoil func(t *testing.T, fx compositionFixture)
		shape func(ModelShape) ModelShape
		want  string
	}{
		{name: "source deleted", spoil: func(t *testing.T, fx compositionFixture) {
			if err := os.RemoveAll(filepath.Join(fx.root, "qa")); err != nil {
				t.Fatal(err)
			}
		}, want: "source adapter qa is gone"},
		{name: "source changed", spoil: func(t *testing.T, fx compositionFixture) {
			writeSpec(t, filepath.Join(fx.root, "qa"), fx.shape, spec{rank: 4, alpha: 8, projs: []string{"q_proj", "down_proj"}, seed: 3, skill: SkillQA})
		}, want: "source adapter qa in "},
		{name: "another base model", shape: func(s ModelShape) ModelShape { s.NumLayers++; return s },
			want: "was tuned for another base model"},
		{name: "another base model name", shape: func(s ModelShape) ModelShape { s.Name = "/models/other-260K"; return s },
			want: "was tuned for base model stories260K, not /models/other-260K"},
		{name: "weights of other modules", spoil: func(t *testing.T, fx compositionFixture) {
			rewriteWeights(t, fx.dir, func(w *Weights) {
				delete(w.Modules, "model.layers.0.self_attn.q_proj")
				w.Modules["model.layers.0.mlp.up_proj"] = []float64{0.5, 0.5}
			})
		}, want: "lacks the weights of 1 modules the adapters adapt (first model.layers.0.self_attn.q_proj)"},
		{name: "weights of extra modules", spoil: func(t *testing.T, fx compositionFixture) {
			rewriteWeights(t, fx.dir, func(w *Weights) { w.Modules["model.layers.0.mlp.up_proj"] = []float64{0.5, 0.5} })
		}, want: "weighs 1 modules the adapters do not adapt (first model.layers.0.mlp.up_proj)"},
		{name: "weights NaN", spoil: func(t *testing.T, fx compositionFixture) {
			p := filepath.Join(fx.dir, CompositionWeightsFile)
			b := strings.Replace(string(readFile(t, p)), "0.1,", "NaN,", 1)
			if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: "holds NaN, not a finite number"},
		{name: "weights infinite", spoil: func(t *testing.T, fx compositionFixture) {
			p := filepath.Join(fx.dir, CompositionWeightsFile)
			b := strings.Replace(string(readFile(t, p)), "0.1,", "1e999,", 1)
			if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}, want: CompositionWeightsFile},
		{name: "one weight too few", spoil: func(t *testing.T, fx compositionFixture) {
			rewriteWeights(t, fx.dir, func(w *Weights) { w.Modules["model.layers.1.self_attn.v_proj"] = []float64{1} })
		}, want: "1 weights for 2 adapters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newCompositionFixture(t)
			if tc.spoil != nil {
				tc.spoil(t, fx)
			}
			shape := fx.shape
			shape.Name = "stories260K"
			if tc.shape != nil {
				shape = tc.shape(shape)
			}
			reg, err := Scan(ctx, []string{fx.root}, ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c, err := reg.Composition("brew+qa")
			if err == nil {
				_, err = c.Resolve(ctx, reg, shape, nil)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

func rewriteWeights(t *testing.T, dir string, edit func(*Weights)) {
	t.Helper()
	p := filepath.Join(dir, CompositionWeightsFile)
	var w Weights
	if err := json.Unmarshal(readFile(t, p), &w); err != nil {
		t.Fatal(err)
	}
	edit(&w)
	b, _ := json.Marshal(w)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Names from Slack with a path separator, and two compositions under one name, are refused.
func TestCompositionNames(t *testing.T) {
	ctx := context.Background()
	fx := newCompositionFixture(t)
	reg, err := Scan(ctx, []string{fx.root}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../brew+qa", "brew+qa/..", `..\x`, "/etc/passwd", ".hidden"} {
		if _, err := reg.Composition(name); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("Composition(%q) = %v, want a one-line refusal", name, err)
		}
	}
	if _, err := reg.Composition("brew"); err == nil || !strings.Contains(err.Error(), "not a composition") {
		t.Errorf("a plain adapter as composition: %v", err)
	}
	if _, err := NewComposition("a/b", fx.sources, fx.weights, BaseModel{}); err == nil || !strings.Contains(err.Error(), "path separator") {
		t.Errorf("NewComposition with a path separator: %v", err)
	}

	// The same name in a second adapters folder.
	other := t.TempDir()
	fx.write(t, "brew+qa", filepath.Join(other, "brew+qa"), BaseModel{Name: "stories260K", Shape: fx.shape})
	if _, err := Scan(ctx, []string{fx.root, other}, ScanOptions{}); err == nil || !strings.Contains(err.Error(), `two adapters are named "brew+qa"`) {
		t.Errorf("two compositions named brew+qa: %v", err)
	}
	// composition.json naming another composition than its folder.
	renamed := filepath.Join(t.TempDir(), "brew+qa-copy")
	fx.write(t, "brew+qa", renamed, BaseModel{Name: "stories260K", Shape: fx.shape})
	reg, err = Scan(ctx, []string{fx.root, filepath.Dir(renamed)}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Composition("brew+qa-copy"); err == nil || !strings.Contains(err.Error(), `names the composition "brew+qa"`) {
		t.Errorf("a composition.json naming another folder: %v", err)
	}
}
