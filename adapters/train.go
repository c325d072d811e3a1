package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"manualbot/inference"
)

// TrainOptions configure Train. Zero values take the defaults in brackets.
type TrainOptions struct {
	// Skill is recorded in manualbot.json (domain for manual text, qa for QA records).
	Skill Skill
	// Rank [8] and Alpha [2·Rank] of every module; the scale is Alpha/Rank as in PEFT.
	Rank  int
	Alpha float64
	// Targets are projection types ("q_proj" or "self_attn.q_proj") [all seven].
	Targets []string
	// Steps [200] optimizer steps of Batch [4] sequences, Adam at learning rate LR [1e-3].
	Steps int
	Batch int
	LR    float64
	// Seed fixes the initialisation and the data order.
	Seed uint64
	// EvalEvery [50] steps the validation loss is measured (and at step 0 and the end).
	EvalEvery int
	// CheckpointDir, when set, receives a checkpoint every CheckpointEvery [EvalEvery]
	// steps; with Resume, training continues from the checkpoint found there.
	CheckpointDir   string
	CheckpointEvery int
	Resume          bool
	// Name, BaseModel, Products, Manuals and Description describe the result.
	Name        string
	BaseModel   string
	Products    []string
	Manuals     []string
	Description string
	// Log receives evaluation and checkpoint lines; nil discards them.
	Log *slog.Logger
	// OnStep, when set, is called after every step (progress bars).
	OnStep func(TrainStep)
}

// TrainStep is the progress of one optimizer step.
type TrainStep struct {
	Step, Steps int
	Loss        float64
	// Tokens counts the tokens fed to the model since the run (or resume) started.
	Tokens  int
	Elapsed time.Duration
}

// EvalPoint is one validation measurement; TrainLoss is the mean training loss of the
// steps since the previous point (the step-0 point has the validation loss only).
type EvalPoint struct {
	Step      int     `json:"step"`
	TrainLoss float64 `json:"train_loss"`
	ValLoss   float64 `json:"val_loss"`
}

// TrainReport summarises a training run.
type TrainReport struct {
	History     []EvalPoint `json:"history"`
	ResumedFrom int         `json:"resumed_from"`
	Tokens      int         `json:"tokens"`
	Seconds     float64     `json:"seconds"`
}

func (o *TrainOptions) defaults() error {
	if o.Rank == 0 {
		o.Rank = 8
	}
	if o.Alpha == 0 {
		o.Alpha = 2 * float64(o.Rank)
	}
	if len(o.Targets) == 0 {
		o.Targets = Projections()
	}
	if o.Steps == 0 {
		o.Steps = 200
	}
	if o.Batch == 0 {
		o.Batch = 4
	}
	if o.LR == 0 {
		o.LR = 1e-3
	}
	if o.EvalEvery == 0 {
		o.EvalEvery = 50
	}
	if o.CheckpointEvery == 0 {
		o.CheckpointEvery = o.EvalEvery
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Rank < 0 || o.Alpha <= 0 || o.Steps < 0 || o.Batch < 0 || o.LR <= 0 || o.EvalEvery < 0 || o.CheckpointEvery < 0 {
		return fmt.Errorf("train: rank %d, alpha %v, steps %d, batch %d, lr %v, eval-every %d: each must be positive",
			o.Rank, o.Alpha, o.Steps, o.Batch, o.LR, o.EvalEvery)
	}
	if err := o.Skill.check(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	var full []string
	for _, t := range o.Targets {
		p, err := projection(t)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		if !slices.Contains(full, p) {
			full = append(full, p)
		}
	}
	o.Targets = full
	return nil
}

// projection resolves "q_proj" or "self_attn.q_proj" to the full projection type.
func projection(name string) (string, error) {
	for _, p := range Projections() {
		if name == p || strings.HasSuffix(p, "."+name) {
			return p, nil
		}
	}
	return "", fmt.Errorf("target %q: not a projection (want one of %s)", name, strings.Join(Projections(), ", "))
}

// trainState is state.json of a training checkpoint: the step reached and what must
// match for a resume to be the same run.
type trainState struct {
	Step    int         `json:"step"`
	Rank    int         `json:"rank"`
	Alpha   float64     `json:"alpha"`
	Targets []string    `json:"targets"`
	Seed    uint64      `json:"seed"`
	Batch   int         `json:"batch"`
	Train   int         `json:"train_sequences"`
	History []EvalPoint `json:"history"`
}

// Train trains a LoRA on model (frozen) with Adam: next-token cross-entropy over the
// masked positions of train, validation loss on val every EvalEvery steps. A and B start
// as PEFT does (A Kaiming-uniform, seeded; B zero), so step 0 is the base model.
func Train(ctx context.Context, model *inference.Model, train, val []inference.TrainSeq, opts TrainOptions) (*Adapter, TrainReport, error) {
	var rep TrainReport
	if err := opts.defaults(); err != nil {
		return nil, rep, err
	}
	if len(train) == 0 || len(val) == 0 {
		return nil, rep, fmt.Errorf("train: %d training and %d validation sequences: need at least one of each", len(train), len(val))
	}
	a, err := newTrainAdapter(model.Config(), opts)
	if err != nil {
		return nil, rep, err
	}
	opt := newAdam(opts.LR)
	state := trainState{Rank: opts.Rank, Alpha: opts.Alpha, Targets: opts.Targets, Seed: opts.Seed, Batch: opts.Batch, Train: len(train)}
	if opts.Resume && opts.CheckpointDir != "" {
		if ck := latestCheckpoint(opts.CheckpointDir); ck != "" {
			if a, opt, state, err = resumeTraining(ctx, ck, state); err != nil {
				return nil, rep, err
			}
			a.Name = opts.Name
			opt.LR = opts.LR
			rep.ResumedFrom = state.Step
			opts.Log.Info("resuming training", "checkpoint", ck, "step", state.Step)
		}
	}
	tr := inference.NewLoRATrainer(model)
	rep.History = state.History
	start := time.Now()
	if state.Step == 0 {
		v, err := validationLoss(ctx, tr, val, a, opts.Batch)
		if err != nil {
			return nil, rep, err
		}
		rep.History = append(rep.History, EvalPoint{Step: 0, ValLoss: v})
		opts.Log.Info("validation", "step", 0, "val_loss", v)
	}
	var sinceEval []float64
	for step := state.Step + 1; step <= opts.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, rep, fmt.Errorf("train: stopped at step %d: %w", step-1, err)
		}
		batch := batchAt(train, opts.Batch, opts.Seed, step)
		loss, _, grads, err := tr.LossAndGrads(ctx, batch, a.AdapterSet())
		if err != nil {
			return nil, rep, fmt.Errorf("train: step %d: %w", step, err)
		}
		opt.next()
		for name, g := range grads {
			f := a.Modules[name]
			opt.update(name+".A", f.A, g.A)
			opt.update(name+".B", f.B, g.B)
		}
		for _, s := range batch {
			rep.Tokens += len(s.IDs)
		}
		sinceEval = append(sinceEval, loss)
		if opts.OnStep != nil {
			opts.OnStep(TrainStep{Step: step, Steps: opts.Steps, Loss: loss, Tokens: rep.Tokens, Elapsed: time.Since(start)})
		}
		if step%opts.EvalEvery == 0 || step == opts.Steps {
			v, err := validationLoss(ctx, tr, val, a, opts.Batch)
			if err != nil {
				return nil, rep, err
			}
			p := EvalPoint{Step: step, TrainLoss: mean(sinceEval), ValLoss: v}
			rep.History, sinceEval = append(rep.History, p), nil
			opts.Log.Info("validation", "step", step, "train_loss", p.TrainLoss, "val_loss", v,
				"tokens_per_s", float64(rep.Tokens)/time.Since(start).Seconds())
		}
		if opts.CheckpointDir != "" && (step%opts.CheckpointEvery == 0 || step == opts.Steps) {
			state.Step, state.History = step, rep.History
			if err := saveTraining(opts.CheckpointDir, a, opt, state); err != nil {
				return nil, rep, err
			}
			opts.Log.Info("checkpoint", "dir", opts.CheckpointDir, "step", step)
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	a.Manifest = Manifest{Skill: opts.Skill, Products: opts.Products, Manuals: opts.Manuals, Description: opts.Description}
	return a, rep, nil
}

// newTrainAdapter makes the PEFT-initialised adapter: for each layer and target, A drawn
// uniformly from ±1/sqrt(in) (PEFT's kaiming_uniform with a=√5) and B zero.
func newTrainAdapter(cfg inference.Config, opts TrainOptions) (*Adapter, error) {
	shape := ShapeOf(cfg, opts.BaseModel)
	names := make([]string, 0, len(opts.Targets))
	for _, t := range opts.Targets {
		names = append(names, strings.TrimPrefix(strings.TrimPrefix(t, "self_attn."), "mlp."))
	}
	c := Config{PeftType: "LORA", BaseModel: opts.BaseModel, R: opts.Rank, Alpha: opts.Alpha,
		Targets: Targets{Names: names}, extra: map[string]json.RawMessage{
			"task_type": json.RawMessage(`"CAUSAL_LM"`), "lora_dropout": json.RawMessage(`0.0`),
			"inference_mode": json.RawMessage(`true`), "init_lora_weights": json.RawMessage(`true`)}}
	a := &Adapter{Name: opts.Name, Config: c, Modules: map[string]*Factors{}}
	rng := rand.New(rand.NewPCG(opts.Seed, 1))
	scale := c.Scaling(opts.Rank, opts.Alpha)
	for _, m := range shape.Modules() {
		_, proj, _ := SplitModuleName(m)
		if !slices.Contains(opts.Targets, proj) {
			continue
		}
		in, out, err := shape.ModuleShape(m)
		if err != nil {
			return nil, err
		}
		f := &Factors{Rank: opts.Rank, In: in, Out: out, Alpha: opts.Alpha, Scale: scale,
			A: make([]float32, opts.Rank*in), B: make([]float32, out*opts.Rank)}
		bound := 1 / math.Sqrt(float64(in))
		for i := range f.A {
			f.A[i] = float32((2*rng.Float64() - 1) * bound)
		}
		a.Modules[m] = f
	}
	if len(a.Modules) == 0 {
		return nil, errors.New("train: the targets select no module of the model")
	}
	return a, nil
}

// batchAt returns step's batch: the data are walked in a fresh seeded permutation per
// epoch, so the same seed gives the same batches, also after a resume.
func batchAt(seqs []inference.TrainSeq, size int, seed uint64, step int) []inference.TrainSeq {
	out := make([]inference.TrainSeq, 0, size)
	pos := (step - 1) * size
	var perm []int
	epoch := -1
	for len(out) < size {
		if e := pos / len(seqs); e != epoch {
			epoch = e
			perm = rand.New(rand.NewPCG(seed, uint64(e)+2)).Perm(len(seqs))
		}
		out = append(out, seqs[perm[pos%len(seqs)]])
		pos++
	}
	return out
}

// validationLoss is the token-weighted mean loss over val, in batches.
func validationLoss(ctx context.Context, tr *inference.LoRATrainer, val []inference.TrainSeq, a *Adapter, batch int) (float64, error) {
	set := a.AdapterSet()
	var sum float64
	var n int
	for i := 0; i < len(val); i += batch {
		loss, tokens, err := tr.Loss(ctx, val[i:min(i+batch, len(val))], set)
		if err != nil {
			return 0, fmt.Errorf("validation loss: %w", err)
		}
		sum += loss * float64(tokens)
		n += tokens
	}
	return sum / float64(n), nil
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(max(len(v), 1))
}

// saveTraining writes the adapter (a loadable PEFT folder), Adam's state and state.json.
func saveTraining(dir string, a *Adapter, opt *adam, state trainState) error {
	return writeCheckpoint(dir, func(tmp string) error {
		if err := a.WriteFiles(tmp); err != nil {
			return err
		}
		if err := writeGob(filepath.Join(tmp, optimizerFile), opt); err != nil {
			return err
		}
		return writeJSONFile(filepath.Join(tmp, "state.json"), state)
	})
}

// resumeTraining reads a checkpoint and checks it belongs to the same run.
func resumeTraining(ctx context.Context, dir string, want trainState) (*Adapter, *adam, trainState, error) {
	var st trainState
	if err := readJSONFile(filepath.Join(dir, "state.json"), &st); err != nil {
		return nil, nil, st, fmt.Errorf("resume: %w", err)
	}
	if st.Rank != want.Rank || st.Alpha != want.Alpha || !slices.Equal(st.Targets, want.Targets) ||
		st.Seed != want.Seed || st.Batch != want.Batch || st.Train != want.Train {
		return nil, nil, st, fmt.Errorf("resume: the checkpoint in %s is of another run (rank %d, alpha %v, targets %v, seed %d, batch %d, %d sequences); use the same options or another --out",
			dir, st.Rank, st.Alpha, st.Targets, st.Seed, st.Batch, st.Train)
	}
	a, err := Load(ctx, dir, nil)
	if err != nil {
		return nil, nil, st, fmt.Errorf("resume: %w", err)
	}
	opt := &adam{}
	if err := readGob(filepath.Join(dir, optimizerFile), opt); err != nil {
		return nil, nil, st, fmt.Errorf("resume: %w", err)
	}
	return a, opt, st, nil
}
