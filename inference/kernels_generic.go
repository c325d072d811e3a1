//go:build !(amd64 && goexperiment.simd)

package inference

import "runtime"

// matmulKernels names the go backend's matmul kernels in this build: portable Go loops.
func matmulKernels() string {
	if runtime.GOARCH == "amd64" {
		return "generic (built without GOEXPERIMENT=simd)"
	}
	return "generic (" + runtime.GOARCH + ")"
}

// buildWarning is the start-up warning of an amd64 build without the SIMD kernels.
func buildWarning() string {
	if runtime.GOARCH == "amd64" {
		return noSIMDWarning
	}
	return ""
}
