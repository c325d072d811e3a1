package adapters

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// loadPair writes and loads two adapters of different ranks, scales and module sets.
func loadPair(t *testing.T, shape ModelShape) (*Adapter, *Adapter) {
	t.Helper()
	root := t.TempDir()
	writeSpec(t, filepath.Join(root, "domain"), shape, spec{rank: 4, alpha: 8, seed: 31, skill: SkillDomain,
		projs: []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}})
	writeSpec(t, filepath.Join(root, "qa"), shape, spec{rank: 8, alpha: 16, seed: 32, skill: SkillQA,
		projs: []string{"q_proj", "v_proj", "down_proj"}, extra: map[string]string{"use_rslora": "true"}})
	a, err := Load(context.Background(), filepath.Join(root, "domain"), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(context.Background(), filepath.Join(root, "qa"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// denseSum is sum_i w_i s_i B_i A_i of one module, computed directly.
func denseSum(inputs []*Adapter, w Weights, module string) []float64 {
	ws := w.For(module, len(inputs))
	var out []float64
	for i, a := range inputs {
		f, ok := a.Modules[module]
		if !ok {
			continue
		}
		d := f.Delta()
		if out == nil {
			out = make([]float64, len(d))
		}
		for j := range d {
			out[j] += ws[i] * d[j]
		}
	}
	return out
}

// CAT is exactly sum_i w_i s_i B_i A_i for ranks 4 and 8, with global weights 0.7/0.3 and
// per-layer and per-module overrides (negative included), before and after export.
func TestCatEqualsDenseSum(t *testing.T) {
	shape := storiesShape(t)
	a, b := loadPair(t, shape)
	before := []map[string]Factors{cloneFactors(a.Modules), cloneFactors(b.Modules)}
	w := Weights{
		Default: []float64{0.7, 0.3},
		Layers:  map[int][]float64{4: {1, 1}},
		Modules: map[string][]float64{
			"down_proj":                       {0.5, -0.5},
			"model.layers.2.self_attn.q_proj": {0.1, 0.9},
			"model.layers.4.mlp.down_proj":    {2, 0},
		},
	}
	merged, err := Merge(context.Background(), []*Adapter{a, b}, MergeOptions{Method: MethodCat, Weights: w, Name: "soup"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, m *Adapter) {
		if len(m.Modules) != 5*7 {
			t.Fatalf("%d modules, want 35", len(m.Modules))
		}
		for name, f := range m.Modules {
			want := denseSum([]*Adapter{a, b}, w, name)
			if d := maxAbsDiff(f.Delta(), want); d > 1e-5 {
				t.Errorf("module %s: max |delta - dense| = %g", name, d)
			}
			wantRank := 4
			if _, ok := b.Modules[name]; ok {
				wantRank = 12
			}
			if f.Rank != wantRank || f.Scale != 1 {
				t.Errorf("module %s: rank %d scale %v, want %d and 1", name, f.Rank, f.Scale, wantRank)
			}
		}
	}
	check(t, merged)
	// The per-module override really applies (not only the default).
	if w.For("model.layers.2.self_attn.q_proj", 2)[0] != 0.1 || w.For("model.layers.3.mlp.down_proj", 2)[1] != -0.5 ||
		w.For("model.layers.4.self_attn.k_proj", 2)[0] != 1 || w.For("model.layers.4.mlp.down_proj", 2)[0] != 2 {
		t.Fatal("weights lookup precedence is wrong")
	}
	// Exported as a PEFT adapter: r is the most common rank, alpha = r, no rsLoRA, and the
	// other ranks are in rank_pattern; loading it back gives the same deltas.
	c := merged.Config
	if c.R != 4 || c.Alpha != 4 || c.UseRSLoRA || len(c.RankPattern) != 15 || len(c.AlphaPattern) != 15 {
		t.Errorf("merged config r=%d alpha=%v rslora=%v %d rank patterns", c.R, c.Alpha, c.UseRSLoRA, len(c.RankPattern))
	}
	dir := filepath.Join(t.TempDir(), "soup")
	if err := merged.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(back, shape, nil); err != nil {
		t.Fatal(err)
	}
	check(t, back)
	if back.Manifest.Merge == nil || back.Manifest.Merge.Method != "cat" || !slices.Equal(back.Manifest.Merge.Sources, []string{"domain", "qa"}) {
		t.Errorf("merge record %+v", back.Manifest.Merge)
	}
	for i, in := range []*Adapter{a, b} {
		for m, f := range before[i] {
			g := in.Modules[m]
			if !slices.Equal(g.A, f.A) || !slices.Equal(g.B, f.B) || g.Scale != f.Scale {
				t.Fatalf("merge modified input %s module %s", in.Name, m)
			}
		}
	}
}

// tiny builds an in-memory adapter with one module of the given factors.
func tiny(name string, rank int, scale float64, a, b []float32) *Adapter {
	m := "model.layers.0.self_attn.q_proj"
	in, out := len(a)/rank, len(b)/rank
	return &Adapter{Name: name, Config: Config{PeftType: "LORA", R: rank, Alpha: scale * float64(rank), Targets: Targets{Names: []string{"q_proj"}}},
		Modules: map[string]*Factors{m: {A: a, B: b, Rank: rank, In: in, Out: out, Alpha: scale * float64(rank), Scale: scale}}}
}

// linear, ties and dare on small cases worked out by hand from PEFT's algorithm: with
// c_i = w_i s_i, A' = combine(A_i; sign(c_i) sqrt|c_i|) and B' = combine(B_i; sqrt|c_i|).
func TestTaskMethodsByHand(t *testing.T) {
	x := tiny("x", 1, 1, []float32{1, -2}, []float32{3, 0.5})
	y := tiny("y", 1, 2, []float32{-4, 1}, []float32{1, -2})
	cases := []struct {
		name    string
		opts    MergeOptions
		wantA   []float32
		wantB   []float32
		wantErr string
	}{
		// c = [4, 1], sqrt = [2, 1].
		{"linear", MergeOptions{Method: MethodLinear, Weights: Weights{Default: []float64{4, 0.5}}},
			[]float32{2*1 - 4, 2*-2 + 1}, []float32{2*3 + 1, 2*0.5 - 2}, ""},
		// c = [-4, 1]: the sign goes on A only.
		{"linear negative", MergeOptions{Method: MethodLinear, Weights: Weights{Default: []float64{-4, 0.5}}},
			[]float32{-2*1 - 4, -2*-2 + 1}, []float32{2*3 + 1, 2*0.5 - 2}, ""},
		// density 0.5 keeps the larger of two entries: A: [0,-2],[-4,0]; signs (total) [-,-];
		// each entry has one agreeing adapter. B: [3,0],[0,-2]; signs [+,-].
		{"ties", MergeOptions{Method: MethodTies, Density: 0.5, Weights: Weights{Default: []float64{4, 0.5}}},
			[]float32{-4, 2 * -2}, []float32{2 * 3, -2}, ""},
		// density 1 prunes nothing: dare_linear is linear.
		{"dare_linear density 1", MergeOptions{Method: MethodDareLinear, Density: 1, Weights: Weights{Default: []float64{4, 0.5}}},
			[]float32{-2, -3}, []float32{7, -1}, ""},
		// density 1, all signs agree per entry? A: [1,-2],[-4,1]: total signs [-,-]: entry 0
		// keeps y (-4*1), entry 1 keeps x (-2*2); B: [3,.5],[1,-2]: signs [+,-]: entry 0 averages
		// 2*3 and 1*1, entry 1 keeps y.
		{"dare_ties density 1", MergeOptions{Method: MethodDareTies, Density: 1, Weights: Weights{Default: []float64{4, 0.5}}},
			[]float32{-4, -4}, []float32{3.5, -2}, ""},
		{"ties needs a density", MergeOptions{Method: MethodTies}, nil, nil, "density"},
		{"bad sign method", MergeOptions{Method: MethodTies, Density: 0.5, MajoritySign: "most"}, nil, nil, "majority sign"},
		{"unknown method", MergeOptions{Method: "average"}, nil, nil, "unknown method"},
		{"weights count", MergeOptions{Method: MethodLinear, Weights: Weights{Default: []float64{1}}}, nil, nil, "1 weights for 2 adapters"},
		{"NaN weight", MergeOptions{Method: MethodCat, Weights: Weights{Modules: map[string][]float64{"q_proj": {1, math.NaN()}}}}, nil, nil, "not a finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Merge(context.Background(), []*Adapter{x, y}, c.opts)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f := m.Modules["model.layers.0.self_attn.q_proj"]
			if !approx(f.A, c.wantA) || !approx(f.B, c.wantB) {
				t.Errorf("A %v B %v, want %v %v", f.A, f.B, c.wantA, c.wantB)
			}
		})
	}
	if x.Modules["model.layers.0.self_attn.q_proj"].A[0] != 1 {
		t.Fatal("a merge modified its input")
	}
}

func approx(x, y []float32) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if math.Abs(float64(x[i]-y[i])) > 1e-6 {
			return false
		}
	}
	return true
}

// Sign election: "total" sums values, "frequency" counts signs; a tie elects +; zeros agree
// with nothing; the disjoint merge divides by the number that agree (at least 1).
func TestSignElection(t *testing.T) {
	ts := [][]float64{{5, 0, 1, -1}, {-1, 0, -1, 2}, {-1, 0, 0, -3}}
	w := []float64{1, 1, 1}
	total := majoritySignMask(ts, SignTotal)
	freq := majoritySignMask(ts, SignFrequency)
	if got := disjointMerge(ts, w, total); !slices.Equal(got, []float64{5, 0, 1, -2}) {
		t.Errorf("total: %v", got)
	}
	// entry 0: signs +,-,- elect -; entry 2: +,-,0 tie, electing +.
	if got := disjointMerge(ts, w, freq); !slices.Equal(got, []float64{-1, 0, 1, -2}) {
		t.Errorf("frequency: %v", got)
	}
}

// DARE draws one uniform number per entry in order (A factors of each adapter, then B) from
// a PCG seeded by --seed: the expected result is recomputed here with the same draws.
func TestDareFollowsItsDraws(t *testing.T) {
	tsA := [][]float64{{1, 2, 3, 4}, {-1, -2, 5, 1}}
	w := []float64{0.5, 2}
	const d = 0.5
	rng := rand.New(rand.NewPCG(42, 42^0x9e3779b97f4a7c15))
	want := make([]float64, 4)
	for i, tt := range tsA {
		for j, v := range tt {
			if rng.Float64() < d {
				want[j] += w[i] * v / d
			}
		}
	}
	got := dareLinear(tsA, w, d, rand.New(rand.NewPCG(42, 42^0x9e3779b97f4a7c15)))
	if !slices.Equal(got, want) {
		t.Errorf("dare_linear %v, want %v", got, want)
	}
	// Same seed, same adapter; another seed, another.
	shape := storiesShape(t)
	root := t.TempDir()
	writeSpec(t, filepath.Join(root, "p"), shape, spec{rank: 4, alpha: 4, seed: 1, projs: []string{"q_proj"}})
	writeSpec(t, filepath.Join(root, "q"), shape, spec{rank: 4, alpha: 4, seed: 2, projs: []string{"q_proj"}})
	p, _ := Load(context.Background(), filepath.Join(root, "p"), nil)
	q, _ := Load(context.Background(), filepath.Join(root, "q"), nil)
	run := func(seed uint64) *Factors {
		m, err := Merge(context.Background(), []*Adapter{p, q}, MergeOptions{Method: MethodDareTies, Density: 0.3, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return m.Modules["model.layers.3.self_attn.q_proj"]
	}
	a1, a2, b := run(7), run(7), run(8)
	if !slices.Equal(a1.A, a2.A) || !slices.Equal(a1.B, a2.B) {
		t.Error("the same seed gave different merges")
	}
	if slices.Equal(a1.A, b.A) {
		t.Error("different seeds gave the same merge")
	}
}

// linear, ties and dare combine A and B separately, so ranks must match; the error says to
// use cat. Nothing is produced and the inputs are untouched.
func TestEqualRanksRequired(t *testing.T) {
	a, b := loadPair(t, storiesShape(t))
	for _, m := range []Method{MethodLinear, MethodTies, MethodDareLinear, MethodDareTies} {
		t.Run(string(m), func(t *testing.T) {
			out, err := Merge(context.Background(), []*Adapter{a, b}, MergeOptions{Method: m, Density: 0.5})
			if err == nil || out != nil || !strings.Contains(err.Error(), "use method cat") || !strings.Contains(err.Error(), "rank 4") {
				t.Fatalf("err = %v, want one naming cat and the ranks", err)
			}
		})
	}
}

// Adapters for different models cannot be merged.
func TestMergeRefusesMixedModels(t *testing.T) {
	root := t.TempDir()
	writeSpec(t, filepath.Join(root, "s"), storiesShape(t), spec{rank: 2, alpha: 2, seed: 1, projs: []string{"q_proj"}, layers: []int{0}})
	writeSpec(t, filepath.Join(root, "m"), shape135M(), spec{rank: 2, alpha: 2, seed: 2, projs: []string{"q_proj"}, layers: []int{0}})
	s, _ := Load(context.Background(), filepath.Join(root, "s"), nil)
	m, _ := Load(context.Background(), filepath.Join(root, "m"), nil)
	if _, err := Merge(context.Background(), []*Adapter{s, m}, MergeOptions{Method: MethodCat}); err == nil || !strings.Contains(err.Error(), "different models") {
		t.Fatalf("err = %v", err)
	}
}

// svd at a rank that holds the whole delta reproduces it; at a lower rank it is the best
// approximation (the dense SVD's truncation); the default rank is the largest input rank.
func TestSVD(t *testing.T) {
	a, b := loadPair(t, storiesShape(t))
	w := Weights{Default: []float64{0.7, 0.3}}
	in := []*Adapter{a, b}
	full, err := Merge(context.Background(), in, MergeOptions{Method: MethodSVD, Weights: w, Rank: 12})
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range full.Modules {
		if d := maxAbsDiff(f.Delta(), denseSum(in, w, name)); d > 1e-5 {
			t.Errorf("module %s: svd at full rank differs from the dense sum by %g", name, d)
		}
	}
	low, err := Merge(context.Background(), in, MergeOptions{Method: MethodSVD, Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"model.layers.0.self_attn.q_proj", "model.layers.3.mlp.down_proj", "model.layers.1.mlp.up_proj"} {
		f := low.Modules[name]
		if f.Rank != 8 {
			t.Fatalf("default svd rank %d, want 8", f.Rank)
		}
		want := truncatedSVD(t, denseSum(in, w, name), f.Out, f.In, 8)
		if d := maxAbsDiff(f.Delta(), want); d > 1e-5 {
			t.Errorf("module %s: svd at rank 8 differs from the truncated dense SVD by %g", name, d)
		}
	}
}

// truncatedSVD is the rank-k truncation of a dense matrix by gonum's full SVD: the reference.
func truncatedSVD(t *testing.T, d []float64, rows, cols, k int) []float64 {
	var s mat.SVD
	if !s.Factorize(mat.NewDense(rows, cols, d), mat.SVDThin) {
		t.Fatal("reference SVD failed")
	}
	var u, v mat.Dense
	s.UTo(&u)
	s.VTo(&v)
	sv := s.Values(nil)
	out := make([]float64, rows*cols)
	for j := 0; j < k; j++ {
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				out[r*cols+c] += u.At(r, j) * sv[j] * v.At(c, j)
			}
		}
	}
	return out
}
