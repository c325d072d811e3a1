package eval

import (
	"context"
	"testing"
)

// Uncovered questions need no reference answer, score the refusal rate, and stay out of
// the answer metrics.
func TestRefusalRateOnUncoveredQuestions(t *testing.T) {
	qs := []Question{
		{ID: "a", Question: "How long?", Answers: []string{"25 minutes"}},
		{ID: "u1", Question: "What is the warranty?", Uncovered: true},
		{ID: "u2", Question: "Who made it?", Uncovered: true},
	}
	answers := map[string]string{
		"a":  "25 minutes",
		"u1": "The manuals do not cover it.",
		"u2": "Acme made it.",
	}
	m := Method{Name: "m", Answer: func(_ context.Context, q Question, _ bool) (Prediction, error) {
		return Prediction{Text: answers[q.ID]}, nil
	}}
	rep, err := Run(context.Background(), []Method{m}, qs, Options{Resamples: 10})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.RefusalN != 2 || r.RefusalRate != 0.5 || r.EM != 1 || r.F1 != 1 {
		t.Fatalf("result %+v: want refusals 1 of 2 and the covered question exact", r)
	}
	for text, want := range map[string]bool{
		"I could not find anything about that in the manuals.": true,
		"The manuals do NOT cover that.":                       true,
		"Press the red button [1].":                            false,
	} {
		if IsRefusal(text) != want {
			t.Errorf("IsRefusal(%q) = %v", text, !want)
		}
	}
	if _, err := parseQuestion([]byte(`{"question":"q","uncovered":true}`)); err != nil {
		t.Errorf("an uncovered question without answers: %v", err)
	}
}
