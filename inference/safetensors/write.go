package safetensors

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// jsonInfo is a header entry in the field order the Rust reference writes.
type jsonInfo struct {
	DType   DType     `json:"dtype"`
	Shape   []int     `json:"shape"`
	Offsets [2]uint64 `json:"data_offsets"`
}

// Write stores tensors and metadata (may be nil) at path, atomically: it writes a temporary
// file in the same directory, fsyncs it and renames it over path, so a crash never leaves a
// half-written model or adapter. Header keys are sorted and the header is padded with spaces
// to a multiple of 8 bytes; data is laid out by descending element size, then name, as the
// Rust reference does, so every tensor is naturally aligned within the file.
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	hdr, order, err := buildHeader(tensors, metadata)
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
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hdr)))
	_, _ = w.Write(n[:])
	_, _ = w.Write(hdr)
	for _, i := range order {
		if _, err := w.Write(tensors[i].Data); err != nil {
			return fmt.Errorf("write %s: tensor %s: %w", path, tensors[i].Name, err)
		}
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

// buildHeader checks the tensors and returns the padded JSON header and the order in which
// their data follows it.
func buildHeader(tensors []Tensor, metadata map[string]string) ([]byte, []int, error) {
	order := make([]int, len(tensors))
	seen := make(map[string]bool, len(tensors))
	for i, t := range tensors {
		order[i] = i
		if err := checkTensor(t); err != nil {
			return nil, nil, err
		}
		if seen[t.Name] {
			return nil, nil, fmt.Errorf("tensor %s: duplicate name", t.Name)
		}
		seen[t.Name] = true
	}
	slices.SortFunc(order, func(a, b int) int {
		ta, tb := tensors[a], tensors[b]
		if d := tb.DType.alignment() - ta.DType.alignment(); d != 0 {
			return d
		}
		return strings.Compare(ta.Name, tb.Name)
	})
	entries := make(map[string]any, len(tensors)+1)
	if metadata != nil {
		entries[metadataKey] = metadata
	}
	var at uint64
	for _, i := range order {
		t := tensors[i]
		shape := t.Shape
		if shape == nil {
			shape = []int{} // a 0-d tensor is "shape": [], never null.
		}
		end := at + uint64(len(t.Data))
		entries[t.Name] = jsonInfo{DType: t.DType, Shape: shape, Offsets: [2]uint64{at, end}}
		at = end
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep names like "a<b" readable, as other writers do.
	if err := enc.Encode(entries); err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	hdr := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}
	return hdr, order, nil
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
	hi, nbits := bits.Mul64(nelem, uint64(t.DType.BitSize()))
	if hi != 0 || nbits%8 != 0 || nbits/8 != uint64(len(t.Data)) {
		return fmt.Errorf("tensor %s: %d bytes of data, but shape %v of %s needs %d bits", t.Name, len(t.Data), t.Shape, t.DType, nbits)
	}
	return nil
}
