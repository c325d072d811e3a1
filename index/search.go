package index

import (
	"context"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Search returns the K passages best matching q.Text (BM25 over body, title and
// section), best first, filtered by q's product, version and document when set.
func (s *Store) Search(ctx context.Context, q Query) ([]Hit, error) {
	req, err := searchRequest(q)
	if err != nil {
		return nil, err
	}
	g, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.release(g)
	res, err := g.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q.Text, err)
	}
	hits := make([]Hit, 0, len(res.Hits))
	for _, h := range res.Hits {
		c := fromFields(h.ID, h.Fields)
		hits = append(hits, Hit{
			Chunk:   c,
			Score:   h.Score,
			Snippet: snippet(c.Text, h.Locations[fBody], SnippetChars),
		})
	}
	return hits, nil
}

// searchRequest builds the Bleve request for q: a disjunction of analysed match queries
// (fuzzy when asked: FuzzyQuery itself is not analysed), filters that do not score, the
// stored fields that rebuild a Chunk, and the body's hit locations for snippets.
func searchRequest(q Query) (*bleve.SearchRequest, error) {
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return nil, ErrEmptyQuery
	}
	if q.Fuzziness < 0 || q.Fuzziness > 2 {
		return nil, fmt.Errorf("fuzziness %d: must be 0, 1 or 2", q.Fuzziness)
	}
	k := q.K
	if k <= 0 {
		k = DefaultK
	}
	k = min(k, MaxK)

	match := query.NewDisjunctionQuery(nil)
	for _, f := range []struct {
		name  string
		boost float64
	}{{fBody, boostBody}, {fTitle, boostTitle}, {fSection, boostSection}} {
		mq := query.NewMatchQuery(text)
		mq.SetField(f.name)
		mq.SetBoost(f.boost)
		// Typos are matched in the body only: fuzzy expansion is most of a query's cost
		// (half the p50 over 20k chunks), and titles and headings repeat body words.
		if q.Fuzziness > 0 && f.name == fBody {
			mq.SetFuzziness(q.Fuzziness)
		}
		match.AddQuery(mq)
	}

	var root query.Query = match
	var filters []query.Query
	for _, f := range []struct{ field, value string }{
		{fProduct, q.Product}, {fVersion, q.Version}, {fDocID, q.DocID},
	} {
		if f.value == "" {
			continue
		}
		tq := query.NewTermQuery(f.value)
		tq.SetField(f.field)
		filters = append(filters, tq)
	}
	if len(filters) > 0 {
		bq := query.NewBooleanQuery([]query.Query{match}, nil, nil)
		bq.AddFilter(query.NewConjunctionQuery(filters))
		root = bq
	}

	req := bleve.NewSearchRequestOptions(root, k, 0, false)
	req.Fields = storedFields()
	req.IncludeLocations = true
	return req, nil
}
