package inference

import (
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graphs read best with dot-import, as in its own layers.
)

// graphMode selects what a compiled forward graph returns.
type graphMode int

const (
	// modeStep runs T tokens starting at a runtime position against the KV cache and
	// returns the logits of one row (runtime index) plus the updated caches: decode is a
	// step with T = 1.
	modeStep graphMode = iota
	// modePrefill is a step from position 0 (start must be 0) that attends over its own
	// T tokens only, not the cache's whole capacity, and writes their K/V into the cache:
	// the scores, mask and softmax of a 256-token prompt shrink by capacity/T.
	modePrefill
	// modeFull runs a whole sequence from position 0 without a cache and returns every
	// row's logits: for Logits, tests and evaluation.
	modeFull
)

// loraSlot says which weight (by layout index) a pair of LoRA inputs modifies.
type loraSlot struct {
	weight int
}

// graphSpec is everything a forward graph's structure depends on beyond input shapes;
// one Exec is built per distinct spec.
type graphSpec struct {
	cfg   Config
	lay   *layout
	mode  graphMode
	loras []loraSlot // unfused adapters, in input order
	// headRows are the row counts of the LM head's chunks, passed after the weights
	// (see head.go); nil when the head is one tensor.
	headRows []int
}

// Input order of a step graph: tokens [T] int32, start [] int32, last [] int32, then
// 2×layers caches (per layer K [kvHeads, C, headDim] then V [kvHeads, headDim, C]), then
// the weights in layout order, then the LM head chunks (if any), then A,B per LoRA slot.
// A prefill graph takes one capacity marker (any tensor of shape [C]) in the caches'
// place: it makes the caches, so it needs only their size. A full graph takes tokens,
// weights, head chunks, LoRA.
const (
	inTokens       = 0
	inStart        = 1
	inLast         = 2
	numStepScalars = 3
)

// build constructs the forward graph from the inputs, in the order above.
func (s *graphSpec) build(inputs []*Node) []*Node {
	cfg, lay := s.cfg, s.lay
	tokens := inputs[inTokens]
	g := tokens.Graph()
	var start, last *Node
	var caches []*Node
	off := 1
	cached := s.mode == modeStep || s.mode == modePrefill
	capacity := 0 // of the caches a prefill makes
	switch s.mode {
	case modeStep:
		start, last = inputs[inStart], inputs[inLast]
		caches = inputs[numStepScalars : numStepScalars+2*cfg.NumLayers]
		off = numStepScalars + 2*cfg.NumLayers
	case modePrefill:
		start, last = inputs[inStart], inputs[inLast]
		capacity = inputs[numStepScalars].Shape().Dimensions[0]
		off = numStepScalars + 1
	default:
		start = Const(g, int32(0))
	}
	weights := inputs[off : off+len(lay.specs)]
	off += len(lay.specs)
	headIn := inputs[off : off+len(s.headRows)]
	loraIn := inputs[off+len(s.headRows):]
	// delta maps a weight index to its LoRA factors (A [r,in], Bᵀ [r,out], B pre-scaled).
	delta := make(map[int][2]*Node, len(s.loras))
	for i, slot := range s.loras {
		delta[slot.weight] = [2]*Node{loraIn[2*i], loraIn[2*i+1]}
	}
	linear := func(x *Node, w int) *Node {
		y := project(x, weights[w])
		if ab, ok := delta[w]; ok {
			xa := DotGeneral(x, []int{1}, nil, ab[0], []int{1}, nil)
			y = Add(y, DotGeneral(xa, []int{1}, nil, ab[1], []int{0}, nil))
		}
		return y
	}

	// siluLinear is SiLU(linear(x, w)): fused into the product where that is exact.
	siluLinear := func(x *Node, w int) *Node {
		if _, ok := delta[w]; !ok && x.Shape().Dimensions[0] > 1 {
			return projectSiLU(x, weights[w])
		}
		y := linear(x, w)
		return Mul(y, Sigmoid(y))
	}

	T := tokens.Shape().Dimensions[0]
	x := embedRows(lay, weights, headIn, tokens) // [T, D]

	// Rotary tables for positions start..start+T-1, rotate-half layout: [T, headDim].
	positions := ConvertDType(Add(Iota(g, tokens.Shape(), 0), start), dtypes.Float32)
	invFreq := Const(g, cfg.InvFreq())
	half := cfg.HeadDim / 2
	angles := Mul(Reshape(positions, T, 1), Reshape(invFreq, 1, half))
	angles = Concatenate([]*Node{angles, angles}, 1)
	cos, sin := Cos(angles), Sin(angles)
	kvh, group, hd := cfg.NumKVHeads, cfg.NumHeads/cfg.NumKVHeads, cfg.HeadDim
	scale := float32(1 / math.Sqrt(float64(hd)))
	// The go backend's binary ops are fast only on equal shapes (broadcasting walks an index
	// iterator), so the rotary tables are broadcast once per graph rather than in every
	// layer, with the query's attention scale folded in.
	ropeQ := newRope(cos, sin, kvh*group, scale)
	ropeK := newRope(cos, sin, kvh, 1)

	// Attention window: the cache capacity C in step mode, the sequence itself otherwise.
	C := T
	if s.mode == modeStep {
		C = caches[0].Shape().Dimensions[1]
	}
	// Causal attention; prefill and full forwards (start 0, keys = queries) in row blocks.
	attn := newAttention(cfg, T, C, start, s.mode != modeStep)

	// Cache writes. Caches hold K as [kvHeads, C, headDim] and V transposed as
	// [kvHeads, headDim, C], so both attention products contract the last axis of both
	// operands (the go backend's fast layout) with no per-step transpose of the cache.
	// Rows past the sequence are kept zero (prefill pads with zeros), so a step's write is
	// a ScatterSum into zeros, which the backend does in place on the donated cache:
	// O(new tokens), not O(capacity).
	var kIdx, vIdx, valid *Node
	if cached {
		valid = LessOrEqual(Iota(g, shapeOf(dtypes.Int32, T), 0), BroadcastToDims(last, T)) // padding rows
	}
	if s.mode == modeStep {
		pos := Add(Iota(g, shapeOf(dtypes.Int32, kvh, T), 1), start)       // [kvh, T]
		head := Iota(g, shapeOf(dtypes.Int32, kvh, T), 0)                  // [kvh, T]
		kIdx = Reshape(Stack([]*Node{head, pos}, -1), kvh*T, 2)            // (k, c)
		posV := Add(Iota(g, shapeOf(dtypes.Int32, kvh, hd, T), 2), start)  // [kvh, hd, T]
		headV := Iota(g, shapeOf(dtypes.Int32, kvh, hd, T), 0)             //
		dimV := Iota(g, shapeOf(dtypes.Int32, kvh, hd, T), 1)              //
		vIdx = Reshape(Stack([]*Node{headV, dimV, posV}, -1), kvh*hd*T, 3) // (k, d, c)
	}
	writeK := func(cache, k *Node) *Node { // k [T, kvh, hd]
		k = Where(valid, k, ZerosLike(k))
		upd := Reshape(TransposeAllAxes(k, 1, 0, 2), kvh*T, hd)
		return ScatterSum(cache, kIdx, upd, true, true)
	}
	writeV := func(cache, v *Node) *Node { // v [T, kvh, hd]
		v = Where(valid, v, ZerosLike(v))
		upd := Reshape(TransposeAllAxes(v, 1, 2, 0), kvh*hd*T)
		return ScatterSum(cache, vIdx, upd, true, true)
	}

	var newCaches []*Node
	for l, li := range lay.layers {
		h := rmsNorm(x, weights[li.inputNorm], cfg.RMSNormEps)
		q, k, v := linear(h, li.q), linear(h, li.k), linear(h, li.v)
		if li.qBias >= 0 {
			q = Add(q, Reshape(weights[li.qBias], 1, cfg.QDim()))
			k = Add(k, Reshape(weights[li.kBias], 1, cfg.KVDim()))
			v = Add(v, Reshape(weights[li.vBias], 1, cfg.KVDim()))
		}
		q = ropeQ.apply(Reshape(q, T, kvh*group, hd)) // scaled
		k = ropeK.apply(Reshape(k, T, kvh, hd))
		v = Reshape(v, T, kvh, hd)
		var kAll, vAllT *Node // [kvh, C, hd], [kvh, hd, C]
		switch s.mode {
		case modeStep:
			kAll = writeK(caches[2*l], k)
			vAllT = writeV(caches[2*l+1], v)
			newCaches = append(newCaches, kAll, vAllT)
		case modePrefill:
			// The caches are the prompt's K and V (padding rows zeroed) padded with zeros to
			// capacity: one copy, no input caches to allocate and scatter into, and the same
			// transposed K and V serve attention.
			kAll = TransposeAllAxes(Where(valid, k, ZerosLike(k)), 1, 0, 2)  // [kvh, T, hd]
			vAllT = TransposeAllAxes(Where(valid, v, ZerosLike(v)), 1, 2, 0) // [kvh, hd, T]
			newCaches = append(newCaches, padAxis(kAll, 1, capacity), padAxis(vAllT, 2, capacity))
		default:
			kAll = TransposeAllAxes(k, 1, 0, 2)
			vAllT = TransposeAllAxes(v, 1, 2, 0)
		}
		x = Add(x, linear(attn.apply(q, kAll, vAllT), li.o))

		h = rmsNorm(x, weights[li.postNorm], cfg.RMSNormEps)
		x = Add(x, linear(Mul(siluLinear(h, li.gate), linear(h, li.up)), li.down))
	}
	x = rmsNorm(x, weights[lay.norm], cfg.RMSNormEps)
	if cached {
		x = Gather(x, Reshape(last, 1, 1)) // [1, D]
	}
	return append([]*Node{headLogits(lay, weights, headIn, x)}, newCaches...)
}

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
	T, out := x.Shape().Dimensions[0], 1
	for _, d := range w.Shape().Dimensions[:w.Rank()-1] {
		out *= d
	}
	y, _ := InternalFusedOpCaller(
		func() *Node {
			opts := compute.DenseConfig{Activation: compute.ActivationSilu, WeightLayout: compute.DenseLayoutOutputsInput}
			return Reshape(BackendFusedDense(x, w, nil, opts), T, out)
		},
		func() *Node {
			y := project(x, w)
			return Mul(y, Sigmoid(y))
		}, false)
	return y
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

func shapeOf(dt dtypes.DType, dims ...int) shapes.Shape { return shapes.Make(dt, dims...) }
