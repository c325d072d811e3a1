package index

import (
	"math"
	"testing"
)

// TestRelevanceWeights checks Hit.Relevance against the rule worked by hand on a small
// index of two manuals: idf weights, a word no passage holds at 1.5 times the rarest
// idf, a word both manuals use at half its idf, a typo's neighbour covering it half.
func TestRelevanceWeights(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "a", DocID: "a", Product: "db", Text: "vacuum reclaims storage"},
		Chunk{ID: "b", DocID: "b", Product: "db", Text: "storage engines differ"},
		Chunk{ID: "c", DocID: "c", Product: "shell", Text: "trap signals in a script"},
		Chunk{ID: "d", DocID: "d", Product: "shell", Text: "script storage"},
	)
	const n = 4.0
	idf := func(df float64) float64 { return math.Log(1 + (n-df+0.5)/(df+0.5)) }
	// "vacuum" (df 1, one manual), "storage" (df 3, both manuals: half weight), "banana"
	// (no passage: 1.5 x the idf of df 0).
	wVacuum, wStorage, wBanana := idf(1), 0.5*idf(3), 1.5*idf(0)
	total := wVacuum + wStorage + wBanana
	hits := mustSearch(t, s, Query{Text: "vacuum storage banana", K: 5})
	want := map[string]float64{"a": (wVacuum + wStorage) / total, "b": wStorage / total, "d": wStorage / total}
	if len(hits) != len(want) {
		t.Fatalf("hits %v, want a, b, d", ids(hits))
	}
	for _, h := range hits {
		if math.Abs(h.Relevance-want[h.ID]) > 1e-9 {
			t.Errorf("%s: relevance %.6f, want %.6f", h.ID, h.Relevance, want[h.ID])
		}
	}
	// A typo: "signels" is within one edit of "signals" (AUTO: 2 edits from 6 letters),
	// which covers it half; "trap" is in one manual only.
	wTrap, wTypo := idf(1), 1.5*idf(0)
	hits = mustSearch(t, s, Query{Text: "trap signels", K: 5, Fuzziness: 1})
	if len(hits) == 0 || hits[0].ID != "c" {
		t.Fatalf("hits %v, want c first", ids(hits))
	}
	if got, w := hits[0].Relevance, (wTrap+0.5*wTypo)/(wTrap+wTypo); math.Abs(got-w) > 1e-9 {
		t.Errorf("typo: relevance %.6f, want %.6f", got, w)
	}
	// Without fuzziness a typo covers nothing.
	hits = mustSearch(t, s, Query{Text: "trap signels", K: 5})
	if got, w := hits[0].Relevance, wTrap/(wTrap+wTypo); math.Abs(got-w) > 1e-9 {
		t.Errorf("typo, fuzziness 0: relevance %.6f, want %.6f", got, w)
	}
}

// TestRelevantLooksAtFirstThree: the rule keeps the hits when one of the first three
// reaches the threshold, whatever the others, and refuses otherwise.
func TestRelevantLooksAtFirstThree(t *testing.T) {
	mk := func(rel ...float64) []Hit {
		hs := make([]Hit, len(rel))
		for i, r := range rel {
			hs[i].Relevance = r
		}
		return hs
	}
	for _, tc := range []struct {
		hits []Hit
		want bool
	}{
		{nil, false},
		{mk(0.9), true},
		{mk(0.1, 0.2, 0.4), true},
		{mk(0.1, 0.2, 0.3, 0.9), false}, // the fourth does not count
		{mk(0.39, 0.39, 0.39), false},
	} {
		if got := len(Relevant(tc.hits, DefaultMinRelevance)) > 0; got != tc.want {
			t.Errorf("%v: covered %v, want %v", tc.hits, got, tc.want)
		}
	}
}

func TestWithinEdits(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		k    int
		want bool
	}{
		{"pasword", "password", 1, true}, {"knit", "unit", 0, false}, {"knit", "unit", 1, true},
		{"scarf", "scar", 1, true}, {"abc", "abcdef", 2, false}, {"héllo", "hello", 1, true},
	} {
		if got := withinEdits(tc.a, tc.b, tc.k); got != tc.want {
			t.Errorf("withinEdits(%q, %q, %d) = %v", tc.a, tc.b, tc.k, got)
		}
	}
	if typoEdits("knit", 1) != 1 || typoEdits("cup", 2) != 0 || typoEdits("signels", 1) != 1 || typoEdits("signels", 2) != 2 || typoEdits("signels", 0) != 0 {
		t.Error("typoEdits")
	}
}
