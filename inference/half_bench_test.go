package inference

import (
	"testing"

	"manualbot/inference/testmodel"
)

// benchModelDType is benchModel with the weights stored as dtype ("BF16", "F16").
func benchModelDType(b *testing.B, dtype string) *Model {
	b.Helper()
	dir := b.TempDir()
	c := testmodel.SmolLM2_135M()
	c.DType = dtype
	if err := testmodel.Write(dir, c, 1); err != nil {
		b.Fatal(err)
	}
	return loadModel(b, dir)
}

func BenchmarkDecode135MBF16(b *testing.B) { benchDecode(b, benchModelDType(b, "BF16"), 32) }
func BenchmarkDecode135MF16(b *testing.B)  { benchDecode(b, benchModelDType(b, "F16"), 32) }
