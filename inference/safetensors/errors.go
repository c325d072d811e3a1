package safetensors

import "errors"

// Sentinel errors, so callers can tell a corrupt file from a missing tensor from a dtype they
// must handle themselves (errors.Is); the messages around them name the file and tensor.
var (
	// ErrInvalid marks a file whose header or layout breaks the format.
	ErrInvalid = errors.New("invalid safetensors file")
	// ErrNotFound marks a lookup of a tensor name the file or set does not hold; PEFT
	// adapters probe for optional tensors this way.
	ErrNotFound = errors.New("tensor not found")
	// ErrDType marks a conversion the tensor's dtype does not support.
	ErrDType = errors.New("unsupported dtype")
)
