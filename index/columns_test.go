package index

import (
	"context"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// The columns give each candidate the document, body length and term count its stored
// fields give, for every live chunk (deleted ones in older segments left out), and are
// the path taken.
func TestColumnsMatchStoredFields(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	c := newCorpus(11, 3000)
	chunks := c.chunks(300)
	for i := range chunks {
		chunks[i].Text = chunks[i].Text[:200+i] // lengths that differ
	}
	put(t, s, chunks...)
	put(t, s, chunks[:50]...) // updates: deleted documents in older segments
	g, err := s.acquire()
	if err != nil {
		t.Fatal(err)
	}
	defer s.release(g)
	l, err := newStoredLoader(g)
	if err != nil || l == nil {
		t.Fatalf("loader: %v %v", l, err)
	}
	defer l.close()
	cols := g.columnsFor(l)
	if cols == nil {
		t.Fatal("no columns")
	}
	live := 0
	for _, d := range cols.docID {
		if d != "" {
			live++
		}
	}
	// 350 numbers unless the writer merged its two segments before committing.
	if live != 300 || len(cols.docID) < 300 {
		t.Fatalf("columns hold %d live chunks of %d numbers, want 300", live, len(cols.docID))
	}
	req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), 400, 0, false)
	req.Fields = []string{fDocID, fBodyLen, fTokens}
	res, err := g.idx.SearchInContext(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	refs := make([]docRef, len(res.Hits))
	for i, h := range res.Hits {
		refs[i] = docRef{iid: h.IndexInternalID, id: h.ID}
		if _, ok := cols.lookup(h.IndexInternalID); !ok {
			t.Fatalf("%s: not in the columns", h.ID)
		}
	}
	facts, err := candidateFields(ctx, g, l, refs)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range res.Hits {
		want := candidateFacts{
			docID:   h.Fields[fDocID].(string),
			bodyLen: int(h.Fields[fBodyLen].(float64)),
			tokens:  int(h.Fields[fTokens].(float64)),
		}
		if facts[i] != want {
			t.Fatalf("%s: columns give %+v, stored fields %+v", h.ID, facts[i], want)
		}
	}
	// A loader on other segments does not use them.
	other := &storedLoader{segs: l.segs[:len(l.segs)-1]}
	if g.columnsFor(other) != nil {
		t.Fatal("columns used with another snapshot")
	}
}
