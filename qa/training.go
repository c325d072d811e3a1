package qa

import (
	"fmt"
	"strings"

	"manualbot/inference"
)

// Example is one QA training or tuning example: a question, the passages retrieval would
// hand the model, and the answer it should give (citing the passages as [1], [2], ...).
type Example struct {
	Question string
	Passages []Passage
	Answer   string
	// Prompt and Completion, when set, are used as they are (a custom format); the
	// serving prompt is built otherwise.
	Prompt, Completion string
}

// TrainingSeqs renders each example with BuildPrompt, the prompt the pipeline sends (chat
// template, system rules, fenced numbered passages, question), followed by the answer and
// EOS, with the loss on the answer and EOS only. The prompt holds as many passages as fit in
// seqLen tokens with the answer (the answer is never cut), as an answer's prompt holds as
// many as fit in the window.
func TrainingSeqs(r *Renderer, system string, examples []Example, seqLen int) ([]inference.TrainSeq, error) {
	eos := r.tok.EOS()
	out := make([]inference.TrainSeq, 0, len(examples))
	for i, ex := range examples {
		answer := ex.Completion
		if answer == "" {
			answer = strings.TrimSpace(ex.Answer)
		}
		a, err := r.tok.Encode(answer, false)
		if err != nil {
			return nil, fmt.Errorf("example %d: tokenize the answer: %w", i+1, err)
		}
		if len(eos) > 0 {
			a = append(a, eos[0])
		}
		var p []int
		if ex.Prompt != "" {
			if p, err = r.tok.Encode(ex.Prompt, true); err != nil {
				return nil, fmt.Errorf("example %d: tokenize the prompt: %w", i+1, err)
			}
			if p, err = cutPromptStart(r, p, seqLen-len(a)); err != nil {
				return nil, fmt.Errorf("example %d: %w", i+1, err)
			}
		} else {
			fit := &Renderer{tok: r.tok, tmpl: r.tmpl, special: r.special, window: seqLen}
			prompt, _, err := BuildPrompt(fit, PromptInput{System: system, Question: ex.Question, Passages: ex.Passages}, len(a))
			if err != nil {
				return nil, fmt.Errorf("example %d: %w", i+1, err)
			}
			if p, err = r.Encode(prompt); err != nil {
				return nil, fmt.Errorf("example %d: tokenize the prompt: %w", i+1, err)
			}
		}
		ids := append(append(make([]int, 0, len(p)+len(a)), p...), a...)
		mask := make([]bool, len(ids))
		for j := len(p); j < len(ids); j++ {
			mask[j] = true
		}
		out = append(out, inference.TrainSeq{IDs: ids, LossMask: mask})
	}
	return out, nil
}

// cutPromptStart keeps a custom prompt within keep tokens by dropping the start of its text
// (the context), never its BOS nor the answer.
func cutPromptStart(r *Renderer, p []int, keep int) ([]int, error) {
	if len(p) <= keep {
		return p, nil
	}
	head := 0
	if bos, ok := r.tok.BOS(); ok && len(p) > 0 && p[0] == bos {
		head = 1
	}
	if keep-head < 1 {
		return nil, fmt.Errorf("the answer leaves no room for the prompt in the sequence length")
	}
	return append(p[:head:head], p[len(p)-(keep-head):]...), nil
}
