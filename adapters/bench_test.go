package adapters

import (
	"context"
	"math/rand/v2"
	"testing"
)

// randomAdapter builds an in-memory adapter of rank r on every projection of every layer.
func randomAdapter(shape ModelShape, name string, r int, seed uint64) *Adapter {
	rng := rand.New(rand.NewPCG(seed, 3))
	a := &Adapter{Name: name, Modules: map[string]*Factors{},
		Config: Config{PeftType: "LORA", R: r, Alpha: float64(2 * r), Targets: Targets{Names: []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}}}}
	for _, m := range shape.Modules() {
		in, out, _ := shape.ModuleShape(m)
		f := &Factors{Rank: r, In: in, Out: out, A: make([]float32, r*in), B: make([]float32, out*r), Alpha: float64(2 * r), Scale: 2}
		for i := range f.A {
			f.A[i] = float32(rng.NormFloat64())
		}
		for i := range f.B {
			f.B[i] = float32(rng.NormFloat64())
		}
		a.Modules[m] = f
	}
	return a
}

// BenchmarkCatMerge135M: CAT of two rank-16 adapters on all 7 projections of the 30 layers of
// SmolLM2-135M's shapes (ms per merge = ns/op / 1e6).
func BenchmarkCatMerge135M(b *testing.B) {
	shape := shape135M()
	in := []*Adapter{randomAdapter(shape, "domain", 16, 1), randomAdapter(shape, "qa", 16, 2)}
	opts := MergeOptions{Method: MethodCat, Weights: Weights{Default: []float64{0.7, 0.3}}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Merge(context.Background(), in, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLinearMerge135M is the same with PEFT's linear method, for comparison.
func BenchmarkLinearMerge135M(b *testing.B) {
	shape := shape135M()
	in := []*Adapter{randomAdapter(shape, "domain", 16, 1), randomAdapter(shape, "qa", 16, 2)}
	opts := MergeOptions{Method: MethodLinear, Weights: Weights{Default: []float64{0.7, 0.3}}}
	for b.Loop() {
		if _, err := Merge(context.Background(), in, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSVDMerge135M: svd to rank 16 of the same pair.
func BenchmarkSVDMerge135M(b *testing.B) {
	shape := shape135M()
	in := []*Adapter{randomAdapter(shape, "domain", 16, 1), randomAdapter(shape, "qa", 16, 2)}
	opts := MergeOptions{Method: MethodSVD, Weights: Weights{Default: []float64{0.7, 0.3}}}
	for b.Loop() {
		if _, err := Merge(context.Background(), in, opts); err != nil {
			b.Fatal(err)
		}
	}
}
