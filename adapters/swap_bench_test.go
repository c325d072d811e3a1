package adapters

import (
	"context"
	"slices"
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
// CAT pair (rank 32 on every projection) and the fused pair. Each iteration generates 16
// tokens under each set in turn, so the three see the same machine (a shared 2-core
// machine drifts by more than the differences); it reports each set's median ms/token
// and the unfused and fused overheads against no adapter.
func BenchmarkDecodeWithAdapters135M(b *testing.B) {
	m, set := swapFixture(b)
	ctx := context.Background()
	prompt := make([]int, 32)
	for i := range prompt {
		prompt[i] = 10 + i
	}
	cases := []struct {
		name  string
		set   *inference.AdapterSet
		fused bool
	}{{"none", nil, false}, {"unfused", set, false}, {"fused", set, true}}
	perToken := make([][]float64, len(cases))
	for i := 0; b.Loop(); i++ {
		for j, tc := range cases {
			if err := m.SetAdapters(tc.set, tc.fused); err != nil {
				b.Fatal(err)
			}
			req := inference.GenerateRequest{PromptIDs: prompt, MaxTokens: 17, IgnoreEOS: true}
			res, err := m.Generate(ctx, req, nil)
			if err != nil {
				b.Fatal(err)
			}
			if i > 0 { // the first round compiles the graphs
				perToken[j] = append(perToken[j], res.Decode.Seconds()*1e3/float64(len(res.IDs)-1))
			}
		}
	}
	if len(perToken[0]) == 0 {
		return // b.N == 1: the compile round only
	}
	med := make([]float64, len(cases))
	for j, tc := range cases {
		med[j] = median(perToken[j])
		b.ReportMetric(med[j], tc.name+"_ms/token")
	}
	b.ReportMetric(100*(med[1]/med[0]-1), "unfused_overhead_%")
	b.ReportMetric(100*(med[2]/med[0]-1), "fused_overhead_%")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
