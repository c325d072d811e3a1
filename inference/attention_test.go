package inference

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestBlockedAttentionMatchesPlainCausalSoftmax: the blocked attention (query blocks
// run one after another, earlier keys unmasked, the masked diagonals), for a whole prompt
// and for a chunk at an offset (the chunk graph's form), equals causal softmax attention
// computed here in plain Go (float64), row by row.
func TestBlockedAttentionMatchesPlainCausalSoftmax(t *testing.T) {
	be, err := newBackend("")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{NumHeads: 4, NumKVHeads: 2, HeadDim: 8}
	const total = 1101 // keys: 17 full query blocks and a ragged one
	kvh, group, hd := cfg.NumKVHeads, cfg.NumHeads/cfg.NumKVHeads, cfg.HeadDim
	rng := rand.New(rand.NewPCG(3, 4))
	randn := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	qs := randn(total * cfg.NumHeads * hd)  // [t, head, d]
	ks := randn(kvh * total * hd)           // [kvh, t, d]
	vs := randn(kvh * hd * total)           // [kvh, d, t] (transposed, as the cache)
	want := func(t0, head, d int) float64 { // query at position t0
		kv := head / group
		scores := make([]float64, t0+1)
		mx := math.Inf(-1)
		for j := range scores {
			for e := range hd {
				scores[j] += float64(qs[(t0*cfg.NumHeads+head)*hd+e]) * float64(ks[(kv*total+j)*hd+e])
			}
			mx = max(mx, scores[j])
		}
		var sum, out float64
		for j, s := range scores {
			p := math.Exp(s - mx)
			sum += p
			out += p * float64(vs[(kv*hd+d)*total+j])
		}
		return out / sum
	}
	for _, offset := range []int{0, 517} {
		T := total - offset
		e, err := graph.NewExec(be, func(q, k, v *graph.Node) *graph.Node {
			return newBlockedAttention(cfg, T, offset, q.Graph()).apply(q, k, v)
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Call(tensors.FromFlatDataAndDimensions(qs[offset*cfg.NumHeads*hd:], T, cfg.NumHeads, hd),
			tensors.FromFlatDataAndDimensions(ks, kvh, total, hd), tensors.FromFlatDataAndDimensions(vs, kvh, hd, total))
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float32](res[0]) // [T, heads*hd]
		var worst float64
		for r := range T {
			for head := range cfg.NumHeads {
				for d := range hd {
					worst = max(worst, math.Abs(float64(got[(r*cfg.NumHeads+head)*hd+d])-want(offset+r, head, d)))
				}
			}
		}
		if worst > 1e-5 {
			t.Errorf("offset %d: blocked attention differs from plain causal softmax by %g", offset, worst)
		}
	}
}
