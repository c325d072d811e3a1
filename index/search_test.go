package index

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

func TestSearchFiltersAndRebuildsChunks(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s, manual()...)

	tests := []struct {
		name string
		q    Query
		want []string // hit ids, best first; nil means "any order, these ids"
		set  []string
	}{
		{name: "plain", q: Query{Text: "reset button firmware"}, want: []string{"router#2"}},
		{name: "status light both products", q: Query{Text: "status light"}, set: []string{"router#2", "switch#0"}},
		{name: "product filter", q: Query{Text: "status light", Product: "acme-switch"}, want: []string{"switch#0"}},
		{name: "version filter", q: Query{Text: "status light", Version: "1.0"}, want: []string{"router#2"}},
		{name: "doc filter", q: Query{Text: "installation", DocID: "switch"}, want: []string{"switch#0"}},
		{name: "filters exclude all", q: Query{Text: "status light", Product: "acme-switch", Version: "1.0"}, want: []string{}},
		{name: "k limits", q: Query{Text: "light", K: 1}, set: nil},
		{name: "section words count", q: Query{Text: "troubleshooting"}, want: []string{"router#2"}},
		{name: "title words count", q: Query{Text: "switch guide", K: 2}, set: []string{"switch#0", "switch#1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits := mustSearch(t, s, tc.q)
			got := ids(hits)
			switch {
			case tc.want != nil:
				if len(got) == 0 && len(tc.want) == 0 {
					return
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("hits = %v, want %v", got, tc.want)
				}
			case tc.set != nil:
				if len(got) != len(tc.set) {
					t.Fatalf("hits = %v, want the set %v", got, tc.set)
				}
				for _, id := range tc.set {
					if !strings.Contains(strings.Join(got, " "), id) {
						t.Errorf("hits = %v, missing %s", got, id)
					}
				}
			default:
				if len(got) != 1 {
					t.Errorf("K=1 gave %d hits", len(got))
				}
			}
		})
	}

	// A hit carries back everything the chunk was indexed with.
	hits := mustSearch(t, s, Query{Text: "VLAN broadcast domain", K: 1})
	want := manual()[4]
	if len(hits) != 1 || !reflect.DeepEqual(hits[0].Chunk, want) {
		t.Fatalf("hit chunk = %+v\nwant %+v", hits[0].Chunk, want)
	}
	if hits[0].Score <= 0 {
		t.Errorf("score = %v, want > 0", hits[0].Score)
	}
}

func TestSearchRejectsBadQueries(t *testing.T) {
	s := openTest(t, t.TempDir())
	for _, q := range []Query{{Text: ""}, {Text: "  \n\t"}, {Text: "x", Fuzziness: 3}, {Text: "x", Fuzziness: -1}} {
		_, err := s.Search(context.Background(), q)
		if err == nil {
			t.Errorf("Search(%+v) succeeded, want an error", q)
		}
		if strings.TrimSpace(q.Text) == "" && !errors.Is(err, ErrEmptyQuery) {
			t.Errorf("Search(%+v) = %v, want ErrEmptyQuery", q, err)
		}
	}
	hits, err := s.Search(context.Background(), Query{Text: "anything"})
	if err != nil || len(hits) != 0 {
		t.Errorf("empty index: hits %v, err %v; want none, nil", hits, err)
	}
}

func TestFuzzinessFindsTypos(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s, manual()...)
	put(t, s, Chunk{ID: "pool#0", DocID: "pool", Title: "pool guide", Text: "Keep the pH of the water between 7.2 and 7.6."})
	tests := []struct {
		text      string
		fuzziness int
		wantHits  bool
	}{
		// Edits scale with the term's length (bodyQuery): none on two letters, where one
		// edit would match most short words ("pk" is one edit from "ph"), one up to five.
		{"pk", 1, false},
		{"ph", 1, true},
		{"rset", 2, true},
		// The English stemmer alone already maps this typo onto "installation"'s stem.
		{"instalation", 0, true},
		{"instalation", 1, true},
		{"pasword", 0, false},
		{"pasword", 1, true},
		{"firmwear", 2, true},
		{"firmwear", 0, false},
	}
	for _, tc := range tests {
		hits := mustSearch(t, s, Query{Text: tc.text, Fuzziness: tc.fuzziness})
		if (len(hits) > 0) != tc.wantHits {
			t.Errorf("%q fuzziness %d: %d hits, want hits=%v", tc.text, tc.fuzziness, len(hits), tc.wantHits)
		}
	}
	hits := mustSearch(t, s, Query{Text: "pasword", Fuzziness: 1})
	if !strings.Contains(hits[0].Snippet, "**password**") {
		t.Errorf("fuzzy snippet %q does not mark the matched word", hits[0].Snippet)
	}
}

func TestSnippetMarksMatches(t *testing.T) {
	s := openTest(t, t.TempDir())
	long := strings.Repeat("Filler words about nothing in particular. ", 30) +
		"Set the admin password in the configuration file. " + strings.Repeat("More filler text follows here. ", 30)
	put(t, s, Chunk{ID: "a", DocID: "d", Title: "Guide", Text: long},
		Chunk{ID: "b", DocID: "d", Title: "Passwords", Section: []string{"Security"}, Text: "Nothing to see."})

	var sn string
	for _, h := range mustSearch(t, s, Query{Text: "admin password", K: 2}) {
		if h.ID == "a" {
			sn = h.Snippet
		}
	}
	for _, want := range []string{"**admin**", "**password**"} {
		if !strings.Contains(sn, want) {
			t.Errorf("snippet %q lacks %s", sn, want)
		}
	}
	if n := len([]rune(sn)); n > SnippetChars+60 {
		t.Errorf("snippet is %d chars, want about %d: %q", n, SnippetChars, sn)
	}
	if strings.ContainsAny(sn, "\n\t") || !strings.HasPrefix(sn, "…") || !strings.HasSuffix(sn, "…") {
		t.Errorf("snippet %q should be one line with … at both cut ends", sn)
	}

	// A hit on the title alone still gets a snippet: the passage's start.
	hits := mustSearch(t, s, Query{Text: "security", K: 1})
	if len(hits) != 1 || hits[0].Snippet != "Nothing to see." {
		t.Errorf("title-only hit snippet = %+v", hits)
	}
}

// TestBM25IsOn checks the scoring model in the explanation and by the ranking BM25
// gives and TF-IDF does not: BM25 saturates term frequency, so a short passage naming
// a term once can beat a long one repeating it.
func TestBM25IsOn(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s, manual()...)
	g, err := s.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer s.release(g)
	q := query.NewMatchQuery("firmware")
	q.SetField(fText)
	req := bleve.NewSearchRequest(q)
	req.Explain = true
	res, err := g.idx.Search(req)
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("search: %v, %d hits", err, len(res.Hits))
	}
	if expl := res.Hits[0].Expl.String(); !strings.Contains(expl, "bm25") {
		t.Errorf("explanation does not mention bm25:\n%s", expl)
	}
}

func TestConcurrentSearch(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s, manual()...)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				hits, err := s.Search(context.Background(), Query{Text: "status light installation", Fuzziness: i % 2})
				if err != nil {
					errs <- err
					return
				}
				if len(hits) == 0 {
					errs <- errors.New("no hits")
					return
				}
			}
		}()
	}
	// A commit in the middle moves the searches to a new generation.
	put(t, s, Chunk{ID: "new", DocID: "new", Text: "status light installation notes"})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := s.Count(context.Background()); n != uint64(len(manual())+1) {
		t.Errorf("Count = %d after concurrent commit, want %d", n, len(manual())+1)
	}
}

// TestExactBeatsFuzzy: typo tolerance must not let a neighbour word outrank the word
// itself: a word the index holds is matched exactly and never expanded, and only a word
// it lacks finds neighbours, scored below any exact match of the question's other words.
func TestExactBeatsFuzzy(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s, Chunk{ID: "fuzzy", DocID: "a", Text: "cable the system"}, Chunk{ID: "exact", DocID: "b", Text: "table the system"},
		Chunk{ID: "other", DocID: "c", Text: "the system log"})
	if got := ids(mustSearch(t, s, Query{Text: "table", Fuzziness: 1})); !reflect.DeepEqual(got, []string{"exact"}) {
		t.Errorf("table: ranking %v, want [exact]: the typed word exists, so no neighbour", got)
	}
	// "tablr" is in no passage: its neighbour "table" (one edit) is found.
	if got := ids(mustSearch(t, s, Query{Text: "tablr", Fuzziness: 1})); !reflect.DeepEqual(got, []string{"exact"}) {
		t.Errorf("tablr: ranking %v, want [exact]", got)
	}
	// A typed word that matches beats a neighbour of a typo: "log" is exact in "other".
	hits := mustSearch(t, s, Query{Text: "tablr log", Fuzziness: 1})
	if got := ids(hits); len(got) < 2 || got[0] != "other" {
		t.Errorf("tablr log: ranking %v, want other first", got)
	}
}
