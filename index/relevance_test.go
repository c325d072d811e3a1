package index

import (
	"context"
	"math"
	"testing"
)

// TestRelevanceWeights checks Hit.Relevance against the rule worked by hand on a small
// index of two manuals: idf weights, a word no passage holds at 1.5 times the rarest
// idf, a word both manuals use at half its idf, a typo's neighbour covering it half
// (none for a four-letter word).
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
	// A missing word of four letters ("trep") finds "trap" within one edit, and the
	// search returns that passage, but the neighbour covers none of it: short stems have
	// too many neighbours to say the passage is on the subject.
	hits = mustSearch(t, s, Query{Text: "trep", K: 5, Fuzziness: 1})
	if len(hits) == 0 || hits[0].ID != "c" {
		t.Fatalf("trep: hits %v, want c first", ids(hits))
	}
	if hits[0].Relevance != 0 {
		t.Errorf("trep: relevance %.6f, want 0", hits[0].Relevance)
	}
	// A quantity no passage holds ("100mb") weighs nothing: the question is about
	// vacuum and storage, whatever size it gives.
	hits = mustSearch(t, s, Query{Text: "vacuum storage 100mb", K: 5})
	if len(hits) == 0 {
		t.Fatal("quantity: no hits")
	}
	if hits[0].ID != "a" || math.Abs(hits[0].Relevance-1) > 1e-9 || hits[0].asked != 2 {
		t.Errorf("quantity: hits %v, relevance %.6f, asked %d; want a, 1, 2", ids(hits), hits[0].Relevance, hits[0].asked)
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
		// From three informative words, a passage must hold two of them.
		{[]Hit{{Relevance: 0.6, asked: 3, held: 1}}, false},
		{[]Hit{{Relevance: 0.6, asked: 3, held: 1}, {Relevance: 0.4, asked: 3, held: 2}}, true},
		{[]Hit{{Relevance: 0.6, asked: 2, held: 1}}, true},
	} {
		if got := len(Relevant(tc.hits, DefaultMinRelevance)) > 0; got != tc.want {
			t.Errorf("%v: covered %v, want %v", tc.hits, got, tc.want)
		}
	}
}

// TestOneWordIsNotTheSubject: the rarest word of a three-word question, alone in a
// passage, outweighs the rule's share (1.67 of 3.66 by idf here) but is not the subject
// ("the best thing since sliced bread" on PostgreSQL's TOAST page).
func TestOneWordIsNotTheSubject(t *testing.T) {
	chunks := []Chunk{
		{ID: "toast", DocID: "toast", Product: "db", Text: "sliced bread"},
		{ID: "b1", DocID: "b1", Product: "db", Text: "banana split"},
		{ID: "b2", DocID: "b2", Product: "db", Text: "banana boat"},
		{ID: "r1", DocID: "r1", Product: "db", Text: "recipe one"},
		{ID: "r2", DocID: "r2", Product: "db", Text: "recipe two"},
		{ID: "r3", DocID: "r3", Product: "db", Text: "recipe three"},
		{ID: "v", DocID: "v", Product: "db", Text: "vacuum"},
		{ID: "s", DocID: "s", Product: "db", Text: "storage"},
	}
	s := openTest(t, t.TempDir())
	put(t, s, chunks...)
	hits := mustSearch(t, s, Query{Text: "banana bread recipe", K: 5})
	if len(hits) == 0 || hits[0].ID != "toast" || hits[0].Relevance < DefaultMinRelevance {
		t.Fatalf("hits %v: want toast first with relevance >= %v (the rarest word)", ids(hits), DefaultMinRelevance)
	}
	if got := Relevant(hits, DefaultMinRelevance); got != nil {
		t.Errorf("covered by %v: one word of three is not the subject", ids(got))
	}
	// A passage holding two of the words is.
	put(t, s, Chunk{ID: "loaf", DocID: "loaf", Product: "db", Text: "a loaf of banana bread"})
	if got := Relevant(mustSearch(t, s, Query{Text: "banana bread recipe", K: 5}), DefaultMinRelevance); len(got) == 0 || got[0].ID != "loaf" {
		t.Errorf("hits %v: want loaf first and covered", ids(got))
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

// BenchmarkRelevance measures what the "not in the manuals" rule adds to a search over
// 20,000 chunks of several products (setRelevance on the five hits of each query: which
// manuals use each query word, and the words of each hit); compare with BenchmarkSearch.
func BenchmarkRelevance(b *testing.B) {
	ctx := context.Background()
	c := newCorpus(2, 3000)
	s := bigIndex(b, c)
	type prepared struct {
		exact, missing []queryTerm
		st             termStats
		hits           []Hit
	}
	g, err := s.acquire()
	if err != nil {
		b.Fatal(err)
	}
	defer s.release(g)
	analyzer := g.idx.Mapping().AnalyzerNamed(textAnalyzer)
	var qs []prepared
	for range 200 {
		text := c.query()
		hits := mustSearch(b, s, Query{Text: text, K: 5, Fuzziness: 1})
		var p prepared
		terms := queryTerms(text, analyzer)
		var names []string
		for _, t := range terms {
			names = append(names, t.text)
		}
		if err := collectStats(ctx, g, names, &p.st); err != nil {
			b.Fatal(err)
		}
		for _, t := range terms {
			if p.st.df[t.text] > 0 {
				p.exact = append(p.exact, t)
			} else {
				p.missing = append(p.missing, t)
			}
		}
		p.hits = hits
		qs = append(qs, p)
	}
	for _, cold := range []bool{true, false} {
		name := "warm"
		if cold {
			name = "cold" // every word's manuals read from the postings again
		}
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				p := qs[i%len(qs)]
				i++
				if cold {
					g.manuals.mu.Lock()
					g.manuals.used, g.manuals.counts = nil, nil
					g.manuals.mu.Unlock()
				}
				if err := setRelevance(ctx, g, analyzer, p.exact, p.missing, p.st, 1, p.hits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRelevanceConcurrent: searches at once share a generation's record of which manuals
// use each word (run under -race by CI) and agree with a lone search.
func TestRelevanceConcurrent(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "a", DocID: "a", Product: "db", Text: "vacuum reclaims storage"},
		Chunk{ID: "c", DocID: "c", Product: "shell", Text: "trap signals in a script storage"},
	)
	want := mustSearch(t, s, Query{Text: "vacuum storage", K: 2})
	s2 := openTest(t, t.TempDir())
	put(t, s2,
		Chunk{ID: "a", DocID: "a", Product: "db", Text: "vacuum reclaims storage"},
		Chunk{ID: "c", DocID: "c", Product: "shell", Text: "trap signals in a script storage"},
	)
	done := make(chan []Hit, 8)
	for range 8 {
		go func() {
			hits, err := s2.Search(context.Background(), Query{Text: "vacuum storage", K: 2})
			if err != nil {
				t.Error(err)
			}
			done <- hits
		}()
	}
	for range 8 {
		got := <-done
		if len(got) != len(want) {
			t.Fatalf("hits %v, want %v", ids(got), ids(want))
		}
		for i := range got {
			if got[i].ID != want[i].ID || got[i].Relevance != want[i].Relevance {
				t.Errorf("hit %d: %s %.6f, want %s %.6f", i, got[i].ID, got[i].Relevance, want[i].ID, want[i].Relevance)
			}
		}
	}
}
