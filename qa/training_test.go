package qa

import (
	"context"
	"slices"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// servedGen is the real tokenizer and template of a checkpoint as a Generator that records
// the prompt the pipeline sends.
type servedGen struct {
	*Renderer
	prompt string
}

func (g *servedGen) Generate(_ context.Context, in GenerateInput, _ func(string) error) (GenerateOutput, error) {
	g.prompt = in.Prompt
	return GenerateOutput{Text: "Press the red button [1]."}, nil
}

// A QA training example is the very prompt the pipeline sends for the same question and
// passages (token for token), then the answer and EOS, with the loss on those only.
func TestTrainingSeqsArePromptedAsServed(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	r, err := NewRenderer(dir, 512)
	if err != nil {
		t.Fatal(err)
	}
	for _, system := range []string{"", "Answer like a pirate. Cite [1]."} {
		gen := &servedGen{Renderer: r}
		p := &Pipeline{Retriever: &fixedRetriever{passages: manualPassages()}, Generator: gen, MaxTokens: 32, SystemPrompt: system}
		q := "How do I reset the widget?"
		if _, err := p.Ask(context.Background(), Question{Text: q}, nil); err != nil {
			t.Fatal(err)
		}
		served, err := r.Encode(gen.prompt)
		if err != nil {
			t.Fatal(err)
		}
		answer := "Hold the red button for five seconds [1]."
		seqs, err := TrainingSeqs(r, system, []Example{{Question: q, Passages: manualPassages(), Answer: answer}}, 512)
		if err != nil {
			t.Fatal(err)
		}
		s := seqs[0]
		if len(s.IDs) <= len(served) || !slices.Equal(s.IDs[:len(served)], served) {
			t.Fatalf("system %q: the training prompt is not the served prompt:\ntrain  %v\nserved %v", system, s.IDs[:min(len(served), len(s.IDs))], served)
		}
		want, err := r.tok.Encode(answer, false)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r.tok.EOS()[0])
		if !slices.Equal(s.IDs[len(served):], want) {
			t.Fatalf("answer tokens %v, want %v", s.IDs[len(served):], want)
		}
		for i, m := range s.LossMask {
			if m != (i >= len(served)) {
				t.Fatalf("loss mask at %d is %v: the loss must be on the answer and EOS only", i, m)
			}
		}
	}
}

// An example longer than the sequence keeps its answer whole and drops passages, as the
// served prompt drops those that do not fit the window.
func TestTrainingSeqsDropPassagesNotTheAnswer(t *testing.T) {
	r, err := NewRenderer(testutil.Fixture(t, "models/stories260K"), 512)
	if err != nil {
		t.Fatal(err)
	}
	long := manualPassages()
	for i := range long {
		long[i].Text = long[i].Text + " " + long[i].Text + " " + long[i].Text
	}
	full, err := TrainingSeqs(r, "", []Example{{Question: "How?", Passages: long, Answer: "Like this [1]."}}, 512)
	if err != nil {
		t.Fatal(err)
	}
	short, err := TrainingSeqs(r, "", []Example{{Question: "How?", Passages: long, Answer: "Like this [1]."}}, len(full[0].IDs)-10)
	if err != nil {
		t.Fatal(err)
	}
	if len(short[0].IDs) > len(full[0].IDs)-10 {
		t.Fatalf("%d tokens do not fit %d", len(short[0].IDs), len(full[0].IDs)-10)
	}
	tail := func(ids []int) []int { return ids[len(ids)-6:] }
	if !slices.Equal(tail(short[0].IDs), tail(full[0].IDs)) {
		t.Fatalf("the answer was cut")
	}
}

// A custom prompt too long for the sequence loses the start of its text, keeping BOS and
// the whole answer.
func TestTrainingSeqsCutCustomPromptStart(t *testing.T) {
	r, err := NewRenderer(testutil.Fixture(t, "models/stories260K"), 512)
	if err != nil {
		t.Fatal(err)
	}
	ex := []Example{{Prompt: strings.Repeat("Lily had a red ball. ", 20) + "Question: What colour?\nAnswer:", Completion: " red."}}
	seqs, err := TrainingSeqs(r, "", ex, 40)
	if err != nil {
		t.Fatal(err)
	}
	s := seqs[0]
	bos, _ := r.tok.BOS()
	if len(s.IDs) != 40 || s.IDs[0] != bos {
		t.Fatalf("%d ids starting %d, want 40 starting with BOS %d", len(s.IDs), s.IDs[0], bos)
	}
	want, _ := r.tok.Encode(" red.", false)
	n := 0
	for _, m := range s.LossMask {
		if m {
			n++
		}
	}
	if n != len(want)+1 {
		t.Fatalf("%d answer tokens in the loss, want %d", n, len(want)+1)
	}
	if _, err := TrainingSeqs(r, "", ex, 3); err == nil {
		t.Fatal("a sequence the answer fills was accepted")
	}
}
