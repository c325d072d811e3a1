package index

import (
	"context"
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// The direct stored-field reads give what Bleve's Fields give, and are the path taken
// (a search that always fell back would be correct and slow).
func TestStoredLoaderMatchesBleve(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	c := newCorpus(9, 3000)
	put(t, s, c.chunks(300)...)
	put(t, s, c.chunks(300)[:50]...) // updates: deleted documents in older segments
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
	req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), 400, 0, false)
	req.Fields = storedFields()
	res, err := g.idx.SearchInContext(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 300 {
		t.Fatalf("%d hits", len(res.Hits))
	}
	names := storedFields()
	want := func(n string) bool { return true }
	for _, h := range res.Hits {
		f, ok := l.load(h.IndexInternalID, h.ID, want)
		if !ok {
			t.Fatalf("%s: direct read missed", h.ID)
		}
		for _, n := range names {
			if !reflect.DeepEqual(f[n], h.Fields[n]) {
				t.Fatalf("%s %s: %#v, Bleve gives %#v", h.ID, n, f[n], h.Fields[n])
			}
		}
		if _, ok := l.load(h.IndexInternalID, h.ID+"x", want); ok {
			t.Fatalf("%s: read under another id", h.ID)
		}
	}
}
