package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"manualbot/adapters"
	"manualbot/eval"
	"manualbot/inference"
	"manualbot/inference/tokenizer"
	"manualbot/qa"
)

// evalModelFlags say where the model methods find their adapters and how they generate.
type evalModelFlags struct {
	adaptersDir string // folder with sub-folders domain, qa, mix, cat_learned
	domain      string
	qaAdapter   string
	mix         string
	catLearned  string
	catWeights  string
	density     float64
	mergeSeed   uint64
	maxTokens   int
	unfused     bool
	prompt      string // plain or raw
}

// The prompt styles of --prompt.
const (
	promptServed = "served" // the bot's pipeline: retrieval, qa.BuildPrompt, citation mapping
	promptPlain  = "plain"  // "Context: ...\nQuestion: ...\nAnswer:" with the gold passage (diagnosis)
	promptRaw    = "raw"    // the question text as it is: for cloze probes of what a model knows
)

// renderPrompt builds the prompt text of one question in the plain or raw style.
func renderPrompt(style, question, context string) string {
	if style == promptRaw {
		return strings.TrimSpace(context + " " + question)
	}
	return plainPrompt(question, context)
}

// errMissingAdapter marks a method whose adapter folder is not there: the method is
// reported and skipped, the others still run.
var errMissingAdapter = errors.New("adapter missing")

// The sub-folder names --adapters DIR is searched for.
const (
	subDomain     = "domain"
	subQA         = "qa"
	subMix        = "mix"
	subCatLearned = "cat_learned"
)

// adapterDir is the folder of one role: the explicit flag, else DIR/sub.
func (f evalModelFlags) adapterDir(explicit, sub string) string {
	if explicit != "" || f.adaptersDir == "" {
		return explicit
	}
	return filepath.Join(f.adaptersDir, sub)
}

// modelEval is the loaded model and one adapter set per method, built before the first
// question so a bad adapter fails the run at once, and switched only when the method
// changes (eval.Run answers method by method, so that is once per method and mode).
type modelEval struct {
	m         *inference.Model
	tok       *tokenizer.Tokenizer
	retriever qa.Retriever // nil without an index: open-book then needs gold contexts
	k         int
	maxTokens int
	fused     bool
	prompt    string
	sets      map[string]*inference.AdapterSet // nil value: the bare model
	skipped   []eval.Skip
	served    *servedEval // the pipeline for --prompt served

	mu      sync.Mutex
	current string
	applied bool
}

// newModelEval loads the model and builds every named method's adapter set.
func newModelEval(ctx context.Context, app *App, fl evalModelFlags, names []string, r qa.Retriever, k int) (*modelEval, error) {
	path := app.Config.Model.Path
	tok, err := tokenizer.Load(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	m, err := inference.Load(ctx, path, inference.Options{Backend: app.Config.Model.Backend, Logger: app.Log})
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	me := &modelEval{m: m, tok: tok, retriever: r, k: k, maxTokens: fl.maxTokens, fused: !fl.unfused, prompt: fl.prompt,
		sets: map[string]*inference.AdapterSet{}}
	ab := adapterBuilder{ctx: ctx, app: app, shape: adapters.ShapeOf(m.Config(), path), cache: map[string]*adapters.Adapter{}}
	for _, n := range names {
		if n == retrievalMethod {
			continue
		}
		set, err := ab.methodSet(n, fl)
		if errors.Is(err, errMissingAdapter) {
			app.Log.Warn("eval: skipping a method whose adapters are missing", "method", n, "why", err)
			me.skipped = append(me.skipped, eval.Skip{Method: n, Reason: err.Error()})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("eval: method %s: %w", n, err)
		}
		me.sets[n] = set
	}
	return me, nil
}

// adapterBuilder loads each adapter folder once and merges per method.
type adapterBuilder struct {
	ctx   context.Context
	app   *App
	shape adapters.ModelShape
	cache map[string]*adapters.Adapter

	reg    *adapters.Registry
	regErr error
}

func (b *adapterBuilder) load(flag, dir string) (*adapters.Adapter, error) {
	if dir == "" {
		return nil, fmt.Errorf("needs %s DIR or NAME (or --adapters DIR holding it): %w", flag, errMissingAdapter)
	}
	if a, ok := b.cache[dir]; ok {
		return a, nil
	}
	path := dir
	if _, err := os.Stat(dir); err != nil {
		// A plain name is looked up in the registry (adapters.dirs and DATA_DIR/adapters).
		e, rerr := b.registryEntry(dir)
		if rerr != nil {
			return nil, fmt.Errorf("%s %s: no such folder, nor an adapter of that name: %w", flag, dir, errMissingAdapter)
		}
		path = e.Path
	}
	var a *adapters.Adapter
	var err error
	if adapters.IsComposition(path) {
		// A composition is served from its sources at its weights, after its checks.
		comp, cerr := adapters.ReadComposition(path)
		if cerr != nil {
			return nil, cerr
		}
		reg, _ := b.registry()
		var loc adapters.SourceLocator
		if reg != nil {
			loc = reg
		}
		a, err = comp.Resolve(b.ctx, loc, b.shape, b.app.Log)
	} else {
		a, err = adapters.Load(b.ctx, path, b.app.Log)
	}
	if err != nil {
		return nil, err
	}
	if err := adapters.Validate(a, b.shape, b.app.Log); err != nil {
		return nil, fmt.Errorf("adapter %s: %w", dir, err)
	}
	b.cache[dir] = a
	return a, nil
}

// registry scans the configured adapter folders once.
func (b *adapterBuilder) registry() (*adapters.Registry, error) {
	if b.reg == nil && b.regErr == nil {
		b.reg, b.regErr = adapters.Scan(b.ctx, b.app.adapterDirs(), adapters.ScanOptions{Skills: b.app.adapterSkills(), Log: b.app.Log})
	}
	return b.reg, b.regErr
}

func (b *adapterBuilder) registryEntry(name string) (adapters.Entry, error) {
	if adapters.CheckName(name) != nil {
		return adapters.Entry{}, errMissingAdapter
	}
	reg, err := b.registry()
	if err != nil {
		return adapters.Entry{}, err
	}
	return reg.Get(name)
}

// methodSet is the adapter set of one method: nil for none, a single adapter, or a merge
// of the domain and QA adapters.
func (b *adapterBuilder) methodSet(name string, fl evalModelFlags) (*inference.AdapterSet, error) {
	single := map[string][2]string{
		"domain":      {"--domain", fl.adapterDir(fl.domain, subDomain)},
		"qa":          {"--qa-adapter", fl.adapterDir(fl.qaAdapter, subQA)},
		"mix":         {"--mix", fl.adapterDir(fl.mix, subMix)},
		"cat_learned": {"--cat-learned", fl.adapterDir(fl.catLearned, subCatLearned)},
	}
	if name == "none" {
		return nil, nil
	}
	if s, ok := single[name]; ok {
		a, err := b.load(s[0], s[1])
		if err != nil {
			return nil, err
		}
		set := a.AdapterSet()
		set.Name = name
		return set, nil
	}
	dom, err := b.load("--domain", single["domain"][1])
	if err != nil {
		return nil, err
	}
	qaA, err := b.load("--qa-adapter", single["qa"][1])
	if err != nil {
		return nil, err
	}
	weights, err := parseCatWeights(fl.catWeights)
	if err != nil {
		return nil, err
	}
	merged, err := adapters.Merge(b.ctx, []*adapters.Adapter{dom, qaA}, adapters.MergeOptions{
		Method: adapters.Method(name), Weights: adapters.Weights{Default: weights},
		Density: fl.density, Seed: fl.mergeSeed, Name: name,
	})
	if err != nil {
		return nil, err
	}
	set := merged.AdapterSet()
	set.Name = name
	return set, nil
}

// parseCatWeights reads --merge-weights "W_domain,W_qa".
func parseCatWeights(s string) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return nil, fmt.Errorf("--merge-weights %q: want two numbers, domain then qa", s)
	}
	out := make([]float64, 2)
	for i, p := range parts {
		w, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("--merge-weights %q: %w", s, err)
		}
		out[i] = w
	}
	return out, nil
}

// use puts the method's adapters on the model unless they are already there.
func (me *modelEval) use(name string) error {
	me.mu.Lock()
	defer me.mu.Unlock()
	if me.applied && me.current == name {
		return nil
	}
	if err := me.m.SetAdapters(me.sets[name], me.fused); err != nil {
		return fmt.Errorf("apply the adapters of %s: %w", name, err)
	}
	me.current, me.applied = name, true
	return nil
}

// method is the eval.Method answering with the model and name's adapters.
func (me *modelEval) method(name string) eval.Method {
	return eval.Method{Name: name, Answer: func(ctx context.Context, q eval.Question, openBook bool) (eval.Prediction, error) {
		if err := me.use(name); err != nil {
			return eval.Prediction{}, err
		}
		if me.served != nil {
			return me.served.answer(ctx, q, openBook)
		}
		start := time.Now()
		var p eval.Prediction
		context := ""
		if openBook {
			var err error
			if context, p, err = me.openBookContext(ctx, q); err != nil {
				return eval.Prediction{}, err
			}
		}
		text, err := me.generate(ctx, q.Question, context)
		if err != nil {
			return eval.Prediction{}, err
		}
		p.Text = extractAnswer(text)
		p.Latency = time.Since(start)
		return p, nil
	}}
}

// openBookContext is the question's own gold passage when it has one (the paper's
// open-book setting: reading skill, not retrieval, is under test), else the top-k
// passages from the index, which the answer then cites.
func (me *modelEval) openBookContext(ctx context.Context, q eval.Question) (string, eval.Prediction, error) {
	if strings.TrimSpace(q.Context) != "" {
		return q.Context, eval.Prediction{}, nil
	}
	if me.retriever == nil {
		return "", eval.Prediction{}, fmt.Errorf("question %s has no context and there is no index to retrieve from: run `manualbot ingest` first", q.ID)
	}
	ps, err := me.retriever.Retrieve(ctx, q.Question, "", me.k)
	if err != nil {
		return "", eval.Prediction{}, fmt.Errorf("retrieve: %w", err)
	}
	p := eval.Prediction{Citations: []eval.Citation{}, Retrieved: []eval.Citation{}}
	var texts []string
	for _, x := range ps {
		c := eval.Citation{Doc: x.DocID, Section: x.Section}
		p.Retrieved = append(p.Retrieved, c)
		// Passages go in best first while the prompt still fits the window.
		trial := strings.Join(append(append([]string{}, texts...), x.Text), " ")
		if ids, err := me.tok.Encode(renderPrompt(me.prompt, q.Question, trial), true); err == nil && len(ids)+me.maxTokens < me.m.MaxContext() {
			texts = append(texts, x.Text)
			p.Citations = append(p.Citations, c)
		}
	}
	return strings.Join(texts, " "), p, nil
}

// generate answers greedily from the plain prompt (BOS, no chat template), stopping at
// the end of the first line or sentence.
func (me *modelEval) generate(ctx context.Context, question, context string) (string, error) {
	ids, err := me.tok.Encode(renderPrompt(me.prompt, question, context), true)
	if err != nil {
		return "", fmt.Errorf("tokenize the prompt: %w", err)
	}
	decode := func(ids []int) string {
		s, _ := me.tok.Decode(ids, true)
		return s
	}
	res, err := me.m.Generate(ctx, inference.GenerateRequest{
		PromptIDs: ids, MaxTokens: me.maxTokens, StopIDs: me.tok.EOS(),
		StopStrings: []string{"\n", "."}, Decode: decode,
	}, nil)
	if err != nil {
		return "", err
	}
	return decode(res.IDs), nil
}

// modelEvalMethods builds the eval.Methods of the model method names.
func modelEvalMethods(ctx context.Context, app *App, fl evalModelFlags, names []string, r qa.Retriever, k int) ([]eval.Method, []eval.Skip, error) {
	if app.Config.Model.Path == "" {
		for _, n := range names {
			if n != retrievalMethod {
				return nil, nil, fmt.Errorf("method %s needs --model and adapters (--adapters DIR, or --domain, --qa-adapter, --mix, --cat-learned)", n)
			}
		}
	}
	if fl.prompt != promptPlain && fl.prompt != promptRaw && fl.prompt != promptServed {
		return nil, nil, fmt.Errorf("--prompt %q: want %s, %s or %s", fl.prompt, promptServed, promptPlain, promptRaw)
	}
	if fl.maxTokens <= 0 {
		return nil, nil, fmt.Errorf("--answer-tokens %d: must be positive", fl.maxTokens)
	}
	me, err := newModelEval(ctx, app, fl, names, r, k)
	if err != nil {
		return nil, nil, err
	}
	if fl.prompt == promptServed {
		if me.served, err = newServedEval(app, me, r, k); err != nil {
			return nil, nil, err
		}
	}
	var out []eval.Method
	for _, n := range names {
		if _, ok := me.sets[n]; ok {
			out = append(out, me.method(n))
		}
	}
	return out, me.skipped, nil
}
