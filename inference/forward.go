package inference

import (
	"fmt"
	"reflect"
	"strings"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graphs read best with dot-import, as in its own layers.
)

// layerWeights are one decoder layer's tensors, bound by their checkpoint names (the tag,
// after "model.layers.N."); ",optional" ones are nil when the architecture has none.
type layerWeights struct {
	InputNorm *Node `weight:"input_layernorm.weight"`
	Q         *Node `weight:"self_attn.q_proj.weight"`
	K         *Node `weight:"self_attn.k_proj.weight"`
	V         *Node `weight:"self_attn.v_proj.weight"`
	QBias     *Node `weight:"self_attn.q_proj.bias,optional"` // Qwen2
	KBias     *Node `weight:"self_attn.k_proj.bias,optional"`
	VBias     *Node `weight:"self_attn.v_proj.bias,optional"`
	O         *Node `weight:"self_attn.o_proj.weight"`
	PostNorm  *Node `weight:"post_attention_layernorm.weight"`
	Gate      *Node `weight:"mlp.gate_proj.weight"`
	Up        *Node `weight:"mlp.up_proj.weight"`
	Down      *Node `weight:"mlp.down_proj.weight"`
}

// layerField is one layerWeights field's checkpoint name (after "model.layers.N.").
type layerField struct {
	name     string
	optional bool
}

// layerFields lists layerWeights' fields by their tags, in field order.
func layerFields() []layerField {
	t := reflect.TypeFor[layerWeights]()
	out := make([]layerField, t.NumField())
	for f := range out {
		name, opt, _ := strings.Cut(t.Field(f).Tag.Get("weight"), ",")
		out[f] = layerField{name: name, optional: opt == "optional"}
	}
	return out
}

// bindLayers fills one layerWeights per decoder layer from the graph's weight inputs (in
// layout order) by the checkpoint names in the fields' tags.
func bindLayers(lay *layout, weights []*Node) []layerWeights {
	fields := layerFields()
	out := make([]layerWeights, len(lay.layers))
	for i := range out {
		v := reflect.ValueOf(&out[i]).Elem()
		for f, field := range fields {
			idx, ok := lay.byName[fmt.Sprintf("model.layers.%d.%s", i, field.name)]
			switch {
			case ok:
				v.Field(f).Set(reflect.ValueOf(weights[idx]))
			case !field.optional:
				panic(fmt.Sprintf("layout has no tensor model.layers.%d.%s", i, field.name)) // the layout and this struct disagree: a bug
			}
		}
	}
	return out
}

// decoder is the Llama decoder stack, written once for every graph the model builds:
// generation's prefill, step and batched decode graphs (graph.go, decode_graph.go), the
// whole-sequence forward, and training's differentiable batch (train.go). What differs
// between them is supplied: how a linear layer is multiplied (unfused LoRA factors, the
// backend's fused SiLU), how RMSNorm and the rotary embedding are computed (training
// needs forms with gradients), and how attention reads and writes the KV cache.
type decoder struct {
	cfg    Config
	layers []layerWeights
	norm   *Node // the final RMSNorm's weight

	// linear is x [N, in] times a weight (plus its LoRA delta); siluLinear is SiLU of it.
	linear, siluLinear func(x, w *Node) *Node
	// rmsNorm is RMSNorm of x [N, D] with weight w [D].
	rmsNorm func(x, w *Node) *Node
	// ropeQ rotates queries [N, heads, headDim] and scales them by 1/sqrt(headDim);
	// ropeK rotates keys [N, kvHeads, headDim].
	ropeQ, ropeK func(x *Node) *Node
	// attend is layer l's causal attention of q [N, heads, headDim] over the keys and
	// values k, v [N, kvHeads, headDim] (and the cache, where there is one), returning
	// [N, heads*headDim].
	attend func(l int, q, k, v *Node) *Node
}

// forward runs the embedded rows x [N, D] through every decoder layer and the final norm:
//
//	h = RMSNorm(x);  x += o_proj(attention(rope(q_proj h), rope(k_proj h), v_proj h))
//	h = RMSNorm(x);  x += down_proj(SiLU(gate_proj h) * up_proj h)
func (d *decoder) forward(x *Node) *Node {
	cfg := d.cfg
	N := x.Shape().Dimensions[0]
	for l, w := range d.layers {
		h := d.rmsNorm(x, w.InputNorm)
		q, k, v := d.linear(h, w.Q), d.linear(h, w.K), d.linear(h, w.V)
		if w.QBias != nil {
			q = Add(q, Reshape(w.QBias, 1, cfg.QDim()))
			k = Add(k, Reshape(w.KBias, 1, cfg.KVDim()))
			v = Add(v, Reshape(w.VBias, 1, cfg.KVDim()))
		}
		q = d.ropeQ(Reshape(q, N, cfg.NumHeads, cfg.HeadDim))
		k = d.ropeK(Reshape(k, N, cfg.NumKVHeads, cfg.HeadDim))
		v = Reshape(v, N, cfg.NumKVHeads, cfg.HeadDim)
		x = Add(x, d.linear(d.attend(l, q, k, v), w.O))

		h = d.rmsNorm(x, w.PostNorm)
		x = Add(x, d.linear(Mul(d.siluLinear(h, w.Gate), d.linear(h, w.Up)), w.Down))
	}
	return d.rmsNorm(x, d.norm)
}
