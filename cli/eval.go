package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"manualbot/eval"
	"manualbot/index"
	"manualbot/qa"
)

// retrievalMethod is the method that needs no model: the retrieval-only answer.
const retrievalMethod = "retrieval"

// modelMethods are the methods that answer with the base model and adapters: no adapter,
// each adapter alone, the data-mix adapter, the merges, and CAT with learned weights.
func modelMethods() []string {
	return []string{"none", "domain", "qa", "mix", "linear", "ties", "dare_ties", "cat", "cat_learned"}
}

// evalFlags are eval's own flags (model.path and retrieval.k go through the config).
type evalFlags struct {
	questions  string
	methods    string
	openBook   bool
	closedBook bool
	asJSON     bool
	out        string
	metric     string
	seed       uint64
	resamples  int
	keepGoing  bool
	model      evalModelFlags
}

func newEvalCmd(app *App) *cobra.Command {
	var fl evalFlags
	cmd := &cobra.Command{
		Use:   "eval --questions FILE.jsonl",
		Short: "Score answering methods on a questions file (EM, F1, ROUGE-L, citations, recall@k)",
		Long: "Answer every question of FILE.jsonl with each method, closed-book and/or open-book,\n" +
			"and print exact match, token F1, ROUGE-L, citation accuracy, recall@k, mean latency and\n" +
			"a bootstrap 95% interval of the main metric per method. Questions are JSONL:\n" +
			`{"id", "question", "answers": [...] or "answer", "source_doc", "source_section", "context"}` + "\n" +
			`or {"id", "question", "uncovered": true} for a question the manuals do not answer, scored` + "\n" +
			"by the refusal rate (the share of them the method declines to answer).\n\n" +
			"Methods: retrieval (the index alone; open-book) and, with a model, " +
			strings.Join(modelMethods(), ", ") + ".\n" +
			"--out DIR writes report.json (the table as JSON), answers.jsonl (every answer with its\n" +
			"scores, one a line), results.txt and chart.svg.\n\n" +
			"Model methods: none (the base model), domain, qa, mix (one adapter each), linear, ties,\n" +
			"dare_ties and cat (the domain and qa adapters merged with --merge-weights, default 0.5,0.5:\n" +
			"the point where adapters tune starts its softmax, so cat_learned - cat is what learning\n" +
			"the weights bought), and cat_learned (the merged adapter adapters tune wrote). Adapter\n" +
			"folders (or registry names; a composition is checked and served from its sources) come\n" +
			"from --domain, --qa-adapter, --mix, --cat-learned, or --adapters DIR holding sub-folders\n" +
			"domain, qa, mix and cat_learned; a method needs only its own, and a method whose adapter\n" +
			"is missing is reported and skipped. The retrieval method runs open-book only.\n" +
			"--prompt served (the default) answers as the bot does: the same retrieval, the chat\n" +
			"prompt of qa.BuildPrompt (system rules, fenced numbered passages), greedy generation\n" +
			"and the [N] -> citation mapping; closed-book it is the same prompt with no passage.\n" +
			"--prompt plain is the diagnostic gold-passage mode: \"Context: ...\\nQuestion: ...\\nAnswer:\"\n" +
			"with the question's own \"context\" when it has one (else retrieved passages), stopping\n" +
			"at the first line break or full stop. --prompt raw gives the question text alone (a\n" +
			"cloze probe). At most --answer-tokens tokens; latency is per answer.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEval(cmd.Context(), app, fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.questions, "questions", "", "questions file (JSONL)")
	f.StringVar(&fl.methods, "methods", "", "comma-separated methods (default: retrieval without a model, all model methods with one)")
	f.BoolVar(&fl.openBook, "open-book", false, "answer with retrieved passages in the prompt")
	f.BoolVar(&fl.closedBook, "closed-book", false, "answer from the model alone (the default for model methods)")
	f.BoolVar(&fl.asJSON, "json", false, "print one JSON object instead of the table")
	f.StringVar(&fl.out, "out", "", "also write report.json, answers.jsonl, results.txt and chart.svg into this folder")
	f.StringVar(&fl.metric, "metric", "f1", "main metric for the interval and chart: em, f1 or rouge_l")
	f.Uint64Var(&fl.seed, "seed", 1, "bootstrap seed")
	f.IntVar(&fl.resamples, "resamples", eval.DefaultResamples, "bootstrap resamples")
	f.BoolVar(&fl.keepGoing, "keep-going", false, "score a failed answer as zero and go on instead of stopping")
	f.IntP("k", "k", 5, "passages to retrieve; recall is recall@k (config retrieval.k)")
	f.String("model", "", "Hugging Face checkpoint folder (config model.path)")
	f.StringVar(&fl.model.adaptersDir, "adapters", "", "folder with sub-folders domain, qa, mix, cat_learned")
	f.StringVar(&fl.model.domain, "domain", "", "domain adapter folder (default ADAPTERS/domain)")
	f.StringVar(&fl.model.qaAdapter, "qa-adapter", "", "QA adapter folder (default ADAPTERS/qa)")
	f.StringVar(&fl.model.mix, "mix", "", "data-mix adapter folder (default ADAPTERS/mix)")
	f.StringVar(&fl.model.catLearned, "cat-learned", "", "adapters tune output folder (default ADAPTERS/cat_learned)")
	f.StringVar(&fl.model.catWeights, "merge-weights", "0.5,0.5", "domain,qa weights of the linear, ties, dare_ties and cat merges")
	f.Float64Var(&fl.model.density, "density", 0.5, "share of entries ties and dare_ties keep")
	f.Uint64Var(&fl.model.mergeSeed, "merge-seed", 1, "seed of DARE's random drops")
	f.IntVar(&fl.model.maxTokens, "answer-tokens", 16, "most tokens generated per answer")
	f.StringVar(&fl.model.prompt, "prompt", promptServed, "served: the bot's pipeline (retrieval, chat prompt, citations); plain: Question/Answer with the gold passage (diagnosis); raw: the question text alone (cloze probes)")
	f.BoolVar(&fl.model.unfused, "unfused", false, "apply adapters as low-rank factors instead of adding them into the weights")
	app.BindFlag("retrieval.k", f.Lookup("k"))
	app.BindFlag("model.path", f.Lookup("model"))
	withRetrievalEval(cmd, app, &fl.questions)
	return cmd
}

func runEval(ctx context.Context, app *App, fl evalFlags) error {
	metric, err := eval.ParseMetric(fl.metric)
	if err != nil {
		return err
	}
	qs, err := eval.LoadQuestions(fl.questions)
	if err != nil {
		return err
	}
	names, err := evalMethodNames(fl.methods, app.Config.Model.Path != "")
	if err != nil {
		return err
	}
	k := app.Config.Retrieval.K
	var skipped []eval.Skip
	methods, closeAll, err := buildEvalMethods(ctx, app, fl.model, names, k, &skipped)
	if err != nil {
		return err
	}
	defer closeAll()
	rep, err := eval.Run(ctx, methods, qs, eval.Options{
		Modes: evalModes(fl, names), K: k, Main: metric, Resamples: fl.resamples, Seed: fl.seed,
		KeepGoing: fl.keepGoing, Log: app.Log,
	})
	if err != nil {
		return err
	}
	rep.Skipped = append(skipped, rep.Skipped...)
	if fl.out != "" {
		if err := writeEvalFiles(fl.out, rep); err != nil {
			return err
		}
	}
	if fl.asJSON {
		return eval.WriteJSON(app.Stdout, rep, false)
	}
	return eval.WriteText(app.Stdout, rep)
}

// evalMethodNames parses --methods, or picks the default for whether a model is set.
func evalMethodNames(list string, haveModel bool) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		if haveModel {
			return modelMethods(), nil
		}
		return []string{retrievalMethod}, nil
	}
	var out []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if n != retrievalMethod && !slices.Contains(modelMethods(), n) {
			return nil, fmt.Errorf("unknown method %q (known: %s, %s)", n, retrievalMethod, strings.Join(modelMethods(), ", "))
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("method %q listed twice", n)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("--methods lists no method")
	}
	return out, nil
}

// evalModes: the flags given, else closed-book when a model method runs (what the
// adapters learnt) and open-book for retrieval alone.
func evalModes(fl evalFlags, names []string) []eval.Mode {
	var modes []eval.Mode
	if fl.closedBook {
		modes = append(modes, eval.ClosedBook)
	}
	if fl.openBook {
		modes = append(modes, eval.OpenBook)
	}
	if len(modes) > 0 {
		return modes
	}
	if slices.ContainsFunc(names, func(n string) bool { return n != retrievalMethod }) {
		return []eval.Mode{eval.ClosedBook}
	}
	return []eval.Mode{eval.OpenBook}
}

// buildEvalMethods makes an eval.Method per name, in the order given. The index is
// opened when there is one: retrieval needs it, model methods use it open-book for
// questions without a gold context.
func buildEvalMethods(ctx context.Context, app *App, mf evalModelFlags, names []string, k int, skipped *[]eval.Skip) ([]eval.Method, func(), error) {
	dir := app.Config.IndexPath()
	store, err := index.OpenReadOnly(ctx, dir, index.WithLogger(app.Log))
	var r qa.Retriever
	closeAll := func() {}
	switch {
	case errors.Is(err, index.ErrNoIndex):
		if slices.Contains(names, retrievalMethod) {
			return nil, nil, fmt.Errorf("method %s needs an index, and %s has none yet: run `manualbot ingest PATH...` first", retrievalMethod, dir)
		}
	case err != nil:
		return nil, nil, err
	default:
		// Recall@k here scores ranking; refusals are scored by eval --retrieval.
		r = qa.IndexRetriever{Store: store, Fuzziness: app.Config.Retrieval.Fuzziness, MinRelevance: -1}
		closeAll = func() { store.Close() }
	}
	var model []eval.Method
	if slices.ContainsFunc(names, func(n string) bool { return n != retrievalMethod }) {
		if model, *skipped, err = modelEvalMethods(ctx, app, mf, names, r, k); err != nil {
			closeAll()
			return nil, nil, err
		}
	}
	byName := map[string]eval.Method{}
	for _, m := range model {
		byName[m.Name] = m
	}
	var out []eval.Method
	for _, n := range names {
		if n == retrievalMethod {
			out = append(out, retrievalEvalMethod(r, k))
			continue
		}
		if m, ok := byName[n]; ok {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		closeAll()
		return nil, nil, fmt.Errorf("no method can run: %s", skipText(*skipped))
	}
	return out, closeAll, nil
}

// retrievalEvalMethod answers with the best passage's text and cites every retrieved
// passage, as retrieval-only answers do; it is the floor the model methods must beat
// on recall@k and citation accuracy. It needs the open book.
func retrievalEvalMethod(r qa.Retriever, k int) eval.Method {
	return eval.Method{Name: retrievalMethod, Modes: []eval.Mode{eval.OpenBook}, Answer: func(ctx context.Context, q eval.Question, openBook bool) (eval.Prediction, error) {
		if !openBook {
			return eval.Prediction{}, errors.New("retrieval answers open-book only: add --open-book")
		}
		start := time.Now()
		ps, err := r.Retrieve(ctx, q.Question, "", k)
		if err != nil {
			return eval.Prediction{}, fmt.Errorf("retrieve: %w", err)
		}
		p := eval.Prediction{Citations: []eval.Citation{}, Retrieved: []eval.Citation{}}
		for _, x := range ps {
			c := eval.Citation{Doc: x.DocID, Section: x.Section}
			p.Citations = append(p.Citations, c)
			p.Retrieved = append(p.Retrieved, c)
		}
		if len(ps) > 0 {
			p.Text = ps[0].Text
		}
		p.Latency = time.Since(start)
		return p, nil
	}}
}

// writeAnswers writes every record compactly, one JSON object a line: what an error
// analysis needs, without making report.json too large to read or commit.
func writeAnswers(w io.Writer, rep *eval.Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rep.Records {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// writeEvalFiles writes the report four ways into dir.
func writeEvalFiles(dir string, rep *eval.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("eval --out: %w", err)
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"report.json", func(w io.Writer) error { return eval.WriteJSON(w, rep, false) }},
		{"answers.jsonl", func(w io.Writer) error { return writeAnswers(w, rep) }},
		{"results.txt", func(w io.Writer) error { return eval.WriteText(w, rep) }},
		{"chart.svg", func(w io.Writer) error { return eval.WriteSVG(w, rep) }},
	}
	for _, f := range files {
		fh, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			return fmt.Errorf("eval --out: %w", err)
		}
		werr := f.write(fh)
		if cerr := fh.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("eval --out %s: %w", f.name, werr)
		}
	}
	return nil
}

func skipText(s []eval.Skip) string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = x.Method + ": " + x.Reason
	}
	return strings.Join(out, "; ")
}
