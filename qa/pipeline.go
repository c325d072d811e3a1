package qa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// NothingFound is the whole answer when retrieval finds no passage: said plainly, with
// no citation, because an answer from nowhere is worse than none.
const NothingFound = "I could not find anything about that in the manuals."

// Pipeline answers questions: retrieve, prompt, generate, cite. It is safe for
// concurrent use; the Generator decides how concurrent generations share the model.
type Pipeline struct {
	Retriever Retriever
	// Generator may be nil: the pipeline then runs retrieval-only.
	Generator Generator
	// Products lists the known products, so a question naming one is filtered to it.
	Products  func(ctx context.Context) ([]string, error)
	K         int
	MinScore  float64
	MaxTokens int
	// SystemPrompt overrides DefaultSystemPrompt when set.
	SystemPrompt string
	Log          *slog.Logger
}

// Ask answers q. onPartial, if set, receives the whole answer-so-far as it streams.
func (p *Pipeline) Ask(ctx context.Context, q Question, onPartial func(text string)) (*Answer, error) {
	start := time.Now()
	if strings.TrimSpace(q.Text) == "" {
		return nil, errors.New("ask: the question is empty")
	}
	product := q.Product
	if product == "" {
		product = p.productIn(ctx, q.Text)
	}
	passages, err := p.Retriever.Retrieve(ctx, retrievalQuery(q), product, p.k())
	if err != nil {
		return nil, fmt.Errorf("ask: retrieve: %w", err)
	}
	passages = p.relevant(passages)
	ans := &Answer{Timings: Timings{Retrieval: time.Since(start)}}
	switch {
	case len(passages) == 0:
		ans.Text = NothingFound
		ans.Citations = []Citation{}
		ans.RetrievalOnly = p.Generator == nil
	case p.Generator == nil:
		retrievalOnlyAnswer(ans, passages)
	default:
		if err := p.generate(ctx, q, passages, ans, onPartial); err != nil {
			return nil, err
		}
	}
	if ans.Adapters == nil {
		ans.Adapters = []string{}
	}
	ans.Timings.Total = time.Since(start)
	p.logger().Debug("answered", "user", q.User, "passages", len(passages), "citations", len(ans.Citations),
		"retrieval_only", ans.RetrievalOnly, "total", ans.Timings.Total)
	if onPartial != nil {
		onPartial(ans.Text)
	}
	return ans, nil
}

func (p *Pipeline) generate(ctx context.Context, q Question, passages []Passage, ans *Answer, onPartial func(string)) error {
	prompt, n, err := BuildPrompt(p.Generator, PromptInput{System: p.SystemPrompt, History: q.History, Question: q.Text, Passages: passages}, p.maxTokens())
	if err != nil {
		return fmt.Errorf("ask: %w", err)
	}
	used := passages[:n]
	genStart := time.Now()
	var sofar strings.Builder
	out, err := p.Generator.Generate(ctx, GenerateInput{Prompt: prompt, MaxTokens: p.maxTokens(), Products: productsOf(used)},
		func(piece string) error {
			sofar.WriteString(piece)
			if onPartial != nil {
				onPartial(sofar.String())
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("ask: generate: %w", err)
	}
	ans.Text, ans.Citations = resolveCitations(out.Text, used)
	if ans.Text == "" {
		ans.Text = "The model gave no answer."
	}
	ans.Adapters = out.Adapters
	ans.Composition = out.Composition
	ans.IDs = out.IDs
	ans.Timings.Generation = time.Since(genStart)
	ans.Timings.PromptTokens = out.PromptTokens
	ans.Timings.GeneratedTokens = out.GeneratedTokens
	return nil
}

// retrievalOnlyAnswer lists the best passages when there is no model to write an answer.
func retrievalOnlyAnswer(ans *Answer, passages []Passage) {
	var b strings.Builder
	b.WriteString("Generation is off (no model configured). The most relevant passages:\n")
	for i, ps := range passages {
		fmt.Fprintf(&b, "\n[%d] %s\n%s\n", i+1, ps.Source(), firstWords(ps.Text, 400))
		ans.Citations = append(ans.Citations, ps.citation(i+1))
	}
	ans.Text = strings.TrimRight(b.String(), "\n")
	ans.RetrievalOnly = true
}

// retrievalQuery adds the thread's last question, so "and on Windows?" still finds the
// install section the thread is about.
func retrievalQuery(q Question) string {
	for i := len(q.History) - 1; i >= 0; i-- {
		if q.History[i].Role == "user" {
			return q.Text + " " + q.History[i].Text
		}
	}
	return q.Text
}

func (p *Pipeline) relevant(ps []Passage) []Passage {
	out := ps[:0:0]
	for _, x := range ps {
		if x.Score >= p.MinScore && strings.TrimSpace(x.Text) != "" {
			out = append(out, x)
		}
	}
	return out
}

// productIn finds a known product named in the question (whole words, any case).
func (p *Pipeline) productIn(ctx context.Context, text string) string {
	if p.Products == nil {
		return ""
	}
	products, err := p.Products(ctx)
	if err != nil {
		p.logger().Warn("list products", "err", err)
		return ""
	}
	words := " " + strings.Join(strings.FieldsFunc(strings.ToLower(text), isSep), " ") + " "
	for _, prod := range products {
		w := strings.Join(strings.FieldsFunc(strings.ToLower(prod), isSep), " ")
		if w != "" && strings.Contains(words, " "+w+" ") {
			return prod
		}
	}
	return ""
}

func isSep(r rune) bool {
	return !(r == '-' || r == '_' || r == '.' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || r > 127)
}

func productsOf(ps []Passage) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range ps {
		if x.Product != "" && !seen[x.Product] {
			seen[x.Product] = true
			out = append(out, x.Product)
		}
	}
	return out
}

func (p *Pipeline) k() int {
	if p.K > 0 {
		return p.K
	}
	return 5
}

func (p *Pipeline) maxTokens() int {
	if p.MaxTokens > 0 {
		return p.MaxTokens
	}
	return 256
}

func (p *Pipeline) logger() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.New(slog.DiscardHandler)
}
