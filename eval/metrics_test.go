package eval

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"The Cat!", "cat"},
		{"  a   BLUE  button. ", "blue button"},
		{"an apple, the pear & a fig", "apple pear fig"},
		{"Denver Broncos", "denver broncos"},
		{"theatre another", "theatre another"}, // articles only as whole words
		{"it's", "its"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExactMatchAndF1(t *testing.T) {
	tests := []struct {
		name   string
		pred   string
		refs   []string
		em, f1 float64
	}{
		// SQuAD v1.1 dev, "Which NFL team represented the AFC at Super Bowl 50?"
		{"squad exact", "Denver Broncos", []string{"Denver Broncos", "Denver Broncos", "Denver Broncos"}, 1, 1},
		{"squad article and case", "the denver broncos.", []string{"Denver Broncos"}, 1, 1},
		// pred {cat,sat} vs ref {cat,sat,on,mat}: P=1, R=1/2, F1=2/3.
		{"partial", "the cat sat", []string{"cat sat on mat"}, 0, 2.0 / 3},
		// Best over references: the second reference matches one of two tokens each way.
		{"max over refs", "blue light", []string{"red", "blue lamp"}, 0, 0.5},
		// Repeated tokens count at most as often as in the reference: P=1/3, R=1, F1=1/2.
		{"multiset", "blue blue blue", []string{"blue"}, 0, 0.5},
		{"disjoint", "green", []string{"blue"}, 0, 0},
		{"both empty after normalising", "the", []string{"a"}, 1, 1},
		{"empty prediction", "", []string{"blue"}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExactMatch(tc.pred, tc.refs); got != tc.em {
				t.Errorf("EM = %v, want %v", got, tc.em)
			}
			if got := F1(tc.pred, tc.refs); !near(got, tc.f1) {
				t.Errorf("F1 = %v, want %v", got, tc.f1)
			}
		})
	}
}

func TestRougeL(t *testing.T) {
	tests := []struct {
		name string
		pred string
		refs []string
		want float64
	}{
		{"identical", "open the lid", []string{"open the lid"}, 1},
		// Lin (2004): after normalisation [police killed gunman] vs [police kill gunman],
		// LCS 2: P = R = 2/3.
		{"lin s2", "police kill the gunman", []string{"police killed the gunman"}, 2.0 / 3},
		// [gunman kill police] vs [police killed gunman]: LCS 1, P = R = 1/3.
		{"lin s3", "the gunman kill police", []string{"police killed the gunman"}, 1.0 / 3},
		// Order matters unlike F1: [y x] vs [x y z]: LCS 1, P=1/2, R=1/3, F=0.4.
		{"order", "y x", []string{"x y z"}, 0.4},
		{"best ref", "press red button", []string{"pull handle", "press button"}, 0.8},
		{"no overlap", "x", []string{"y"}, 0},
		{"empty both", "", []string{"the"}, 1},
	}
	for _, tc := range tests {
		if got := RougeL(tc.pred, tc.refs); !near(got, tc.want) {
			t.Errorf("%s: RougeL = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCitationMatching(t *testing.T) {
	q := Question{SourceDoc: "manual.md", SourceSection: "The Zibble"}
	tests := []struct {
		name string
		c    Citation
		q    Question
		want bool
	}{
		{"same", Citation{"manual.md", "The Zibble"}, q, true},
		{"doc id without extension", Citation{"manual", "the  zibble"}, q, true},
		{"doc path", Citation{"data/manuals/manual.md", "The Zibble"}, q, true},
		{"ingest doc id", Citation{"1a2b3c4d:manual.md", "The Zibble"}, q, true},
		{"ingest doc id with folder", Citation{"1a2b3c4d:mini/manual.md", "The Zibble"}, q, true},
		{"nested section", Citation{"manual.md", "Gadget Book > The Zibble"}, q, true},
		{"other section", Citation{"manual.md", "The Zobble"}, q, false},
		{"section is only a prefix", Citation{"manual.md", "The Zibble > Safety"}, q, false},
		{"other doc", Citation{"guide.md", "The Zibble"}, q, false},
		{"section only", Citation{"anything", "The Zibble"}, Question{SourceSection: "the zibble"}, true},
		{"no source named", Citation{"manual.md", "The Zibble"}, Question{}, false},
	}
	for _, tc := range tests {
		if got := tc.c.Matches(tc.q); got != tc.want {
			t.Errorf("%s: Matches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRecallAtK(t *testing.T) {
	q := Question{SourceSection: "C"}
	got := []Citation{{Section: "A"}, {Section: "B"}, {Section: "C"}}
	tests := []struct {
		k    int
		want float64
	}{{1, 0}, {2, 0}, {3, 1}, {5, 1}, {0, 1}}
	for _, tc := range tests {
		if r := RecallAtK(got, q, tc.k); r != tc.want {
			t.Errorf("recall@%d = %v, want %v", tc.k, r, tc.want)
		}
	}
	if r := RecallAtK(nil, q, 5); r != 0 {
		t.Errorf("recall of nothing = %v", r)
	}
}
