package inference

import (
	"math"

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
	// modeDecode runs one token for each of B requests (a batch), each against its own
	// KV cache at its own runtime position, and returns B rows of logits plus the updated
	// caches: the scheduler's shared decode step (decode_graph.go).
	modeDecode
	// modeChunk is a step at a static position (the length of an offset marker input)
	// with exact causal attention in row blocks: a long prompt's later chunks, each
	// attending to the cache's earlier rows and its own, never to the capacity's empty
	// rows (prefill_chunk.go).
	modeChunk
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
	if s.mode == modeDecode {
		return s.buildDecode(inputs)
	}
	cfg, lay := s.cfg, s.lay
	tokens := inputs[inTokens]
	g := tokens.Graph()
	var start, last *Node
	var caches []*Node
	off := 1
	cached := s.mode == modeStep || s.mode == modePrefill || s.mode == modeChunk
	capacity := 0 // of the caches a prefill makes
	offset := 0   // a chunk's static position
	switch s.mode {
	case modeStep:
		start, last = inputs[inStart], inputs[inLast]
		caches = inputs[numStepScalars : numStepScalars+2*cfg.NumLayers]
		off = numStepScalars + 2*cfg.NumLayers
	case modeChunk:
		offset = inputs[numStepScalars].Shape().Dimensions[0]
		start, last = Const(g, int32(offset)), inputs[inLast]
		caches = inputs[numStepScalars+1 : numStepScalars+1+2*cfg.NumLayers]
		off = numStepScalars + 1 + 2*cfg.NumLayers
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
	linear, siluLinear := newLinears(weights, s.loras, loraIn, project, true)

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
	// Causal attention; prefill, chunk and full forwards (static start) in row blocks.
	var attn *attention
	if s.mode == modeChunk {
		attn = newBlockedAttention(cfg, T, offset, g)
	} else {
		attn = newAttention(cfg, T, C, start, s.mode != modeStep)
	}

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
	if s.mode == modeStep || s.mode == modeChunk {
		kIdx, vIdx = cacheIndices(g, kvh, hd, T, start)
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

	norm := func(x, w *Node) *Node { return rmsNorm(x, w, cfg.RMSNormEps) }
	newCaches := make([]*Node, 0, 2*cfg.NumLayers)
	attend := func(l int, q, k, v *Node) *Node {
		var kAll, vAllT *Node // [kvh, C, hd], [kvh, hd, C]
		switch s.mode {
		case modeStep, modeChunk:
			kAll = writeK(caches[2*l], k)
			vAllT = writeV(caches[2*l+1], v)
			newCaches = append(newCaches, kAll, vAllT)
		case modePrefill:
			// The caches are the prompt's K and V (padding rows zeroed) padded with zeros to
			// capacity: one copy, no input caches to allocate and scatter into, and the same
			// transposed K and V serve attention.
			// Attention reads the padded caches themselves (its blocks slice the first T
			// keys), so each layer's caches are made in that layer: an output used by
			// nothing else would be scheduled at the graph's end, keeping every layer's
			// unpadded K and V alive until then (the go backend runs nodes by their
			// distance from the outputs).
			kAll = padAxis(TransposeAllAxes(Where(valid, k, ZerosLike(k)), 1, 0, 2), 1, capacity)  // [kvh, C, hd]
			vAllT = padAxis(TransposeAllAxes(Where(valid, v, ZerosLike(v)), 1, 2, 0), 2, capacity) // [kvh, hd, C]
			newCaches = append(newCaches, kAll, vAllT)
		default:
			kAll = TransposeAllAxes(k, 1, 0, 2)
			vAllT = TransposeAllAxes(v, 1, 2, 0)
		}
		return attn.apply(q, kAll, vAllT)
	}
	dec := &decoder{cfg: cfg, layers: bindLayers(lay, weights), norm: weights[lay.norm], linear: linear,
		siluLinear: siluLinear, rmsNorm: norm, ropeQ: ropeQ.apply, ropeK: ropeK.apply, attend: attend}
	x = dec.forward(x)
	if cached {
		x = Gather(x, Reshape(last, 1, 1)) // [1, D]
	}
	return append([]*Node{headLogits(lay, weights, headIn, x)}, newCaches...)
}

// newLinears returns the linear layer (x [T, in] times a weight, plus that weight's
// unfused LoRA delta if any) and its SiLU-activated form, fused into the product where
// that is exact and fuse allows it. loraIn holds A, Bᵀ per slot (B pre-scaled); proj
// multiplies by a weight.
func newLinears(weights []*Node, slots []loraSlot, loraIn []*Node, proj func(x, w *Node) *Node, fuse bool) (linear, siluLinear func(x, w *Node) *Node) {
	delta := make(map[*Node][2]*Node, len(slots))
	for i, slot := range slots {
		delta[weights[slot.weight]] = [2]*Node{loraIn[2*i], loraIn[2*i+1]}
	}
	linear = func(x, w *Node) *Node {
		y := proj(x, w)
		if ab, ok := delta[w]; ok {
			xa := DotGeneral(x, []int{1}, nil, ab[0], []int{1}, nil)
			y = Add(y, DotGeneral(xa, []int{1}, nil, ab[1], []int{0}, nil))
		}
		return y
	}
	siluLinear = func(x, w *Node) *Node {
		if _, ok := delta[w]; !ok && fuse && x.Shape().Dimensions[0] > 1 {
			return projectSiLU(x, w)
		}
		y := linear(x, w)
		return Mul(y, Sigmoid(y))
	}
	return linear, siluLinear
}

// cacheIndices are the scatter indices that write T new rows at positions start.. into
// a K cache [kvh, C, hd] (pairs (head, position)) and a transposed V cache [kvh, hd, C]
// (triples (head, dim, position)), in the row orders writeK and writeV flatten to.
func cacheIndices(g *Graph, kvh, hd, T int, start *Node) (kIdx, vIdx *Node) {
	pos := Add(Iota(g, shapeOf(dtypes.Int32, kvh, T), 1), start)
	head := Iota(g, shapeOf(dtypes.Int32, kvh, T), 0)
	kIdx = Reshape(Stack([]*Node{head, pos}, -1), kvh*T, 2)
	posV := Add(Iota(g, shapeOf(dtypes.Int32, kvh, hd, T), 2), start)
	headV := Iota(g, shapeOf(dtypes.Int32, kvh, hd, T), 0)
	dimV := Iota(g, shapeOf(dtypes.Int32, kvh, hd, T), 1)
	vIdx = Reshape(Stack([]*Node{headV, dimV, posV}, -1), kvh*hd*T, 3)
	return kIdx, vIdx
}

func shapeOf(dt dtypes.DType, dims ...int) shapes.Shape { return shapes.Make(dt, dims...) }
