package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"manualbot/adapters"
	"manualbot/inference"
)

func newAdaptersTuneCmd(app *App) *cobra.Command {
	var (
		model, data, valFile, out, name string
		steps, batch, seqLen, evalEvery int
		lr, valFraction                 float64
		seed                            uint64
		resume                          bool
	)
	cmd := &cobra.Command{
		Use:   "tune --model DIR --data FILE.jsonl [--name NAME | --out DIR] ADAPTER...",
		Short: "Learn per-layer, per-module CAT weights on a few target-task examples and save the composition",
		Long: `Learn the CAT mixing weights of the adapters (a softmax over adapters for every module of
every layer, starting equal; everything else frozen; Adam) on a JSONL of {question, context |
passages, answer} records rendered in the prompt the bot sends, loss on the answers.

A share of the records (--val-fraction, or the records of --val FILE) is held out: its loss
is measured before tuning and every --eval-every steps, and the weights of the best step are
kept. The result is a composition: a folder (--out, default DATA_DIR/adapters/NAME) holding
the CAT merge as a standard PEFT adapter, composition.json (the source adapters with their
content hashes, the base model, what it was tuned on) and ` + adapters.CompositionWeightsFile + `
(the learned weights, the adapters merge --weights-file format). ask, generate and the bot
use it with --composition NAME (config adapters.composition).
Checkpoints go to OUT.checkpoint; --resume continues an interrupted run.
ADAPTER is a folder, or the name of an adapter in the registry.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if model == "" {
				model = app.Config.Model.Path
			}
			if model == "" || data == "" {
				return errors.New("tune: --model DIR and --data FILE.jsonl are required")
			}
			if name == "" && out == "" {
				return errors.New("tune: give the composition a --name (or an --out folder)")
			}
			if name == "" {
				name = filepath.Base(filepath.Clean(out))
			}
			if err := adapters.CheckName(name); err != nil {
				return fmt.Errorf("tune: %w", err)
			}
			if out == "" {
				out = filepath.Join(app.dataAdaptersDir(), name)
			}
			if err := checkOutDir(out); err != nil {
				return fmt.Errorf("tune: %w", err)
			}
			if reg, err := scanAdapters(cmd, app); err == nil {
				if e, err := reg.Get(name); err == nil && !sameDir(e.Path, out) {
					return fmt.Errorf("tune: an adapter named %q already exists in %s; choose another --name", name, e.Path)
				}
			}
			inputs, err := loadMergeInputs(cmd, app, args)
			if err != nil {
				return err
			}
			train, val, err := app.tuneData(model, data, valFile, valFraction, seed, seqLen)
			if err != nil {
				return fmt.Errorf("tune: %w", err)
			}
			m, err := inference.Load(ctx, model, inference.Options{Backend: app.Config.Model.Backend, Logger: app.Log})
			if err != nil {
				return err
			}
			shape := adapters.ShapeOf(m.Config(), model)
			for _, a := range inputs {
				if err := adapters.Validate(a, shape, app.Log); err != nil {
					return err
				}
			}
			opts := adapters.TuneOptions{Steps: steps, LR: lr, Batch: batch, Seed: seed, Name: name, Val: val,
				CheckpointDir: checkpointDir(out), CheckpointEvery: evalEvery, Resume: resume, Log: app.Log,
				OnStep: func(s adapters.TuneStep) {
					fmt.Fprintf(app.Stdout, "step %d/%d loss %.4f\n", s.Step, s.Steps, s.Loss)
				}}
			merged, rep, err := adapters.Tune(ctx, m, inputs, train, opts)
			if err != nil {
				return err
			}
			if err := adapters.Validate(merged, shape, app.Log); err != nil {
				return err
			}
			base := adapters.BaseModel{Name: filepath.Base(filepath.Clean(model)), Shape: adapters.ShapeOf(m.Config(), "")}
			comp, err := adapters.NewComposition(name, inputs, rep.Weights, base)
			if err != nil {
				return err
			}
			comp.Tuned = &adapters.TuneRecord{Data: data, Examples: len(train), Validation: len(val), Steps: opts.Steps,
				BestStep: rep.BestStep, ValLossBefore: rep.InitialLoss, ValLossAfter: rep.FinalLoss, Prompt: servingPrompt}
			if err := adapters.WriteComposition(out, comp, merged); err != nil {
				return err
			}
			if err := os.RemoveAll(opts.CheckpointDir); err != nil {
				app.Log.Warn("could not remove the checkpoint", "dir", opts.CheckpointDir, "err", err)
			}
			mean := meanWeights(rep.Weights, len(inputs))
			_, err = fmt.Fprintf(app.Stdout, "wrote composition %s to %s: CAT of %d adapters, rank %d; held-out loss %.4f -> %.4f (best step %d of %d); mean learnt weights %.3f\n",
				name, out, len(inputs), merged.MaxRank(), rep.InitialLoss, rep.FinalLoss, rep.BestStep, opts.Steps, mean)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model folder (default: config model.path)")
	fl.StringVar(&data, "data", "", "JSONL of {question, context | passages, answer} target-task examples")
	fl.StringVar(&valFile, "val", "", "JSONL of held-out examples (default: --val-fraction of --data)")
	fl.Float64Var(&valFraction, "val-fraction", 0.25, "share of --data held out when --val is not given")
	fl.StringVar(&out, "out", "", "folder to write the composition to (default DATA_DIR/adapters/NAME; must not exist or be empty)")
	fl.StringVar(&name, "name", "", "composition name (default: the --out folder name)")
	fl.IntVar(&steps, "steps", 50, "Adam steps on the mixing logits")
	fl.IntVar(&evalEvery, "eval-every", 10, "steps between held-out losses and checkpoints")
	fl.Float64Var(&lr, "lr", 0.05, "Adam learning rate")
	fl.IntVar(&batch, "batch", 0, "examples per step (default: all, at most 8)")
	fl.IntVar(&seqLen, "seq-len", 512, "most tokens per example (passages that do not fit are left out)")
	fl.Uint64Var(&seed, "seed", 0, "seed of the split and the data order")
	fl.BoolVar(&resume, "resume", false, "continue from OUT.checkpoint if there is one")
	return cmd
}

// tuneData renders the tuning records and the held-out ones in the serving prompt.
func (a *App) tuneData(model, data, valFile string, fraction float64, seed uint64, seqLen int) (train, val []inference.TrainSeq, err error) {
	recs, err := adapters.ReadQAFile(data)
	if err != nil {
		return nil, nil, err
	}
	seqs, err := a.qaSeqs(model, recs, seqLen)
	if err != nil {
		return nil, nil, err
	}
	if valFile == "" {
		train, val = adapters.SplitValidation(seqs, fraction, seed)
		if len(train) == 0 {
			return nil, nil, fmt.Errorf("%s: %d records leave none to tune on after holding out %.0f%%", data, len(recs), fraction*100)
		}
		return train, val, nil
	}
	vrecs, err := adapters.ReadQAFile(valFile)
	if err != nil {
		return nil, nil, err
	}
	if val, err = a.qaSeqs(model, vrecs, seqLen); err != nil {
		return nil, nil, err
	}
	return seqs, val, nil
}

// sameDir reports whether two paths name one folder.
func sameDir(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}

// meanWeights averages each adapter's learnt weight over the modules, for the summary.
func meanWeights(w adapters.Weights, n int) []float64 {
	mean := make([]float64, n)
	for _, v := range w.Modules {
		for i := range mean {
			mean[i] += v[i] / float64(len(w.Modules))
		}
	}
	return mean
}
