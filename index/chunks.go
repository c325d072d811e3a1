package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// chunksPage is how many chunks one request of Chunks reads.
const chunksPage = 1000

// Chunks returns every chunk of a document (docID) or of a product, in document order
// (doc id, then ordinal): the training text of a domain adapter is a manual as ingested,
// which a ranked search cannot give (it needs query text and stops at MaxK).
func (s *Store) Chunks(ctx context.Context, docID, product string) ([]Chunk, error) {
	if docID == "" && product == "" {
		return nil, fmt.Errorf("index chunks: name a document or a product")
	}
	var filters []query.Query
	for _, f := range []struct{ field, value string }{{fDocID, docID}, {fProduct, product}} {
		if f.value != "" {
			tq := query.NewTermQuery(f.value)
			tq.SetField(f.field)
			filters = append(filters, tq)
		}
	}
	g, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.release(g)
	var out []Chunk
	for from := 0; ; from += chunksPage {
		req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery(filters), chunksPage, from, false)
		req.Fields = storedFields()
		req.SortBy([]string{fDocID, fOrdinal})
		res, err := g.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("index chunks: %w", err)
		}
		for _, h := range res.Hits {
			c := fromFields(h.ID, h.Fields)
			out = append(out, c)
		}
		if len(res.Hits) < chunksPage {
			return out, nil
		}
	}
}

// AllChunks returns every chunk in the index in document order, for evaluations that
// need the whole collection (the plain BM25 baseline of `eval --retrieval --baseline`).
func (s *Store) AllChunks(ctx context.Context) ([]Chunk, error) {
	g, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.release(g)
	var out []Chunk
	for from := 0; ; from += chunksPage {
		req := bleve.NewSearchRequestOptions(query.NewMatchAllQuery(), chunksPage, from, false)
		req.Fields = storedFields()
		req.SortBy([]string{fDocID, fOrdinal})
		res, err := g.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("index chunks: %w", err)
		}
		for _, h := range res.Hits {
			out = append(out, fromFields(h.ID, h.Fields))
		}
		if len(res.Hits) < chunksPage {
			return out, nil
		}
	}
}
