package safetensors

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// craft writes a file with the given header length field, header text and data buffer,
// byte for byte, so that each test states exactly what is wrong with it.
func craft(t *testing.T, n uint64, header string, data []byte) string {
	t.Helper()
	b := binary.LittleEndian.AppendUint64(nil, n)
	b = append(b, header...)
	b = append(b, data...)
	path := filepath.Join(t.TempDir(), "crafted.safetensors")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// file is craft with the header length taken from the header.
func file(t *testing.T, header string, data []byte) string {
	return craft(t, uint64(len(header)), header, data)
}

func TestOpenRejects(t *testing.T) {
	tests := []struct {
		name string
		path func(t *testing.T) string
		want string // in the message, besides the file name
	}{
		{"empty file", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "crafted.safetensors")
			os.WriteFile(p, nil, 0o644)
			return p
		}, "header too small"},
		{"shorter than 8 bytes", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "crafted.safetensors")
			os.WriteFile(p, []byte{2, 0, 0}, 0o644)
			return p
		}, "header too small"},
		{"header length past the end", func(t *testing.T) string {
			return craft(t, 100, `{}`, nil)
		}, "invalid header length"},
		{"huge header length", func(t *testing.T) string {
			return craft(t, 1<<40, `{}`, nil)
		}, "header too large"},
		{"header length near 2^64", func(t *testing.T) string {
			return craft(t, ^uint64(0)-3, `{}`, nil)
		}, "header too large"},
		{"not JSON", func(t *testing.T) string { return file(t, `{"a":`, nil) }, "unexpected end of JSON input"},
		{"not an object", func(t *testing.T) string { return file(t, `[1, 2]`, nil) }, "cannot unmarshal array"},
		{"garbage after object", func(t *testing.T) string { return file(t, `{} x`, nil) }, "after top-level value"},
		{"invalid UTF-8", func(t *testing.T) string { return file(t, "{\"\xff\":1}", nil) }, "UTF-8"},
		{"entry not an object", func(t *testing.T) string { return file(t, `{"w":5}`, nil) }, "cannot unmarshal number"},
		{"missing dtype", func(t *testing.T) string {
			return file(t, `{"w":{"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4))
		}, `tensor "w": invalid keys`},
		{"missing shape", func(t *testing.T) string {
			return file(t, `{"w":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4))
		}, `tensor "w": invalid keys`},
		{"missing offsets", func(t *testing.T) string {
			return file(t, `{"w":{"dtype":"F32","shape":[1]}}`, make([]byte, 4))
		}, `tensor "w": invalid keys`},
		{"three offsets", func(t *testing.T) string {
			return file(t, `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, make([]byte, 4))
		}, `tensor "w": invalid "data_offsets" value: expected array of 2 elements`},
		{"negative dimension", func(t *testing.T) string {
			return file(t, `{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4))
		}, `tensor "w": invalid "shape" value`},
		{"offsets out of order", func(t *testing.T) string {
			return file(t, `{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, make([]byte, 4))
		}, `invalid metadata offset for tensor "w"`},
		{"tensor bytes overrun", func(t *testing.T) string {
			return file(t, `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 4))
		}, `metadata incomplete buffer`},
		{"size does not match shape", func(t *testing.T) string {
			return file(t, `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4))
		}, `info data offsets mismatch`},
		{"shape overflows", func(t *testing.T) string {
			return file(t, `{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, make([]byte, 4))
		}, `multiplication overflow`},
		{"dtype the library does not know", func(t *testing.T) string {
			return file(t, `{"w":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}`, make([]byte, 2))
		}, `tensor "w": invalid DType string value "F8_E4M3"`},
		{"unknown fields", func(t *testing.T) string {
			return file(t, `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":true}}`, []byte{1})
		}, `tensor "a": invalid keys`},
		{"overlap", func(t *testing.T) string {
			return file(t, `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8))
		}, `invalid metadata offset for tensor "b"`},
		// The two tensors tie at offset 0 and the library orders them by offset from a map,
		// so either one is the tensor it names: both are at fault.
		{"same offsets twice", func(t *testing.T) string {
			return file(t, `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4))
		}, `invalid metadata offset for tensor "`},
		{"gap", func(t *testing.T) string {
			return file(t, `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12))
		}, `invalid metadata offset for tensor "b"`},
		{"not starting at zero", func(t *testing.T) string {
			return file(t, `{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8))
		}, `invalid metadata offset for tensor "a"`},
		{"trailing bytes", func(t *testing.T) string {
			return file(t, `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 6))
		}, `metadata incomplete buffer`},
		{"duplicate name", func(t *testing.T) string {
			return file(t, `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8))
		}, `duplicate entry "a"`},
		{"metadata not strings", func(t *testing.T) string {
			return file(t, `{"__metadata__":{"n":1}}`, nil)
		}, `__metadata__ "n" has value "1": expected string type`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path(t)
			f, err := Open(path)
			if err == nil {
				f.Close()
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q should name %s and say %q", msg, path, tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", msg)
			}
		})
	}
}

func TestOpenAccepts(t *testing.T) {
	tests := []struct {
		name   string
		header string
		data   []byte
		check  func(t *testing.T, f *File)
	}{
		{"no tensors", `{}`, nil, func(t *testing.T, f *File) {
			if len(f.Names()) != 0 {
				t.Errorf("names %v", f.Names())
			}
		}},
		{"padded header", `{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}     `, []byte{7}, func(t *testing.T, f *File) {
			if b, _ := f.Bytes("a"); len(b) != 1 || b[0] != 7 {
				t.Errorf("bytes %v", b)
			}
		}},
		{"0-d tensor", `{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, []byte{0, 0, 0x80, 0x3f}, func(t *testing.T, f *File) {
			if v, err := f.Float32("s"); err != nil || !slices.Equal(v, []float32{1}) {
				t.Errorf("scalar %v %v", v, err)
			}
			if info, _ := f.Info("s"); info.NumElements() != 1 || len(info.Shape) != 0 {
				t.Errorf("info %+v", info)
			}
		}},
		{"empty tensors share an offset", `{"e1":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"e2":{"dtype":"BF16","shape":[2,0],"data_offsets":[0,0]},"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}, func(t *testing.T, f *File) {
			if v, err := f.Float32("e1"); err != nil || len(v) != 0 {
				t.Errorf("empty %v %v", v, err)
			}
		}},
		{"offsets not in name order", `{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{10, 20}, func(t *testing.T, f *File) {
			if b, _ := f.Bytes("a"); b[0] != 20 {
				t.Errorf("a = %v", b)
			}
		}},
		{"null metadata", `{"__metadata__":null}`, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Open(file(t, tc.header, tc.data))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if tc.check != nil {
				tc.check(t, f)
			}
		})
	}
}

func TestLookupsAndClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Write(path, []Tensor{F32Tensor("w", []int{1}, []float32{1})}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Bytes("nope"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), path) {
		t.Errorf("missing tensor: %v", err)
	}
	if _, err := f.Float32("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tensor: %v", err)
	}
	if _, ok := f.Info("nope"); ok {
		t.Errorf("Info of a missing tensor")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := f.Float32("w"); err == nil {
		t.Errorf("Float32 after Close succeeded")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "absent.safetensors")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
	if _, err := Open(t.TempDir()); !errors.Is(err, ErrInvalid) {
		t.Errorf("directory: %v", err)
	}
}
