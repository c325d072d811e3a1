package inference

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graphs read best with dot-import, as in its own layers.
)

// causalBlockRows is the query-row block of a many-token forward's attention: each block
// attends only to the keys at or before its last row, so a 256-token prefill computes
// 62.5% of the full T×T scores, softmax and products (the go backend's softmax alone was
// 16% of that prefill on the 135M shapes).
const causalBlockRows = 64

// attention is one layer's causal attention as a graph builder; its masks are built once
// per graph and shared by every layer.
type attention struct {
	kvh, group, hd, T, C int
	// offset is the position of the first query in the blocked form (0 but for a chunk).
	offset int
	// bias is the additive causal mask [kvh, group, T, C] of the unblocked form.
	bias *Node
	// blocks, when set, split the query rows (the blocked form; start is 0).
	blocks []attnBlock
}

// attnBlock is the queries at positions [from, from+rows), seeing keys [0, keys): all of the
// keys before from, and the block's own diagonal [from, keys) through the causal mask
// diag [kvh, rows*group, rows]. Only the diagonal needs a mask, so the masks of a long
// prompt take O(T·rows) memory, not the O(T²) of one mask over every block's keys
// (1.2 GB for 8,192 tokens on the 135M shapes).
type attnBlock struct {
	from, rows, keys int
	diag             *Node
}

// newAttention builds the masks for T queries at positions start.. against C keys. The
// go backend's binary ops are fast only on equal shapes, so masks are broadcast to the
// scores' full shape once here rather than in every layer.
func newAttention(cfg Config, T, C int, start *Node, blocked bool) *attention {
	g := start.Graph()
	a := &attention{kvh: cfg.NumKVHeads, group: cfg.NumHeads / cfg.NumKVHeads, hd: cfg.HeadDim, T: T, C: C}
	// mask is 0 where a query (axis 0, from position from) may see a key (last axis).
	mask := func(from *Node, dims ...int) *Node {
		shape := shapeOf(dtypes.Int32, dims...)
		qPos := Add(Iota(g, shape, 0), from)
		kPos := Iota(g, shape, len(dims)-1)
		return Where(LessOrEqual(kPos, qPos), ZerosLike(ConvertDType(kPos, dtypes.Float32)),
			BroadcastToDims(Const(g, float32(-1e30)), dims...))
	}
	if !blocked || T <= causalBlockRows {
		bias := mask(start, T, C)
		a.bias = materialize(BroadcastToDims(Reshape(bias, 1, 1, T, C), a.kvh, a.group, T, C))
		return a
	}
	return newBlockedAttention(cfg, T, 0, g)
}

// newBlockedAttention is the blocked form for T queries at the static positions
// offset.., whose keys are the cache's first offset+T rows.
func newBlockedAttention(cfg Config, T, offset int, g *Graph) *attention {
	a := &attention{kvh: cfg.NumKVHeads, group: cfg.NumHeads / cfg.NumKVHeads, hd: cfg.HeadDim, T: T, C: offset + T, offset: offset}
	diags := map[int]*Node{} // by block rows: every full block shares one
	for from := 0; from < T; from += causalBlockRows {
		rows := min(causalBlockRows, T-from)
		if diags[rows] == nil {
			d := causalMask(g, rows, a.group, rows)
			diags[rows] = materialize(BroadcastToDims(Reshape(d, 1, rows*a.group, rows), a.kvh, rows*a.group, rows))
		}
		a.blocks = append(a.blocks, attnBlock{from: offset + from, rows: rows, keys: offset + from + rows, diag: diags[rows]})
	}
	return a
}

// causalMask is 0 where a query (axis 0) may see a key (last axis) of the same block,
// -1e30 elsewhere.
func causalMask(g *Graph, dims ...int) *Node {
	shape := shapeOf(dtypes.Int32, dims...)
	qPos, kPos := Iota(g, shape, 0), Iota(g, shape, len(dims)-1)
	return Where(LessOrEqual(kPos, qPos), ZerosLike(ConvertDType(kPos, dtypes.Float32)),
		BroadcastToDims(Const(g, float32(-1e30)), dims...))
}

// apply attends q [T, heads, hd] (rotated, scaled) to keys [kvh, C, hd] and values
// stored transposed [kvh, hd, C], returning [T, heads*hd]. Both products contract the
// last axis of both operands, the go backend's fast layout.
func (a *attention) apply(q, keys, valuesT *Node) *Node {
	kvh, group, hd, T := a.kvh, a.group, a.hd, a.T
	if a.blocks == nil {
		keys, valuesT = firstKeys(keys, valuesT, a.C)
		q = Reshape(TransposeAllAxes(Reshape(q, T, kvh, group, hd), 1, 2, 0, 3), kvh, group*T, hd)
		scores := DotGeneral(q, []int{2}, []int{0}, keys, []int{2}, []int{0}) // [kvh, group*T, C]
		scores = Add(Reshape(scores, kvh, group, T, a.C), a.bias)
		probs := Reshape(Softmax(scores, -1), kvh, group*T, a.C)
		out := DotGeneral(probs, []int{2}, []int{0}, valuesT, []int{2}, []int{0}) // [kvh, group*T, hd]
		return Reshape(TransposeAllAxes(Reshape(out, kvh, group, T, hd), 2, 0, 1, 3), T, kvh*group*hd)
	}
	// Blocked form: rows ordered (t, g) within a KV head, so a block of positions is a
	// contiguous slice.
	q = Reshape(TransposeAllAxes(Reshape(q, T, kvh, group, hd), 1, 0, 2, 3), kvh, T*group, hd)
	outs := make([]*Node, len(a.blocks))
	for i, b := range a.blocks {
		row := b.from - a.offset // of the block's first query in q
		qb := SliceAxis(q, 1, AxisRange(row*group, (row+b.rows)*group))
		if i > 0 {
			qb = after(qb, outs[i-1])
		}
		_, vb := firstKeys(keys, valuesT, b.keys)
		// Scores of the diagonal keys, masked, after those of every earlier key (all
		// visible): [kvh, rows*group, keys].
		kd := SliceAxis(keys, 1, AxisRange(b.from, b.keys))
		scores := Add(DotGeneral(qb, []int{2}, []int{0}, kd, []int{2}, []int{0}), b.diag)
		if b.from > 0 {
			kp := SliceAxis(keys, 1, AxisRange(0, b.from))
			scores = Concatenate([]*Node{DotGeneral(qb, []int{2}, []int{0}, kp, []int{2}, []int{0}), scores}, 2)
		}
		outs[i] = DotGeneral(Softmax(scores, -1), []int{2}, []int{0}, vb, []int{2}, []int{0})
	}
	out := Concatenate(outs, 1) // [kvh, T*group, hd]
	return Reshape(TransposeAllAxes(Reshape(out, kvh, T, group, hd), 1, 0, 2, 3), T, kvh*group*hd)
}

// firstKeys returns the first n keys [kvh, n, hd] and values [kvh, hd, n] of a cache
// (a prefill attends from the caches it makes, padded to their capacity).
func firstKeys(keys, valuesT *Node, n int) (*Node, *Node) {
	if keys.Shape().Dimensions[1] > n {
		keys = SliceAxis(keys, 1, AxisRange(0, n))
	}
	if valuesT.Shape().Dimensions[2] > n {
		valuesT = SliceAxis(valuesT, 2, AxisRange(0, n))
	}
	return keys, valuesT
}
