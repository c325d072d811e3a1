package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fileBytes lays out a safetensors file from a header written by hand, for seeds the
// writer would refuse to make.
func fileBytes(header string, data []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

// FuzzParseHeader feeds arbitrary bytes to the header and tensor-table parser: it must
// never panic, every error must wrap ErrInvalid, and a header it accepts must describe
// tensors that lie inside the file and convert without a panic or a giant allocation.
func FuzzParseHeader(f *testing.F) {
	dir := f.TempDir()
	p := filepath.Join(dir, "seed.safetensors")
	if err := Write(p, []Tensor{
		F32Tensor("a", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}),
		BF16Tensor("b", []int{4}, []float32{1, -2, 3, 0.5}),
		F16Tensor("c", []int{}, []float32{7}),
		I64Tensor("d", []int{0}, nil),
	}, map[string]string{"format": "pt"}); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(fileBytes(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)))
	f.Add(fileBytes(`{"__metadata__":{"k":1}}`, nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, buf []byte) {
		h, err := parseHeader("fuzz", buf)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		file := &File{path: "fuzz", data: buf, hdr: h, unmap: func() error { return nil }}
		dataStart := int64(8 + binary.LittleEndian.Uint64(buf[:8])) // an accepted header fits in buf
		for _, name := range file.Names() {
			info, _ := file.Info(name)
			if info.Offset < dataStart || info.Offset+info.Size > int64(len(buf)) {
				t.Fatalf("tensor %q [%d, +%d) outside the %d-byte file", name, info.Offset, info.Size, len(buf))
			}
			if _, err := file.Bytes(name); err != nil {
				t.Fatalf("bytes of accepted tensor %q: %v", name, err)
			}
			switch info.DType {
			case F32, F16, BF16, F64:
				v, err := file.Float32(name)
				if err != nil {
					t.Fatalf("convert accepted tensor %q: %v", name, err)
				}
				if int64(len(v)) != info.NumElements() {
					t.Fatalf("tensor %q: %d values, shape says %d", name, len(v), info.NumElements())
				}
			default:
				if _, err := file.Float32(name); err == nil && !info.DType.Known() {
					t.Fatalf("tensor %q of unknown dtype %q converted", name, info.DType)
				}
			}
		}
	})
}
