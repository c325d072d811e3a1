package inference

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // GoMLX graphs read best with dot-import, as in its own layers.
	"github.com/gomlx/gomlx/core/tensors"
)

// TrainSeq is one training sequence for LoRA training.
type TrainSeq struct {
	// IDs are the token ids, BOS included when the caller wants it.
	IDs []int
	// LossMask[i] says whether predicting IDs[i] from IDs[:i] counts in the loss (index 0
	// is never predicted). nil counts every position from 1, as causal-LM training does;
	// QA training marks only the answer's tokens.
	LossMask []bool
}

// LoRAGrad is the gradient of the mean loss with respect to one module's LoRA factors,
// unscaled A [r,in] and B [out,r] as LoRA stores them.
type LoRAGrad struct {
	A, B []float32
}

// LoRATrainer computes the next-token cross-entropy of the base model plus a LoRA set and
// its gradient with respect to the LoRA factors, everything else frozen. It keeps its
// own compiled graphs (one per adapted-module layout, each caching its input shapes), so
// training does not disturb the model's inference graphs. Safe for concurrent use; runs
// queue for the backend with the model's generations.
type LoRATrainer struct {
	m     *Model
	mu    sync.Mutex
	execs map[trainKey]*Exec
}

type trainKey struct {
	sig   string
	grads bool
}

// NewLoRATrainer returns a trainer on m's base weights: adapters set on m with
// SetAdapters do not take part, only the set passed to each call.
func NewLoRATrainer(m *Model) *LoRATrainer {
	return &LoRATrainer{m: m, execs: map[trainKey]*Exec{}}
}

// LossAndGrads returns the mean cross-entropy over the masked next-token positions of
// seqs (run as one padded batch), how many positions counted, and the gradient of that
// mean with respect to every module's A and B in set.
func (t *LoRATrainer) LossAndGrads(ctx context.Context, seqs []TrainSeq, set *AdapterSet) (loss float64, tokens int, grads map[string]LoRAGrad, err error) {
	return t.run(ctx, seqs, set, true)
}

// Loss is LossAndGrads without the backward pass, for validation.
func (t *LoRATrainer) Loss(ctx context.Context, seqs []TrainSeq, set *AdapterSet) (loss float64, tokens int, err error) {
	loss, tokens, _, err = t.run(ctx, seqs, set, false)
	return loss, tokens, err
}

// trainBatch is seqs laid out as the graph's [B, T] inputs.
type trainBatch struct {
	tokens, targets []int32
	weights         []float32
	b, t, count     int
}

// batch pads seqs to a bucketed length and shifts them into (input, target, weight) rows.
func (t *LoRATrainer) batch(seqs []TrainSeq) (*trainBatch, error) {
	if len(seqs) == 0 {
		return nil, fmt.Errorf("training batch: no sequences")
	}
	longest := 0
	for i, s := range seqs {
		if len(s.IDs) < 2 {
			return nil, fmt.Errorf("training sequence %d: %d tokens, need at least 2 (an input and a target)", i, len(s.IDs))
		}
		if s.LossMask != nil && len(s.LossMask) != len(s.IDs) {
			return nil, fmt.Errorf("training sequence %d: loss mask has %d entries for %d tokens", i, len(s.LossMask), len(s.IDs))
		}
		if err := t.m.checkIDs(s.IDs); err != nil {
			return nil, fmt.Errorf("training sequence %d: %w", i, err)
		}
		longest = max(longest, len(s.IDs)-1)
	}
	if longest > t.m.maxCtx {
		return nil, fmt.Errorf("training sequence of %d tokens exceeds the context window of %d", longest+1, t.m.maxCtx)
	}
	T := bucket(longest, 16, t.m.maxCtx)
	b := &trainBatch{b: len(seqs), t: T,
		tokens: make([]int32, len(seqs)*T), targets: make([]int32, len(seqs)*T), weights: make([]float32, len(seqs)*T)}
	for i, s := range seqs {
		row := i * T
		for p := 0; p+1 < len(s.IDs); p++ {
			b.tokens[row+p] = int32(s.IDs[p])
			b.targets[row+p] = int32(s.IDs[p+1])
			if s.LossMask == nil || s.LossMask[p+1] {
				b.weights[row+p] = 1
				b.count++
			}
		}
	}
	if b.count == 0 {
		return nil, fmt.Errorf("training batch: the loss mask selects no token")
	}
	return b, nil
}

func (t *LoRATrainer) run(ctx context.Context, seqs []TrainSeq, set *AdapterSet, withGrads bool) (float64, int, map[string]LoRAGrad, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, nil, err
	}
	b, err := t.batch(seqs)
	if err != nil {
		return 0, 0, nil, err
	}
	var mods []preparedLoRA
	if set != nil {
		if mods, err = t.m.prepareAdapters(set); err != nil {
			return 0, 0, nil, err
		}
	}
	slots := make([]loraSlot, len(mods))
	for i, p := range mods {
		slots[i] = loraSlot{weight: p.weight}
	}
	exec, err := t.exec(slots, withGrads)
	if err != nil {
		return 0, 0, nil, err
	}
	args := make([]any, 0, 3+len(t.m.base)+2*len(mods))
	args = append(args,
		tensors.FromFlatDataAndDimensions(b.tokens, b.b, b.t),
		tensors.FromFlatDataAndDimensions(b.targets, b.b, b.t),
		tensors.FromFlatDataAndDimensions(b.weights, b.b, b.t))
	for _, w := range t.m.base {
		args = append(args, w)
	}
	for _, w := range t.m.head { // a large head lives as row chunks (head.go)
		args = append(args, w)
	}
	for _, p := range mods {
		args = append(args,
			tensors.FromFlatDataAndDimensions(p.lora.A, p.lora.Rank, p.in),
			tensors.FromFlatDataAndDimensions(scaledB(p.lora), p.out, p.lora.Rank))
	}
	if err := t.m.acquire(ctx); err != nil {
		return 0, 0, nil, err
	}
	out, err := exec.Call(args...)
	t.m.release()
	if err != nil {
		return 0, 0, nil, fmt.Errorf("training step: %w", err)
	}
	defer finalizeAll(out)
	sum, err := tensors.CopyFlatData[float32](out[0])
	if err != nil {
		return 0, 0, nil, fmt.Errorf("reading the loss: %w", err)
	}
	inv := 1 / float64(b.count)
	loss := float64(sum[0]) * inv
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return 0, 0, nil, fmt.Errorf("training step: the loss is %v", loss)
	}
	if !withGrads {
		return loss, b.count, nil, nil
	}
	grads := make(map[string]LoRAGrad, len(mods))
	for i, p := range mods {
		ga, err := tensors.CopyFlatData[float32](out[1+2*i])
		if err != nil {
			return 0, 0, nil, fmt.Errorf("reading a gradient: %w", err)
		}
		gb, err := tensors.CopyFlatData[float32](out[2+2*i])
		if err != nil {
			return 0, 0, nil, fmt.Errorf("reading a gradient: %w", err)
		}
		// The graph differentiates the sum with respect to A and Scale·B.
		for j := range ga {
			ga[j] *= float32(inv)
		}
		for j := range gb {
			gb[j] *= float32(inv) * p.lora.Scale
		}
		name := t.m.lay.specs[p.weight].Name
		grads[name[:len(name)-len(".weight")]] = LoRAGrad{A: ga, B: gb}
	}
	return loss, b.count, grads, nil
}

// exec returns the compiled loss (and gradient) graph for a LoRA layout, building it once.
func (t *LoRATrainer) exec(slots []loraSlot, withGrads bool) (*Exec, error) {
	key := trainKey{sig: describeSig(slots, t.m.lay), grads: withGrads}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.execs[key]; ok {
		return e, nil
	}
	spec := &trainSpec{cfg: t.m.cfg, lay: t.m.lay, loras: slots, grads: withGrads}
	e, err := NewExec(t.m.backend, spec.build)
	if err != nil {
		return nil, fmt.Errorf("building the training graph: %w", err)
	}
	name := "llama-loss"
	if withGrads {
		name = "llama-grad"
	}
	e = e.WithName(name + key.sig).SetMaxCache(32)
	t.execs[key] = e
	return e, nil
}

// trainSpec builds the batched, differentiable forward used for training: the model's
// one decoder stack (forward.go) on a [B, T] batch, with its own parts where the
// inference ones have no gradient in GoMLX v0.28 (Rsqrt in RMSNorm) or assume one
// sequence (attention); the tests hold it to the inference logits.
type trainSpec struct {
	cfg   Config
	lay   *layout
	loras []loraSlot
	grads bool
}

// build takes tokens [B,T] int32, targets [B,T] int32, loss weights [B,T] f32, the
// weights in layout order, the head chunks (if any, see head.go) and A, Scale·B per LoRA
// slot; it returns the weighted sum of token negative log-likelihoods and, with grads,
// its gradient for each LoRA input.
func (s *trainSpec) build(inputs []*Node) []*Node {
	cfg, lay := s.cfg, s.lay
	tokens, targets, lossW := inputs[0], inputs[1], inputs[2]
	weights := inputs[3 : 3+len(lay.specs)]
	head := inputs[3+len(lay.specs) : 3+len(lay.specs)+len(cfg.headChunks())]
	loraIn := inputs[3+len(lay.specs)+len(head):]
	g := tokens.Graph()
	B, T := tokens.Shape().Dimensions[0], tokens.Shape().Dimensions[1]
	N := B * T

	// LoRA factors by the weight they modify: A [r, in] and Scale·B [out, r], as the
	// gradients are wanted for (the inference graphs take Bᵀ).
	delta := make(map[*Node][2]*Node, len(s.loras))
	for i, slot := range s.loras {
		delta[weights[slot.weight]] = [2]*Node{loraIn[2*i], loraIn[2*i+1]}
	}
	linear := func(x, w *Node) *Node {
		y := project(x, w) // weights may be stored split in row blocks (head.go)
		if ab, ok := delta[w]; ok {
			xa := DotGeneral(x, []int{1}, nil, ab[0], []int{1}, nil)
			y = Add(y, DotGeneral(xa, []int{1}, nil, ab[1], []int{1}, nil))
		}
		return y
	}

	x := embedRows(lay, weights, head, Reshape(tokens, N)) // [N, D]

	positions := ConvertDType(Iota(g, shapeOf(dtypes.Int32, T), 0), dtypes.Float32)
	half := cfg.HeadDim / 2
	angles := Mul(Reshape(positions, T, 1), Reshape(Const(g, cfg.InvFreq()), 1, half))
	angles = Concatenate([]*Node{angles, angles}, 1)
	cos := Reshape(Cos(angles), 1, T, 1, cfg.HeadDim)
	sin := Reshape(Sin(angles), 1, T, 1, cfg.HeadDim)

	qPos := Iota(g, shapeOf(dtypes.Int32, T, T), 0)
	kPos := Iota(g, shapeOf(dtypes.Int32, T, T), 1)
	bias := Where(LessOrEqual(kPos, qPos), ZerosLike(ConvertDType(kPos, dtypes.Float32)),
		BroadcastToDims(Const(g, float32(-1e30)), T, T))
	bias = Reshape(bias, 1, 1, 1, T, T)

	kvh, group, hd := cfg.NumKVHeads, cfg.NumHeads/cfg.NumKVHeads, cfg.HeadDim
	scale := float32(1 / math.Sqrt(float64(hd)))
	rope := func(x *Node) *Node { // [N, heads, hd] through [B, T, heads, hd]
		heads := x.Shape().Dimensions[1]
		return Reshape(trainRope(Reshape(x, B, T, heads, hd), cos, sin), N, heads, hd)
	}
	dec := &decoder{
		cfg: cfg, layers: bindLayers(lay, weights), norm: weights[lay.norm], linear: linear,
		siluLinear: func(x, w *Node) *Node { y := linear(x, w); return Mul(y, Sigmoid(y)) },
		rmsNorm:    func(x, w *Node) *Node { return trainRMSNorm(x, w, cfg.RMSNormEps) },
		ropeQ:      func(x *Node) *Node { return MulScalar(rope(x), scale) },
		ropeK:      rope,
		attend: func(_ int, q, k, v *Node) *Node {
			q = Reshape(q, B, T, kvh, group, hd)
			k, v = Reshape(k, B, T, kvh, hd), Reshape(v, B, T, kvh, hd)
			scores := Einsum("btkgd,bckd->bkgtc", q, k) // [B, kvh, group, T, T]
			probs := Softmax(Add(scores, bias), -1)
			return Reshape(Einsum("bkgtc,bckd->btkgd", probs, v), N, cfg.QDim()) // [B, T, kvh, group, hd]
		},
	}
	x = dec.forward(x)
	logits := headLogits(lay, weights, head, x) // [N, V]

	// Negative log-likelihood of each target: logsumexp(logits) - logits[target].
	V := cfg.VocabSize
	mx := StopGradient(ReduceAndKeep(logits, ReduceMax, -1))
	lse := Add(Reshape(mx, N), Log(ReduceSum(Exp(Sub(logits, mx)), -1)))
	rowStart := MulScalar(Iota(g, shapeOf(dtypes.Int32, N), 0), V)
	flatIdx := Add(rowStart, Reshape(targets, N))
	picked := Gather(Reshape(logits, N*V), Reshape(flatIdx, N, 1)) // [N]
	sum := ReduceAllSum(Mul(Sub(lse, picked), Reshape(lossW, N)))
	if !s.grads {
		return []*Node{sum}
	}
	return append([]*Node{sum}, Gradient(sum, loraIn...)...)
}

// trainRMSNorm is rmsNorm written with Sqrt and Div, which have gradients (Rsqrt has
// none in GoMLX v0.28).
func trainRMSNorm(x, w *Node, eps float64) *Node {
	ms := ReduceAndKeep(Square(x), ReduceMean, -1)
	normed := Div(x, Sqrt(AddScalar(ms, eps)))
	return Mul(normed, Reshape(w, 1, w.Shape().Dimensions[0]))
}

// trainRope is rope for x [B, T, heads, headDim] with cos, sin [1, T, 1, headDim].
func trainRope(x, cos, sin *Node) *Node {
	hd := x.Shape().Dimensions[3]
	x1 := SliceAxis(x, 3, AxisRange(0, hd/2))
	x2 := SliceAxis(x, 3, AxisRange(hd/2, hd))
	rot := Concatenate([]*Node{Neg(x2), x1}, 3)
	return Add(Mul(x, cos), Mul(rot, sin))
}
