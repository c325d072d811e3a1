package index

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Stats describes the live generation for `manualbot status` and the bot's health page.
type Stats struct {
	Generation string    // e.g. gen-000007
	Committed  time.Time // when the generation was published
	Chunks     uint64
	Docs       int
	Products   []Facet // chunks per product, most first
	Versions   []Facet // chunks per version, most first
}

// Facet is a value and how many chunks have it.
type Facet struct {
	Value  string
	Chunks int
}

// Count is the number of chunks in the live generation.
func (s *Store) Count(ctx context.Context) (uint64, error) {
	g, err := s.acquire()
	if err != nil {
		return 0, err
	}
	defer s.release(g)
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, err := g.idx.DocCount()
	if err != nil {
		return 0, fmt.Errorf("count chunks: %w", err)
	}
	return n, nil
}

// DocIDs lists the documents in the live generation, sorted.
func (s *Store) DocIDs(ctx context.Context) ([]string, error) {
	_, docs, err := s.facets(ctx, true)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(docs))
	for _, d := range docs {
		ids = append(ids, d.Value)
	}
	sort.Strings(ids)
	return ids, nil
}

// Stats summarises the live generation.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st, _, err := s.facets(ctx, false)
	return st, err
}

// facets counts chunks per document, product and version with one match-all search.
// Facets (not the term dictionary) are used because they never count deleted chunks.
func (s *Store) facets(ctx context.Context, docsOnly bool) (Stats, []Facet, error) {
	g, err := s.acquire()
	if err != nil {
		return Stats{}, nil, err
	}
	defer s.release(g)
	n, err := g.idx.DocCount()
	if err != nil {
		return Stats{}, nil, fmt.Errorf("index stats: %w", err)
	}
	size := int(max(n, 1))
	req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), 0, 0, false)
	req.AddFacet(fDocID, bleve.NewFacetRequest(fDocID, size))
	if !docsOnly {
		req.AddFacet(fProduct, bleve.NewFacetRequest(fProduct, size))
		req.AddFacet(fVersion, bleve.NewFacetRequest(fVersion, size))
	}
	res, err := g.idx.SearchInContext(ctx, req)
	if err != nil {
		return Stats{}, nil, fmt.Errorf("index stats: %w", err)
	}
	counts := func(name string) []Facet {
		fr, ok := res.Facets[name]
		if !ok || fr.Terms == nil {
			return nil
		}
		var out []Facet
		for _, t := range fr.Terms.Terms() {
			out = append(out, Facet{Value: t.Term, Chunks: t.Count})
		}
		return out
	}
	docs := counts(fDocID)
	st := Stats{Generation: g.name, Chunks: n, Docs: len(docs)}
	if !docsOnly {
		st.Products = counts(fProduct)
		st.Versions = counts(fVersion)
		if fi, err := statCurrent(s.dir); err == nil {
			st.Committed = fi
		}
	}
	return st, docs, nil
}
