package adapters

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"slices"
	"time"

	"manualbot/inference"
)

// TuneOptions configure Tune. Zero values take the defaults in brackets.
type TuneOptions struct {
	// Steps [50] of Adam at learning rate LR [0.05] on the mixing logits.
	Steps int
	LR    float64
	// Batch [all examples, at most 8] sequences per step, walked in a seeded order.
	Batch int
	Seed  uint64
	// CheckpointDir, when set, receives a checkpoint every CheckpointEvery [10] steps; with
	// Resume, tuning continues from the checkpoint found there.
	CheckpointDir   string
	CheckpointEvery int
	Resume          bool
	// Val are held-out sequences: their loss is measured before tuning and every
	// CheckpointEvery steps, and the weights of the step with the lowest one are kept.
	// Empty means the training data stands in (the loss then says nothing of overfitting).
	Val []inference.TrainSeq
	// Name names the merged adapter.
	Name string
	// Log receives one line per step; nil discards them.
	Log *slog.Logger
	// OnStep, when set, is called after every step.
	OnStep func(TuneStep)
}

// TuneStep is one step's loss (at the weights before the step's update).
type TuneStep struct {
	Step, Steps int
	Loss        float64
	Elapsed     time.Duration
}

// TuneReport is what a tuning run learnt and how the loss went.
type TuneReport struct {
	// Losses[i] is the training batch loss of step i+1 (for steps run in this call and, on
	// resume, those before it). InitialLoss is the held-out loss at equal weights (at the
	// start of the run, or recorded in the checkpoint on resume), FinalLoss the held-out
	// loss at the kept weights: those of BestStep (0: the equal weights were best).
	Losses      []float64 `json:"losses"`
	InitialLoss float64   `json:"initial_loss"`
	FinalLoss   float64   `json:"final_loss"`
	BestStep    int       `json:"best_step"`
	ResumedFrom int       `json:"resumed_from"`
	// Weights are the learnt CAT weights, per module, one per input adapter (0 where an
	// adapter lacks the module), in the --weights-file format.
	Weights Weights `json:"weights"`
}

// tuneState is a tuning checkpoint: the logits and Adam's state (optimizer.gob) and a
// readable summary (tune.json).
type tuneState struct {
	Step    int
	Sources []string
	Logits  map[string][]float32
	Opt     *adam
	Losses  []float64
	// Best is the logits of BestStep, whose held-out loss BestLoss is the lowest seen;
	// InitialLoss is the held-out loss at equal weights.
	Best        map[string][]float32
	BestStep    int
	BestLoss    float64
	InitialLoss float64
}

func (o *TuneOptions) defaults(n int) error {
	if o.Steps == 0 {
		o.Steps = 50
	}
	if o.LR == 0 {
		o.LR = 0.05
	}
	if o.Batch == 0 {
		o.Batch = min(n, 8)
	}
	if o.CheckpointEvery == 0 {
		o.CheckpointEvery = 10
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Steps < 0 || o.LR <= 0 || o.Batch < 0 || o.CheckpointEvery < 0 {
		return fmt.Errorf("tune: steps %d, lr %v, batch %d, checkpoint-every %d: each must be positive", o.Steps, o.LR, o.Batch, o.CheckpointEvery)
	}
	return nil
}

// Tune learns CAT mixing weights, per layer and per module, on a few target-task
// sequences: for module m the weights are softmax(logits_m) over the adapters that have
// m, logits start equal, and only they train (Adam), as in LoRA Soups. The CAT merge is
// itself a LoRA (A = concat_rows(w_i s_i A_i), B = concat_cols(B_i)), so each step takes
// dL/dA from the model and the chain rule gives dL/dw_i = <dL/dA_i', s_i A_i> and then
// the logits' gradient through the softmax. It returns the CAT merge at the learnt weights.
func Tune(ctx context.Context, model *inference.Model, inputs []*Adapter, data []inference.TrainSeq, opts TuneOptions) (*Adapter, TuneReport, error) {
	var rep TuneReport
	if len(inputs) < 2 {
		return nil, rep, fmt.Errorf("tune: %d adapters: need at least two to mix", len(inputs))
	}
	if len(data) == 0 {
		return nil, rep, errors.New("tune: no examples")
	}
	if err := opts.defaults(len(data)); err != nil {
		return nil, rep, err
	}
	if err := checkMerge(inputs, &MergeOptions{Method: MethodCat}); err != nil {
		return nil, rep, fmt.Errorf("tune: %w", err)
	}
	shape := ShapeOf(model.Config(), "")
	for _, a := range inputs {
		if err := Validate(a, shape, opts.Log); err != nil {
			return nil, rep, fmt.Errorf("tune: adapter %s was made for another base model: %w", a.Name, err)
		}
	}
	sources := make([]string, len(inputs))
	for i, a := range inputs {
		sources[i] = a.Name
	}
	modules := mergedModules(inputs)
	st := tuneState{Sources: sources, Logits: map[string][]float32{}, Opt: newAdam(opts.LR)}
	for _, m := range modules {
		st.Logits[m] = make([]float32, len(inputs))
	}
	if opts.Resume && opts.CheckpointDir != "" {
		if ck := latestCheckpoint(opts.CheckpointDir); ck != "" {
			var saved tuneState
			if err := readGob(filepath.Join(ck, optimizerFile), &saved); err != nil {
				return nil, rep, fmt.Errorf("tune: resume: %w", err)
			}
			if !slices.Equal(saved.Sources, sources) || len(saved.Logits) != len(modules) {
				return nil, rep, fmt.Errorf("tune: resume: the checkpoint in %s mixes %v over %d modules, not %v over %d; use the same adapters or another --out",
					ck, saved.Sources, len(saved.Logits), sources, len(modules))
			}
			st, rep.ResumedFrom = saved, saved.Step
			st.Opt.LR = opts.LR
			opts.Log.Info("resuming tuning", "checkpoint", ck, "step", st.Step)
		}
	}
	tr := inference.NewLoRATrainer(model)
	val := opts.Val
	if len(val) == 0 {
		val = data
	}
	heldOut := func(logits map[string][]float32) (float64, error) {
		merged, err := catAt(ctx, inputs, logits, opts.Name)
		if err != nil {
			return 0, err
		}
		return validationLoss(ctx, tr, val, merged, opts.Batch)
	}
	if st.Best == nil {
		l, err := heldOut(st.Logits)
		if err != nil {
			return nil, rep, err
		}
		st.Best, st.BestStep, st.BestLoss, st.InitialLoss = cloneLogits(st.Logits), st.Step, l, l
	}
	rep.InitialLoss = st.InitialLoss
	start := time.Now()
	for step := st.Step + 1; step <= opts.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, rep, fmt.Errorf("tune: stopped at step %d: %w", step-1, err)
		}
		loss, err := tuneStep(ctx, tr, inputs, &st, batchAt(data, opts.Batch, opts.Seed, step), opts.Name)
		if err != nil {
			return nil, rep, fmt.Errorf("tune: step %d: %w", step, err)
		}
		st.Step = step
		st.Losses = append(st.Losses, loss)
		opts.Log.Info("tune step", "step", step, "loss", loss)
		if opts.OnStep != nil {
			opts.OnStep(TuneStep{Step: step, Steps: opts.Steps, Loss: loss, Elapsed: time.Since(start)})
		}
		if step%opts.CheckpointEvery == 0 || step == opts.Steps {
			l, err := heldOut(st.Logits)
			if err != nil {
				return nil, rep, fmt.Errorf("tune: step %d: %w", step, err)
			}
			opts.Log.Info("tune held-out loss", "step", step, "loss", l, "best", st.BestLoss, "best_step", st.BestStep)
			if l < st.BestLoss {
				st.Best, st.BestStep, st.BestLoss = cloneLogits(st.Logits), step, l
			}
			if opts.CheckpointDir != "" {
				if err := saveTuning(opts.CheckpointDir, &st, inputs); err != nil {
					return nil, rep, err
				}
			}
		}
	}
	rep.Losses = st.Losses
	rep.Weights = softmaxWeights(inputs, st.Best)
	rep.BestStep, rep.FinalLoss = st.BestStep, st.BestLoss
	merged, err := Merge(ctx, inputs, MergeOptions{Method: MethodCat, Weights: rep.Weights, Name: opts.Name})
	if err != nil {
		return nil, rep, fmt.Errorf("tune: %w", err)
	}
	merged.Manifest.Description = fmt.Sprintf("CAT merge with weights learnt per layer and module on %d examples (best of %d steps: step %d)", len(data), st.Step, st.BestStep)
	return merged, rep, nil
}

func cloneLogits(l map[string][]float32) map[string][]float32 {
	out := make(map[string][]float32, len(l))
	for k, v := range l {
		out[k] = slices.Clone(v)
	}
	return out
}

// tuneStep runs one Adam step on the logits and returns the batch's loss before it.
func tuneStep(ctx context.Context, tr *inference.LoRATrainer, inputs []*Adapter, st *tuneState, batch []inference.TrainSeq, name string) (float64, error) {
	loss, grads, err := logitGrads(ctx, tr, inputs, st.Logits, batch, name)
	if err != nil {
		return 0, err
	}
	st.Opt.next()
	for m, g := range grads {
		st.Opt.update(m, st.Logits[m], g)
	}
	return loss, nil
}

// logitGrads returns the batch's loss under the CAT merge the logits give and its
// gradient with respect to every module's logits.
func logitGrads(ctx context.Context, tr *inference.LoRATrainer, inputs []*Adapter, logits map[string][]float32, batch []inference.TrainSeq, name string) (float64, map[string][]float32, error) {
	w := softmaxWeights(inputs, logits)
	merged, err := Merge(ctx, inputs, MergeOptions{Method: MethodCat, Weights: w, Name: name})
	if err != nil {
		return 0, nil, err
	}
	loss, _, grads, err := tr.LossAndGrads(ctx, batch, merged.AdapterSet())
	if err != nil {
		return 0, nil, err
	}
	out := make(map[string][]float32, len(logits))
	for m := range logits {
		g, ok := grads[m]
		if !ok {
			continue
		}
		wm := w.Modules[m]
		// dL/dw_i over the rows of adapter i's block of the concatenated A.
		dw := make([]float64, len(inputs))
		row := 0
		for i, a := range inputs {
			f, ok := a.Modules[m]
			if !ok {
				continue
			}
			blk := g.A[row*f.In : (row+f.Rank)*f.In]
			var s float64
			for j, v := range f.A {
				s += float64(blk[j]) * float64(v)
			}
			dw[i] = s * f.Scale
			row += f.Rank
		}
		// Softmax over the adapters present: dL/dz_j = w_j (dw_j - sum_i w_i dw_i).
		var avg float64
		for i := range inputs {
			avg += wm[i] * dw[i]
		}
		gz := make([]float32, len(inputs))
		for j := range inputs {
			gz[j] = float32(wm[j] * (dw[j] - avg))
		}
		out[m] = gz
	}
	return loss, out, nil
}

// softmaxWeights turns each module's logits into weights over the adapters that have the
// module (0 for the others), as a per-module Weights.
func softmaxWeights(inputs []*Adapter, logits map[string][]float32) Weights {
	w := Weights{Modules: make(map[string][]float64, len(logits))}
	for m, z := range logits {
		mx := math.Inf(-1)
		for i, a := range inputs {
			if _, ok := a.Modules[m]; ok {
				mx = max(mx, float64(z[i]))
			}
		}
		v := make([]float64, len(inputs))
		var sum float64
		for i, a := range inputs {
			if _, ok := a.Modules[m]; ok {
				v[i] = math.Exp(float64(z[i]) - mx)
				sum += v[i]
			}
		}
		for i := range v {
			v[i] /= sum
		}
		w.Modules[m] = v
	}
	return w
}

// catAt is the CAT merge at the weights the logits give.
func catAt(ctx context.Context, inputs []*Adapter, logits map[string][]float32, name string) (*Adapter, error) {
	return Merge(ctx, inputs, MergeOptions{Method: MethodCat, Weights: softmaxWeights(inputs, logits), Name: name})
}

// tuneSummary is tune.json: the checkpoint's state in readable form.
type tuneSummary struct {
	Step     int       `json:"step"`
	BestStep int       `json:"best_step"`
	BestLoss float64   `json:"best_validation_loss"`
	Sources  []string  `json:"sources"`
	Losses   []float64 `json:"losses"`
	Weights  Weights   `json:"weights"`
}

func saveTuning(dir string, st *tuneState, inputs []*Adapter) error {
	return writeCheckpoint(dir, func(tmp string) error {
		if err := writeGob(filepath.Join(tmp, optimizerFile), st); err != nil {
			return err
		}
		return writeJSONFile(filepath.Join(tmp, "tune.json"), tuneSummary{
			Step: st.Step, BestStep: st.BestStep, BestLoss: st.BestLoss, Sources: st.Sources, Losses: st.Losses, Weights: softmaxWeights(inputs, st.Logits)})
	})
}
