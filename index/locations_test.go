package index

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
)

// The candidates' locations read after a search without locations are the ones Bleve
// gives when asked, term for term and location for location, and the search ranks the
// same hits: plain questions, typos (fuzzy neighbours), a typo next to the word it is
// a typo of (a neighbour matched twice), and a product filter.
func TestReadLocationsMatchBleve(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	c := newCorpus(13, 3000)
	chunks := c.chunks(600)
	put(t, s, chunks[:400]...)
	put(t, s, chunks[300:]...) // deleted chunks in an older segment
	g, err := s.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer s.release(g)
	analyzer := g.idx.Mapping().AnalyzerNamed(textAnalyzer)
	var questions []string
	for range 40 {
		q := c.query()
		w := strings.Fields(q)
		typo := w[0][:len(w[0])-1] // a word the index may lack: fuzzy neighbours
		questions = append(questions, q, typo+" "+strings.Join(w[1:], " "), typo+" "+w[0])
	}
	compared := 0
	for _, text := range questions {
		for _, q := range []Query{{Fuzziness: 1}, {Fuzziness: 2}, {Fuzziness: 1, Product: "product-1"}} {
			terms := queryTerms(text, analyzer)
			var st termStats
			names := make([]string, len(terms))
			for i, term := range terms {
				names[i] = term.text
			}
			if err := collectStats(ctx, g, names, &st); err != nil {
				t.Fatal(err)
			}
			var exact, missing []queryTerm
			for _, term := range terms {
				if st.df[term.text] > 0 {
					exact = append(exact, term)
				} else {
					missing = append(missing, term)
				}
			}
			root := candidateQuery(exact, missing, q.Fuzziness)
			if root == nil {
				continue
			}
			with := bleve.NewSearchRequestOptions(filtered(root, q), candidates, 0, false)
			with.IncludeLocations = true
			want, err := g.idx.SearchInContext(ctx, with)
			if err != nil {
				t.Fatal(err)
			}
			l, err := newStoredLoader(g)
			if err != nil || l == nil {
				t.Fatalf("loader: %v %v", l, err)
			}
			without := bleve.NewSearchRequestOptions(filtered(root, q), candidates, 0, false)
			fuzzy := map[string][]string{}
			got, err := g.idx.SearchInContext(context.WithValue(ctx, search.FuzzyMatchPhraseKey, fuzzy), without)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Hits) != len(want.Hits) {
				t.Fatalf("%q: %d hits without locations, %d with", text, len(got.Hits), len(want.Hits))
			}
			refs := make([]docRef, len(got.Hits))
			for i, h := range got.Hits {
				if h.ID != want.Hits[i].ID || h.Score != want.Hits[i].Score {
					t.Fatalf("%q hit %d: %s %v without locations, %s %v with", text, i, h.ID, h.Score, want.Hits[i].ID, want.Hits[i].Score)
				}
				refs[i] = docRef{iid: h.IndexInternalID, id: h.ID}
			}
			locs, err := hitLocations(ctx, l, got.Hits, refs, exact, fuzzy)
			l.close()
			if err != nil {
				t.Fatal(err)
			}
			for i, h := range want.Hits {
				if !sameLocations(locs[i], h.Locations[fText]) {
					t.Fatalf("%q %+v, %s:\nread  %s\nBleve %s", text, q, h.ID, dumpLocations(locs[i]), dumpLocations(h.Locations[fText]))
				}
				compared++
			}
		}
	}
	if compared < 1000 {
		t.Fatalf("only %d hits compared", compared)
	}
}

// sameLocations compares term location maps, an empty array-positions list being nil.
func sameLocations(a, b search.TermLocationMap) bool {
	norm := func(m search.TermLocationMap) map[string][][3]uint64 {
		out := map[string][][3]uint64{}
		for term, ls := range m {
			for _, l := range ls {
				if len(l.ArrayPositions) > 0 {
					return nil
				}
				out[term] = append(out[term], [3]uint64{l.Pos, l.Start, l.End})
			}
		}
		return out
	}
	na, nb := norm(a), norm(b)
	return na != nil && nb != nil && reflect.DeepEqual(na, nb)
}

func dumpLocations(m search.TermLocationMap) string {
	var b strings.Builder
	for _, term := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s:", term)
		for _, l := range m[term] {
			fmt.Fprintf(&b, " (%d %d-%d)", l.Pos, l.Start, l.End)
		}
		b.WriteString("; ")
	}
	return b.String()
}
