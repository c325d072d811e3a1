package adapters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/inference/safetensors"
	"manualbot/internal/testutil"
)

// storiesShape is the shape of the shared stories260K model, so the test adapters can later be
// applied to the real model.
func storiesShape(t *testing.T) ModelShape {
	t.Helper()
	s, err := ShapeFromHFConfig(testutil.Fixture(t, "models/stories260K"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// shape135M is SmolLM2-135M's shape, for "another model" and for benchmarks.
func shape135M() ModelShape {
	return ModelShape{Name: "HuggingFaceTB/SmolLM2-135M", HiddenSize: 576, IntermediateSize: 1536,
		NumLayers: 30, NumHeads: 9, NumKVHeads: 3, HeadDim: 64}
}

// spec describes a test adapter written in PEFT's format.
type spec struct {
	rank   int
	alpha  float64
	projs  []string // short names, e.g. "q_proj"
	layers []int    // nil: all
	seed   uint64
	// extra config keys (JSON values), e.g. `"use_rslora": true`.
	extra map[string]string
	// keyForm rewrites a module's tensor key prefix/suffix: "" (PEFT), "default", "bare".
	keyForm string
	// rankOf overrides the rank of some modules (must agree with a rank_pattern in extra).
	rankOf map[string]int
	skill  Skill
}

func projFull(p string) string {
	for _, f := range Projections() {
		if strings.HasSuffix(f, "."+p) {
			return f
		}
	}
	panic("unknown projection " + p)
}

// writeSpec writes a PEFT adapter folder made the way PEFT would save it, and returns the
// factors it wrote by module name.
func writeSpec(t *testing.T, dir string, shape ModelShape, s spec) map[string]*Factors {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(s.seed, 7))
	layers := s.layers
	if layers == nil {
		for l := 0; l < shape.NumLayers; l++ {
			layers = append(layers, l)
		}
	}
	mods := map[string]*Factors{}
	var tensors []safetensors.Tensor
	for _, l := range layers {
		for _, p := range s.projs {
			m := ModuleName(l, projFull(p))
			in, out, _ := shape.ProjectionShape(projFull(p))
			r := s.rank
			if v, ok := s.rankOf[m]; ok {
				r = v
			}
			f := &Factors{Rank: r, In: in, Out: out, A: make([]float32, r*in), B: make([]float32, out*r)}
			for i := range f.A {
				f.A[i] = float32(rng.NormFloat64() * 0.1)
			}
			for i := range f.B {
				f.B[i] = float32(rng.NormFloat64() * 0.1)
			}
			mods[m] = f
			ka, kb := factorKey(m, "A"), factorKey(m, "B")
			switch s.keyForm {
			case "default":
				ka = strings.Replace(ka, ".weight", ".default.weight", 1)
				kb = strings.Replace(kb, ".weight", ".default.weight", 1)
			case "bare":
				ka, kb = strings.TrimPrefix(ka, peftPrefix), strings.TrimPrefix(kb, peftPrefix)
			}
			tensors = append(tensors,
				safetensors.F32Tensor(ka, []int{r, in}, f.A),
				safetensors.F32Tensor(kb, []int{out, r}, f.B))
		}
	}
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), tensors, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	targets, _ := json.Marshal(s.projs)
	cfg := map[string]string{
		"peft_type": `"LORA"`, "task_type": `"CAUSAL_LM"`, "r": fmt.Sprint(s.rank),
		"lora_alpha": fmt.Sprint(s.alpha), "target_modules": string(targets),
		"lora_dropout": "0.05", "bias": `"none"`, "fan_in_fan_out": "false",
		"base_model_name_or_path": fmt.Sprintf("%q", shape.Name), "inference_mode": "true",
		"init_lora_weights": "true", "rank_pattern": "{}", "alpha_pattern": "{}",
		"layers_to_transform": "null", "modules_to_save": "null", "revision": "null",
	}
	for k, v := range s.extra {
		if v == "" {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	writeConfig(t, dir, cfg)
	if s.skill != "" {
		b, _ := json.Marshal(Manifest{Skill: s.skill, Products: []string{"widget"}})
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Scales as PEFT computes them, for callers that compare.
	cfgParsed, err := ParseConfig(readFile(t, filepath.Join(dir, ConfigFile)))
	if err == nil {
		for m, f := range mods {
			f.Alpha, _ = cfgParsed.ModuleAlpha(m)
			f.Scale = cfgParsed.Scaling(f.Rank, f.Alpha)
		}
	}
	return mods
}

// writeConfig writes adapter_config.json from raw JSON values, in Python's json.dumps layout.
func writeConfig(t *testing.T, dir string, cfg map[string]string) {
	t.Helper()
	raw := map[string]json.RawMessage{}
	for k, v := range cfg {
		raw[k] = json.RawMessage(v)
	}
	b, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// snapshot records every file under dir, to prove a failed operation changed nothing.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[p+"/"] = nil
			return nil
		}
		if d.Type()&os.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			out[p+"@"] = []byte(target)
			return err
		}
		out[p], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSnapshot(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// logTo returns a logger writing to buf, to assert on warnings.
func logTo(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// cloneAdapter deep-copies factors, to prove merges do not modify their inputs.
func cloneFactors(m map[string]*Factors) map[string]Factors {
	out := map[string]Factors{}
	for k, f := range m {
		g := *f
		g.A = append([]float32(nil), f.A...)
		g.B = append([]float32(nil), f.B...)
		out[k] = g
	}
	return out
}

// maxAbsDiff is the largest |x - y| of two dense matrices.
func maxAbsDiff(x, y []float64) float64 {
	m := 0.0
	for i := range x {
		d := x[i] - y[i]
		if d < 0 {
			d = -d
		}
		m = max(m, d)
	}
	return m
}
