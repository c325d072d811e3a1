package adapters

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ModelShape is what validation needs to know about the base model: enough to compute the
// [out, in] shape of every linear projection a LoRA may target. The caller fills it from the
// loaded model's config, so adapters never depends on the model code.
type ModelShape struct {
	// Name is the base model's name or path, compared with base_model_name_or_path only to warn.
	Name             string
	HiddenSize       int
	IntermediateSize int
	NumLayers        int
	NumHeads         int
	NumKVHeads       int
	HeadDim          int
}

// Projections returns the module types of a Llama-family decoder layer that a LoRA may
// target, in the order Hugging Face lists them (a fresh slice: callers may keep it).
func Projections() []string {
	return []string{
		"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
		"mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
	}
}

// layerPrefix is how Hugging Face's Llama names the decoder layers.
const layerPrefix = "model.layers."

// ModuleName is the Hugging Face name of projection proj (e.g. "self_attn.q_proj") of layer l.
func ModuleName(layer int, proj string) string {
	return layerPrefix + strconv.Itoa(layer) + "." + proj
}

// SplitModuleName parses "model.layers.L.PROJ" into its layer and projection; ok is false for
// any other name (embeddings, lm_head, a typo), which the model cannot adapt.
func SplitModuleName(name string) (layer int, proj string, ok bool) {
	rest, found := strings.CutPrefix(name, layerPrefix)
	if !found {
		return 0, "", false
	}
	num, proj, found := strings.Cut(rest, ".")
	if !found {
		return 0, "", false
	}
	l, err := strconv.Atoi(num)
	if err != nil || l < 0 || strconv.Itoa(l) != num {
		return 0, "", false
	}
	for _, p := range Projections() {
		if p == proj {
			return l, proj, true
		}
	}
	return 0, "", false
}

// ProjectionShape returns (in, out) of a projection type, or ok false if the model has none.
func (s ModelShape) ProjectionShape(proj string) (in, out int, ok bool) {
	q := s.NumHeads * s.HeadDim
	kv := s.NumKVHeads * s.HeadDim
	switch proj {
	case "self_attn.q_proj":
		return s.HiddenSize, q, true
	case "self_attn.k_proj", "self_attn.v_proj":
		return s.HiddenSize, kv, true
	case "self_attn.o_proj":
		return q, s.HiddenSize, true
	case "mlp.gate_proj", "mlp.up_proj":
		return s.HiddenSize, s.IntermediateSize, true
	case "mlp.down_proj":
		return s.IntermediateSize, s.HiddenSize, true
	}
	return 0, 0, false
}

// ModuleShape returns (in, out) of a full module name. The error says why the model has no
// such module (not a decoder projection, or a layer past the last one).
func (s ModelShape) ModuleShape(name string) (in, out int, err error) {
	layer, proj, ok := SplitModuleName(name)
	if !ok {
		return 0, 0, fmt.Errorf("module %s: the model has no such module (LoRA targets are %s of model.layers.N)", name, strings.Join(Projections(), ", "))
	}
	if layer >= s.NumLayers {
		return 0, 0, fmt.Errorf("module %s: layer %d is out of range, the model has %d layers", name, layer, s.NumLayers)
	}
	in, out, _ = s.ProjectionShape(proj)
	return in, out, nil
}

// Modules lists every adaptable module of the model, layer by layer.
func (s ModelShape) Modules() []string {
	names := make([]string, 0, s.NumLayers*len(Projections()))
	for l := 0; l < s.NumLayers; l++ {
		for _, p := range Projections() {
			names = append(names, ModuleName(l, p))
		}
	}
	return names
}

// Check reports a shape that cannot describe a model (zero sizes, heads that do not divide).
func (s ModelShape) Check() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"hidden_size", s.HiddenSize}, {"intermediate_size", s.IntermediateSize},
		{"num_hidden_layers", s.NumLayers}, {"num_attention_heads", s.NumHeads},
		{"num_key_value_heads", s.NumKVHeads}, {"head_dim", s.HeadDim},
	} {
		if f.v <= 0 {
			return fmt.Errorf("model shape: %s is %d, want > 0", f.name, f.v)
		}
	}
	if s.NumHeads%s.NumKVHeads != 0 {
		return fmt.Errorf("model shape: %d attention heads are not a multiple of %d key/value heads", s.NumHeads, s.NumKVHeads)
	}
	return nil
}

// hfConfig is the part of a Hugging Face config.json that fixes the projection shapes.
type hfConfig struct {
	NameOrPath       string `json:"_name_or_path"`
	HiddenSize       int    `json:"hidden_size"`
	IntermediateSize int    `json:"intermediate_size"`
	NumLayers        int    `json:"num_hidden_layers"`
	NumHeads         int    `json:"num_attention_heads"`
	NumKVHeads       int    `json:"num_key_value_heads"`
	HeadDim          int    `json:"head_dim"`
}

// ShapeFromHFConfig reads a checkpoint's config.json (dir or file) so that adapters can be
// validated by the CLI without loading the model's weights.
func ShapeFromHFConfig(path string) (ModelShape, error) {
	file := path
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		file = filepath.Join(path, "config.json")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return ModelShape{}, fmt.Errorf("read model config: %w", err)
	}
	var c hfConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return ModelShape{}, fmt.Errorf("parse model config %s: %w", file, err)
	}
	if c.NumKVHeads == 0 {
		c.NumKVHeads = c.NumHeads
	}
	if c.HeadDim == 0 && c.NumHeads > 0 {
		c.HeadDim = c.HiddenSize / c.NumHeads
	}
	name := c.NameOrPath
	if name == "" {
		name = filepath.Base(filepath.Dir(file))
	}
	s := ModelShape{
		Name: name, HiddenSize: c.HiddenSize, IntermediateSize: c.IntermediateSize,
		NumLayers: c.NumLayers, NumHeads: c.NumHeads, NumKVHeads: c.NumKVHeads, HeadDim: c.HeadDim,
	}
	if err := s.Check(); err != nil {
		return ModelShape{}, fmt.Errorf("model config %s: %w", file, err)
	}
	return s, nil
}
