package safetensors

import (
	"bufio"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"

	st "github.com/nlpodyssey/safetensors"
)

// Write stores tensors and metadata (may be nil) at path, atomically: it writes a temporary
// file in the same directory, fsyncs it and renames it over path, so a crash never leaves a
// half-written model or adapter. Header keys are sorted and the header is padded with spaces
// to a multiple of 8 bytes; data is laid out by descending element size, then name, as the
// Rust reference does, so every tensor is naturally aligned within the file.
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	views, err := libViews(tensors)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	if err := st.SerializeToWriter(views, metadata, w); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: fsync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	// Make the rename itself durable; not every platform can fsync a directory.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// view is a Tensor as the library's writer sees it. The library's own TensorView refuses
// 0-d tensors, so the project checks sizes itself (checkTensor) and hands over this.
type view struct {
	dtype st.DType
	shape []uint64
	data  []byte
}

func (v view) DType() st.DType { return v.dtype }
func (v view) Shape() []uint64 { return v.shape }
func (v view) Data() []byte    { return v.data }
func (v view) DataLen() uint64 { return uint64(len(v.data)) }

// libViews checks the tensors and keys them by name for the library, which takes a map:
// a duplicate name would silently drop a tensor there, so it is refused here.
func libViews(tensors []Tensor) (map[string]view, error) {
	views := make(map[string]view, len(tensors))
	for _, t := range tensors {
		if err := checkTensor(t); err != nil {
			return nil, err
		}
		if _, dup := views[t.Name]; dup {
			return nil, fmt.Errorf("tensor %s: duplicate name", t.Name)
		}
		dt, _ := t.DType.lib()
		shape := make([]uint64, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = uint64(d)
		}
		views[t.Name] = view{dtype: dt, shape: shape, data: t.Data}
	}
	return views, nil
}

// checkTensor refuses what a reader would reject, so that Write never produces a file Open
// cannot read back.
func checkTensor(t Tensor) error {
	if t.Name == metadataKey {
		return fmt.Errorf("tensor name %s is reserved for metadata", metadataKey)
	}
	if !t.DType.Known() {
		return fmt.Errorf("tensor %s: %q: %w", t.Name, t.DType, ErrDType)
	}
	nelem := uint64(1)
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("tensor %s: negative dimension in shape %v", t.Name, t.Shape)
		}
		hi, lo := bits.Mul64(nelem, uint64(d))
		if hi != 0 {
			return fmt.Errorf("tensor %s: shape %v overflows", t.Name, t.Shape)
		}
		nelem = lo
	}
	hi, nbytes := bits.Mul64(nelem, uint64(t.DType.Size()))
	if hi != 0 || nbytes != uint64(len(t.Data)) {
		return fmt.Errorf("tensor %s: %d bytes of data, but shape %v of %s needs %d", t.Name, len(t.Data), t.Shape, t.DType, nbytes)
	}
	return nil
}
