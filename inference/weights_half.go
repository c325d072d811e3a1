package inference

import (
	"fmt"
	"reflect"
	"strings"
	"unsafe"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/dtypes/float16"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"

	"manualbot/inference/safetensors"
)

// Half-precision checkpoints keep their matrices (the linear layers, the embedding table,
// the LM head) in the checkpoint's dtype on the backend: no f32 copy, half the memory and
// half the bytes a decode step reads. Vectors (norm weights, biases) are converted to f32,
// which costs nothing measurable and keeps the element-wise graph in one dtype; so a bf16
// checkpoint whose norms are stored f32 (mixed dtypes) loads the same way. Products with
// half-precision weights accumulate in f32 (graph_half.go).
//
// One exception: F16 matrices on the go backend are converted to f32 at load. Its F16
// kernels (compute v0.1.6) widen F16 to F32 in software (Go's simd package exposes no
// F16C conversion), which made a 135M-shape decode step 8x slower than with BF16 weights
// (3.5 against 29.6 tokens/s, side by side); BF16 widens with a shift. XLA keeps F16.

// storedDType is the backend dtype a checkpoint tensor of dtype dt and shape is kept in.
func (m *Model) storedDType(dt safetensors.DType, shape []int) dtypes.DType {
	if len(shape) == 2 {
		switch {
		case dt == safetensors.BF16:
			return dtypes.BFloat16
		case dt == safetensors.F16 && !m.goBackend():
			return dtypes.Float16
		}
	}
	return dtypes.Float32
}

// goBackend reports whether the model runs on GoMLX's pure-Go backend.
func (m *Model) goBackend() bool {
	return strings.HasPrefix(strings.ToLower(m.backend.Name()), "go")
}

// newHalfWeight places raw little-endian half-precision data (BF16 or F16) on the backend
// as a tensor of spec's shape, refusing non-finite values.
func (m *Model) newHalfWeight(spec weightSpec, dt dtypes.DType, raw []byte) (*tensors.Tensor, error) {
	if len(raw) != 2*spec.numElements() {
		return nil, fmt.Errorf("tensor %s: %d bytes for %d values", spec.Name, len(raw), spec.numElements())
	}
	if idx, bad := halfNonFinite(dt, raw); bad {
		return nil, fmt.Errorf("tensor %s has a non-finite value at flat index %d", spec.Name, idx)
	}
	shape := shapes.Make(dt, spec.Shape...)
	var buf compute.Buffer
	if m.backend.HasSharedBuffers() {
		b, flat, err := m.backend.NewSharedBuffer(0, shape)
		if err != nil {
			return nil, fmt.Errorf("tensor %s: allocating on the backend: %w", spec.Name, err)
		}
		copy(flatBytes(flat), raw)
		buf = b
	} else {
		var host any
		switch dt {
		case dtypes.BFloat16:
			h := make([]bfloat16.BFloat16, spec.numElements())
			copy(flatBytes(h), raw)
			host = h
		case dtypes.Float16:
			h := make([]float16.Float16, spec.numElements())
			copy(flatBytes(h), raw)
			host = h
		default:
			return nil, fmt.Errorf("tensor %s: %s is not a half-precision dtype", spec.Name, dt)
		}
		b, err := m.backend.BufferFromFlatData(0, host, shape)
		if err != nil {
			return nil, fmt.Errorf("tensor %s: copying to the backend: %w", spec.Name, err)
		}
		buf = b
	}
	t, err := tensors.FromBuffer(buf)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", spec.Name, err)
	}
	return t, nil
}

// flatBytes views a flat slice of fixed-size numbers as its bytes (little-endian on every
// platform the go backend runs on, as safetensors data is).
func flatBytes(flat any) []byte {
	v := reflect.ValueOf(flat)
	if v.Len() == 0 {
		return nil
	}
	n := v.Len() * int(v.Type().Elem().Size())
	return unsafe.Slice((*byte)(v.UnsafePointer()), n)
}

// halfNonFinite finds an Inf or NaN in raw BF16 or F16 data: all exponent bits set.
func halfNonFinite(dt dtypes.DType, raw []byte) (int, bool) {
	exp := uint16(0x7f80) // bf16: 8 exponent bits
	if dt == dtypes.Float16 {
		exp = 0x7c00 // f16: 5 exponent bits
	}
	for i := 0; i+1 < len(raw); i += 2 {
		if h := uint16(raw[i]) | uint16(raw[i+1])<<8; h&exp == exp {
			return i / 2, true
		}
	}
	return 0, false
}

// WeightDType names the dtype the model's matrices are kept in on the backend ("f32",
// "bf16", "f16"), for logs and benchmarks.
func (m *Model) WeightDType() string {
	w := m.base[m.lay.embed]
	if m.lay.lmHead == m.lay.embed && len(m.head) > 0 {
		w = m.head[0] // the embedding slot holds a placeholder
	}
	switch w.DType() {
	case dtypes.BFloat16:
		return "bf16"
	case dtypes.Float16:
		return "f16"
	case dtypes.Float32:
		return "f32"
	}
	return w.DType().String()
}

// WeightBytes is the memory the model's weights take on the backend.
func (m *Model) WeightBytes() int64 {
	var n int64
	for _, t := range append(append([]*tensors.Tensor(nil), m.base...), m.head...) {
		n += t.Shape().ByteSize()
	}
	return n
}
