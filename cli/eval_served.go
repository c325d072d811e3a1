package cli

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"manualbot/eval"
	"manualbot/inference"
	"manualbot/qa"
)

// plainPrompt is the diagnostic format of --prompt plain: "Context: ...\nQuestion: ...\nAnswer:"
// open book (the question's gold passage), "Question: ...\nAnswer:" closed book.
func plainPrompt(question, context string) string {
	var b strings.Builder
	if c := flatText(context); c != "" {
		b.WriteString("Context: " + c + "\n")
	}
	b.WriteString("Question: " + flatText(question) + "\nAnswer:")
	return b.String()
}

// extractAnswer is the plain format's answer: the words up to the first full stop or line
// break, so a model that rambles on is scored on its first answer.
func extractAnswer(generated string) string {
	s := generated
	if i := strings.IndexAny(s, ".\n"); i >= 0 {
		s = s[:i]
	}
	return flatText(s)
}

func flatText(s string) string { return strings.Join(strings.Fields(s), " ") }

// servedEval answers as the bot does: the pipeline's retrieval, qa.BuildPrompt with the
// model's chat template and the configured rules, greedy generation, and the pipeline's
// mapping of [N] markers to citations. The method's adapters are already on the model.
type servedEval struct {
	pipe *qa.Pipeline
	gen  *evalGenerator
	r    qa.Retriever
	k    int
}

func newServedEval(app *App, me *modelEval, r qa.Retriever, k int) (*servedEval, error) {
	rend, err := qa.NewRenderer(app.Config.Model.Path, me.m.MaxContext())
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	gen := &evalGenerator{Renderer: rend, m: me.m}
	c := app.Config
	return &servedEval{gen: gen, r: r, k: k, pipe: &qa.Pipeline{
		Retriever: r, Generator: gen, K: k, MinScore: c.Retrieval.MinScore, MaxTokens: me.maxTokens,
		SystemPrompt: c.Model.SystemPrompt, Log: app.Log,
	}}, nil
}

// citationMarker is an answer's [N]: kept in the answer, left out of its scores.
var citationMarker = regexp.MustCompile(`\[\d+\]`)

func (s *servedEval) answer(ctx context.Context, q eval.Question, openBook bool) (eval.Prediction, error) {
	start := time.Now()
	if !openBook {
		prompt, _, err := qa.BuildPrompt(s.gen, qa.PromptInput{System: s.pipe.SystemPrompt, Question: q.Question}, s.pipe.MaxTokens)
		if err != nil {
			return eval.Prediction{}, err
		}
		out, err := s.gen.Generate(ctx, qa.GenerateInput{Prompt: prompt, MaxTokens: s.pipe.MaxTokens}, func(string) error { return nil })
		if err != nil {
			return eval.Prediction{}, err
		}
		return eval.Prediction{Text: flatText(citationMarker.ReplaceAllString(out.Text, "")), Latency: time.Since(start)}, nil
	}
	if s.r == nil {
		return eval.Prediction{}, fmt.Errorf("question %s: --prompt served answers open-book from the index, and there is none: run `manualbot ingest` first", q.ID)
	}
	ans, err := s.pipe.Ask(ctx, qa.Question{Text: q.Question, User: "eval"}, nil)
	if err != nil {
		return eval.Prediction{}, err
	}
	p := eval.Prediction{Text: flatText(citationMarker.ReplaceAllString(ans.Text, "")), Citations: []eval.Citation{}, Retrieved: []eval.Citation{}}
	for _, c := range ans.Citations {
		p.Citations = append(p.Citations, eval.Citation{Doc: c.DocID, Section: c.Section})
	}
	p.Latency = time.Since(start)
	// The same query the pipeline ran (eval sets no product), for recall@k.
	ps, err := s.r.Retrieve(ctx, q.Question, "", s.k)
	if err != nil {
		return eval.Prediction{}, fmt.Errorf("retrieve: %w", err)
	}
	for _, x := range ps {
		p.Retrieved = append(p.Retrieved, eval.Citation{Doc: x.DocID, Section: x.Section})
	}
	return p, nil
}

// evalGenerator is the model with the method's adapters as the pipeline's Generator:
// greedy, no repetition penalty, stopping at EOS.
type evalGenerator struct {
	*qa.Renderer
	m *inference.Model
}

func (g *evalGenerator) Generate(ctx context.Context, in qa.GenerateInput, onText func(string) error) (qa.GenerateOutput, error) {
	ids, err := g.Encode(in.Prompt)
	if err != nil {
		return qa.GenerateOutput{}, fmt.Errorf("tokenize prompt: %w", err)
	}
	tok := g.Tokenizer()
	res, err := g.m.Generate(ctx, inference.GenerateRequest{PromptIDs: ids, MaxTokens: in.MaxTokens, StopIDs: tok.EOS()}, nil)
	if err != nil {
		return qa.GenerateOutput{}, err
	}
	text, err := tok.Decode(res.IDs, true)
	if err != nil {
		return qa.GenerateOutput{}, err
	}
	if err := onText(text); err != nil {
		return qa.GenerateOutput{}, err
	}
	return qa.GenerateOutput{Text: text, PromptTokens: res.PromptTokens, GeneratedTokens: len(res.IDs)}, nil
}
