package inference

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graphs read best with dot-import, as in its own layers.
)

// A large LM head (Config.headChunks) lives on the backend only as row chunks: one-row
// decode products stay on the go backend's direct kernel, and no second copy of the
// head (for tied models, of the embedding table) is kept. Graphs take the chunks after
// the weights, and the head's own slot in the weight list holds headPlaceholder.

// headPlaceholder is the shape of the tensor standing in the weight list for a head that
// lives as chunks; graphs never read it.
var headPlaceholder = []int{1}

// embedRows looks ids [N] int32 up in the embedding table and returns [N, D]: a Gather
// from weights[lay.embed], or, when the table is a tied head kept as chunks, one Gather
// per chunk (indices clamped into it) with the rows outside the chunk masked off.
func embedRows(lay *layout, weights, head []*Node, ids *Node) *Node {
	N := ids.Shape().Dimensions[0]
	if len(head) == 0 || lay.embed != lay.lmHead {
		return toFloat32(Gather(weights[lay.embed], Reshape(ids, N, 1)))
	}
	var x *Node
	off := 0
	for _, chunk := range head {
		dims := chunk.Shape().Dimensions // [rows, D] or split [S, rows/S, D]
		rows := dims[0]
		if len(dims) == 3 {
			rows *= dims[1]
		}
		local := Sub(ids, Const(ids.Graph(), int32(off)))
		in := And(GreaterOrEqual(local, ZerosLike(local)), LessThan(local, BroadcastToDims(Const(ids.Graph(), int32(rows)), N)))
		idx := Reshape(Where(in, local, ZerosLike(local)), N, 1)
		if len(dims) == 3 {
			per := Const(ids.Graph(), int32(dims[1]))
			idx = Concatenate([]*Node{Div(idx, per), Rem(idx, per)}, 1)
		}
		part := toFloat32(Gather(chunk, idx)) // [N, D]
		part = Mul(part, Reshape(ConvertDType(in, dtypes.Float32), N, 1))
		if x == nil {
			x = part
		} else {
			x = Add(x, part)
		}
		off += rows
	}
	return x
}

// headLogits multiplies x [N, D] by the LM head, whole or chunk by chunk: [N, V].
func headLogits(lay *layout, weights, head []*Node, x *Node) *Node {
	if len(head) == 0 {
		return project(x, weights[lay.lmHead])
	}
	parts := make([]*Node, len(head))
	for i, w := range head {
		parts[i] = project(x, w)
	}
	return Concatenate(parts, 1)
}

// project multiplies x [T, in] by a linear weight stored as [out, in] or, split into row
// blocks (Model.rowSplit), as [S, out/S, in] (the same bytes), returning [T, out]. A product
// small enough for the go backend's direct kernel is batched over the S blocks, which that
// kernel spreads over its workers (it parallelises only over batch, so a one-token decode
// product would otherwise run on one core); a larger one contracts the last axes as one
// matrix, which the backend reads in place (no copy of the weight).
func project(x, w *Node) *Node {
	dims := w.Shape().Dimensions
	x, w = halfOperands(x, w)
	if len(dims) == 2 {
		return weightDot(x, []int{1}, nil, w, []int{1}, nil)
	}
	S, o, in := dims[0], dims[1], dims[2]
	T := x.Shape().Dimensions[0]
	if T*S*o*in >= smallMatMulFlops {
		return Reshape(weightDot(x, []int{1}, nil, w, []int{2}, nil), T, S*o)
	}
	xb := BroadcastToDims(Reshape(x, 1, T, in), S, T, in)
	y := weightDot(xb, []int{2}, []int{0}, w, []int{2}, []int{0}) // [S, T, o]
	if T > 1 {
		y = TransposeAllAxes(y, 1, 0, 2)
	}
	return Reshape(y, T, S*o)
}
