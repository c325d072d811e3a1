package cli

import (
	"fmt"
	"strings"

	"manualbot/adapters"
	"manualbot/inference"
	"manualbot/qa"
)

// servingPrompt names the prompt QA examples are rendered in, recorded in compositions.
const servingPrompt = "qa.BuildPrompt (chat template, system rules, fenced numbered passages, question)"

// qaSeqs renders QA records into training sequences with the answering pipeline's own
// prompt builder (qa.BuildPrompt: the model's chat template, the configured system rules,
// the passages fenced and numbered, the question), so that what train --skill qa and tune
// learn on is exactly what the bot sends. The rendering lives here, not in adapters,
// because qa imports adapters: adapters receives the token sequences.
func (a *App) qaSeqs(model string, recs []adapters.QARecord, seqLen int) ([]inference.TrainSeq, error) {
	r, err := qa.NewRenderer(model, seqLen)
	if err != nil {
		return nil, err
	}
	return qa.TrainingSeqs(r, a.Config.Model.SystemPrompt, qaExamples(recs), seqLen)
}

// qaExamples turns file records into the pipeline's examples: the passages of a record,
// or its context as one passage.
func qaExamples(recs []adapters.QARecord) []qa.Example {
	out := make([]qa.Example, len(recs))
	for i, r := range recs {
		ex := qa.Example{Question: r.Question, Answer: r.Answer, Prompt: r.Prompt, Completion: r.Completion}
		for j, p := range r.Passages {
			ex.Passages = append(ex.Passages, qa.Passage{Title: p.Title, Section: p.Section, Text: p.Text, DocID: fmt.Sprintf("passage-%d", j+1)})
		}
		if len(ex.Passages) == 0 && strings.TrimSpace(r.Context) != "" {
			ex.Passages = []qa.Passage{{Title: "Manual", Text: r.Context, DocID: "context"}}
		}
		out[i] = ex
	}
	return out
}
