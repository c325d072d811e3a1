package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"unicode/utf8"

	st "github.com/nlpodyssey/safetensors"
)

// metadataKey is the header entry holding free-form string metadata rather than a tensor.
const metadataKey = "__metadata__"

// TensorInfo describes one tensor of a file without touching its data.
type TensorInfo struct {
	Name  string
	DType DType
	// Shape is empty for a 0-d (scalar) tensor; a zero dimension makes an empty tensor.
	Shape []int
	// Offset is the absolute byte offset of the data in the file (header included), so a
	// caller can read it without knowing the header's length.
	Offset int64
	// Size is the data's length in bytes.
	Size int64
}

// NumElements is the product of the shape (1 for a 0-d tensor).
func (t TensorInfo) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// header is a parsed and validated header.
type header struct {
	tensors  map[string]TensorInfo
	names    []string // sorted
	metadata map[string]string
}

// parseHeader validates the whole header of a file whose full contents are buf, up front, so
// every later lookup can slice the buffer without checks. Errors wrap ErrInvalid and name
// the file (path).
//
// The library (nlpodyssey/safetensors) parses the JSON and checks what the Rust reference
// checks: the header length, each tensor's byte size against its dtype and shape (with
// overflow checks), and that the tensors, ordered by offset, tile the data buffer exactly.
// Two checks of the reference it lacks are made here first: the header must be valid UTF-8
// (Go's JSON decoder would silently replace bad bytes), and no name may appear twice (a Go
// map keeps the last one silently).
func parseHeader(path string, buf []byte) (header, error) {
	fail := func(format string, args ...any) (header, error) {
		return header{}, fmt.Errorf("safetensors %s: %s: %w", path, fmt.Sprintf(format, args...), ErrInvalid)
	}
	if len(buf) >= 8 {
		if n := binary.LittleEndian.Uint64(buf[:8]); n <= uint64(len(buf)-8) {
			raw := buf[8 : 8+n]
			if !utf8.Valid(raw) {
				return fail("header is not valid UTF-8")
			}
			if err := checkDuplicateKeys(raw); err != nil {
				return fail("header: %v", err)
			}
		}
	}
	n, md, err := st.ReadMetadata(buf)
	if err != nil {
		return fail("%v", err)
	}
	dataStart := int64(8 + n)
	infos := md.Tensors()
	h := header{tensors: make(map[string]TensorInfo, len(infos)), metadata: md.Metadata()}
	for name, info := range infos {
		shape := make([]int, len(info.Shape))
		for i, d := range info.Shape {
			if d > math.MaxInt { // the library checked the product fits in uint64; Go indexes with int
				return fail("tensor %q: shape %v overflows", name, info.Shape)
			}
			shape[i] = int(d)
		}
		begin, end := info.DataOffsets[0], info.DataOffsets[1]
		h.tensors[name] = TensorInfo{Name: name, DType: DType(info.DType.String()), Shape: shape,
			Offset: dataStart + int64(begin), Size: int64(end - begin)}
		h.names = append(h.names, name)
	}
	sort.Strings(h.names)
	return h, nil
}

// checkDuplicateKeys walks the top-level keys of a JSON object, refusing one seen twice
// (encoding/json, which the library uses, merges duplicates into one map entry silently).
// Everything else about the JSON is the library's to judge.
func checkDuplicateKeys(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil // not an object: the library's error says so
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("duplicate entry %q", key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}
