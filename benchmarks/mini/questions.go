package mini

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"manualbot/eval"
)

// factKind is one of the nine facts every gadget page states: how to ask about it and
// its reference answers (the first is the page's own wording).
type factKind struct {
	name string
	ask  func(g Gadget) (question string, answers []string)
}

// factKinds lists them in page order.
var factKinds = []factKind{
	{"colour", func(g Gadget) (string, []string) {
		return fmt.Sprintf("What colour is the %s?", g.Name), []string{g.Colour}
	}},
	{"button_colour", func(g Gadget) (string, []string) {
		return fmt.Sprintf("What colour are the buttons on the %s?", g.Name), []string{g.ButtonCol}
	}},
	{"buttons", func(g Gadget) (string, []string) {
		return fmt.Sprintf("How many buttons does the %s have?", g.Name), []string{g.Buttons, digits[g.Buttons]}
	}},
	{"makes", func(g Gadget) (string, []string) {
		return fmt.Sprintf("What does the %s make?", g.Name), []string{g.Makes}
	}},
	{"topper", func(g Gadget) (string, []string) {
		return fmt.Sprintf("What is on top of the %s?", g.Name), []string{"a little " + g.Topper, g.Topper}
	}},
	{"sound", func(g Gadget) (string, []string) {
		return fmt.Sprintf("What does the %s say when it is done?", g.Name), []string{g.Sound}
	}},
	{"first_step", func(g Gadget) (string, []string) {
		return fmt.Sprintf("What do you do first to use the %s?", g.Name), []string{g.FirstStep, "you " + g.FirstStep}
	}},
	{"forbidden", func(g Gadget) (string, []string) {
		return fmt.Sprintf("What must you never put in the %s?", g.Name), []string{g.Forbidden}
	}},
	{"place", func(g Gadget) (string, []string) {
		return fmt.Sprintf("Where do you keep the %s?", g.Name), []string{"in the " + g.Place, g.Place}
	}},
}

// question asks about one fact of g, citing the gadget's section.
func (g Gadget) question(k factKind) eval.Question {
	q, a := k.ask(g)
	return eval.Question{
		ID:       strings.ToLower(g.Name) + "-" + k.name,
		Question: q, Answers: a,
		SourceDoc: ManualFile, SourceSection: g.Section(),
		Context: g.Text(),
	}
}

var digits = map[string]string{"two": "2", "three": "3", "four": "4", "five": "5"}

// splitQuestions shuffles every (gadget, fact) question and deals the first tune to the
// tuning set and the next test to the test set: disjoint by construction.
func splitQuestions(rng *rand.Rand, gs []Gadget, tune, test int) (tuneQs, testQs []eval.Question, err error) {
	var all []eval.Question
	for _, g := range gs {
		for _, k := range factKinds {
			all = append(all, g.question(k))
		}
	}
	if tune+test > len(all) {
		return nil, nil, fmt.Errorf("%d tuning + %d test questions, but %d gadgets give only %d: add gadgets",
			tune, test, len(gs), len(all))
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:tune], all[tune : tune+test], nil
}
