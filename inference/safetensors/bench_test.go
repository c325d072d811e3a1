package safetensors

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// bf16Bytes is 100 MB of bf16 data (50M values), the size of a large weight matrix.
const bf16Bytes = 100 << 20

func benchData(n int) []byte {
	b := make([]byte, n)
	for i := 0; i+1 < n; i += 2 {
		binary.LittleEndian.PutUint16(b[i:], Float32ToBF16(float32(i%1000)/7))
	}
	return b
}

// BenchmarkToFloat32 measures the conversion alone, from memory (MB/s of source bytes).
func BenchmarkToFloat32(b *testing.B) {
	src := benchData(bf16Bytes)
	for _, dt := range []DType{BF16, F16, F32} {
		b.Run(string(dt), func(b *testing.B) {
			dst := make([]float32, len(src)/dt.Size())
			_ = ToFloat32(dst, dt, src) // fault the pages in outside the timing
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if err := ToFloat32(dst, dt, src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFileFloat32BF16 converts a 100 MB bf16 tensor out of a mapped file, allocation
// of the result included, as a model loader does.
func BenchmarkFileFloat32BF16(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.safetensors")
	t := Tensor{Name: "w", DType: BF16, Shape: []int{bf16Bytes / 2}, Data: benchData(bf16Bytes)}
	if err := Write(path, []Tensor{t}, nil); err != nil {
		b.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.Run("new", func(b *testing.B) {
		b.SetBytes(bf16Bytes)
		for b.Loop() {
			if _, err := f.Float32("w"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("into", func(b *testing.B) {
		dst := make([]float32, bf16Bytes/2)
		_ = f.Float32Into("w", dst) // fault the pages in outside the timing
		b.SetBytes(bf16Bytes)
		for b.Loop() {
			if err := f.Float32Into("w", dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOpen opens a sparse 16 GB file of 300 tensors: with mmap it costs the header
// parse only, whatever the file's size.
func BenchmarkOpen(b *testing.B) {
	const tensors, each = 300, 16 << 20 // 300 x 16M bf16 values = ~10 GB
	hdr := []byte("{")
	for i := range tensors {
		if i > 0 {
			hdr = append(hdr, ',')
		}
		hdr = fmt.Appendf(hdr, `"model.layers.%d.weight":{"dtype":"BF16","shape":[4096,%d],"data_offsets":[%d,%d]}`,
			i, each/4096, int64(i)*2*each, int64(i+1)*2*each)
	}
	hdr = append(hdr, '}')
	path := filepath.Join(b.TempDir(), "sparse.safetensors")
	fd, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	fd.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))))
	fd.Write(hdr)
	if err := fd.Truncate(8 + int64(len(hdr)) + tensors*2*each); err != nil {
		b.Skip("sparse files unsupported:", err)
	}
	fd.Close()
	for b.Loop() {
		f, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
