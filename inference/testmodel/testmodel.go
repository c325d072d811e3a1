// Package testmodel writes random-weight Llama-family checkpoints (config.json plus
// model.safetensors) of any shape, seeded and reproducible, so tests and benchmarks can
// exercise real file loading and real model shapes without downloading weights.
package testmodel

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"manualbot/inference/safetensors"
)

// Config is the shape of the model to write, in config.json's terms.
type Config struct {
	Architecture     string // LlamaForCausalLM (default), MistralForCausalLM or Qwen2ForCausalLM
	HiddenSize       int
	IntermediateSize int
	NumLayers        int
	NumHeads         int
	NumKVHeads       int // 0: same as NumHeads
	HeadDim          int // 0: omitted from config.json (hidden/heads)
	VocabSize        int
	Tied             bool
	AttentionBias    bool // q/k/v biases (implied by Qwen2)
	RopeTheta        float64
	// RopeScaling is written verbatim as config.json's rope_scaling (nil: none).
	RopeScaling  map[string]any
	MaxPositions int
	RMSNormEps   float64
	BOS, EOS     int
	// DType is the stored weight type: "F32" (default), "BF16" or "F16".
	DType string
}

// SmolLM2_135M has SmolLM2-135M's shapes, the benchmark model of the project's issues.
func SmolLM2_135M() Config {
	return Config{
		HiddenSize: 576, IntermediateSize: 1536, NumLayers: 30, NumHeads: 9, NumKVHeads: 3,
		VocabSize: 49152, Tied: true, RopeTheta: 100000, MaxPositions: 8192, RMSNormEps: 1e-5,
		BOS: 1, EOS: 2,
	}
}

// Tiny is a small Llama for fast tests: 2 layers, GQA 4/2, vocab 97.
func Tiny() Config {
	return Config{
		HiddenSize: 32, IntermediateSize: 48, NumLayers: 2, NumHeads: 4, NumKVHeads: 2,
		VocabSize: 97, RopeTheta: 10000, MaxPositions: 256, RMSNormEps: 1e-5, BOS: 1, EOS: 2,
	}
}

func (c Config) withDefaults() Config {
	if c.Architecture == "" {
		c.Architecture = "LlamaForCausalLM"
	}
	if c.NumKVHeads == 0 {
		c.NumKVHeads = c.NumHeads
	}
	if c.RopeTheta == 0 {
		c.RopeTheta = 10000
	}
	if c.MaxPositions == 0 {
		c.MaxPositions = 512
	}
	if c.RMSNormEps == 0 {
		c.RMSNormEps = 1e-5
	}
	if c.DType == "" {
		c.DType = "F32"
	}
	if c.Architecture == "Qwen2ForCausalLM" {
		c.AttentionBias = true
	}
	return c
}

func (c Config) headDim() int {
	if c.HeadDim != 0 {
		return c.HeadDim
	}
	return c.HiddenSize / c.NumHeads
}

// ConfigJSON renders config.json as Hugging Face writes it.
func (c Config) ConfigJSON() ([]byte, error) {
	c = c.withDefaults()
	m := map[string]any{
		"architectures":           []string{c.Architecture},
		"hidden_size":             c.HiddenSize,
		"intermediate_size":       c.IntermediateSize,
		"num_hidden_layers":       c.NumLayers,
		"num_attention_heads":     c.NumHeads,
		"num_key_value_heads":     c.NumKVHeads,
		"vocab_size":              c.VocabSize,
		"tie_word_embeddings":     c.Tied,
		"attention_bias":          c.AttentionBias,
		"rope_theta":              c.RopeTheta,
		"max_position_embeddings": c.MaxPositions,
		"rms_norm_eps":            c.RMSNormEps,
		"bos_token_id":            c.BOS,
		"eos_token_id":            c.EOS,
		"hidden_act":              "silu",
		"torch_dtype":             map[string]string{"F32": "float32", "BF16": "bfloat16", "F16": "float16"}[c.DType],
	}
	if c.HeadDim != 0 {
		m["head_dim"] = c.HeadDim
	}
	if c.RopeScaling != nil {
		m["rope_scaling"] = c.RopeScaling
	}
	return json.MarshalIndent(m, "", "  ")
}

// Weight is one named tensor in float32, before it is stored.
type Weight struct {
	Name   string
	Shape  []int
	Values []float32
}

// Weights generates every tensor of c from seed, in checkpoint order. Linear weights are
// uniform with variance ~1/in so activations stay O(1) through the layers (random but
// not degenerate logits); norm weights are near 1, biases small.
func Weights(c Config, seed int64) []Weight {
	var out []Weight
	forEach(c, seed, func(w Weight) { out = append(out, w) })
	return out
}

func forEach(c Config, seed int64, emit func(Weight)) {
	c = c.withDefaults()
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	gen := func(name string, scale, offset float32, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = offset + scale*(2*rng.Float32()-1)
		}
		emit(Weight{Name: name, Shape: shape, Values: v})
	}
	d, f, hd := c.HiddenSize, c.IntermediateSize, c.headDim()
	qd, kvd := c.NumHeads*hd, c.NumKVHeads*hd
	lin := func(in int) float32 { return float32(math.Sqrt(3 / float64(in))) }
	gen("model.embed_tokens.weight", 1, 0, c.VocabSize, d)
	for i := range c.NumLayers {
		p := fmt.Sprintf("model.layers.%d.", i)
		gen(p+"input_layernorm.weight", 0.1, 1, d)
		gen(p+"self_attn.q_proj.weight", lin(d), 0, qd, d)
		gen(p+"self_attn.k_proj.weight", lin(d), 0, kvd, d)
		gen(p+"self_attn.v_proj.weight", lin(d), 0, kvd, d)
		if c.AttentionBias {
			gen(p+"self_attn.q_proj.bias", 0.1, 0, qd)
			gen(p+"self_attn.k_proj.bias", 0.1, 0, kvd)
			gen(p+"self_attn.v_proj.bias", 0.1, 0, kvd)
		}
		gen(p+"self_attn.o_proj.weight", lin(qd), 0, d, qd)
		gen(p+"post_attention_layernorm.weight", 0.1, 1, d)
		gen(p+"mlp.gate_proj.weight", lin(d), 0, f, d)
		gen(p+"mlp.up_proj.weight", lin(d), 0, f, d)
		gen(p+"mlp.down_proj.weight", lin(f), 0, d, f)
	}
	gen("model.norm.weight", 0.1, 1, d)
	if !c.Tied {
		gen("lm_head.weight", lin(d), 0, c.VocabSize, d)
	}
}

// Write creates dir (if needed) with config.json and model.safetensors holding random
// weights of c from seed.
func Write(dir string, c Config, seed int64) error {
	var ts []safetensors.Tensor
	dt := c.withDefaults().DType
	forEach(c, seed, func(w Weight) { ts = append(ts, toTensor(w, dt)) })
	return write(dir, c, ts)
}

// WriteWeights writes dir with config.json from c and exactly the given tensors, which
// tests edit (drop, add, reshape, poison) to check the loader's errors.
func WriteWeights(dir string, c Config, ws []Weight) error {
	dt := c.withDefaults().DType
	ts := make([]safetensors.Tensor, len(ws))
	for i, w := range ws {
		ts[i] = toTensor(w, dt)
	}
	return write(dir, c, ts)
}

func toTensor(w Weight, dtype string) safetensors.Tensor {
	switch dtype {
	case "BF16":
		return safetensors.BF16Tensor(w.Name, w.Shape, w.Values)
	case "F16":
		return safetensors.F16Tensor(w.Name, w.Shape, w.Values)
	default:
		return safetensors.F32Tensor(w.Name, w.Shape, w.Values)
	}
}

func write(dir string, c Config, ts []safetensors.Tensor) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("testmodel: %w", err)
	}
	js, err := c.ConfigJSON()
	if err != nil {
		return fmt.Errorf("testmodel: config.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), js, 0o644); err != nil {
		return fmt.Errorf("testmodel: %w", err)
	}
	if err := safetensors.Write(filepath.Join(dir, safetensors.ModelFile), ts, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("testmodel: %w", err)
	}
	return nil
}
