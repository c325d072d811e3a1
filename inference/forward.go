package inference

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graphs read best with dot-import, as in its own layers.
)

// decoder is the Llama decoder stack, written once for every graph the model builds:
// generation's prefill, step and batched decode graphs (graph.go, decode_graph.go), the
// whole-sequence forward, and training's differentiable batch (train.go). What differs
// between them is supplied: how a linear layer is multiplied (unfused LoRA factors, the
// backend's fused SiLU), how RMSNorm and the rotary embedding are computed (training
// needs forms with gradients), and how attention reads and writes the KV cache.
type decoder struct {
	cfg     Config
	lay     *layout
	weights []*Node // in layout order

	// linear is x [N, in] times the weight at a layout index (plus its LoRA delta);
	// siluLinear is SiLU of it.
	linear, siluLinear func(x *Node, w int) *Node
	// norm is RMSNorm of x [N, D] with weight w [D].
	norm func(x, w *Node) *Node
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
	cfg, w := d.cfg, d.weights
	N := x.Shape().Dimensions[0]
	for l, li := range d.lay.layers {
		h := d.norm(x, w[li.inputNorm])
		q, k, v := d.linear(h, li.q), d.linear(h, li.k), d.linear(h, li.v)
		if li.qBias >= 0 { // Qwen2
			q = Add(q, Reshape(w[li.qBias], 1, cfg.QDim()))
			k = Add(k, Reshape(w[li.kBias], 1, cfg.KVDim()))
			v = Add(v, Reshape(w[li.vBias], 1, cfg.KVDim()))
		}
		q = d.ropeQ(Reshape(q, N, cfg.NumHeads, cfg.HeadDim))
		k = d.ropeK(Reshape(k, N, cfg.NumKVHeads, cfg.HeadDim))
		v = Reshape(v, N, cfg.NumKVHeads, cfg.HeadDim)
		x = Add(x, d.linear(d.attend(l, q, k, v), li.o))

		h = d.norm(x, w[li.postNorm])
		x = Add(x, d.linear(Mul(d.siluLinear(h, li.gate), d.linear(h, li.up)), li.down))
	}
	return d.norm(x, w[d.lay.norm])
}
