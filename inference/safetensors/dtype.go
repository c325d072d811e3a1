package safetensors

import st "github.com/nlpodyssey/safetensors"

// DType is a tensor element type, spelled as in the header ("F32", "BF16", ...). The set is
// the one nlpodyssey/safetensors knows (the dtypes of the specification up to U64); a file
// holding any other dtype (F8_*, F4, F6_*, C64) does not open, with an error naming the
// tensor and the dtype.
type DType string

// The dtypes files may hold. Models use F32, F16 and BF16 for weights; the integer types
// appear in buffers such as position ids.
const (
	BOOL DType = "BOOL"
	U8   DType = "U8"
	I8   DType = "I8"
	I16  DType = "I16"
	U16  DType = "U16"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I32  DType = "I32"
	U32  DType = "U32"
	F32  DType = "F32"
	F64  DType = "F64"
	I64  DType = "I64"
	U64  DType = "U64"
)

// lib is the library's value for d; false when the library does not know d.
func (d DType) lib() (st.DType, bool) {
	dt, err := st.ParseDType(string(d))
	return dt, err == nil
}

// Size is the width of one element in bytes, or 0 for a dtype the package does not know.
func (d DType) Size() int {
	dt, ok := d.lib()
	if !ok {
		return 0
	}
	return int(dt.Size())
}

// Known reports whether files may hold the dtype.
func (d DType) Known() bool {
	_, ok := d.lib()
	return ok
}
