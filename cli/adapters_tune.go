package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"manualbot/adapters"
	"manualbot/inference"
	"manualbot/inference/tokenizer"
)

// WeightsFileName is the learnt CAT weights tune writes beside the merged adapter, in
// the format adapters merge --weights-file reads.
const WeightsFileName = "cat_weights.json"

func newAdaptersTuneCmd(app *App) *cobra.Command {
	var (
		model, data, out, name string
		steps, batch, seqLen   int
		lr                     float64
		seed                   uint64
		resume                 bool
	)
	cmd := &cobra.Command{
		Use:   "tune --model DIR --data FILE.jsonl --out DIR ADAPTER...",
		Short: "Learn per-layer, per-module CAT weights on a few target-task examples and write the merge",
		Long: `Learn the CAT mixing weights of the adapters (a softmax over adapters for every module of
every layer, starting equal; everything else frozen; Adam) on a JSONL of {question, context,
answer} records, loss on the answers. Prints the loss of every step, then writes the CAT
merge at the learnt weights to --out (a PEFT adapter whose manualbot.json records them) and
the weights to OUT/` + WeightsFileName + ` (the adapters merge --weights-file format).
Checkpoints go to OUT.checkpoint; --resume continues an interrupted run.
ADAPTER is a folder, or the name of an adapter in adapters.dirs.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if model == "" {
				model = app.Config.Model.Path
			}
			if model == "" || data == "" || out == "" {
				return errors.New("tune: --model DIR, --data FILE.jsonl and --out DIR are required")
			}
			if err := checkOutDir(out); err != nil {
				return fmt.Errorf("tune: %w", err)
			}
			inputs, err := loadMergeInputs(cmd, app, args)
			if err != nil {
				return err
			}
			recs, err := adapters.ReadQAFile(data)
			if err != nil {
				return fmt.Errorf("tune: %w", err)
			}
			tok, err := tokenizer.Load(model)
			if err != nil {
				return fmt.Errorf("tune: %w", err)
			}
			seqs, err := adapters.QASeqs(tok, recs, seqLen)
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
			if name == "" {
				name = filepath.Base(filepath.Clean(out))
			}
			opts := adapters.TuneOptions{Steps: steps, LR: lr, Batch: batch, Seed: seed, Name: name,
				CheckpointDir: checkpointDir(out), Resume: resume, Log: app.Log,
				OnStep: func(s adapters.TuneStep) {
					fmt.Fprintf(app.Stdout, "step %d/%d loss %.4f\n", s.Step, s.Steps, s.Loss)
				}}
			merged, rep, err := adapters.Tune(ctx, m, inputs, seqs, opts)
			if err != nil {
				return err
			}
			if err := adapters.Validate(merged, shape, app.Log); err != nil {
				return err
			}
			if err := merged.WriteDir(out); err != nil {
				return err
			}
			// Written aside and renamed in: a kill leaves the file whole or absent.
			wf, err := os.CreateTemp(out, "."+WeightsFileName+".tmp-*")
			if err != nil {
				return fmt.Errorf("tune: %w", err)
			}
			if err := writeJSON(wf, rep.Weights); err != nil {
				wf.Close()
				os.Remove(wf.Name())
				return fmt.Errorf("tune: %w", err)
			}
			if err := wf.Close(); err != nil {
				os.Remove(wf.Name())
				return fmt.Errorf("tune: %w", err)
			}
			if err := os.Chmod(wf.Name(), 0o644); err != nil { // CreateTemp makes it 0600
				return fmt.Errorf("tune: %w", err)
			}
			if err := os.Rename(wf.Name(), filepath.Join(out, WeightsFileName)); err != nil {
				return fmt.Errorf("tune: %w", err)
			}
			if err := os.RemoveAll(opts.CheckpointDir); err != nil {
				app.Log.Warn("could not remove the checkpoint", "dir", opts.CheckpointDir, "err", err)
			}
			mean := meanWeights(rep.Weights, len(inputs))
			_, err = fmt.Fprintf(app.Stdout, "wrote %s: CAT of %d adapters, rank %d; loss %.4f -> %.4f; mean learnt weights %.3f\n",
				out, len(inputs), merged.MaxRank(), rep.InitialLoss, rep.FinalLoss, mean)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model folder (default: config model.path)")
	fl.StringVar(&data, "data", "", "JSONL of {question, context, answer} target-task examples")
	fl.StringVar(&out, "out", "", "folder to write the merged adapter to (must not exist or be empty)")
	fl.StringVar(&name, "name", "", "merged adapter name (default: the --out folder name)")
	fl.IntVar(&steps, "steps", 50, "Adam steps on the mixing logits")
	fl.Float64Var(&lr, "lr", 0.05, "Adam learning rate")
	fl.IntVar(&batch, "batch", 0, "examples per step (default: all, at most 8)")
	fl.IntVar(&seqLen, "seq-len", 512, "most tokens per example (the context is cut first)")
	fl.Uint64Var(&seed, "seed", 0, "seed of the data order")
	fl.BoolVar(&resume, "resume", false, "continue from OUT.checkpoint if there is one")
	return cmd
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
