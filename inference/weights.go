package inference

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
)

// weightSpec is one tensor the config implies: its checkpoint name and shape. Linear
// weights keep Hugging Face's [out, in] layout, which is also the fast layout for the
// go backend's decode matmuls (contracting the last axis of both operands).
type weightSpec struct {
	Name  string
	Shape []int
}

func (s weightSpec) numElements() int {
	n := 1
	for _, d := range s.Shape {
		n *= d
	}
	return n
}

// Module names of the linear layers LoRA may target, as they appear after "model.layers.N.".
var loraTargets = []string{
	"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
	"mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
}

// layerIdx holds the positions in the weight list of one decoder layer's tensors;
// -1 marks an absent optional tensor (biases).
type layerIdx struct {
	inputNorm, postNorm int
	q, k, v, o          int
	qBias, kBias, vBias int
	gate, up, down      int
}

// layout is the ordered weight list of a config and where each tensor sits in it; the
// graph takes the weights as inputs in this order.
type layout struct {
	specs  []weightSpec
	byName map[string]int
	embed  int
	norm   int
	lmHead int // == embed when tied
	layers []layerIdx
}

func (c Config) weightSpecs() []weightSpec { return c.layout().specs }

func (c Config) layout() *layout {
	l := &layout{byName: map[string]int{}}
	add := func(name string, shape ...int) int {
		l.specs = append(l.specs, weightSpec{Name: name, Shape: shape})
		l.byName[name] = len(l.specs) - 1
		return len(l.specs) - 1
	}
	d, f := c.HiddenSize, c.IntermediateSize
	l.embed = add("model.embed_tokens.weight", c.VocabSize, d)
	for i := range c.NumLayers {
		p := fmt.Sprintf("model.layers.%d.", i)
		li := layerIdx{qBias: -1, kBias: -1, vBias: -1}
		li.inputNorm = add(p+"input_layernorm.weight", d)
		li.q = add(p+"self_attn.q_proj.weight", c.QDim(), d)
		li.k = add(p+"self_attn.k_proj.weight", c.KVDim(), d)
		li.v = add(p+"self_attn.v_proj.weight", c.KVDim(), d)
		if c.AttentionBias {
			li.qBias = add(p+"self_attn.q_proj.bias", c.QDim())
			li.kBias = add(p+"self_attn.k_proj.bias", c.KVDim())
			li.vBias = add(p+"self_attn.v_proj.bias", c.KVDim())
		}
		li.o = add(p+"self_attn.o_proj.weight", d, c.QDim())
		li.postNorm = add(p+"post_attention_layernorm.weight", d)
		li.gate = add(p+"mlp.gate_proj.weight", f, d)
		li.up = add(p+"mlp.up_proj.weight", f, d)
		li.down = add(p+"mlp.down_proj.weight", d, f)
		l.layers = append(l.layers, li)
	}
	l.norm = add("model.norm.weight", d)
	l.lmHead = l.embed
	if !c.TieWordEmbeddings {
		l.lmHead = add("lm_head.weight", c.VocabSize, d)
	}
	return l
}

// ignorableTensor reports checkpoint tensors that are safe to skip: buffers older
// transformers saved, and a tied head some exporters write anyway.
func (c Config) ignorableTensor(name string) bool {
	if strings.HasSuffix(name, "rotary_emb.inv_freq") {
		return true
	}
	return c.TieWordEmbeddings && name == "lm_head.weight"
}

// checkTensorNames compares a checkpoint's tensor names with the config's, naming every
// missing and unexpected tensor so one error tells the whole story.
func (c Config) checkTensorNames(names []string) error {
	l := c.layout()
	have := make(map[string]bool, len(names))
	var extra []string
	for _, n := range names {
		have[n] = true
		if _, ok := l.byName[n]; !ok && !c.ignorableTensor(n) {
			extra = append(extra, n)
		}
	}
	var missing []string
	for _, s := range l.specs {
		if !have[s.Name] {
			missing = append(missing, s.Name)
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("missing tensors %s", abbreviate(missing)))
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		parts = append(parts, fmt.Sprintf("unexpected tensors %s", abbreviate(extra)))
	}
	if len(parts) > 0 {
		return fmt.Errorf("checkpoint does not match config.json (%s, %d layers): %s", c.Architecture, c.NumLayers, strings.Join(parts, "; "))
	}
	return nil
}

// abbreviate lists up to 5 names and a count of the rest, keeping errors one line long.
func abbreviate(names []string) string {
	const show = 5
	if len(names) <= show {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:show], ", "), len(names)-show)
}

// smallMatMulFlops is the go backend's threshold (compute v0.1.6, rows×cols×batch of a
// matmul) below which it uses its direct kernel; above it, it repacks the weight matrix
// on every call, which for a one-token decode step costs more than the product itself.
const smallMatMulFlops = 4 << 20

// headChunks splits the LM head's rows so that each one-row product stays under the
// direct-kernel threshold; nil when the head is small enough already.
func (c Config) headChunks() []int {
	per := (smallMatMulFlops - 1) / c.HiddenSize
	if c.VocabSize <= per || per < 1 {
		return nil
	}
	n := (c.VocabSize + per - 1) / per
	for k := n; k < 2*n; k++ { // equal chunks where a few more of them allow it
		if c.VocabSize%k == 0 {
			n = k
			break
		}
	}
	rows := make([]int, n)
	for i := range rows {
		rows[i] = c.VocabSize / n
		if i < c.VocabSize%n {
			rows[i]++
		}
	}
	return rows
}

// minSplitElements is the smallest linear weight stored in row blocks: below it, handing
// a one-token product to the backend's workers costs more than it saves (stories260K's
// weights are all smaller).
const minSplitElements = 1 << 17

// rowSplit is the number of row blocks for large linear weights: the go backend's worker
// count, so a one-token product keeps every core reading weights; 1 (no split) for other
// backends and for a go backend that may run ops in parallel (see DefaultBackend).
func rowSplit(spec string) int {
	if spec == "" {
		spec = DefaultBackend
	}
	name, cfg, _ := strings.Cut(spec, ":")
	if name != "go" || (cfg != "" && !slices.Contains(strings.Split(cfg, ","), "ops_sequential")) {
		return 1
	}
	return min(runtime.GOMAXPROCS(0), 8)
}

// storedShape is the backend shape of a weight of checkpoint shape [out, in]: the same
// bytes viewed as [S, out/S, in] when it is large and its rows split evenly (see project).
func (m *Model) storedShape(shape []int) []int {
	if len(shape) != 2 || m.split < 2 {
		return shape
	}
	out, in := shape[0], shape[1]
	if out*in < minSplitElements || out%m.split != 0 {
		return shape
	}
	return []int{m.split, out / m.split, in}
}
