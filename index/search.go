package index

import (
	"context"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
)

// Search returns the K passages best matching q.Text (BM25 over body, title and
// section), best first, filtered by q's product, version and document when set.
func (s *Store) Search(ctx context.Context, q Query) ([]Hit, error) {
	g, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.release(g)
	req, err := searchRequest(q, g.idx.Mapping().AnalyzerNamed(en.AnalyzerName))
	if err != nil {
		return nil, err
	}
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
// (the body's typo-tolerant when asked, see bodyQuery), filters that do not score, the
// stored fields that rebuild a Chunk, and the body's hit locations for snippets.
func searchRequest(q Query, body analysis.Analyzer) (*bleve.SearchRequest, error) {
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
		// Typos are matched in the body only: fuzzy expansion is most of a query's cost
		// (half the p50 over 20k chunks), and titles and headings repeat body words.
		if q.Fuzziness > 0 && f.name == fBody {
			match.AddQuery(bodyQuery(text, q.Fuzziness, body))
			continue
		}
		mq := query.NewMatchQuery(text)
		mq.SetField(f.name)
		mq.SetBoost(f.boost)
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

// bodyQuery is the body's match query with typo tolerance scaled to each analysed term's
// length, as Elasticsearch's AUTO fuzziness does, capped at maxEdits: terms of up to 2
// bytes match exactly, up to 5 within one edit, longer ones within two. One edit on a
// one- or two-letter term matches most short words in a manual, which is both noise in
// the results and most of a fuzzy query's cost. Otherwise it is what a MatchQuery with
// fuzziness builds: one query per term, any of which may match.
func bodyQuery(text string, maxEdits int, analyzer analysis.Analyzer) query.Query {
	var terms []query.Query
	for _, tok := range analyzer.Analyze([]byte(text)) {
		term := string(tok.Term)
		var tq query.Query
		if edits := min(maxEdits, searcher.GetAutoFuzziness(term)); edits > 0 {
			fq := query.NewFuzzyQuery(term)
			fq.SetFuzziness(edits)
			fq.SetField(fBody)
			fq.SetBoost(boostBody)
			tq = fq
		} else {
			t := query.NewTermQuery(term)
			t.SetField(fBody)
			t.SetBoost(boostBody)
			tq = t
		}
		terms = append(terms, tq)
	}
	if len(terms) == 0 {
		return query.NewMatchNoneQuery()
	}
	dq := query.NewDisjunctionQuery(terms)
	dq.SetMin(1)
	dq.SetBoost(boostBody)
	return dq
}
