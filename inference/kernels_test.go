package inference

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"manualbot/inference/safetensors"
	"manualbot/inference/testmodel"
)

// TestKernelsReportTheBuildAndDType checks the kernel report bench prints names this
// build's matmul kernels and the dtype the weights are actually kept in.
func TestKernelsReportTheBuildAndDType(t *testing.T) {
	src := writeModel(t, testmodel.Tiny(), 1)
	// F16 checkpoints run as f32 on the go backend (weights_half.go).
	want := map[string]string{"f32": "weights f32 (F32×F32→F32)", "bf16": "weights bf16 (BF16×BF16→F32)", "f16": "weights f32 (F32×F32→F32)"}
	for _, dt := range []string{"f32", "bf16", "f16"} {
		dir := src
		switch dt {
		case "bf16":
			dir = convertCheckpoint(t, src, safetensors.BF16, nil)
		case "f16":
			dir = convertCheckpoint(t, src, safetensors.F16, nil)
		}
		got := loadModel(t, dir).Kernels()
		if !strings.Contains(got, "matmul "+matmulKernels()) || !strings.Contains(got, want[dt]) {
			t.Errorf("%s: Kernels() = %q", dt, got)
		}
	}
	if k := matmulKernels(); (buildWarning() != "") != strings.Contains(k, "without GOEXPERIMENT=simd") {
		t.Errorf("matmul kernels %q disagree with the build warning %q", k, buildWarning())
	}
}

// TestBuildWarningIsLoggedOnceAtLoad: a build without the SIMD kernels says so, with its
// cost, once when a model loads on the go backend; a SIMD build says nothing.
func TestBuildWarningIsLoggedOnceAtLoad(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if _, err := Load(context.Background(), writeModel(t, testmodel.Tiny(), 1), Options{Logger: log}); err != nil {
		t.Fatal(err)
	}
	got := strings.Count(buf.String(), "built without GOEXPERIMENT=simd")
	want := 0
	if buildWarning() != "" {
		want = 1
	}
	if got != want || (want == 1 && !strings.Contains(buf.String(), "slower")) {
		t.Fatalf("logged %d build warnings, want %d: %q", got, want, buf.String())
	}
}
