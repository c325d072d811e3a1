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
}

// Retrieve runs a BM25 search, filtered to product when one is given.
func (r IndexRetriever) Retrieve(ctx context.Context, query, product string, k int) ([]Passage, error) {
	hits, err := r.Store.Search(ctx, index.Query{Text: query, K: k, Product: product, Fuzziness: r.Fuzziness})
	if err != nil {
		return nil, err
	}
	out := make([]Passage, 0, len(hits))
	for _, h := range hits {
		out = append(out, Passage{
			ChunkID: h.ID, DocID: h.DocID, Title: h.Title, Section: strings.Join(h.Section, " > "),
			Page: h.Page, URL: h.URL, Product: h.Product, Score: h.Score, Text: h.Text, Snippet: h.Snippet,
		})
	}
	return out, nil
}
