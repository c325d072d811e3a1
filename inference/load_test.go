package inference

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/inference/testmodel"
)

func TestLoadRejectsBadCheckpoints(t *testing.T) {
	cfg := testmodel.Tiny()
	edit := func(f func([]testmodel.Weight) []testmodel.Weight) func(string) error {
		return func(dir string) error {
			return testmodel.WriteWeights(dir, cfg, f(testmodel.Weights(cfg, 1)))
		}
	}
	cases := []struct {
		name  string
		write func(dir string) error
		want  string
	}{
		{"missing tensor", edit(func(ws []testmodel.Weight) []testmodel.Weight {
			return append(ws[:3:3], ws[4:]...) // drops model.layers.0.self_attn.k_proj.weight
		}), "missing tensors model.layers.0.self_attn.k_proj.weight"},
		{"extra tensor", edit(func(ws []testmodel.Weight) []testmodel.Weight {
			return append(ws, testmodel.Weight{Name: "model.layers.0.mlp.extra.weight", Shape: []int{2}, Values: []float32{1, 2}})
		}), "unexpected tensors model.layers.0.mlp.extra.weight"},
		{"harmless extra is accepted", edit(func(ws []testmodel.Weight) []testmodel.Weight {
			return append(ws, testmodel.Weight{Name: "model.layers.0.self_attn.rotary_emb.inv_freq", Shape: []int{4}, Values: make([]float32, 4)})
		}), ""},
		{"shape disagrees with config", edit(func(ws []testmodel.Weight) []testmodel.Weight {
			ws[1].Shape = []int{1, 32} // same values, wrong shape
			return ws
		}), "model.layers.0.input_layernorm.weight has shape [1 32], config.json implies [32]"},
		{"NaN weight", edit(func(ws []testmodel.Weight) []testmodel.Weight {
			ws[5].Values[7] = float32(math.NaN())
			return ws
		}), "non-finite"},
		{"Inf weight", edit(func(ws []testmodel.Weight) []testmodel.Weight {
			ws[0].Values[0] = float32(math.Inf(-1))
			return ws
		}), "model.embed_tokens.weight has a non-finite value"},
		{"unsupported architecture", func(dir string) error {
			if err := testmodel.Write(dir, cfg, 1); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"architectures":["GPT2LMHeadModel"],"hidden_size":32}`), 0o644)
		}, "unsupported architecture GPT2LMHeadModel (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)"},
		{"missing config", func(dir string) error { return nil }, "config.json"},
		{"missing weights", func(dir string) error {
			js, _ := cfg.ConfigJSON()
			return os.WriteFile(filepath.Join(dir, "config.json"), js, 0o644)
		}, "model weights"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := c.write(dir); err != nil {
				t.Fatal(err)
			}
			m, err := Load(context.Background(), dir, Options{})
			if c.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load = %v, %v; want an error containing %q", m, err, c.want)
			}
		})
	}
}

func TestUnsupportedArchitectureIsTyped(t *testing.T) {
	_, err := ParseConfig([]byte(`{"architectures":["PhiForCausalLM"]}`))
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
}

func TestParseConfigDefaultsAndValidation(t *testing.T) {
	c, err := ParseConfig([]byte(`{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":172,
		"num_hidden_layers":5,"num_attention_heads":8,"vocab_size":512,"eos_token_id":[2,3]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.NumKVHeads != 8 || c.HeadDim != 8 || c.RopeTheta != 10000 || c.BOSTokenID != -1 || len(c.EOSTokenIDs) != 2 {
		t.Errorf("defaults not applied: %+v", c)
	}
	bad := []struct{ json, want string }{
		{`{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":1,"num_hidden_layers":1,"num_attention_heads":6,"vocab_size":5}`, "not a multiple"},
		{`{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":1,"num_hidden_layers":1,"num_attention_heads":8,"num_key_value_heads":3,"vocab_size":5}`, "num_key_value_heads"},
		{`{"architectures":["LlamaForCausalLM"],"hidden_size":64,"num_hidden_layers":1,"num_attention_heads":8,"vocab_size":5}`, "missing intermediate_size"},
		{`{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":1,"num_hidden_layers":1,"num_attention_heads":8,"vocab_size":5,"rope_scaling":{"type":"yarn","factor":2}}`, "yarn"},
		{`{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":1,"num_hidden_layers":1,"num_attention_heads":8,"vocab_size":5,"rope_scaling":{"rope_type":"llama3","factor":8}}`, "low_freq_factor"},
		{`{"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":1,"num_hidden_layers":1,"num_attention_heads":8,"vocab_size":5,"hidden_act":"gelu"}`, "silu"},
		{`{"architectures":["LlamaForCausalLM","MistralForCausalLM"]}`, "exactly one"},
		{`not json`, "invalid JSON"},
	}
	for _, b := range bad {
		if _, err := ParseConfig([]byte(b.json)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("ParseConfig(%s) = %v, want error containing %q", b.json, err, b.want)
		}
	}
}

func TestLoadBackendSelection(t *testing.T) {
	dir := writeModel(t, testmodel.Tiny(), 1)
	cases := []struct{ backend, want string }{
		{"xla:/nonexistent/pjrt_plugin.so", "no such file"},
		{"xla:cuda", "absolute"},
		{"xla", "absolute path"},
		{"tpu", "unknown backend"},
	}
	for _, c := range cases {
		_, err := Load(context.Background(), dir, Options{Backend: c.backend})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("backend %q: err = %v, want it to contain %q", c.backend, err, c.want)
		}
	}
}
