package safetensors

// DType is a tensor element type, spelled as in the header ("F32", "BF16", ...). It is a
// string, not an enum, so that a file holding a dtype this package does not know still opens:
// the tensor is listed and only converting it fails.
type DType string

// The dtypes of the safetensors specification. Models use F32, F16 and BF16 for weights;
// the integer types appear in buffers such as position ids.
const (
	BOOL   DType = "BOOL"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E5M2 DType = "F8_E5M2"
	F8E4M3 DType = "F8_E4M3"
	F8E8M0 DType = "F8_E8M0"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	F64    DType = "F64"
	I64    DType = "I64"
	U64    DType = "U64"
	C64    DType = "C64"
	F4     DType = "F4"
	F6E2M3 DType = "F6_E2M3"
	F6E3M2 DType = "F6_E3M2"
)

// BitSize is the width of one element in bits, or 0 for a dtype this package does not know.
// Bits rather than bytes because the specification has sub-byte types (F4, F6_*).
func (d DType) BitSize() int {
	switch d {
	case F4:
		return 4
	case F6E2M3, F6E3M2:
		return 6
	case BOOL, U8, I8, F8E5M2, F8E4M3, F8E8M0:
		return 8
	case I16, U16, F16, BF16:
		return 16
	case I32, U32, F32:
		return 32
	case F64, I64, U64, C64:
		return 64
	}
	return 0
}

// Size is the width of one element in bytes, or 0 for unknown and sub-byte dtypes; callers
// that stride through raw bytes need it.
func (d DType) Size() int {
	b := d.BitSize()
	if b%8 != 0 {
		return 0
	}
	return b / 8
}

// Known reports whether the package knows the dtype's width, and so can check a tensor's
// byte size against its shape.
func (d DType) Known() bool { return d.BitSize() != 0 }

// alignment orders dtypes for writing: larger elements first keeps every tensor's data
// naturally aligned within the file (the header is padded to 8 bytes), as the Rust reference
// does, so a reader may view F32 data in place.
func (d DType) alignment() int {
	b := d.BitSize()
	if b < 8 {
		return 1
	}
	return b / 8
}
