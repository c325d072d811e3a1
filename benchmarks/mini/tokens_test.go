//go:build tokcheck

// The tokenizer coverage check needs manualbot/inference/tokenizer; run it with
//
//	go test -tags tokcheck -run Tokens -v ./benchmarks/mini
package mini

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"manualbot/inference/tokenizer"
	"manualbot/internal/testutil"
)

// stories260KWindow is the tiny model's context length.
const stories260KWindow = 512

var sentenceEnd = regexp.MustCompile(`[.?!]\s+`)

// TestTokens reports how the 512-token vocabulary splits the benchmark's English and
// checks that every prompt with its answer fits the model's window.
func TestTokens(t *testing.T) {
	tok, err := tokenizer.Load(testutil.Fixture(t, "models/stories260K"))
	if err != nil {
		t.Fatal(err)
	}
	n := func(s string) int {
		ids, err := tok.Encode(s, false)
		if err != nil {
			t.Fatal(err)
		}
		return len(ids)
	}
	bm, err := Generate(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	stat := func(name string, texts []string) {
		var counts []int
		words, toks := 0, 0
		for _, s := range texts {
			c := n(s)
			counts = append(counts, c)
			toks += c
			words += len(strings.Fields(s))
		}
		slices.Sort(counts)
		t.Logf("%-22s n=%5d  tokens mean %.1f  median %d  max %d  tokens/word %.2f", name, len(texts),
			float64(toks)/float64(len(texts)), counts[len(counts)/2], counts[len(counts)-1], float64(toks)/float64(words))
	}
	var manualSentences, qaSentences, names, answers, prompts []string
	for _, g := range bm.Gadgets {
		for _, p := range g.Paragraphs() {
			manualSentences = append(manualSentences, splitSentences(p)...)
		}
		names = append(names, g.Name)
	}
	for _, r := range bm.QA {
		qaSentences = append(qaSentences, splitSentences(r.Context)...)
		prompts = append(prompts, r.Prompt+r.Completion)
	}
	var questions []string
	for _, q := range bm.Test {
		questions = append(questions, q.Question)
		answers = append(answers, q.Answers[0])
		prompts = append(prompts, Prompt(q.Question, q.Context)+Completion(q.Answers[0]))
	}
	stat("manual sentence", manualSentences)
	stat("QA story sentence", qaSentences)
	stat("gadget name", names)
	stat("test question", questions)
	stat("test answer", answers)
	stat("prompt+completion", prompts)
	for _, p := range prompts {
		if c := n(p) + 2; c > stories260KWindow { // + BOS and EOS
			t.Errorf("%d tokens do not fit the %d-token window: %q", c, stories260KWindow, p)
		}
	}
	// Byte-fallback pieces mean a character the vocabulary lacks: none expected in what
	// the model reads (the Markdown "#" of manual.md is for ingest, not for training).
	var texts []string
	for _, d := range bm.Domain {
		texts = append(texts, d.Text)
	}
	for _, text := range append(texts, prompts...) {
		ids, _ := tok.Encode(text, false)
		for _, id := range ids {
			if s, _ := tok.Token(id); strings.HasPrefix(s, "<0x") && s != "<0x0A>" {
				t.Errorf("byte fallback %s in %q", s, text)
				return
			}
		}
	}
}

func splitSentences(p string) []string {
	var out []string
	for _, s := range sentenceEnd.Split(p, -1) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
