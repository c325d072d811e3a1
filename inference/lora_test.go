package inference

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"manualbot/inference/testmodel"
)

// randomAdapters makes a LoRA for a few modules of a tiny model, different ranks and
// scales, with B non-zero so the delta is visible.
func randomAdapters(c testmodel.Config, seed uint64) *AdapterSet {
	rng := rand.New(rand.NewPCG(seed, 1))
	hd := c.HeadDim
	if hd == 0 {
		hd = c.HiddenSize / c.NumHeads
	}
	kv := c.NumKVHeads
	if kv == 0 {
		kv = c.NumHeads
	}
	shapes := map[string][2]int{ // out, in
		"model.layers.0.self_attn.q_proj": {c.NumHeads * hd, c.HiddenSize},
		"model.layers.0.self_attn.v_proj": {kv * hd, c.HiddenSize},
		"model.layers.1.self_attn.o_proj": {c.HiddenSize, c.NumHeads * hd},
		"model.layers.1.mlp.down_proj":    {c.HiddenSize, c.IntermediateSize},
		"model.layers.1.mlp.gate_proj":    {c.IntermediateSize, c.HiddenSize},
	}
	set := &AdapterSet{Name: "test", Modules: map[string]LoRA{}}
	rank := 1
	for name, s := range shapes {
		l := LoRA{Rank: rank, Scale: 0.5 * float32(rank), A: make([]float32, rank*s[1]), B: make([]float32, s[0]*rank)}
		for i := range l.A {
			l.A[i] = 0.3 * (2*rng.Float32() - 1)
		}
		for i := range l.B {
			l.B[i] = 0.3 * (2*rng.Float32() - 1)
		}
		set.Modules[name] = l
		rank++
	}
	return set
}

func TestLoRAMatchesDenseReference(t *testing.T) {
	cfg := testmodel.Tiny()
	dir := writeModel(t, cfg, 7)
	m := loadModel(t, dir)
	ctx := context.Background()
	base, err := m.Logits(ctx, testIDs)
	if err != nil {
		t.Fatal(err)
	}
	set := randomAdapters(cfg, 3)
	ref := loadRef(t, dir)
	ref.applyLoRA(set)
	want := ref.forward(testIDs)
	if maxDiff(t, base, want) < 1e-2 {
		t.Fatal("the adapters barely change the logits: the test would prove nothing")
	}
	for _, fused := range []bool{false, true} {
		if err := m.SetAdapters(set, fused); err != nil {
			t.Fatalf("SetAdapters(fused=%v): %v", fused, err)
		}
		got, err := m.Logits(ctx, testIDs)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxDiff(t, got, want); d > tol {
			t.Errorf("fused=%v: logits differ from dense W+sBA reference by %g", fused, d)
		}
		// Cached decode runs the same adapters.
		if d := maxDiff(t, stepLogits(t, m, testIDs, 5), got[4:]); d > tol {
			t.Errorf("fused=%v: cached decode differs from full forward by %g", fused, d)
		}
		if name, f := m.Adapter(); name != "test" || f != fused {
			t.Errorf("Adapter() = %q, %v", name, f)
		}
	}
	if err := m.SetAdapters(nil, false); err != nil {
		t.Fatal(err)
	}
	got, err := m.Logits(ctx, testIDs)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, got, base); d != 0 {
		t.Errorf("after removing adapters logits differ from base by %g", d)
	}
}

func TestSetAdaptersRejectsBadSetsWithoutTouchingModel(t *testing.T) {
	cfg := testmodel.Tiny()
	m := loadModel(t, writeModel(t, cfg, 7))
	good := randomAdapters(cfg, 3)
	if err := m.SetAdapters(good, false); err != nil {
		t.Fatal(err)
	}
	before, err := m.Logits(context.Background(), testIDs[:4])
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(set *AdapterSet)) *AdapterSet {
		s := randomAdapters(cfg, 3)
		f(s)
		return s
	}
	nan := float32(math.NaN())
	cases := []struct {
		name, want string
		set        *AdapterSet
	}{
		{"unknown module", "not a LoRA target", mutate(func(s *AdapterSet) {
			s.Modules["model.layers.0.self_attn.rotary"] = LoRA{Rank: 1, A: make([]float32, 32), B: make([]float32, 32)}
		})},
		{"layer out of range", "layer 9 does not exist", mutate(func(s *AdapterSet) {
			s.Modules["model.layers.9.mlp.up_proj"] = LoRA{Rank: 1, A: make([]float32, 32), B: make([]float32, 48)}
		})},
		{"A wrong size", "A has", mutate(func(s *AdapterSet) {
			l := s.Modules["model.layers.0.self_attn.q_proj"]
			l.A = l.A[:len(l.A)-1]
			s.Modules["model.layers.0.self_attn.q_proj"] = l
		})},
		{"B wrong size", "B has", mutate(func(s *AdapterSet) {
			l := s.Modules["model.layers.0.self_attn.q_proj"]
			l.B = append(l.B, 1)
			s.Modules["model.layers.0.self_attn.q_proj"] = l
		})},
		{"NaN in B", "non-finite", mutate(func(s *AdapterSet) {
			l := s.Modules["model.layers.1.mlp.down_proj"]
			l.B[3] = nan
			s.Modules["model.layers.1.mlp.down_proj"] = l
		})},
		{"infinite scale", "not finite", mutate(func(s *AdapterSet) {
			l := s.Modules["model.layers.1.mlp.down_proj"]
			l.Scale = float32(math.Inf(1))
			s.Modules["model.layers.1.mlp.down_proj"] = l
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, fused := range []bool{false, true} {
				err := m.SetAdapters(c.set, fused)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("SetAdapters = %v, want an error containing %q", err, c.want)
				}
			}
			after, err := m.Logits(context.Background(), testIDs[:4])
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(t, after, before); d != 0 {
				t.Fatalf("a rejected set changed the model (logits moved by %g)", d)
			}
		})
	}
}
