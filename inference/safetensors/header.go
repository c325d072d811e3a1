package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"
	"unicode/utf8"
)

// maxHeaderSize caps the JSON header as the Rust reference does, so a corrupt length cannot
// make us allocate or parse gigabytes.
const maxHeaderSize = 100_000_000

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
	// dataStart is where the data buffer begins in the file: 8 + header length.
	dataStart int64
}

// rawInfo is one tensor entry as the JSON says it; pointers tell a missing field from a zero.
type rawInfo struct {
	DType   *string   `json:"dtype"`
	Shape   *[]uint64 `json:"shape"`
	Offsets *[]uint64 `json:"data_offsets"`
}

// span is a tensor's [begin, end) in the data buffer, for the layout checks.
type span struct {
	name       string
	begin, end uint64
}

// parseHeader validates the whole header of a file whose full contents are buf, up front, so
// every later lookup can slice the buffer without checks. Errors wrap ErrInvalid and name
// the file (path) and, where one is at fault, the tensor.
func parseHeader(path string, buf []byte) (header, error) {
	fail := func(format string, args ...any) (header, error) {
		return header{}, fmt.Errorf("safetensors %s: %s: %w", path, fmt.Sprintf(format, args...), ErrInvalid)
	}
	if len(buf) < 8 {
		return fail("truncated: %d bytes, need at least 8 for the header length", len(buf))
	}
	n := binary.LittleEndian.Uint64(buf[:8])
	if n > maxHeaderSize {
		return fail("header length %d exceeds the %d-byte limit", n, maxHeaderSize)
	}
	if n > uint64(len(buf)-8) {
		return fail("header length %d runs past the end of the %d-byte file", n, len(buf))
	}
	raw := buf[8 : 8+n]
	if !utf8.Valid(raw) {
		return fail("header is not valid UTF-8")
	}
	entries, err := decodeObject(raw)
	if err != nil {
		return fail("header: %v", err)
	}
	h := header{tensors: make(map[string]TensorInfo, len(entries)), dataStart: int64(8 + n)}
	bufLen := uint64(len(buf)) - 8 - n
	spans := make([]span, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if seen[e.key] {
			return fail("duplicate entry %q", e.key)
		}
		seen[e.key] = true
		if e.key == metadataKey {
			if err := json.Unmarshal(e.value, &h.metadata); err != nil {
				return fail("%s is not a map of strings to strings: %v", metadataKey, err)
			}
			continue
		}
		info, sp, err := parseInfo(e.key, e.value, bufLen)
		if err != nil {
			return fail("tensor %q: %v", e.key, err)
		}
		info.Offset += h.dataStart
		h.tensors[e.key] = info
		h.names = append(h.names, e.key)
		spans = append(spans, sp)
	}
	if err := checkLayout(spans, bufLen); err != nil {
		return fail("%v", err)
	}
	sort.Strings(h.names)
	return h, nil
}

// parseInfo checks one tensor entry on its own: fields present, offsets ordered and inside
// the buffer, and (for known dtypes) a byte size that matches the shape.
func parseInfo(name string, value []byte, bufLen uint64) (TensorInfo, span, error) {
	var r rawInfo
	if err := json.Unmarshal(value, &r); err != nil {
		return TensorInfo{}, span{}, fmt.Errorf("bad entry: %v", err)
	}
	switch {
	case r.DType == nil:
		return TensorInfo{}, span{}, fmt.Errorf("missing dtype")
	case r.Shape == nil:
		return TensorInfo{}, span{}, fmt.Errorf("missing shape")
	case r.Offsets == nil:
		return TensorInfo{}, span{}, fmt.Errorf("missing data_offsets")
	case len(*r.Offsets) != 2:
		return TensorInfo{}, span{}, fmt.Errorf("data_offsets has %d values, want [begin, end]", len(*r.Offsets))
	}
	begin, end := (*r.Offsets)[0], (*r.Offsets)[1]
	if end < begin {
		return TensorInfo{}, span{}, fmt.Errorf("data_offsets [%d, %d] out of order", begin, end)
	}
	if end > bufLen {
		return TensorInfo{}, span{}, fmt.Errorf("data_offsets [%d, %d] overrun the %d-byte data buffer", begin, end, bufLen)
	}
	dt := DType(*r.DType)
	shape := make([]int, len(*r.Shape))
	nelem := uint64(1)
	for i, d := range *r.Shape {
		hi, lo := bits.Mul64(nelem, d)
		if d > math.MaxInt || hi != 0 || lo > math.MaxInt64 {
			return TensorInfo{}, span{}, fmt.Errorf("shape %v overflows", *r.Shape)
		}
		shape[i] = int(d)
		nelem = lo
	}
	if dt.Known() {
		hi, nbits := bits.Mul64(nelem, uint64(dt.BitSize()))
		if hi != 0 {
			return TensorInfo{}, span{}, fmt.Errorf("shape %v of %s overflows", *r.Shape, dt)
		}
		if nbits%8 != 0 {
			return TensorInfo{}, span{}, fmt.Errorf("shape %v of %s is not a whole number of bytes", *r.Shape, dt)
		}
		if nbits/8 != end-begin {
			return TensorInfo{}, span{}, fmt.Errorf("size %d bytes (data_offsets [%d, %d]) but shape %v of %s needs %d",
				end-begin, begin, end, *r.Shape, dt, nbits/8)
		}
	}
	info := TensorInfo{Name: name, DType: dt, Shape: shape, Offset: int64(begin), Size: int64(end - begin)}
	return info, span{name: name, begin: begin, end: end}, nil
}

// checkLayout requires the tensors, ordered by offset, to tile the data buffer exactly, as the
// Rust reference does: each begins where the previous ended (zero-size tensors may share an
// offset), and the last ends at the end of the file.
func checkLayout(spans []span, bufLen uint64) error {
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		return spans[i].end < spans[j].end
	})
	var at uint64
	prev := ""
	for _, s := range spans {
		switch {
		case s.begin < at:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q ending at %d", s.name, s.begin, s.end, prev, at)
		case s.begin > at:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave a gap of %d bytes after offset %d", s.name, s.begin, s.end, s.begin-at, at)
		}
		at, prev = s.end, s.name
	}
	if at != bufLen {
		return fmt.Errorf("tensors cover %d bytes of the %d-byte data buffer (%d trailing bytes)", at, bufLen, bufLen-at)
	}
	return nil
}

// entry is one key of the header object, in file order.
type entry struct {
	key   string
	value json.RawMessage
}

// decodeObject splits a JSON object into its entries without merging duplicate keys (which
// encoding/json would do silently), and rejects anything after the closing brace other than
// the space padding writers add.
func decodeObject(raw []byte) ([]entry, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []entry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("not JSON: unexpected %v", tok)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("not JSON: value of %q: %v", key, err)
		}
		out = append(out, entry{key: key, value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if tok, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON object (%v %v)", tok, err)
	}
	return out, nil
}
