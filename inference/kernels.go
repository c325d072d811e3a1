package inference

import (
	"fmt"
	"os"
	"strings"
)

// Which matrix kernels the go backend runs depends on how the binary was built and on the
// CPU: compute v0.1.6 registers its AVX-512 and AVX2 matmul kernels only in builds with
// GOEXPERIMENT=simd, on CPUs that have them, unless GOMLX_SIMD_AVX512 / GOMLX_SIMD_AVX2 /
// GOMLX_DOT_MATMUL turn them off; otherwise it runs portable Go loops. The build tag files
// kernels_simd.go and kernels_generic.go say which applies.

// noSIMDWarning is logged once per loaded model by a build without the SIMD kernels. The
// figures: random SmolLM2-135M-shape f32 weights, 256-token prompt, 64 tokens, 2 Zen 4
// cores, `manualbot bench` built both ways and run alternately three times (medians:
// prefill 19 vs 206 tokens/s, decode 11 vs 20).
const noSIMDWarning = "this binary was built without GOEXPERIMENT=simd: the model runs on generic Go kernels, " +
	"measured 10x slower prefill and 1.8x slower decode than a SIMD build on the same machine; " +
	"rebuild with GOEXPERIMENT=simd go build"

// envOff reports whether a GoMLX boolean environment switch is set to false.
func envOff(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "0", "false", "f", "no", "n", "off":
		return true
	}
	return false
}

// Kernels says which kernels compute the model's products and in what dtype, for bench
// reports and logs, e.g. "go backend: matmul simd:avx512, weights bf16 (BF16×BF16→F32)".
func (m *Model) Kernels() string {
	dt := m.WeightDType()
	prod := map[string]string{"f32": "F32×F32→F32", "bf16": "BF16×BF16→F32", "f16": "F16×F16→F32"}[dt]
	if !m.goBackend() {
		return fmt.Sprintf("%s, weights %s (%s)", m.backend.Name(), dt, prod)
	}
	return fmt.Sprintf("go backend: matmul %s, weights %s (%s)", matmulKernels(), dt, prod)
}
