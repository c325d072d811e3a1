package inference

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graphs read best with dot-import, as in its own layers.
)

// Graph helpers for weights kept in half precision (weights_half.go): activations stay f32
// everywhere except as the operand of a product with a half-precision matrix, which
// multiplies in the weight's dtype and accumulates and returns f32. The go backend's
// matmul kernels take one input dtype and have BF16×BF16→F32 and F16×F16→F32 variants
// (AVX-512 and AVX2, compute v0.1.6), so for a decode step the activation row is rounded
// to the weight's dtype, as llama.cpp does for its f16 and bf16 products, and the weights
// are read in place; a many-row product widens the weight instead (halfOperands).

// toFloat32 converts x to f32 (nothing when it is already).
func toFloat32(x *Node) *Node {
	if x.DType() == dtypes.Float32 {
		return x
	}
	return ConvertDType(x, dtypes.Float32)
}

// halfWideRows is the number of activation rows from which a product with a
// half-precision weight widens the weight to f32 in the graph and runs the f32 kernel
// instead: a prefill is compute-bound, and compute's BF16 kernels widen both operands
// inside their loops (a 256-token prefill ran at 0.7x the f32 model's speed), while
// widening a weight once per product costs one pass over it. Decode steps (one row) read
// the weights in half precision.
const halfWideRows = 16

// halfOperands makes x [T, in] and weight w one dtype for their product: a half-precision
// w is widened to f32 for many rows (halfWideRows), else x is rounded to w's dtype.
func halfOperands(x, w *Node) (*Node, *Node) {
	if x.DType() == w.DType() {
		return x, w
	}
	if x.Shape().Dimensions[0] >= halfWideRows {
		return x, ConvertDType(w, x.DType())
	}
	return ConvertDType(x, w.DType()), w
}

// weightDot is DotGeneral for a product with a weight: with half-precision operands it
// accumulates in f32 and returns f32 (no rounding of the result to half precision).
func weightDot(lhs *Node, lhsContracting, lhsBatch []int, rhs *Node, rhsContracting, rhsBatch []int) *Node {
	if !rhs.DType().IsHalfPrecision() {
		return DotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
	}
	return Dot(lhs, rhs).WithAccumulatorDType(dtypes.Float32).WithOutputDType(dtypes.Float32).
		General(lhsContracting, lhsBatch, rhsContracting, rhsBatch)
}
