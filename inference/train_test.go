package inference

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// ceFromLogits is the reference mean cross-entropy of seqs computed from the inference
// graph's logits (Model.Logits), one sequence at a time.
func ceFromLogits(t *testing.T, m *Model, seqs []TrainSeq) float64 {
	t.Helper()
	var sum float64
	n := 0
	for _, s := range seqs {
		rows, err := m.Logits(context.Background(), s.IDs)
		if err != nil {
			t.Fatal(err)
		}
		for p := 0; p+1 < len(s.IDs); p++ {
			if s.LossMask != nil && !s.LossMask[p+1] {
				continue
			}
			row := rows[p]
			mx := float64(slices.Max(row))
			var z float64
			for _, v := range row {
				z += math.Exp(float64(v) - mx)
			}
			sum += mx + math.Log(z) - float64(row[s.IDs[p+1]])
			n++
		}
	}
	return sum / float64(n)
}

func trainSeqs() []TrainSeq {
	mask := make([]bool, 9)
	for i := 5; i < 9; i++ {
		mask[i] = true
	}
	return []TrainSeq{
		{IDs: testIDs},
		{IDs: []int{1, 40, 41, 42, 43, 44, 45, 46, 47}, LossMask: mask},
	}
}

// TestTrainLossMatchesInference holds the batched training forward to the inference
// graph: same cross-entropy with and without a LoRA, on every architecture variant.
func TestTrainLossMatchesInference(t *testing.T) {
	for i, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			m := loadModel(t, writeModel(t, v.cfg, int64(i+1)))
			tr := NewLoRATrainer(m)
			seqs := trainSeqs()
			for _, set := range []*AdapterSet{nil, randomAdapters(v.cfg, 5)} {
				if err := m.SetAdapters(set, false); err != nil {
					t.Fatal(err)
				}
				want := ceFromLogits(t, m, seqs)
				got, n, err := tr.Loss(context.Background(), seqs, set)
				if err != nil {
					t.Fatal(err)
				}
				if n != len(testIDs)-1+4 {
					t.Errorf("counted %d tokens, want %d", n, len(testIDs)-1+4)
				}
				if d := math.Abs(got-want) / want; d > 1e-5 {
					t.Errorf("adapters %v: training loss %v, inference cross-entropy %v (relative %g)", set != nil, got, want, d)
				}
			}
		})
	}
}

// TestLoRAGradientsMatchFiniteDifferences compares each module's gradient, projected on a
// random direction, with a central finite difference of the loss.
func TestLoRAGradientsMatchFiniteDifferences(t *testing.T) {
	for i, v := range variants()[:4] {
		t.Run(v.name, func(t *testing.T) {
			m := loadModel(t, writeModel(t, v.cfg, int64(i+1)))
			tr := NewLoRATrainer(m)
			ctx := context.Background()
			seqs := trainSeqs()
			set := randomAdapters(v.cfg, 11)
			_, _, grads, err := tr.LossAndGrads(ctx, seqs, set)
			if err != nil {
				t.Fatal(err)
			}
			if len(grads) != len(set.Modules) {
				t.Fatalf("%d gradients for %d modules", len(grads), len(set.Modules))
			}
			rng := rand.New(rand.NewPCG(uint64(i), 2))
			for name, l := range set.Modules {
				for _, part := range []string{"A", "B"} {
					vals, g := l.A, grads[name].A
					if part == "B" {
						vals, g = l.B, grads[name].B
					}
					dir := make([]float32, len(vals))
					var analytic float64
					for j := range dir {
						dir[j] = float32(rng.NormFloat64())
						analytic += float64(dir[j]) * float64(g[j])
					}
					const eps = 2e-3
					shifted := func(sign float32) float64 {
						c := slices.Clone(vals)
						for j := range c {
							c[j] += sign * eps * dir[j]
						}
						s := &AdapterSet{Name: "fd", Modules: map[string]LoRA{}}
						for k, o := range set.Modules {
							s.Modules[k] = o
						}
						mod := set.Modules[name]
						if part == "A" {
							mod.A = c
						} else {
							mod.B = c
						}
						s.Modules[name] = mod
						loss, _, err := tr.Loss(ctx, seqs, s)
						if err != nil {
							t.Fatal(err)
						}
						return loss
					}
					numeric := (shifted(1) - shifted(-1)) / (2 * eps)
					if d := math.Abs(numeric - analytic); d > 2e-2*math.Abs(numeric)+1e-3 {
						t.Errorf("%s.%s: gradient·d = %.6g, finite difference %.6g", name, part, analytic, numeric)
					}
				}
			}
		})
	}
}

func TestLossAndGradsRejectsBadBatches(t *testing.T) {
	m := tinyModel(t)
	tr := NewLoRATrainer(m)
	none := make([]bool, 3)
	cases := []struct {
		name string
		seqs []TrainSeq
		want string
	}{
		{"no sequences", nil, "no sequences"},
		{"one token", []TrainSeq{{IDs: []int{1}}}, "at least 2"},
		{"mask length", []TrainSeq{{IDs: []int{1, 2, 3}, LossMask: []bool{true}}}, "loss mask has 1"},
		{"empty mask", []TrainSeq{{IDs: []int{1, 2, 3}, LossMask: none}}, "selects no token"},
		{"id out of vocabulary", []TrainSeq{{IDs: []int{1, 100000}}}, "outside the vocabulary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, _, err := tr.LossAndGrads(context.Background(), c.seqs, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
