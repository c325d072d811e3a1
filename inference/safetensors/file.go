package safetensors

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
)

// File is one open safetensors file, memory-mapped read-only with its header validated.
type File struct {
	path  string
	data  []byte // the whole file, mapped
	hdr   header
	unmap func() error
	once  sync.Once
	err   error
}

// Open maps path and validates its whole header, so that a corrupt or truncated file fails
// here, with its name, rather than halfway through loading a model.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	// The mapping outlives the descriptor.
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("safetensors %s: not a regular file: %w", path, ErrInvalid)
	}
	if st.Size() < 8 {
		// Checked before mapping: an empty file cannot be mapped.
		_, err := parseHeader(path, make([]byte, st.Size()))
		return nil, err
	}
	data, unmap, err := mapFile(fd, st.Size())
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", path, err)
	}
	hdr, err := parseHeader(path, data)
	if err != nil {
		_ = unmap()
		return nil, err
	}
	return &File{path: path, data: data, hdr: hdr, unmap: unmap}, nil
}

// Path is the file's path as given to Open, for messages.
func (f *File) Path() string { return f.path }

// Names lists the tensors, sorted, so that iteration is deterministic.
func (f *File) Names() []string { return slices.Clone(f.hdr.names) }

// Info describes a tensor without touching its data.
func (f *File) Info(name string) (TensorInfo, bool) {
	info, ok := f.hdr.tensors[name]
	if ok {
		info.Shape = slices.Clone(info.Shape)
	}
	return info, ok
}

// Metadata is the header's free-form "__metadata__" map (e.g. {"format": "pt"}); a copy, and
// nil when the file has none.
func (f *File) Metadata() map[string]string { return maps.Clone(f.hdr.metadata) }

// Bytes is the tensor's raw little-endian data as a view into the mapping: no copy, read-only,
// and invalid after Close.
func (f *File) Bytes(name string) ([]byte, error) {
	info, ok := f.hdr.tensors[name]
	if !ok {
		return nil, fmt.Errorf("safetensors %s: %q: %w", f.path, name, ErrNotFound)
	}
	if f.data == nil {
		return nil, fmt.Errorf("safetensors %s: tensor %q: file is closed", f.path, name)
	}
	return f.data[info.Offset : info.Offset+info.Size : info.Offset+info.Size], nil
}

// Tensor returns the tensor with Data viewing the mapping (not copied), ready to pass to
// Write, e.g. when rewriting an adapter with some tensors changed.
func (f *File) Tensor(name string) (Tensor, error) {
	b, err := f.Bytes(name)
	if err != nil {
		return Tensor{}, err
	}
	info, _ := f.Info(name)
	return Tensor{Name: name, DType: info.DType, Shape: info.Shape, Data: b}, nil
}

// Float32 converts a floating-point tensor (F32, F16, BF16, F64) to a new []float32: the one
// copy from the mapping into the Go heap.
func (f *File) Float32(name string) ([]float32, error) {
	info, ok := f.hdr.tensors[name]
	if !ok {
		return nil, fmt.Errorf("safetensors %s: %q: %w", f.path, name, ErrNotFound)
	}
	// Only a known float dtype has its shape checked against its bytes by the header
	// parser; any other may claim a shape too large to allocate (found by FuzzParseHeader).
	switch info.DType {
	case F32, F16, BF16, F64:
	default:
		return nil, fmt.Errorf("safetensors %s: tensor %q: convert %s to float32: %w", f.path, name, info.DType, ErrDType)
	}
	dst := make([]float32, info.NumElements())
	if err := f.Float32Into(name, dst); err != nil {
		return nil, err
	}
	return dst, nil
}

// Float32Into converts like Float32 into a buffer the caller owns (e.g. a tensor's flat
// storage), which saves a second copy of every weight when loading a model.
func (f *File) Float32Into(name string, dst []float32) error {
	info, ok := f.hdr.tensors[name]
	if !ok {
		return fmt.Errorf("safetensors %s: %q: %w", f.path, name, ErrNotFound)
	}
	if int64(len(dst)) != info.NumElements() {
		return fmt.Errorf("safetensors %s: tensor %q: destination holds %d values, tensor has %d", f.path, name, len(dst), info.NumElements())
	}
	if f.data == nil {
		return fmt.Errorf("safetensors %s: tensor %q: file is closed", f.path, name)
	}
	src := f.data[info.Offset : info.Offset+info.Size]
	if err := ToFloat32(dst, info.DType, src); err != nil {
		return fmt.Errorf("safetensors %s: tensor %q: %w", f.path, name, err)
	}
	return nil
}

// Close unmaps the file. Views from Bytes and Tensor become invalid. Calling it again
// returns the first result.
func (f *File) Close() error {
	f.once.Do(func() {
		f.data = nil
		if err := f.unmap(); err != nil {
			f.err = fmt.Errorf("safetensors %s: close: %w", f.path, err)
		}
	})
	return f.err
}
