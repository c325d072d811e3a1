package adapters

import (
	"context"
	"testing"

	"manualbot/inference"
)

// swapFixture loads the 135M-shape random model and CAT-merges two rank-16 adapters on
// all seven projections (issue 4's swap set-up).
func swapFixture(b *testing.B) (*inference.Model, *inference.AdapterSet) {
	b.Helper()
	ctx := context.Background()
	m, err := inference.Load(ctx, benchModelDir(b, true), inference.Options{Backend: "go"})
	if err != nil {
		b.Fatal(err)
	}
	shape := ShapeOf(m.Config(), "")
	in := []*Adapter{randomAdapter(shape, "domain", 16, 1), randomAdapter(shape, "qa", 16, 2)}
	merged, err := Merge(ctx, in, MergeOptions{Method: MethodCat, Weights: Weights{Default: []float64{0.7, 0.3}}})
	if err != nil {
		b.Fatal(err)
	}
	return m, merged.AdapterSet()
}

// BenchmarkSwap135M times SetAdapters (validate + publish) on the 135M shapes: unfused
// (factors become graph inputs) and fused (W + B·A into new weight buffers).
func BenchmarkSwap135M(b *testing.B) {
	m, set := swapFixture(b)
	for _, tc := range []struct {
		name  string
		fused bool
	}{{"unfused", false}, {"fused", true}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if err := m.SetAdapters(set, tc.fused); err != nil {
					b.Fatal(err)
				}
				if err := m.SetAdapters(nil, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeWithAdapters135M compares decode speed with no adapters, the unfused
// CAT pair (rank 32 on every projection) and the fused pair.
func BenchmarkDecodeWithAdapters135M(b *testing.B) {
	m, set := swapFixture(b)
	prompt := make([]int, 32)
	for i := range prompt {
		prompt[i] = 10 + i
	}
	for _, tc := range []struct {
		name  string
		set   *inference.AdapterSet
		fused bool
	}{{"none", nil, false}, {"unfused", set, false}, {"fused", set, true}} {
		b.Run(tc.name, func(b *testing.B) {
			if err := m.SetAdapters(tc.set, tc.fused); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			req := inference.GenerateRequest{PromptIDs: prompt, MaxTokens: 4, IgnoreEOS: true}
			if _, err := m.Generate(ctx, req, nil); err != nil { // compile
				b.Fatal(err)
			}
			req.MaxTokens = b.N + 1
			b.ResetTimer()
			res, err := m.Generate(ctx, req, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(res.IDs)-1)/res.Decode.Seconds(), "tokens/s")
		})
	}
}
