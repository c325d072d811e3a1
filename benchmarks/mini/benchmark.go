package mini

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"manualbot/eval"
)

// Config sizes the benchmark. Each part draws from its own random stream derived from
// Seed, so changing one size leaves the other parts as they were.
type Config struct {
	Seed    uint64
	Gadgets int // gadgets in the manual (9 facts each)
	Test    int // held-out manual questions
	Tune    int // manual questions for learning CAT weights, disjoint from Test
	QA      int // open-book story questions for the QA skill
	// ClosedQA adds closed-book common-knowledge questions to the QA skill set.
	ClosedQA int
}

// DefaultConfig is the published benchmark: 48 gadgets (432 facts, ~10 choices each),
// 160 test and 16 tuning questions, 1,600 + 160 skill examples.
func DefaultConfig() Config {
	return Config{Seed: 1, Gadgets: 48, Test: 160, Tune: 16, QA: 1600, ClosedQA: 160}
}

// TextExample is a plain language-modelling example (the domain adapter's data).
type TextExample struct {
	Text string `json:"text"`
}

// Benchmark is every generated part.
type Benchmark struct {
	Config  Config
	Gadgets []Gadget
	// Manual is the Markdown manual (manual.md).
	Manual string
	// Domain holds the manual as LM examples: the intro and one page per gadget.
	Domain []TextExample
	Test   []eval.Question
	Tune   []eval.Question
	QA     []QARecord
}

// Stream ids: one random stream per part.
const (
	streamGadgets = iota + 1
	streamSplit
	streamQA
	streamMix
)

func (c Config) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(c.Seed, stream))
}

// Generate builds the benchmark from cfg; the same cfg always gives the same benchmark.
func Generate(cfg Config) (*Benchmark, error) {
	if cfg.Gadgets <= 0 || cfg.Test <= 0 || cfg.Tune < 0 || cfg.QA < 0 || cfg.ClosedQA < 0 {
		return nil, fmt.Errorf("mini: bad sizes %+v", cfg)
	}
	gs := gadgets(cfg.rng(streamGadgets), cfg.Gadgets)
	if len(gs) < cfg.Gadgets {
		return nil, fmt.Errorf("mini: %d gadgets asked for, but there are only %d distinct names", cfg.Gadgets, len(gs))
	}
	tune, test, err := splitQuestions(cfg.rng(streamSplit), gs, cfg.Tune, cfg.Test)
	if err != nil {
		return nil, fmt.Errorf("mini: %w", err)
	}
	b := &Benchmark{
		Config: cfg, Gadgets: gs, Manual: renderManual(gs),
		Test: test, Tune: tune,
		QA: qaSkill(cfg.rng(streamQA), cfg.QA, cfg.ClosedQA),
	}
	b.Domain = append(b.Domain, TextExample{Text: strings.Join(introParagraphs(len(gs)), " ")})
	for _, g := range gs {
		b.Domain = append(b.Domain, TextExample{Text: g.Text()})
	}
	return b, nil
}

// Mix is the data-mix baseline's training set: every domain example and every QA
// record, shuffled together. Lines with "text" are LM examples; the others QA records.
func (b *Benchmark) Mix() []any {
	out := make([]any, 0, len(b.Domain)+len(b.QA))
	for _, d := range b.Domain {
		out = append(out, d)
	}
	for _, q := range b.QA {
		out = append(out, q)
	}
	rng := b.Config.rng(streamMix)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
