package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// rawTensor builds a tensor of any known dtype with distinct bytes, so that a misplaced
// offset shows up as a byte mismatch.
func rawTensor(name string, dt DType, shape []int, seed byte) Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	b := make([]byte, n*dt.Size())
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return Tensor{Name: name, DType: dt, Shape: shape, Data: b}
}

func TestRoundTripEveryDType(t *testing.T) {
	dtypes := []DType{BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64}
	tests := []struct {
		name  string
		shape []int
	}{
		{"matrix", []int{3, 4}},
		{"scalar", []int{}},
		{"empty", []int{0, 5}},
		{"vector", []int{8}},
	}
	for _, dt := range dtypes {
		for _, tc := range tests {
			t.Run(string(dt)+"/"+tc.name, func(t *testing.T) {
				shape := tc.shape
				want := []Tensor{
					rawTensor("b.first", dt, shape, 1),
					rawTensor("a.second", F32, []int{2}, 50), // mixes alignments in one file
				}
				path := filepath.Join(t.TempDir(), "x.safetensors")
				meta := map[string]string{"format": "pt", "note": "a<b & c"}
				if err := Write(path, want, meta); err != nil {
					t.Fatal(err)
				}
				f, err := Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if got := f.Names(); !slices.Equal(got, []string{"a.second", "b.first"}) {
					t.Errorf("names %v", got)
				}
				for _, w := range want {
					info, ok := f.Info(w.Name)
					if !ok || info.DType != w.DType || !slices.Equal(info.Shape, w.Shape) || info.Size != int64(len(w.Data)) {
						t.Errorf("info %+v, want %s %v", info, w.DType, w.Shape)
					}
					if size := w.DType.Size(); size > 0 && info.Offset%int64(size) != 0 {
						t.Errorf("%s at offset %d is not aligned to %d", w.Name, info.Offset, size)
					}
					got, err := f.Bytes(w.Name)
					if err != nil || !bytes.Equal(got, w.Data) {
						t.Errorf("bytes of %s: %v %v, want %v", w.Name, got, err, w.Data)
					}
				}
				if m := f.Metadata(); m["format"] != "pt" || m["note"] != "a<b & c" {
					t.Errorf("metadata %v", m)
				}
			})
		}
	}
}

func TestFloat32RoundTrip(t *testing.T) {
	// Values exactly representable in every dtype, so each must come back unchanged.
	v := []float32{0, 1, -2.5, 0.125, 1024, -32768, float32(math.Inf(1)), float32(math.Inf(-1))}
	f64 := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(f64[8*i:], math.Float64bits(float64(x)))
	}
	tensors := []Tensor{
		F32Tensor("f32", []int{2, 4}, v),
		BF16Tensor("bf16", []int{2, 4}, v),
		F16Tensor("f16", []int{2, 4}, v),
		{Name: "f64", DType: F64, Shape: []int{8}, Data: f64},
		F32Tensor("scalar", nil, []float32{3}),
		I64Tensor("ids", []int{3}, []int64{1, -2, 3}),
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Write(path, tensors, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, name := range []string{"f32", "bf16", "f16", "f64"} {
		got, err := f.Float32(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got, v) {
			t.Errorf("%s: got %v, want %v", name, got, v)
		}
	}
	if got, err := f.Float32("scalar"); err != nil || !slices.Equal(got, []float32{3}) {
		t.Errorf("scalar: %v %v", got, err)
	}
	if _, err := f.Float32("ids"); err == nil {
		t.Errorf("converting I64 to float32 should fail")
	}
	if f.Metadata() != nil {
		t.Errorf("metadata %v, want nil", f.Metadata())
	}
	dst := make([]float32, 8)
	if err := f.Float32Into("bf16", dst); err != nil || !slices.Equal(dst, v) {
		t.Errorf("Float32Into: %v %v", dst, err)
	}
	if err := f.Float32Into("bf16", dst[:3]); err == nil {
		t.Errorf("Float32Into a short buffer should fail")
	}
}

func TestWriteIsAtomicAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.safetensors")
	for _, v := range []float32{1, 2} {
		if err := Write(path, []Tensor{F32Tensor("x", []int{1}, []float32{v})}, nil); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, _ := f.Float32("x"); !slices.Equal(got, []float32{2}) {
		t.Errorf("got %v after rewrite", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
}

func TestWriteHeaderLayout(t *testing.T) {
	// The Rust reference's own test vector: one F32 tensor "attn.0" of shape [1,2,3].
	path := filepath.Join(t.TempDir(), "r.safetensors")
	if err := Write(path, []Tensor{F32Tensor("attn.0", []int{1, 2, 3}, []float32{0, 1, 2, 3, 4, 5})}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hdr := `{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`
	for len(hdr)%8 != 0 {
		hdr += " "
	}
	if n := binary.LittleEndian.Uint64(got); n != uint64(len(hdr)) || string(got[8:8+n]) != hdr {
		t.Errorf("header %q (%d), want %q", got[8:], n, hdr)
	}
	want := F32Tensor("", nil, []float32{0, 1, 2, 3, 4, 5}).Data
	if !bytes.Equal(got[8+len(hdr):], want) {
		t.Errorf("data % x", got[8+len(hdr):])
	}
}

func TestWriteRejects(t *testing.T) {
	tests := []struct {
		name    string
		tensors []Tensor
	}{
		{"size mismatch", []Tensor{{Name: "x", DType: F32, Shape: []int{2}, Data: make([]byte, 4)}}},
		{"unknown dtype", []Tensor{{Name: "x", DType: "F7", Shape: []int{1}, Data: make([]byte, 1)}}},
		{"duplicate", []Tensor{F32Tensor("x", []int{1}, []float32{1}), F32Tensor("x", []int{1}, []float32{1})}},
		{"reserved name", []Tensor{F32Tensor("__metadata__", []int{1}, []float32{1})}},
		{"negative dim", []Tensor{{Name: "x", DType: U8, Shape: []int{-1}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.safetensors")
			if err := Write(path, tc.tensors, nil); err == nil {
				t.Fatal("Write succeeded")
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("a file was left at %s", path)
			}
		})
	}
}
