package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"manualbot/adapters"
	"manualbot/index"
	"manualbot/inference"
	"manualbot/inference/tokenizer"
)

// trainFlags are adapters train's flags.
type trainFlags struct {
	model, out, skill, text, doc, product, qa, targets, name string
	rank, steps, batch, seqLen, evalEvery                    int
	alpha, lr, valFraction                                   float64
	seed                                                     uint64
	resume                                                   bool
}

func newAdaptersTrainCmd(app *App) *cobra.Command {
	var f trainFlags
	cmd := &cobra.Command{
		Use:   "train --model DIR (--name NAME | --out DIR) --skill domain|qa (--text FILE | --doc DOCID | --product P | --qa FILE.jsonl)",
		Short: "Train a LoRA adapter on a manual (domain skill) or on QA records (QA skill)",
		Long: `Train a LoRA on the frozen model and write it to --out as a PEFT adapter, with a
manualbot.json naming its skill.

Data:
  --text FILE        causal-LM text (a .jsonl of {"text": ...} lines gives one document each)
  --doc / --product  the ingested chunks of a manual (from the index under data_dir)
  --qa FILE.jsonl    {question, context | passages, answer} records: loss on the answer
                     tokens only, rendered in the prompt the bot sends (chat template, system
                     rules, fenced numbered passages, question)
  --text F --qa F    both at once: a data-mix adapter trained on the union (skill qa unless
                     --skill says otherwise), the baseline CAT is compared against

A share of the sequences (--val-fraction) is held out; its loss is logged every --eval-every
steps. Checkpoints go to OUT.checkpoint at each evaluation; --resume continues from there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runTrain(cmd.Context(), app, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "model folder (default: config model.path)")
	fl.StringVar(&f.out, "out", "", "folder to write the adapter to (default DATA_DIR/adapters/NAME; must not exist or be empty)")
	fl.StringVar(&f.skill, "skill", "", "domain or qa (default: qa with --qa, else domain)")
	fl.StringVar(&f.text, "text", "", "train on this text file (.txt, .md, or .jsonl of {\"text\":...})")
	fl.StringVar(&f.doc, "doc", "", "train on the indexed chunks of this document id")
	fl.StringVar(&f.product, "product", "", "train on the indexed chunks of this product")
	fl.StringVar(&f.qa, "qa", "", "train on this JSONL of {question, context, answer} records")
	fl.StringVar(&f.targets, "targets", "", "comma-separated projections (default all: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj)")
	fl.StringVar(&f.name, "name", "", "adapter name (default: the --out folder name)")
	fl.IntVar(&f.rank, "rank", 8, "LoRA rank")
	fl.Float64Var(&f.alpha, "alpha", 16, "lora_alpha (scale = alpha/rank)")
	fl.IntVar(&f.steps, "steps", 200, "optimizer steps")
	fl.Float64Var(&f.lr, "lr", 1e-3, "Adam learning rate")
	fl.IntVar(&f.batch, "batch", 4, "sequences per step")
	fl.IntVar(&f.seqLen, "seq-len", 256, "most tokens per sequence")
	fl.Uint64Var(&f.seed, "seed", 0, "seed of the initialisation, the split and the data order")
	fl.IntVar(&f.evalEvery, "eval-every", 50, "steps between validation losses and checkpoints")
	fl.Float64Var(&f.valFraction, "val-fraction", 0.1, "share of sequences held out for validation")
	fl.BoolVar(&f.resume, "resume", false, "continue from OUT.checkpoint if there is one")
	return cmd
}

func runTrain(ctx context.Context, app *App, f trainFlags) error {
	if f.model == "" {
		f.model = app.Config.Model.Path
	}
	if f.model == "" {
		return errors.New("train: --model DIR is required (or set model.path)")
	}
	if f.out == "" && f.name == "" {
		return errors.New("train: give the adapter a --name (written to DATA_DIR/adapters/NAME) or an --out folder")
	}
	if f.out == "" {
		if err := adapters.CheckName(f.name); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		f.out = filepath.Join(app.dataAdaptersDir(), f.name)
	}
	sources := 0
	for _, s := range []string{f.text, f.doc + f.product, f.qa} {
		if s != "" {
			sources++
		}
	}
	mix := f.text != "" && f.qa != "" && f.doc+f.product == ""
	if sources != 1 && !mix {
		return errors.New("train: give exactly one data source: --text FILE, --doc/--product, or --qa FILE.jsonl (or --text and --qa together for a data mix)")
	}
	if f.skill == "" {
		f.skill = string(adapters.SkillDomain)
		if f.qa != "" {
			f.skill = string(adapters.SkillQA)
		}
	}
	if err := checkOutDir(f.out); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	tok, err := tokenizer.Load(f.model)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	seqs, err := trainingSeqs(ctx, app, f, tok)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	train, val := adapters.SplitValidation(seqs, f.valFraction, f.seed)
	m, err := inference.Load(ctx, f.model, inference.Options{Backend: app.Config.Model.Backend, Logger: app.Log})
	if err != nil {
		return err
	}
	name := f.name
	if name == "" {
		name = filepath.Base(filepath.Clean(f.out))
	}
	opts := adapters.TrainOptions{
		Skill: adapters.Skill(f.skill), Rank: f.rank, Alpha: f.alpha, Steps: f.steps, Batch: f.batch, LR: f.lr,
		Seed: f.seed, EvalEvery: f.evalEvery, CheckpointDir: checkpointDir(f.out), Resume: f.resume,
		Name: name, BaseModel: f.model, Log: app.Log,
	}
	if f.targets != "" {
		opts.Targets = strings.Split(f.targets, ",")
	}
	if f.product != "" {
		opts.Products = []string{f.product}
	}
	if f.doc != "" {
		opts.Manuals = []string{f.doc}
	}
	app.Log.Info("training", "sequences", len(train), "validation", len(val), "skill", f.skill, "rank", f.rank)
	opts.OnStep, err = trainProgress(app, f.steps)
	if err != nil {
		return err
	}
	a, rep, err := adapters.Train(ctx, m, train, val, opts)
	if err != nil {
		return err
	}
	if err := a.WriteDir(f.out); err != nil {
		return err
	}
	if err := os.RemoveAll(opts.CheckpointDir); err != nil {
		app.Log.Warn("could not remove the checkpoint", "dir", opts.CheckpointDir, "err", err)
	}
	first, last := rep.History[0], rep.History[len(rep.History)-1]
	_, err = fmt.Fprintf(app.Stdout, "wrote %s: %s LoRA, rank %d, %d modules; validation loss %.4f (step %d) -> %.4f (step %d); %.0f tokens/s\n",
		f.out, f.skill, f.rank, len(a.Modules), first.ValLoss, first.Step, last.ValLoss, last.Step, float64(rep.Tokens)/max(rep.Seconds, 1e-9))
	return err
}

// trainingSeqs reads the one data source the flags name and cuts it into sequences.
func trainingSeqs(ctx context.Context, app *App, f trainFlags, tok *tokenizer.Tokenizer) ([]inference.TrainSeq, error) {
	switch {
	case f.qa != "" && f.text != "":
		// The data mix: the union of both sets, shuffled by the trainer's seeded order.
		docs, err := adapters.ReadTextFile(f.text)
		if err != nil {
			return nil, err
		}
		text, err := adapters.TextSeqs(tok, docs, f.seqLen)
		if err != nil {
			return nil, err
		}
		recs, err := adapters.ReadQAFile(f.qa)
		if err != nil {
			return nil, err
		}
		qaSeqs, err := app.qaSeqs(f.model, recs, f.seqLen)
		if err != nil {
			return nil, err
		}
		return append(text, qaSeqs...), nil
	case f.qa != "":
		recs, err := adapters.ReadQAFile(f.qa)
		if err != nil {
			return nil, err
		}
		return app.qaSeqs(f.model, recs, f.seqLen)
	case f.text != "":
		docs, err := adapters.ReadTextFile(f.text)
		if err != nil {
			return nil, err
		}
		return adapters.TextSeqs(tok, docs, f.seqLen)
	default:
		docs, err := indexedChunks(ctx, app, f.doc, f.product)
		if err != nil {
			return nil, err
		}
		return adapters.TextSeqs(tok, docs, f.seqLen)
	}
}

// chunkLister is what training needs from the index: every chunk of a document or a
// product, in document order. index.Store does not offer it yet (search needs query text
// and caps K), so --doc/--product work once it does.
type chunkLister interface {
	Chunks(ctx context.Context, docID, product string) ([]index.Chunk, error)
}

func indexedChunks(ctx context.Context, app *App, doc, product string) ([]string, error) {
	store, err := index.OpenReadOnly(ctx, app.Config.IndexPath(), index.WithLogger(app.Log))
	if err != nil {
		return nil, fmt.Errorf("open the index: %w", err)
	}
	defer store.Close()
	lister, ok := any(store).(chunkLister)
	if !ok {
		return nil, errors.New("--doc/--product need the index to list a manual's chunks, which this build cannot yet; export the manual as text and use --text FILE")
	}
	chunks, err := lister.Chunks(ctx, doc, product)
	if err != nil {
		return nil, err
	}
	if len(chunks) == 0 && doc == "" {
		// An ingest without --product labels nothing: the manuals whose title names the
		// product (as examples/manuals' "Brewmaster 3000 ..." name brewmaster) are its manuals.
		if chunks, err = unlabelledChunksNaming(ctx, store, product); err != nil {
			return nil, err
		}
		if len(chunks) > 0 {
			app.Log.Info("no manual is labelled with the product; training on the unlabelled manuals whose title names it",
				"product", product, "chunks", len(chunks), "first_title", chunks[0].Title)
		}
	}
	if len(chunks) == 0 {
		return nil, fmt.Errorf("the index has no chunks for doc %q product %q", doc, product)
	}
	docs := make([]string, len(chunks))
	for i, c := range chunks {
		docs[i] = c.Text
	}
	return docs, nil
}

// unlabelledChunksNaming returns the chunks of the manuals without a product whose title
// or document id contains product as a whole word (any case).
func unlabelledChunksNaming(ctx context.Context, store *index.Store, product string) ([]index.Chunk, error) {
	ids, err := store.DocIDs(ctx)
	if err != nil {
		return nil, err
	}
	want := " " + strings.Join(strings.FieldsFunc(strings.ToLower(product), notWordRune), " ") + " "
	if strings.TrimSpace(want) == "" {
		return nil, nil
	}
	var out []index.Chunk
	for _, id := range ids {
		cs, err := store.Chunks(ctx, id, "")
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 || cs[0].Product != "" {
			continue
		}
		words := " " + strings.Join(strings.FieldsFunc(strings.ToLower(cs[0].Title+" "+id), notWordRune), " ") + " "
		if strings.Contains(words, want) {
			out = append(out, cs...)
		}
	}
	return out, nil
}

func notWordRune(r rune) bool {
	return !(('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r > 127)
}

// checkOutDir refuses an --out that exists and is not empty before any work is done.
func checkOutDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("--out %s exists and is not empty", dir)
	}
	return nil
}

// checkpointDir is where train and tune keep checkpoints of a run writing to out.
func checkpointDir(out string) string { return filepath.Clean(out) + ".checkpoint" }

// trainProgress draws a bar with loss and tokens/s on a terminal; elsewhere it logs a
// line every tenth of the steps.
func trainProgress(app *App, steps int) (func(adapters.TrainStep), error) {
	if IsTerminal(app.Stderr) {
		bar := progressbar.NewOptions(steps,
			progressbar.OptionSetWriter(app.Stderr),
			progressbar.OptionSetDescription("train"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		)
		return func(s adapters.TrainStep) {
			bar.Describe(fmt.Sprintf("train loss %.3f %.0f tok/s", s.Loss, tokensPerSecond(s.Tokens, s.Elapsed)))
			_ = bar.Set(s.Step)
		}, nil
	}
	every := max(steps/10, 1)
	return func(s adapters.TrainStep) {
		if s.Step%every == 0 || s.Step == s.Steps {
			app.Log.Info("train step", "step", s.Step, "steps", s.Steps, "loss", s.Loss,
				"tokens_per_s", tokensPerSecond(s.Tokens, s.Elapsed))
		}
	}, nil
}

func tokensPerSecond(tokens int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(tokens) / d.Seconds()
}
