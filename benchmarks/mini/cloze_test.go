package mini

import (
	"strings"
	"testing"
)

// TestCloze checks that every probe is its page cut just before the fact: the page goes
// on with a space and the first answer, so the blank asks for exactly the tested fact.
func TestCloze(t *testing.T) {
	bm, err := Generate(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	qs, err := bm.Cloze()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != len(bm.Test) {
		t.Fatalf("%d cloze questions for %d test questions", len(qs), len(bm.Test))
	}
	for i, q := range qs {
		test := bm.Test[i]
		if q.ID != test.ID || q.SourceSection != test.SourceSection {
			t.Errorf("cloze %d is %s (%s), test is %s (%s)", i, q.ID, q.SourceSection, test.ID, test.SourceSection)
		}
		if !strings.HasPrefix(test.Context, q.Question) || strings.HasSuffix(q.Question, " ") {
			t.Errorf("%s: %q is not a prefix of its page without a trailing space", q.ID, q.Question)
			continue
		}
		next := test.Context[len(q.Question):]
		if !strings.HasPrefix(next, " "+q.Answers[0]) {
			t.Errorf("%s: page goes on %q, answer %q", q.ID, next, q.Answers[0])
		}
		if !strings.Contains(strings.ToLower(strings.Join(test.Answers, "|")), strings.ToLower(q.Answers[0])) {
			t.Errorf("%s: cloze answer %q is none of the test answers %q", q.ID, q.Answers[0], test.Answers)
		}
	}
}
