package inference

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graphs read best with dot-import, as in its own layers.
)

// Input order of a batched decode graph (modeDecode) for B requests: tokens [B] int32,
// positions [B] int32 (where each request's token goes), then B×2×layers caches, request
// by request (each request's per-layer K [kvHeads, C_b, headDim] then V
// [kvHeads, headDim, C_b], as in a step graph), then the weights in layout order, the LM
// head chunks (if any) and A,B per LoRA slot. Outputs: logits [B, vocab], then the caches
// in the same order.
const (
	inDecodeTokens    = 0
	inDecodePositions = 1
	numDecodeScalars  = 2
)

// buildDecode is the batched decode step: every row-wise operation (norms, projections,
// the MLP, the head) runs once on a [B, D] batch, so the weights are read once for all B
// requests; attention runs per request against that request's own cache, whose capacity
// may differ from the others'.
func (s *graphSpec) buildDecode(inputs []*Node) []*Node {
	cfg, lay := s.cfg, s.lay
	tokens, positions := inputs[inDecodeTokens], inputs[inDecodePositions]
	g := tokens.Graph()
	B, L := tokens.Shape().Dimensions[0], cfg.NumLayers
	caches := inputs[numDecodeScalars : numDecodeScalars+2*B*L]
	off := numDecodeScalars + 2*B*L
	weights := inputs[off : off+len(lay.specs)]
	off += len(lay.specs)
	headIn := inputs[off : off+len(s.headRows)]
	linear, siluLinear := newLinears(weights, s.loras, inputs[off+len(s.headRows):], projectFewRows, false)

	x := embedRows(lay, weights, headIn, tokens) // [B, D]

	// Rotary tables per row: each row is its own request's position.
	half := cfg.HeadDim / 2
	angles := Mul(Reshape(ConvertDType(positions, dtypes.Float32), B, 1), Reshape(Const(g, cfg.InvFreq()), 1, half))
	angles = Concatenate([]*Node{angles, angles}, 1)
	cos, sin := Cos(angles), Sin(angles)
	kvh, group, hd := cfg.NumKVHeads, cfg.NumHeads/cfg.NumKVHeads, cfg.HeadDim
	scale := float32(1 / math.Sqrt(float64(hd)))
	ropeQ := newRope(cos, sin, kvh*group, scale)
	ropeK := newRope(cos, sin, kvh, 1)

	// Per request: its attention mask over its own capacity and its cache-write indices.
	type slot struct {
		attn       rowAttention
		kIdx, vIdx *Node
	}
	slots := make([]slot, B)
	for b := range slots {
		pos := Reshape(SliceAxis(positions, 0, AxisElem(b)))
		C := caches[2*L*b].Shape().Dimensions[1]
		kIdx, vIdx := cacheIndices(g, kvh, hd, 1, pos)
		slots[b] = slot{attn: newRowAttention(kvh, group, hd, C, pos), kIdx: kIdx, vIdx: vIdx}
	}

	newCaches := make([]*Node, 2*B*L)
	attend := func(l int, q, k, v *Node) *Node {
		outs := make([]*Node, B)
		for b, sl := range slots {
			kb := Reshape(SliceAxis(k, 0, AxisElem(b)), kvh, hd) // one row: (head, dim) order is the K update order
			vb := Reshape(SliceAxis(v, 0, AxisElem(b)), kvh*hd)
			ci := 2*L*b + 2*l
			kAll := ScatterSum(caches[ci], sl.kIdx, kb, true, true)
			vAllT := ScatterSum(caches[ci+1], sl.vIdx, vb, true, true)
			newCaches[ci], newCaches[ci+1] = kAll, vAllT
			outs[b] = sl.attn.apply(SliceAxis(q, 0, AxisElem(b)), kAll, vAllT)
		}
		if B == 1 {
			return outs[0]
		}
		return Concatenate(outs, 0)
	}
	norm := func(x, w *Node) *Node { return rmsNorm(x, w, cfg.RMSNormEps) }
	dec := &decoder{cfg: cfg, layers: bindLayers(lay, weights), norm: weights[lay.norm], linear: linear,
		siluLinear: siluLinear, rmsNorm: norm, ropeQ: ropeQ.apply, ropeK: ropeK.apply, attend: attend}
	x = dec.forward(x)
	heads := headIn
	if len(heads) == 0 {
		heads = []*Node{weights[lay.lmHead]}
	}
	logits := make([]*Node, len(heads))
	for i, w := range heads {
		logits[i] = projectFewRows(x, w)
	}
	if len(logits) > 1 {
		return append([]*Node{Concatenate(logits, 1)}, newCaches...)
	}
	return append(logits, newCaches...)
}

// projectFewRows is project for the few rows of a decode batch: rows in groups small
// enough for the go backend's direct kernel, which reads the weight in place. One product
// over all rows would cross the backend's size threshold to its packing kernel, which
// repacks the whole weight on every call: for 8 rows on the 135M shapes that cost more
// than the 8 products together (unsafePackLHS was 47% of a batched step's profile).
func projectFewRows(x, w *Node) *Node {
	T := x.Shape().Dimensions[0]
	size := 1
	for _, d := range w.Shape().Dimensions {
		size *= d
	}
	per := max(1, (smallMatMulFlops-1)/size)
	if T <= per {
		return project(x, w)
	}
	var parts []*Node
	for r := 0; r < T; r += per {
		parts = append(parts, project(SliceAxis(x, 0, AxisRange(r, min(T, r+per))), w))
	}
	return Concatenate(parts, 0)
}

// rowAttention is one request's attention in a decode step: one query row (all heads)
// against that request's cache. With a single row the query needs no transposes to line
// its heads up with the cache's (attention.apply's general form makes two per layer, each
// a copy through the go backend's generic transpose): a reshape does it.
type rowAttention struct {
	kvh, group, hd int
	// bias is the causal mask [kvh, group, C]: 0 for keys at or before the row's
	// position, -1e30 after (the cache rows not yet written), as attention's.
	bias *Node
}

// newRowAttention builds the mask of a row at position pos (a scalar) against C keys,
// broadcast once to the scores' shape (the go backend's binary ops are fast only on
// equal shapes).
func newRowAttention(kvh, group, hd, C int, pos *Node) rowAttention {
	g := pos.Graph()
	kPos := Iota(g, shapeOf(dtypes.Int32, C), 0)
	bias := Where(LessOrEqual(kPos, BroadcastToDims(pos, C)), ZerosLike(ConvertDType(kPos, dtypes.Float32)),
		BroadcastToDims(Const(g, float32(-1e30)), C))
	return rowAttention{kvh: kvh, group: group, hd: hd,
		bias: materialize(BroadcastToDims(Reshape(bias, 1, 1, C), kvh, group, C))}
}

// apply attends q [1, heads, hd] (rotated, scaled) to keys [kvh, C, hd] and values stored
// transposed [kvh, hd, C], returning [1, heads*hd]: the same products and softmax as
// attention.apply for one row.
func (a rowAttention) apply(q, keys, valuesT *Node) *Node {
	q = Reshape(q, a.kvh, a.group, a.hd)
	scores := Add(DotGeneral(q, []int{2}, []int{0}, keys, []int{2}, []int{0}), a.bias)      // [kvh, group, C]
	out := DotGeneral(Softmax(scores, -1), []int{2}, []int{0}, valuesT, []int{2}, []int{0}) // [kvh, group, hd]
	return Reshape(out, 1, a.kvh*a.group*a.hd)
}
