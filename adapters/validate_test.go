package adapters

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/inference/safetensors"
)

// Validation against the model's shapes: each bad adapter gets an error naming the problem,
// a fitting adapter from a differently named base model only a warning.
func TestValidate(t *testing.T) {
	shape := storiesShape(t)
	all := []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
	cases := []struct {
		name  string
		write func(t *testing.T, dir string)
		edit  func(a *Adapter)
		model ModelShape
		want  string // error substring; "" means valid
		warn  string
	}{
		{name: "fits stories260K", write: func(t *testing.T, dir string) {
			writeSpec(t, dir, shape, spec{rank: 4, alpha: 8, projs: all, seed: 1})
		}},
		{name: "another model's shapes", write: func(t *testing.T, dir string) {
			writeSpec(t, dir, shape135M(), spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, layers: []int{0, 1}, seed: 2})
		}, want: "trained on HuggingFaceTB/SmolLM2-135M"},
		{name: "shapes disagree, same name", write: func(t *testing.T, dir string) {
			s := shape135M()
			s.Name = shape.Name
			writeSpec(t, dir, s, spec{rank: 2, alpha: 4, projs: []string{"down_proj"}, layers: []int{0}, seed: 3})
		}, want: "the model needs [r,172] and [64,r]"},
		{name: "layer past the last", write: func(t *testing.T, dir string) {
			s := shape
			s.NumLayers = 8
			writeSpec(t, dir, s, spec{rank: 2, alpha: 4, projs: []string{"v_proj"}, layers: []int{7}, seed: 4})
		}, want: "model.layers.7.self_attn.v_proj: layer 7 is out of range, the model has 5 layers"},
		{name: "module the model lacks", write: func(t *testing.T, dir string) {
			os.MkdirAll(dir, 0o755)
			m := "model.layers.0.self_attn.qkv_proj"
			if err := safetensors.Write(filepath.Join(dir, WeightsFile), []safetensors.Tensor{
				safetensors.F32Tensor(factorKey(m, "A"), []int{2, 64}, make([]float32, 128)),
				safetensors.F32Tensor(factorKey(m, "B"), []int{192, 2}, make([]float32, 384)),
			}, nil); err != nil {
				t.Fatal(err)
			}
			writeConfig(t, dir, map[string]string{"peft_type": `"LORA"`, "r": "2", "lora_alpha": "2", "target_modules": `["qkv_proj"]`})
		}, want: "module model.layers.0.self_attn.qkv_proj: the model has no such module"},
		{name: "other base model name, shapes fit", write: func(t *testing.T, dir string) {
			writeSpec(t, dir, shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 5,
				extra: map[string]string{"base_model_name_or_path": `"karpathy/tinyllamas"`}})
		}, warn: "another base model"},
		{name: "same model by another path", write: func(t *testing.T, dir string) {
			writeSpec(t, dir, shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 6,
				extra: map[string]string{"base_model_name_or_path": `"/models/` + shape.Name + `/"`}})
		}},
		{name: "NaN set in memory", write: func(t *testing.T, dir string) {
			writeSpec(t, dir, shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, layers: []int{0}, seed: 7})
		}, edit: func(a *Adapter) { a.Modules["model.layers.0.self_attn.q_proj"].B[5] = float32(math.NaN()) }, want: "lora_B holds NaN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.write(t, dir)
			a, err := Load(context.Background(), dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.edit != nil {
				c.edit(a)
			}
			before := cloneFactors(a.Modules)
			var log bytes.Buffer
			err = Validate(a, shape, logTo(&log))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
			if c.warn != "" && !strings.Contains(log.String(), c.warn) {
				t.Errorf("log %q lacks warning %q", log.String(), c.warn)
			}
			if c.warn == "" && strings.Contains(log.String(), "WARN") {
				t.Errorf("unexpected warning: %s", log.String())
			}
			for m, f := range before {
				g := a.Modules[m]
				if g.Rank != f.Rank || len(g.A) != len(f.A) {
					t.Fatalf("validation changed module %s", m)
				}
			}
		})
	}
}

// Many bad modules give one error that lists the first few and counts the rest.
func TestValidateCapsTheList(t *testing.T) {
	dir := t.TempDir()
	writeSpec(t, dir, shape135M(), spec{rank: 2, alpha: 4, projs: []string{"q_proj", "k_proj"}, layers: []int{0, 1, 2, 3, 4, 5, 6}, seed: 8})
	a, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = Validate(a, storiesShape(t), nil)
	if err == nil || !strings.Contains(err.Error(), "and 6 more") {
		t.Fatalf("err = %v, want the list capped at %d with a count", err, maxProblems)
	}
}

func TestShapeFromHFConfig(t *testing.T) {
	s := storiesShape(t)
	want := ModelShape{Name: s.Name, HiddenSize: 64, IntermediateSize: 172, NumLayers: 5, NumHeads: 8, NumKVHeads: 4, HeadDim: 8}
	if s != want {
		t.Errorf("shape %+v, want %+v", s, want)
	}
	if _, err := ShapeFromHFConfig(t.TempDir()); err == nil {
		t.Error("a folder without config.json gave no error")
	}
}
