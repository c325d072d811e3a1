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
		return Gather(weights[lay.embed], Reshape(ids, N, 1))
	}
	var x *Node
	off := 0
	for _, chunk := range head {
		rows := chunk.Shape().Dimensions[0]
		local := Sub(ids, Const(ids.Graph(), int32(off)))
		in := And(GreaterOrEqual(local, ZerosLike(local)), LessThan(local, BroadcastToDims(Const(ids.Graph(), int32(rows)), N)))
		idx := Where(in, local, ZerosLike(local))
		part := Gather(chunk, Reshape(idx, N, 1)) // [N, D]
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
		return DotGeneral(x, []int{1}, nil, weights[lay.lmHead], []int{1}, nil)
	}
	parts := make([]*Node, len(head))
	for i, w := range head {
		parts[i] = DotGeneral(x, []int{1}, nil, w, []int{1}, nil)
	}
	return Concatenate(parts, 1)
}
