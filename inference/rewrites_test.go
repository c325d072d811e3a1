package inference

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestFusedSiLUDenseIsTakenAndExact guards the internal GoMLX API the prefill's fused
// SiLU dense relies on (InternalFusedOpCaller with BackendFusedDense): on the go backend
// the fused op must be taken, for plain and row-split weights, and equal SiLU(x·Wᵀ)
// computed here in plain Go. A GoMLX upgrade that renames, drops or silently stops
// fusing it fails here, not as a quiet 14% prefill slowdown.
func TestFusedSiLUDenseIsTakenAndExact(t *testing.T) {
	be, err := newBackend("")
	if err != nil {
		t.Fatal(err)
	}
	const T, out, in = 5, 12, 8
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]float32, T*in)
	ws := make([]float32, out*in)
	for i := range xs {
		xs[i] = rng.Float32()*2 - 1
	}
	for i := range ws {
		ws[i] = rng.Float32()*2 - 1
	}
	want := make([]float32, T*out)
	for r := range T {
		for o := range out {
			var y float64
			for k := range in {
				y += float64(xs[r*in+k]) * float64(ws[o*in+k])
			}
			want[r*out+o] = float32(y / (1 + math.Exp(-y)))
		}
	}
	for _, wDims := range [][]int{{out, in}, {2, out / 2, in}} {
		var fused bool
		e, err := graph.NewExec(be, func(x, w *graph.Node) *graph.Node {
			var y *graph.Node
			y, fused = siluDense(x, w)
			return y
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Call(tensors.FromFlatDataAndDimensions(xs, T, in), tensors.FromFlatDataAndDimensions(ws, wDims...))
		if err != nil {
			t.Fatal(err)
		}
		if !fused {
			t.Fatalf("weight %v: the go backend did not take the fused SiLU dense (GoMLX's InternalFusedOpCaller/BackendFusedDense changed?)", wDims)
		}
		got := tensors.MustCopyFlatData[float32](res[0])
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-5 {
				t.Fatalf("weight %v: element %d is %v, want %v", wDims, i, got[i], want[i])
			}
		}
	}
}
