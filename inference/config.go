package inference

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SupportedArchitectures are the Hugging Face architecture names this package runs; they
// share one graph (Qwen2 differs only by its q/k/v bias).
var SupportedArchitectures = []string{"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"}

// ErrUnsupported marks a checkpoint this package cannot run (architecture, activation,
// rope scaling kind), as opposed to a damaged one.
var ErrUnsupported = errors.New("unsupported model")

// RopeScaling is config.json's rope_scaling: how rotary frequencies are stretched for
// long contexts. Type is "" when the checkpoint has none.
type RopeScaling struct {
	Type                          string  // "llama3" or "linear"
	Factor                        float64 // both kinds
	LowFreqFactor                 float64 // llama3
	HighFreqFactor                float64 // llama3
	OriginalMaxPositionEmbeddings int     // llama3
}

// Config is the part of a Hugging Face config.json the forward pass depends on, with the
// defaults transformers applies already filled in.
type Config struct {
	Architecture          string
	HiddenSize            int
	IntermediateSize      int
	NumLayers             int
	NumHeads              int
	NumKVHeads            int
	HeadDim               int
	VocabSize             int
	RMSNormEps            float64
	RopeTheta             float64
	RopeScaling           RopeScaling
	MaxPositionEmbeddings int
	TieWordEmbeddings     bool
	// AttentionBias is true when q/k/v projections carry a bias (always for Qwen2); the
	// output projection never does in these architectures.
	AttentionBias bool
	BOSTokenID    int   // -1 when unset
	EOSTokenIDs   []int // may be empty
	TorchDType    string
}

// rawConfig mirrors config.json; pointers tell "absent" from zero so defaults apply.
type rawConfig struct {
	Architectures         []string         `json:"architectures"`
	ModelType             string           `json:"model_type"`
	HiddenSize            *int             `json:"hidden_size"`
	IntermediateSize      *int             `json:"intermediate_size"`
	NumHiddenLayers       *int             `json:"num_hidden_layers"`
	NumAttentionHeads     *int             `json:"num_attention_heads"`
	NumKeyValueHeads      *int             `json:"num_key_value_heads"`
	HeadDim               *int             `json:"head_dim"`
	VocabSize             *int             `json:"vocab_size"`
	RMSNormEps            *float64         `json:"rms_norm_eps"`
	RopeTheta             *float64         `json:"rope_theta"`
	RopeScaling           *rawRopeScaling  `json:"rope_scaling"`
	MaxPositionEmbeddings *int             `json:"max_position_embeddings"`
	TieWordEmbeddings     *bool            `json:"tie_word_embeddings"`
	AttentionBias         *bool            `json:"attention_bias"`
	MLPBias               *bool            `json:"mlp_bias"`
	HiddenAct             string           `json:"hidden_act"`
	BOSTokenID            *int             `json:"bos_token_id"`
	EOSTokenID            json.RawMessage  `json:"eos_token_id"`
	TorchDType            string           `json:"torch_dtype"`
	QuantizationConfig    *json.RawMessage `json:"quantization_config"`
}

type rawRopeScaling struct {
	Type                          string   `json:"type"`
	RopeType                      string   `json:"rope_type"`
	Factor                        *float64 `json:"factor"`
	LowFreqFactor                 *float64 `json:"low_freq_factor"`
	HighFreqFactor                *float64 `json:"high_freq_factor"`
	OriginalMaxPositionEmbeddings *int     `json:"original_max_position_embeddings"`
}

// LoadConfig reads dir/config.json.
func LoadConfig(dir string) (Config, error) {
	path := filepath.Join(dir, "config.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("model config: %w", err)
	}
	c, err := ParseConfig(raw)
	if err != nil {
		return Config{}, fmt.Errorf("model config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes a config.json, applies transformers' defaults and validates it.
func ParseConfig(data []byte) (Config, error) {
	var r rawConfig
	if err := json.Unmarshal(data, &r); err != nil {
		return Config{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if len(r.Architectures) != 1 {
		return Config{}, fmt.Errorf("architectures must name exactly one model class, got %q: %w", r.Architectures, ErrUnsupported)
	}
	arch := r.Architectures[0]
	if !slices.Contains(SupportedArchitectures, arch) {
		return Config{}, fmt.Errorf("unsupported architecture %s (supported: %s): %w", arch, strings.Join(SupportedArchitectures, ", "), ErrUnsupported)
	}
	if r.QuantizationConfig != nil {
		return Config{}, fmt.Errorf("quantized checkpoints are not supported: %w", ErrUnsupported)
	}
	if r.HiddenAct != "" && r.HiddenAct != "silu" {
		return Config{}, fmt.Errorf("hidden_act %q: only silu is supported: %w", r.HiddenAct, ErrUnsupported)
	}
	if r.MLPBias != nil && *r.MLPBias {
		return Config{}, fmt.Errorf("mlp_bias=true is not supported: %w", ErrUnsupported)
	}
	c := Config{
		Architecture:      arch,
		RMSNormEps:        1e-6,
		RopeTheta:         10000,
		TieWordEmbeddings: false,
		BOSTokenID:        -1,
		TorchDType:        r.TorchDType,
	}
	req := func(name string, p *int) (int, error) {
		if p == nil {
			return 0, fmt.Errorf("missing %s", name)
		}
		if *p <= 0 {
			return 0, fmt.Errorf("%s must be positive, got %d", name, *p)
		}
		return *p, nil
	}
	var err error
	if c.HiddenSize, err = req("hidden_size", r.HiddenSize); err != nil {
		return Config{}, err
	}
	if c.IntermediateSize, err = req("intermediate_size", r.IntermediateSize); err != nil {
		return Config{}, err
	}
	if c.NumLayers, err = req("num_hidden_layers", r.NumHiddenLayers); err != nil {
		return Config{}, err
	}
	if c.NumHeads, err = req("num_attention_heads", r.NumAttentionHeads); err != nil {
		return Config{}, err
	}
	if c.VocabSize, err = req("vocab_size", r.VocabSize); err != nil {
		return Config{}, err
	}
	c.NumKVHeads = c.NumHeads
	if r.NumKeyValueHeads != nil {
		if c.NumKVHeads, err = req("num_key_value_heads", r.NumKeyValueHeads); err != nil {
			return Config{}, err
		}
	}
	if r.HeadDim != nil {
		if c.HeadDim, err = req("head_dim", r.HeadDim); err != nil {
			return Config{}, err
		}
	} else {
		if c.HiddenSize%c.NumHeads != 0 {
			return Config{}, fmt.Errorf("hidden_size %d is not a multiple of num_attention_heads %d and head_dim is not given", c.HiddenSize, c.NumHeads)
		}
		c.HeadDim = c.HiddenSize / c.NumHeads
	}
	if c.NumHeads%c.NumKVHeads != 0 {
		return Config{}, fmt.Errorf("num_attention_heads %d is not a multiple of num_key_value_heads %d", c.NumHeads, c.NumKVHeads)
	}
	if c.HeadDim%2 != 0 {
		return Config{}, fmt.Errorf("head_dim %d must be even for rotary embeddings", c.HeadDim)
	}
	if r.RMSNormEps != nil {
		c.RMSNormEps = *r.RMSNormEps
	}
	if !(c.RMSNormEps > 0) || math.IsInf(c.RMSNormEps, 0) {
		return Config{}, fmt.Errorf("rms_norm_eps must be positive and finite, got %v", c.RMSNormEps)
	}
	if r.RopeTheta != nil {
		c.RopeTheta = *r.RopeTheta
	}
	if !(c.RopeTheta > 0) || math.IsInf(c.RopeTheta, 0) {
		return Config{}, fmt.Errorf("rope_theta must be positive and finite, got %v", c.RopeTheta)
	}
	c.MaxPositionEmbeddings = 2048
	if r.MaxPositionEmbeddings != nil {
		if c.MaxPositionEmbeddings, err = req("max_position_embeddings", r.MaxPositionEmbeddings); err != nil {
			return Config{}, err
		}
	}
	if r.TieWordEmbeddings != nil {
		c.TieWordEmbeddings = *r.TieWordEmbeddings
	}
	if arch == "Qwen2ForCausalLM" {
		c.AttentionBias = true
	} else if r.AttentionBias != nil {
		c.AttentionBias = *r.AttentionBias
	}
	if r.BOSTokenID != nil {
		c.BOSTokenID = *r.BOSTokenID
	}
	if c.EOSTokenIDs, err = parseIDs(r.EOSTokenID); err != nil {
		return Config{}, fmt.Errorf("eos_token_id: %w", err)
	}
	for _, id := range append([]int{c.BOSTokenID}, c.EOSTokenIDs...) {
		if id >= c.VocabSize {
			return Config{}, fmt.Errorf("special token id %d is outside the vocabulary (%d)", id, c.VocabSize)
		}
	}
	if r.RopeScaling != nil {
		if c.RopeScaling, err = parseRopeScaling(*r.RopeScaling); err != nil {
			return Config{}, err
		}
	}
	return c, nil
}

// parseIDs accepts an id, a list of ids or null.
func parseIDs(raw json.RawMessage) ([]int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one int
	if err := json.Unmarshal(raw, &one); err == nil {
		return []int{one}, nil
	}
	var many []int
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("want an integer or a list of integers, got %s", raw)
	}
	return many, nil
}

func parseRopeScaling(r rawRopeScaling) (RopeScaling, error) {
	kind := r.RopeType
	if kind == "" {
		kind = r.Type
	}
	get := func(name string, p *float64) (float64, error) {
		if p == nil {
			return 0, fmt.Errorf("rope_scaling %s: missing %s", kind, name)
		}
		if !(*p > 0) || math.IsInf(*p, 0) {
			return 0, fmt.Errorf("rope_scaling %s: %s must be positive, got %v", kind, name, *p)
		}
		return *p, nil
	}
	s := RopeScaling{Type: kind}
	var err error
	switch kind {
	case "default", "":
		return RopeScaling{}, nil
	case "linear":
		if s.Factor, err = get("factor", r.Factor); err != nil {
			return RopeScaling{}, err
		}
	case "llama3":
		if s.Factor, err = get("factor", r.Factor); err != nil {
			return RopeScaling{}, err
		}
		if s.LowFreqFactor, err = get("low_freq_factor", r.LowFreqFactor); err != nil {
			return RopeScaling{}, err
		}
		if s.HighFreqFactor, err = get("high_freq_factor", r.HighFreqFactor); err != nil {
			return RopeScaling{}, err
		}
		if s.HighFreqFactor <= s.LowFreqFactor {
			return RopeScaling{}, fmt.Errorf("rope_scaling llama3: high_freq_factor %v must exceed low_freq_factor %v", s.HighFreqFactor, s.LowFreqFactor)
		}
		if r.OriginalMaxPositionEmbeddings == nil || *r.OriginalMaxPositionEmbeddings <= 0 {
			return RopeScaling{}, errors.New("rope_scaling llama3: missing or non-positive original_max_position_embeddings")
		}
		s.OriginalMaxPositionEmbeddings = *r.OriginalMaxPositionEmbeddings
	default:
		return RopeScaling{}, fmt.Errorf("rope_scaling type %q (supported: linear, llama3): %w", kind, ErrUnsupported)
	}
	return s, nil
}

// InvFreq is the rotary inverse frequency per pair of head dimensions, with the
// checkpoint's rope scaling applied, computed as transformers does (float32 base powers).
func (c Config) InvFreq() []float32 {
	half := c.HeadDim / 2
	out := make([]float32, half)
	for i := range half {
		// transformers: 1 / base ** (arange(0, dim, 2).float() / dim), in float32.
		exp := float32(2*i) / float32(c.HeadDim)
		f := 1 / math.Pow(c.RopeTheta, float64(exp))
		out[i] = float32(f)
	}
	switch c.RopeScaling.Type {
	case "linear":
		for i := range out {
			out[i] = float32(float64(out[i]) / c.RopeScaling.Factor)
		}
	case "llama3":
		s := c.RopeScaling
		old := float64(s.OriginalMaxPositionEmbeddings)
		lowWavelen := old / s.LowFreqFactor
		highWavelen := old / s.HighFreqFactor
		for i, f := range out {
			wavelen := 2 * math.Pi / float64(f)
			switch {
			case wavelen > lowWavelen:
				out[i] = float32(float64(f) / s.Factor)
			case wavelen < highWavelen:
				// unchanged
			default:
				smooth := (old/wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor)
				out[i] = float32((1-smooth)*float64(f)/s.Factor + smooth*float64(f))
			}
		}
	}
	return out
}

// QDim is the width of the query projection's output (heads × head_dim), which differs
// from HiddenSize when head_dim is set explicitly.
func (c Config) QDim() int { return c.NumHeads * c.HeadDim }

// KVDim is the width of the key and value projections' outputs.
func (c Config) KVDim() int { return c.NumKVHeads * c.HeadDim }

// NumParams counts the weights the config implies, for memory estimates and logs.
func (c Config) NumParams() int64 {
	var n int64
	for _, s := range c.weightSpecs() {
		n += int64(s.numElements())
	}
	return n
}
