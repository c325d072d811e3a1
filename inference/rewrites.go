package inference

import (
	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graphs read best with dot-import, as in its own layers.
)

// The go backend's rewrites: each helper computes exactly what the model's formula says,
// in a form the pure-Go backend (compute v0.1.6) runs fast. The forward (graph.go,
// decode_graph.go) calls them by what they compute; why each form is faster is said here.
// The others of their kind: project and the LM head's chunks (head.go: row-split
// weights), the causal row blocks (attention.go).

// rmsNorm is Llama's RMSNorm over the last axis of x [T, D] with weight w [D]. For many
// rows, the row scales times w are formed as a [T,1]x[1,D] product (exact: one term per
// entry), so the only [T, D] multiply has equal shapes, the go backend's fast case.
func rmsNorm(x, w *Node, eps float64) *Node {
	D := w.Shape().Dimensions[0]
	if x.Shape().Dimensions[0] == 1 { // decode: nothing to gain over two small multiplies
		ms := ReduceAndKeep(Square(x), ReduceMean, -1) // [1, 1]
		return Mul(Mul(x, Rsqrt(AddScalar(ms, eps))), Reshape(w, 1, D))
	}
	// Each row's sum of squares as a batched row·row product: one pass on the matmul
	// kernel (spread over the workers) instead of a square pass and a reduction.
	T := x.Shape().Dimensions[0]
	ss := Reshape(DotGeneral(x, []int{1}, []int{0}, x, []int{1}, []int{0}), T, 1)
	ms := MulScalar(ss, 1/float64(D))
	scales := DotGeneral(Rsqrt(AddScalar(ms, eps)), []int{1}, nil, Reshape(w, 1, D), []int{0}, nil)
	return Mul(x, scales)
}

// projectSiLU is SiLU(project(x, w)) for a many-row x. The go backend's fused dense op
// applies SiLU in place on the product's output in one pass, where x·sigmoid(x) takes two
// passes more and its Logistic alone was 14% of a 256-token prefill on the 135M shapes.
// Backends without the fused op (XLA, which fuses the decomposed form itself) get the
// decomposed graph.
func projectSiLU(x, w *Node) *Node {
	if x, w = halfOperands(x, w); w.DType().IsHalfPrecision() { // the fused op is f32 only (graph_half.go)
		y := project(x, w)
		return Mul(y, Sigmoid(y))
	}
	y, _ := siluDense(x, w)
	return y
}

// siluDense is projectSiLU reporting whether the backend's fused op took it (false: the
// decomposed graph), so a test can fail loudly when a GoMLX upgrade changes the internal
// InternalFusedOpCaller/BackendFusedDense this relies on.
func siluDense(x, w *Node) (*Node, bool) {
	T, out := x.Shape().Dimensions[0], 1
	for _, d := range w.Shape().Dimensions[:w.Rank()-1] {
		out *= d
	}
	return InternalFusedOpCaller(
		func() *Node {
			opts := compute.DenseConfig{Activation: compute.ActivationSilu, WeightLayout: compute.DenseLayoutOutputsInput}
			return Reshape(BackendFusedDense(x, w, nil, opts), T, out)
		},
		func() *Node {
			y := project(x, w)
			return Mul(y, Sigmoid(y))
		}, false)
}

// padAxis pads x with zeros at the end of axis to length n.
func padAxis(x *Node, axis, n int) *Node {
	cfg := make([]compute.PadAxis, x.Rank())
	cfg[axis].End = n - x.Shape().Dimensions[axis]
	return Pad(x, ScalarZero(x.Graph(), x.DType()), cfg...)
}

// materialize keeps a broadcast as a tensor: the go backend otherwise folds a broadcast
// into the binary op that consumes it, which then walks a broadcast index iterator in
// every layer instead of taking its equal-shapes loop.
func materialize(x *Node) *Node { return OptimizationBarrier(x) }

// ropeTables are rotary tables broadcast to [T, heads, headDim] (scale folded in).
type ropeTables struct{ cos, sin, rot *Node }

func newRope(cos, sin *Node, heads int, scale float32) ropeTables {
	dims := cos.Shape().Dimensions
	T, hd := dims[0], dims[1]
	widen := func(t *Node) *Node {
		if scale != 1 {
			t = MulScalar(t, scale)
		}
		return materialize(BroadcastToDims(Reshape(t, T, 1, hd), T, heads, hd))
	}
	// rotate_half(x) = concat(-x2, x1) as a signed permutation matrix [out, in]: a product
	// that runs on the matmul kernel instead of four copy passes (slices, neg, concat).
	rot := make([][]float32, hd)
	for o := range rot {
		rot[o] = make([]float32, hd)
		if o < hd/2 {
			rot[o][o+hd/2] = -1
		} else {
			rot[o][o-hd/2] = 1
		}
	}
	return ropeTables{cos: widen(cos), sin: widen(sin), rot: Const(cos.Graph(), rot)}
}

// apply rotates x [T, heads, headDim] with Hugging Face's rotate-half convention:
// x*cos + rotate_half(x)*sin, where rotate_half(x) = concat(-x2, x1).
func (r ropeTables) apply(x *Node) *Node {
	var rot *Node
	if hd := x.Shape().Dimensions[2]; x.Shape().Dimensions[0] == 1 { // decode: a matmul call costs more than it saves
		rot = Concatenate([]*Node{Neg(SliceAxis(x, 2, AxisRange(hd/2, hd))), SliceAxis(x, 2, AxisRange(0, hd/2))}, 2)
	} else {
		rot = DotGeneral(x, []int{2}, nil, r.rot, []int{1}, nil)
	}
	return Add(Mul(x, r.cos), Mul(rot, r.sin))
}

// after returns x unchanged, computed only once dep is: the go backend runs a graph's
// nodes in order of their distance from the outputs, so independent branches of equal
// depth (attention's query blocks) run side by side, each step over all of them, and
// every block's scores, slices and probabilities are alive at once (the bulk of a
// 2,048-token prefill's transient memory). The dependency is a zero derived from one
// element of dep (zero whatever that element is, NaN included) added to x: one pass
// over x, exact.
func after(x, dep *Node) *Node {
	first := make([]SliceAxisSpec, dep.Rank())
	for i := range first {
		first[i] = AxisRange(0, 1)
	}
	one := Reshape(Slice(dep, first...))
	zero := Where(LessOrEqual(one, one), ScalarZero(x.Graph(), x.DType()), ScalarZero(x.Graph(), x.DType()))
	return Add(x, zero)
}
