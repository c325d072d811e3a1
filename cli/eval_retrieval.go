package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"manualbot/eval"
	"manualbot/index"
	"manualbot/qa"
)

// retrievalEvalFlags are eval's flags for the retrieval mode.
type retrievalEvalFlags struct {
	file     string
	baseline bool
	records  string
}

// withRetrievalEval adds `eval --retrieval FILE.jsonl` to the eval command: retrieval
// alone, scored by recall@1/5/10, MRR@10, nDCG@10 and refusals of uncovered questions.
// --questions (the answer evaluation) is then not needed, so its check moves here.
func withRetrievalEval(cmd *cobra.Command, app *App, questions *string) {
	var fl retrievalEvalFlags
	f := cmd.Flags()
	f.StringVar(&fl.file, "retrieval", "", "score retrieval alone on this JSONL file (recall@1/5/10, MRR@10, nDCG@10, refusals)")
	f.BoolVar(&fl.baseline, "baseline", false, "with --retrieval: also score a plain BM25 over the same chunks")
	f.StringVar(&fl.records, "records", "", "with --retrieval: write every question's outcome to this JSON file")
	answers := cmd.RunE
	cmd.Use = "eval --questions FILE.jsonl | --retrieval FILE.jsonl"
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if fl.file != "" {
			asJSON, _ := cmd.Flags().GetBool("json")
			return runRetrievalEval(cmd.Context(), app, fl, asJSON)
		}
		if *questions == "" {
			return errors.New("give --questions FILE.jsonl (answers) or --retrieval FILE.jsonl (retrieval alone)")
		}
		return answers(cmd, args)
	}
}

func runRetrievalEval(ctx context.Context, app *App, fl retrievalEvalFlags, asJSON bool) error {
	qs, err := eval.LoadRetrievalQuestions(fl.file)
	if err != nil {
		return err
	}
	dir := app.Config.IndexPath()
	store, err := index.OpenReadOnly(ctx, dir, index.WithLogger(app.Log))
	if errors.Is(err, index.ErrNoIndex) {
		return fmt.Errorf("no index in %s yet: run `manualbot ingest PATH...` first", dir)
	}
	if err != nil {
		return err
	}
	defer store.Close()
	minRel := qa.IndexRetriever{MinRelevance: app.Config.Retrieval.MinRelevance}.MinRelevanceOrDefault()
	systems := []eval.RetrievalSystem{{Name: "manualbot", Retrieve: func(ctx context.Context, q string, k int) (eval.Retrieval, error) {
		// The same search and "not in the manuals" rule as ask and the bot (qa.IndexRetriever).
		hits, err := store.Search(ctx, index.Query{Text: q, K: k, Fuzziness: app.Config.Retrieval.Fuzziness})
		if err != nil && !errors.Is(err, index.ErrEmptyQuery) {
			return eval.Retrieval{}, err
		}
		hits = index.Relevant(hits, minRel)
		out := eval.Retrieval{Refused: len(hits) == 0}
		for _, h := range hits {
			out.Passages = append(out.Passages, eval.RetrievedPassage{Source: h.Source,
				Section: strings.Join(h.Section, index.SectionSep), Page: h.Page, Score: h.Score})
		}
		return out, nil
	}}}
	if fl.baseline {
		chunks, err := store.AllChunks(ctx)
		if err != nil {
			return err
		}
		bc := make([]eval.BaselineChunk, len(chunks))
		for i, c := range chunks {
			section := strings.Join(c.Section, index.SectionSep)
			bc[i] = eval.BaselineChunk{Source: c.Source, Section: section, Page: c.Page,
				Heading: c.Title + " " + section, Body: c.Text}
		}
		systems = append(systems, eval.NewBM25Baseline(bc).System("bm25-plain"))
	}
	rep, err := eval.RunRetrieval(ctx, systems, qs)
	if err != nil {
		return err
	}
	if fl.records != "" {
		f, err := os.Create(fl.records)
		if err != nil {
			return fmt.Errorf("eval --records: %w", err)
		}
		werr := eval.WriteRetrievalJSON(f, rep, true)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("eval --records: %w", werr)
		}
	}
	if asJSON {
		return eval.WriteRetrievalJSON(app.Stdout, rep, false)
	}
	return eval.WriteRetrievalText(app.Stdout, rep)
}
