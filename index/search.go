package index

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
)

// Search returns the K passages best matching q.Text, best first, filtered by q's
// product, version and document when set (see rank.go for the ranking, diversify.go for
// what keeps five results five places). A question with nothing to search for after
// analysis (only stop words, or punctuation) has no hits; one with no text at all is
// ErrEmptyQuery.
func (s *Store) Search(ctx context.Context, q Query) ([]Hit, error) {
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
	g, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer s.release(g)

	analyzer := g.idx.Mapping().AnalyzerNamed(textAnalyzer)
	if analyzer == nil {
		return nil, errOldFormat(s.dir)
	}
	terms := queryTerms(text, analyzer)
	if len(terms) == 0 {
		return nil, nil
	}
	var st termStats
	names := make([]string, len(terms))
	for i, t := range terms {
		names[i] = t.text
	}
	related := g.related.get(analyzer)
	asked := map[string]bool{}
	for _, n := range names {
		asked[n] = true
	}
	for i := range terms {
		for _, r := range related.stems[terms[i].text] {
			if !asked[r] {
				terms[i].related = append(terms[i].related, r)
				names = append(names, r)
			}
		}
	}
	// Two neighbouring words run together in a name stand for both (related_words.go).
	for i := 0; i+1 < len(terms); i++ {
		forms := runTogether(terms[i], terms[i+1], related, analyzer)
		if terms[i+1].ofPrevious {
			forms = append(forms, runTogether(terms[i+1], terms[i], related, analyzer)...)
		}
		for _, r := range forms {
			if !asked[r] {
				terms[i].joined = append(terms[i].joined, r)
				terms[i+1].joined = append(terms[i+1].joined, r)
				names = append(names, r)
			}
		}
	}
	if err := collectStats(ctx, g, names, &st); err != nil {
		return nil, err
	}
	var exact, missing []queryTerm
	for _, t := range terms {
		t.related = heldRelated(t.related, st)
		t.joined = heldRelated(t.joined, st)
		if st.df[t.text] > 0 {
			exact = append(exact, t)
		} else {
			missing = append(missing, t)
		}
	}
	root := candidateQuery(exact, missing, q.Fuzziness)
	if root == nil {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(filtered(root, q), max(candidates, 3*k), 0, false)
	// The loader's snapshot is taken before the search's, so that when nothing changed
	// in between (the usual case: a published generation is only read) the internal ids
	// the search returns are the loader's.
	l, err := newStoredLoader(g)
	if err != nil {
		return nil, err
	}
	defer l.close()
	// With a loader, the search runs without locations and they are read for the
	// candidates alone (locations.go); the fuzzy queries record their neighbours here.
	req.IncludeLocations = l == nil
	fuzzy := map[string][]string{}
	sctx := context.WithValue(ctx, search.FuzzyMatchPhraseKey, fuzzy)
	res, err := g.idx.SearchInContext(sctx, req)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", cutQuery(text), err)
	}
	refs := make([]docRef, len(res.Hits))
	for i, h := range res.Hits {
		refs[i] = docRef{iid: h.IndexInternalID, id: h.ID}
	}
	locs, err := hitLocations(ctx, l, res.Hits, refs, append(slices.Clip(exact), missing...), fuzzy)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", cutQuery(text), err)
	}
	facts, err := candidateFields(ctx, g, l, refs)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", cutQuery(text), err)
	}
	leaves, err := leafSpans(ctx, g, l, refs, facts)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", cutQuery(text), err)
	}
	cands := make([]*candidate, 0, len(res.Hits))
	var fuzzyTerms []string
	for i, h := range res.Hits {
		c := &candidate{id: h.ID, iid: refs[i].iid, locs: locs[i]}
		c.docID, c.bodyLen, c.tokens = facts[i].docID, facts[i].bodyLen, facts[i].tokens
		c.product, c.leafStart, c.leafEnd = leaves[i].product, leaves[i].start, leaves[i].end
		c.ownHeading = leaves[i].own
		for term := range c.locs {
			if _, ok := st.df[term]; !ok {
				fuzzyTerms = append(fuzzyTerms, term)
			}
		}
		cands = append(cands, c)
	}
	if len(fuzzyTerms) > 0 {
		if err := collectStats(ctx, g, fuzzyTerms, &st); err != nil {
			return nil, err
		}
	}
	rescore(cands, exact, missing, st)
	if err := preferNamedManuals(ctx, g, cands, exact, st); err != nil {
		return nil, fmt.Errorf("search %q: %w", cutQuery(text), err)
	}
	hits, err := s.hits(ctx, g, l, cands, k, q.DocID != "")
	if err != nil {
		return nil, err
	}
	if err := setRelevance(ctx, g, analyzer, exact, missing, st, q.Fuzziness, hits); err != nil {
		return nil, fmt.Errorf("search %q: %w", cutQuery(text), err)
	}
	return hits, nil
}

// maxFuzzyRunes: a missing word longer than this gets no fuzzy neighbours. Words are
// runs of letters and digits, so no real word comes near it; a pasted hash or a run of
// one letter does, and Bleve refuses the Levenshtein automaton of a word of thousands of
// letters ("dfa contains more than 10000 states") instead of finding nothing.
const maxFuzzyRunes = 40

// candidateQuery is a disjunction of the exact terms and, for terms the index lacks,
// fuzzy neighbours (edits scaled to the term's length as Elasticsearch's AUTO does,
// capped at maxEdits; none for a word over maxFuzzyRunes). Nil when there is nothing to
// look for.
func candidateQuery(exact, missing []queryTerm, maxEdits int) query.Query {
	var qs []query.Query
	for _, t := range exact {
		tq := query.NewTermQuery(t.text)
		tq.SetField(fText)
		qs = append(qs, tq)
	}
	for _, t := range append(slices.Clip(exact), missing...) {
		for _, r := range t.forms() {
			rq := query.NewTermQuery(r)
			rq.SetField(fText)
			rq.SetBoost(relatedWeight)
			qs = append(qs, rq)
		}
	}
	for _, t := range missing {
		if n := utf8.RuneCountInString(t.text); maxEdits == 0 || n < 4 || n > maxFuzzyRunes {
			continue
		}
		if edits := min(maxEdits, searcher.GetAutoFuzziness(t.text)); edits > 0 {
			fq := query.NewFuzzyQuery(t.text)
			fq.SetFuzziness(edits)
			fq.SetField(fText)
			fq.SetBoost(fuzzyWeight)
			qs = append(qs, fq)
		}
	}
	if len(qs) == 0 {
		return nil
	}
	dq := query.NewDisjunctionQuery(qs)
	dq.SetMin(1)
	return dq
}

// filtered adds q's product, version and document filters, which do not score.
func filtered(match query.Query, q Query) query.Query {
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
	if len(filters) == 0 {
		return match
	}
	bq := query.NewBooleanQuery([]query.Query{match}, nil, nil)
	bq.AddFilter(query.NewConjunctionQuery(filters))
	return bq
}

// hits loads the stored fields of the best candidates and keeps k of them, at most two
// per document unless oneDoc, with near-duplicate passages left out.
func (s *Store) hits(ctx context.Context, g *generation, l *storedLoader, cands []*candidate, k int, oneDoc bool) ([]Hit, error) {
	pool := cands[:min(len(cands), max(3*k, 30))]
	if len(pool) == 0 {
		return nil, nil
	}
	refs := make([]docRef, len(pool))
	for i, c := range pool {
		refs[i] = docRef{iid: c.iid, id: c.id}
	}
	fields, err := loadFields(ctx, g, l, refs, storedFields())
	if err != nil {
		return nil, fmt.Errorf("search: load passages: %w", err)
	}
	chunks := make(map[string]Chunk, len(fields))
	for id, f := range fields {
		chunks[id] = fromFields(id, f)
	}
	ranked := make([]Hit, 0, len(pool))
	for _, c := range pool {
		ch, ok := chunks[c.id]
		if !ok {
			continue
		}
		terms := make(map[string]bool, len(c.locs))
		for t, ls := range c.locs {
			if len(ls) > 0 {
				terms[t] = true
			}
		}
		ranked = append(ranked, Hit{
			Chunk:   ch,
			Score:   c.score,
			Snippet: snippet(ch.Text, bodyLocations(c.locs, len(ch.Text)), SnippetChars),
			terms:   terms,
		})
	}
	return diversify(ranked, k, oneDoc), nil
}

// bodyLocations keeps the term locations that fall in the body (before the heading).
func bodyLocations(locs search.TermLocationMap, bodyLen int) search.TermLocationMap {
	out := make(search.TermLocationMap, len(locs))
	for term, ls := range locs {
		for _, l := range ls {
			if int(l.End) <= bodyLen {
				out[term] = append(out[term], l)
			}
		}
	}
	return out
}

// cutQuery shortens a question for an error message.
func cutQuery(s string) string {
	if len(s) <= 80 {
		return s
	}
	i := 80
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// errOldFormat says the index was written by a manualbot before the one scored field
// (issue 10's ranking): its passages cannot be ranked, nor new ones added to it.
func errOldFormat(dir string) error {
	return fmt.Errorf("the index in %s was built by an older manualbot: remove that folder and run `manualbot ingest` again", dir)
}
