package inference

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"manualbot/inference/safetensors"
)

// refModel is an independent plain-Go Llama forward pass (loops, no GoMLX), written
// from the Hugging Face modeling code the way llama2.c is, to check the graph against.
// It reads config.json itself rather than through Config, so a parsing bug cannot hide
// in both.
type refModel struct {
	dim, hidden, layers, heads, kvHeads, headDim, vocab int
	eps                                                 float64
	invFreq                                             []float64
	w                                                   map[string][]float32
	tied, bias                                          bool
}

func loadRef(t testing.TB, dir string) *refModel {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Arch        []string       `json:"architectures"`
		Dim         int            `json:"hidden_size"`
		Hidden      int            `json:"intermediate_size"`
		Layers      int            `json:"num_hidden_layers"`
		Heads       int            `json:"num_attention_heads"`
		KVHeads     int            `json:"num_key_value_heads"`
		HeadDim     int            `json:"head_dim"`
		Vocab       int            `json:"vocab_size"`
		Eps         float64        `json:"rms_norm_eps"`
		Theta       float64        `json:"rope_theta"`
		Tied        bool           `json:"tie_word_embeddings"`
		Bias        bool           `json:"attention_bias"`
		RopeScaling map[string]any `json:"rope_scaling"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	r := &refModel{dim: c.Dim, hidden: c.Hidden, layers: c.Layers, heads: c.Heads, kvHeads: c.KVHeads,
		headDim: c.HeadDim, vocab: c.Vocab, eps: c.Eps, tied: c.Tied, bias: c.Bias || c.Arch[0] == "Qwen2ForCausalLM",
		w: map[string][]float32{}}
	if r.kvHeads == 0 {
		r.kvHeads = r.heads
	}
	if r.headDim == 0 {
		r.headDim = r.dim / r.heads
	}
	for i := 0; i < r.headDim; i += 2 {
		f := 1 / math.Pow(c.Theta, float64(i)/float64(r.headDim))
		if c.RopeScaling != nil {
			factor := c.RopeScaling["factor"].(float64)
			kind := c.RopeScaling["rope_type"]
			if kind == nil {
				kind = c.RopeScaling["type"]
			}
			switch kind {
			case "linear":
				f /= factor
			case "llama3":
				lo, hi := c.RopeScaling["low_freq_factor"].(float64), c.RopeScaling["high_freq_factor"].(float64)
				orig := c.RopeScaling["original_max_position_embeddings"].(float64)
				wl := 2 * math.Pi / f
				if wl > orig/lo {
					f /= factor
				} else if wl >= orig/hi {
					s := (orig/wl - lo) / (hi - lo)
					f = (1-s)*f/factor + s*f
				}
			}
		}
		r.invFreq = append(r.invFreq, f)
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	for _, n := range set.Names() {
		v, err := set.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		r.w[n] = v
	}
	return r
}

// matvec returns W x for W [out, in] row-major, accumulating in float64.
func matvec(w []float32, x []float64, out int) []float64 {
	in := len(x)
	y := make([]float64, out)
	for o := range out {
		row := w[o*in : (o+1)*in]
		var s float64
		for i, v := range row {
			s += float64(v) * x[i]
		}
		y[o] = s
	}
	return y
}

func rmsnormRef(x []float64, w []float32, eps float64) []float64 {
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	inv := 1 / math.Sqrt(ss/float64(len(x))+eps)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v * inv * float64(w[i])
	}
	return out
}

// ropeRef rotates one head in place, rotate-half convention.
func (r *refModel) ropeRef(v []float64, pos int) {
	half := r.headDim / 2
	for i := range half {
		ang := float64(pos) * r.invFreq[i]
		c, s := math.Cos(ang), math.Sin(ang)
		a, b := v[i], v[i+half]
		v[i] = a*c - b*s
		v[i+half] = b*c + a*s
	}
}

// forward returns the logits of every position of ids, token by token with a KV cache as
// llama2.c does.
func (r *refModel) forward(ids []int) [][]float32 {
	kc := make([][][]float64, r.layers) // [layer][pos] -> kvHeads*headDim
	vc := make([][][]float64, r.layers)
	group := r.heads / r.kvHeads
	var out [][]float32
	for pos, id := range ids {
		x := make([]float64, r.dim)
		emb := r.w["model.embed_tokens.weight"][id*r.dim : (id+1)*r.dim]
		for i, v := range emb {
			x[i] = float64(v)
		}
		for l := range r.layers {
			p := fmt.Sprintf("model.layers.%d.", l)
			h := rmsnormRef(x, r.w[p+"input_layernorm.weight"], r.eps)
			q := matvec(r.w[p+"self_attn.q_proj.weight"], h, r.heads*r.headDim)
			k := matvec(r.w[p+"self_attn.k_proj.weight"], h, r.kvHeads*r.headDim)
			v := matvec(r.w[p+"self_attn.v_proj.weight"], h, r.kvHeads*r.headDim)
			if r.bias {
				for i := range q {
					q[i] += float64(r.w[p+"self_attn.q_proj.bias"][i])
				}
				for i := range k {
					k[i] += float64(r.w[p+"self_attn.k_proj.bias"][i])
					v[i] += float64(r.w[p+"self_attn.v_proj.bias"][i])
				}
			}
			for hh := range r.heads {
				r.ropeRef(q[hh*r.headDim:(hh+1)*r.headDim], pos)
			}
			for hh := range r.kvHeads {
				r.ropeRef(k[hh*r.headDim:(hh+1)*r.headDim], pos)
			}
			kc[l] = append(kc[l], k)
			vc[l] = append(vc[l], v)
			att := make([]float64, r.heads*r.headDim)
			for hh := range r.heads {
				kvh := hh / group
				qh := q[hh*r.headDim : (hh+1)*r.headDim]
				scores := make([]float64, pos+1)
				maxS := math.Inf(-1)
				for t := 0; t <= pos; t++ {
					kh := kc[l][t][kvh*r.headDim : (kvh+1)*r.headDim]
					var s float64
					for i := range qh {
						s += qh[i] * kh[i]
					}
					scores[t] = s / math.Sqrt(float64(r.headDim))
					maxS = max(maxS, scores[t])
				}
				var sum float64
				for t := range scores {
					scores[t] = math.Exp(scores[t] - maxS)
					sum += scores[t]
				}
				for t := range scores {
					vh := vc[l][t][kvh*r.headDim : (kvh+1)*r.headDim]
					for i := range vh {
						att[hh*r.headDim+i] += scores[t] / sum * vh[i]
					}
				}
			}
			o := matvec(r.w[p+"self_attn.o_proj.weight"], att, r.dim)
			for i := range x {
				x[i] += o[i]
			}
			h = rmsnormRef(x, r.w[p+"post_attention_layernorm.weight"], r.eps)
			gate := matvec(r.w[p+"mlp.gate_proj.weight"], h, r.hidden)
			up := matvec(r.w[p+"mlp.up_proj.weight"], h, r.hidden)
			for i := range gate {
				gate[i] = gate[i] / (1 + math.Exp(-gate[i])) * up[i]
			}
			down := matvec(r.w[p+"mlp.down_proj.weight"], gate, r.dim)
			for i := range x {
				x[i] += down[i]
			}
		}
		x = rmsnormRef(x, r.w["model.norm.weight"], r.eps)
		head := r.w["lm_head.weight"]
		if r.tied || head == nil {
			head = r.w["model.embed_tokens.weight"]
		}
		logits := matvec(head, x, r.vocab)
		row := make([]float32, r.vocab)
		for i, v := range logits {
			row[i] = float32(v)
		}
		out = append(out, row)
	}
	return out
}

// applyLoRA adds Scale·B·A densely to the reference weights, the definition the graph's
// unfused and fused paths must both reproduce.
func (r *refModel) applyLoRA(set *AdapterSet) {
	for name, l := range set.Modules {
		w := r.w[name+".weight"]
		in := len(l.A) / l.Rank
		out := len(l.B) / l.Rank
		nw := make([]float32, len(w))
		for o := range out {
			for i := range in {
				var s float64
				for k := range l.Rank {
					s += float64(l.B[o*l.Rank+k]) * float64(l.A[k*in+i])
				}
				nw[o*in+i] = float32(float64(w[o*in+i]) + float64(l.Scale)*s)
			}
		}
		r.w[name+".weight"] = nw
	}
}

// maxDiff is the largest absolute difference between two logit matrices, relative to
// max(1, |want|) so large logits are held to the same number of significant digits.
func maxDiff(t testing.TB, got, want [][]float32) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	var worst float64
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("row %d: got %d logits, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range want[i] {
			d := math.Abs(float64(got[i][j]-want[i][j])) / math.Max(1, math.Abs(float64(want[i][j])))
			worst = math.Max(worst, d)
		}
	}
	return worst
}
