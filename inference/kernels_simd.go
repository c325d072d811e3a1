//go:build amd64 && goexperiment.simd

package inference

import "simd/archsimd"

// matmulKernels names the go backend's matmul kernels in this build on this CPU, following
// the checks compute's matmul package makes when it registers them.
func matmulKernels() string {
	switch {
	case envOff("GOMLX_DOT_MATMUL"):
		return "generic (GOMLX_DOT_MATMUL off)"
	case archsimd.X86.AVX512() && !envOff("GOMLX_SIMD_AVX512"):
		return "simd:avx512"
	case archsimd.X86.AVX2() && !envOff("GOMLX_SIMD_AVX2"):
		return "simd:avx2"
	}
	return "generic (the CPU has neither AVX-512 nor AVX2)"
}

// buildWarning is empty: this build has the SIMD kernels.
func buildWarning() string { return "" }
