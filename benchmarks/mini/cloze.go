package mini

import (
	"fmt"
	"strings"

	"manualbot/eval"
)

// ClozeFile holds the knowledge probe: the test questions as the manual's own sentences
// cut just before the answer.
const ClozeFile = "cloze.jsonl"

// Cloze rewrites every test question as a fill-in-the-blank in the manual's wording: the
// gadget's page up to the fact ("The Sisan is a big"), to be continued by the model with
// no question format ("white bowl."). It tells apart "the domain adapter does not know
// the fact" from "it knows it but cannot say it as an answer", which the question
// format alone cannot. Answers are the fact and the fact with the rest of its sentence,
// so a model that completes the sentence is not marked down; eval prompts it raw
// (eval --prompt raw).
func (b *Benchmark) Cloze() ([]eval.Question, error) {
	byID := map[string]eval.Question{}
	for _, g := range b.Gadgets {
		for _, k := range factKinds {
			q, err := g.cloze(k.name)
			if err != nil {
				return nil, err
			}
			byID[strings.ToLower(g.Name)+"-"+k.name] = q
		}
	}
	out := make([]eval.Question, 0, len(b.Test))
	for _, t := range b.Test {
		q, ok := byID[t.ID]
		if !ok {
			return nil, fmt.Errorf("mini: no cloze for test question %s", t.ID)
		}
		q.ID, q.SourceDoc, q.SourceSection = t.ID, t.SourceDoc, t.SourceSection
		out = append(out, q)
	}
	return out, nil
}

// cloze cuts g's page before the fact of kind: cue is the text just before the answer
// (without its trailing space, which the answer's first token carries), rest what the
// sentence says after it.
func (g Gadget) cloze(kind string) (eval.Question, error) {
	n := g.Name
	var cue, answer, rest string
	switch kind {
	case "colour":
		cue, answer, rest = fmt.Sprintf("The %s is a %s", n, g.Size), g.Colour, g.Shape
	case "button_colour":
		cue, answer, rest = "It has "+g.Buttons, g.ButtonCol, "buttons"
	case "buttons":
		cue, answer, rest = "It has", g.Buttons, g.ButtonCol+" buttons"
	case "makes":
		cue, answer = "It makes", g.Makes
	case "topper":
		cue, answer = "there is a little", g.Topper
	case "sound":
		cue, answer = "it says", g.Sound
	case "first_step":
		cue, answer = "first you", g.FirstStep
	case "forbidden":
		cue, answer, rest = "Never put", g.Forbidden, "in the "+n
	case "place":
		cue, answer = fmt.Sprintf("Keep the %s in the", n), g.Place
	default:
		return eval.Question{}, fmt.Errorf("mini: no cloze for fact %q", kind)
	}
	page := g.Text()
	i := strings.Index(page, cue+" "+answer)
	if i < 0 {
		return eval.Question{}, fmt.Errorf("mini: %s: %q not on the page of %s", kind, cue+" "+answer, n)
	}
	answers := []string{answer}
	if rest != "" {
		answers = append(answers, answer+" "+rest)
	}
	return eval.Question{Question: page[:i+len(cue)], Answers: answers}, nil
}
