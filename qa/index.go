package qa

import (
	"context"
	"strings"

	"manualbot/index"
)

// IndexRetriever retrieves passages from the Bleve index.
type IndexRetriever struct {
	Store     *index.Store
	Fuzziness int
	// MinRelevance is the "not in the manuals" rule (index.Relevant): when none of the
	// first passages reaches it, none is kept and the pipeline refuses and cites nothing.
	// 0 means index.DefaultMinRelevance; a negative value turns the rule off.
	MinRelevance float64
}

// Retrieve runs a BM25 search, filtered to product when one is given, and keeps the
// passages relevant enough to answer from.
func (r IndexRetriever) Retrieve(ctx context.Context, query, product string, k int) ([]Passage, error) {
	hits, err := r.Store.Search(ctx, index.Query{Text: query, K: k, Product: product, Fuzziness: r.Fuzziness})
	if err != nil {
		return nil, err
	}
	hits = index.Relevant(hits, r.MinRelevanceOrDefault())
	out := make([]Passage, 0, len(hits))
	for _, h := range hits {
		out = append(out, Passage{
			ChunkID: h.ID, DocID: h.DocID, Title: h.Title, Section: strings.Join(h.Section, " > "),
			Page: h.Page, URL: h.URL, Product: h.Product, Score: h.Score, Text: h.Text, Snippet: h.Snippet,
		})
	}
	return out, nil
}

// MinRelevanceOrDefault is the relevance threshold Retrieve applies.
func (r IndexRetriever) MinRelevanceOrDefault() float64 {
	if r.MinRelevance == 0 {
		return index.DefaultMinRelevance
	}
	return r.MinRelevance
}
