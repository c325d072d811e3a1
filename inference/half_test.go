package inference

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/inference/safetensors"
	"manualbot/inference/testmodel"
	"manualbot/internal/testutil"
)

// convertCheckpoint writes a copy of the model in src with its tensors stored as dt by the
// project's own writer, except those f32 names (kept F32: mixed-dtype checkpoints), and
// returns the new folder.
func convertCheckpoint(t testing.TB, src string, dt safetensors.DType, f32 func(name string) bool) string {
	t.Helper()
	set, err := safetensors.OpenDir(src)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	var ts []safetensors.Tensor
	for _, name := range set.Names() {
		info, _ := set.Info(name)
		v, err := set.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case f32 != nil && f32(name):
			ts = append(ts, safetensors.F32Tensor(name, info.Shape, v))
		case dt == safetensors.BF16:
			ts = append(ts, safetensors.BF16Tensor(name, info.Shape, v))
		case dt == safetensors.F16:
			ts = append(ts, safetensors.F16Tensor(name, info.Shape, v))
		default:
			t.Fatalf("convertCheckpoint: dtype %s", dt)
		}
	}
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// unitRoundoff is half the spacing of the dtype's numbers at 1 (2^-9 for BF16's 8-bit
// significand, 2^-12 for F16's 11-bit one).
var unitRoundoff = map[safetensors.DType]float64{safetensors.BF16: 1.0 / 512, safetensors.F16: 1.0 / 4096}

// forwardTolerance is how far a model's logits may be from the plain-Go reference run on
// the same (rounded) weights: tol for f32 weights; for half-precision ones, whose products
// round the activation row to the weights' dtype, 24 unit roundoffs (measured on the tiny
// random variants: 10 for BF16, 14 for F16).
func forwardTolerance(c testmodel.Config) float64 {
	if u, ok := unitRoundoff[safetensors.DType(c.DType)]; ok {
		return 24 * u
	}
	return tol
}

// checkHalfLogits loads the half-precision checkpoint in dir and checks its logits of ids
// against want, the f32 model's. Rounding the weights alone moves the logits (by
// "inherent": the plain-Go reference's exact arithmetic on the rounded weights, which for
// the trained stories260K is 17% of a logit in BF16); the forward also rounds each
// product's activation row to the weights' dtype, as llama.cpp does. The bound allows it
// to double the weights' own error, plus one unit roundoff; measured, it adds 0-45%.
func checkHalfLogits(t *testing.T, dir string, ids []int, want [][]float32, dt safetensors.DType) [][]float32 {
	t.Helper()
	got, err := loadModel(t, dir).Logits(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	d := maxDiff(t, got, want)
	inherent := maxDiff(t, loadRef(t, dir).forward(ids), want)
	bound := 2*inherent + unitRoundoff[dt]
	t.Logf("max relative logit difference from f32: %g (exact arithmetic on the rounded weights: %g; bound %g)", d, inherent, bound)
	if d > bound {
		t.Fatalf("%s logits differ from the f32 model's by %g (> %g)", dt, d, bound)
	}
	return got
}

func TestHalfPrecisionLogitsStayWithinTolerance(t *testing.T) {
	tiny := testmodel.Tiny()
	split := testmodel.Tiny()
	split.HiddenSize, split.IntermediateSize, split.HeadDim = 384, 512, 96 // row-split weights (Model.storedShape)
	models := []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"stories260K", func(t *testing.T) string { return testutil.Fixture(t, "models/stories260K") }},
		{"random-tiny", func(t *testing.T) string { return writeModel(t, tiny, 7) }},
		{"random-row-split", func(t *testing.T) string { return writeModel(t, split, 8) }},
	}
	ctx := context.Background()
	for _, mc := range models {
		ids := []int{1, 403, 407, 261, 378, 275, 412, 264, 400, 372, 262, 268, 282, 397, 287, 415, 46, 13}
		src := mc.dir(t)
		f32 := loadModel(t, src)
		for i := range ids {
			ids[i] %= f32.Config().VocabSize
		}
		want, err := f32.Logits(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, dt := range []safetensors.DType{safetensors.BF16, safetensors.F16} {
			t.Run(mc.name+"/"+string(dt), func(t *testing.T) {
				dir := convertCheckpoint(t, src, dt, nil)
				m := loadModel(t, dir)
				// F16 matrices become f32 on the go backend (weights_half.go).
				wantDType := map[safetensors.DType]string{safetensors.BF16: "bf16", safetensors.F16: "f32"}[dt]
				if got := m.WeightDType(); got != wantDType {
					t.Errorf("weights kept as %s, want %s", got, wantDType)
				}
				got := checkHalfLogits(t, dir, ids, want, dt)
				// Greedy choices survive the rounding where the f32 model is clearly decided.
				for i := range want {
					if a, b := argmax(got[i]), argmax(want[i]); a != b && margin(want[i]) > 1 {
						t.Errorf("position %d: argmax %d, f32 model %d", i, a, b)
					}
				}
			})
		}
	}
}

// margin is the gap between the best and second-best logit.
func margin(row []float32) float32 {
	best, second := float32(-1e30), float32(-1e30)
	for _, v := range row {
		if v > best {
			best, second = v, best
		} else if v > second {
			second = v
		}
	}
	return best - second
}

// TestHalfPrecisionHalvesWeightMemory checks the matrices stay half precision on the
// backend (no f32 copy): the weights take half the bytes, less the f32 norm vectors.
func TestHalfPrecisionHalvesWeightMemory(t *testing.T) {
	src := writeModel(t, testmodel.Tiny(), 3)
	f32 := loadModel(t, src).WeightBytes()
	bf16 := loadModel(t, convertCheckpoint(t, src, safetensors.BF16, nil)).WeightBytes()
	if bf16 > f32/2+f32/20 || bf16 < f32/2 {
		t.Fatalf("bf16 weights take %d bytes, f32 %d: want about half", bf16, f32)
	}
}

// TestMixedDTypeCheckpointLoads loads BF16 matrices with F32 norm weights, as some
// exporters write them, and checks the logits against the f32 model.
func TestMixedDTypeCheckpointLoads(t *testing.T) {
	src := testutil.Fixture(t, "models/stories260K")
	ids := []int{1, 403, 407, 261, 378, 275, 412}
	want, err := loadModel(t, src).Logits(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	dir := convertCheckpoint(t, src, safetensors.BF16, func(name string) bool { return strings.HasSuffix(name, "norm.weight") })
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := set.Info("model.norm.weight"); info.DType != safetensors.F32 {
		t.Fatalf("fixture: model.norm.weight is %s", info.DType)
	}
	if info, _ := set.Info("model.layers.0.mlp.up_proj.weight"); info.DType != safetensors.BF16 {
		t.Fatalf("fixture: up_proj is %s", info.DType)
	}
	set.Close()
	checkHalfLogits(t, dir, ids, want, safetensors.BF16)
}

// TestUnsupportedDTypeIsRefused: a checkpoint whose weights the model cannot compute
// with fails to load with one line naming the tensor and its dtype.
func TestUnsupportedDTypeIsRefused(t *testing.T) {
	cfg := testmodel.Tiny()
	ws := testmodel.Weights(cfg, 1)
	cases := []struct {
		name string
		edit func(ts []safetensors.Tensor)
		want string
	}{
		{"integer weights", func(ts []safetensors.Tensor) {
			ts[2] = safetensors.Tensor{Name: ts[2].Name, DType: safetensors.I32, Shape: ts[2].Shape, Data: make([]byte, 4*len(ws[2].Values))}
		}, "tensor " + ws[2].Name + " has dtype I32, which the model cannot compute with"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := make([]safetensors.Tensor, len(ws))
			for i, w := range ws {
				ts[i] = safetensors.F32Tensor(w.Name, w.Shape, w.Values)
			}
			c.edit(ts)
			dir := t.TempDir()
			js, _ := cfg.ConfigJSON()
			if err := os.WriteFile(filepath.Join(dir, "config.json"), js, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
				t.Fatal(err)
			}
			_, err := Load(context.Background(), dir, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Load = %v; want one line containing %q", err, c.want)
			}
		})
	}
	t.Run("dtype the format reader does not know", func(t *testing.T) {
		dir := t.TempDir()
		js, _ := cfg.ConfigJSON()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), js, 0o644); err != nil {
			t.Fatal(err)
		}
		hdr := `{"model.embed_tokens.weight":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}`
		raw := append([]byte{byte(len(hdr)), 0, 0, 0, 0, 0, 0, 0}, hdr...)
		if err := os.WriteFile(filepath.Join(dir, "model.safetensors"), append(raw, 0, 0), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(context.Background(), dir, Options{})
		if err == nil || !strings.Contains(err.Error(), `"F8_E4M3"`) || !strings.Contains(err.Error(), "model.embed_tokens.weight") {
			t.Fatalf("Load = %v; want an error naming the tensor and F8_E4M3", err)
		}
	})
}
