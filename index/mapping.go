package index

import (
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/mapping"
	bleveidx "github.com/blevesearch/bleve_index_api"
)

// Field names in the Bleve documents. They are part of the on-disk format: renaming one
// needs a re-ingest.
const (
	fDocID   = "doc_id"
	fTitle   = "title"
	fSection = "section"
	fPage    = "page"
	fProduct = "product"
	fVersion = "version"
	fSource  = "source"
	fURL     = "url"
	fOrdinal = "ordinal"
	fBody    = "body"
	// fText is the one scored field: the body, then the heading (title and section path
	// with dotted and camelCase names also split into words). Body offsets are the same
	// in both, so its term locations cut snippets too; locations at or after fBodyLen
	// are heading matches, which the ranking weights (see rank.go).
	fText    = "text"
	fBodyLen = "body_len"
	fTokens  = "tokens"
)

// storedFields are loaded for every hit to rebuild its Chunk.
func storedFields() []string {
	return []string{fDocID, fTitle, fSection, fPage, fProduct, fVersion, fSource, fURL, fOrdinal, fBody}
}

// newMapping is the static mapping: keyword fields for ids and filters, English-analysed
// text for what people search, BM25 scoring (Bleve's default is TF-IDF).
func newMapping() (*mapping.IndexMappingImpl, error) {
	text := func(store, vectors bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = vectors
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := func(indexed bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = true
		f.Index = indexed
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = indexed // facets for Stats
		return f
	}
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = true
		f.Index = true
		f.IncludeInAll = false
		return f
	}

	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fDocID, kw(true))
	doc.AddFieldMappingsAt(fProduct, kw(true))
	doc.AddFieldMappingsAt(fVersion, kw(true))
	doc.AddFieldMappingsAt(fSource, kw(false))
	doc.AddFieldMappingsAt(fURL, kw(false))
	stored := func() *mapping.FieldMapping {
		f := text(true, false)
		f.Index = false
		return f
	}
	doc.AddFieldMappingsAt(fTitle, stored())
	doc.AddFieldMappingsAt(fSection, stored())
	doc.AddFieldMappingsAt(fBody, stored())
	// Term vectors give positions (proximity), offsets (snippets) and whether a match is
	// in the heading.
	scored := text(false, true)
	scored.Analyzer = textAnalyzer
	doc.AddFieldMappingsAt(fText, scored)
	doc.AddFieldMappingsAt(fPage, num())
	doc.AddFieldMappingsAt(fOrdinal, num())
	doc.AddFieldMappingsAt(fBodyLen, num())
	doc.AddFieldMappingsAt(fTokens, num())

	m := bleve.NewIndexMapping()
	if err := addTextAnalyzer(m); err != nil {
		return nil, err
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = en.AnalyzerName
	m.ScoringModel = bleveidx.BM25Scoring
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	return m, nil
}

// toDoc turns a chunk into the Bleve document that indexes it; terms counts the scored
// text's terms (see termCounter).
func toDoc(c Chunk, terms func(string) int) map[string]any {
	section := strings.Join(c.Section, SectionSep)
	text := c.Text + "\n" + headingText(c.Product, c.Title, section)
	return map[string]any{
		fText:    text,
		fBodyLen: float64(len(c.Text)),
		fTokens:  float64(terms(text)),
		fDocID:   c.DocID,
		fTitle:   c.Title,
		fSection: section,
		fPage:    float64(c.Page),
		fProduct: c.Product,
		fVersion: c.Version,
		fSource:  c.Source,
		fURL:     c.URL,
		fOrdinal: float64(c.Ordinal),
		fBody:    c.Text,
	}
}

// fromFields rebuilds a chunk from a hit's stored fields.
func fromFields(id string, f map[string]any) Chunk {
	str := func(k string) string { s, _ := f[k].(string); return s }
	num := func(k string) int { n, _ := f[k].(float64); return int(n) }
	var section []string
	if s := str(fSection); s != "" {
		section = strings.Split(s, SectionSep)
	}
	return Chunk{
		ID:      id,
		DocID:   str(fDocID),
		Title:   str(fTitle),
		Section: section,
		Page:    num(fPage),
		Product: str(fProduct),
		Version: str(fVersion),
		Source:  str(fSource),
		URL:     str(fURL),
		Ordinal: num(fOrdinal),
		Text:    str(fBody),
	}
}

// termCounter counts a text's terms as the analyzer makes them (BM25's document
// length) without its last filter, the stemmer, which changes terms but not how many
// there are and is most of the analysis cost.
func termCounter(a analysis.Analyzer) func(string) int {
	da, ok := a.(*analysis.DefaultAnalyzer)
	if !ok || da.Tokenizer == nil || len(da.CharFilters) > 0 {
		return func(s string) int { return len(a.Analyze([]byte(s))) }
	}
	filters := da.TokenFilters
	if n := len(filters); n > 0 {
		filters = filters[:n-1]
	}
	switch da.Tokenizer.(type) {
	case wordsTokenizer, syntaxTokenizer:
		// The syntax tokenizer's options and operators are extra terms, not words: a
		// passage's length is its words, so they do not change how long it counts.
		if perToken(filters) {
			return wordCounter(filters)
		}
	}
	return func(s string) int {
		ts := da.Tokenizer.Tokenize([]byte(s))
		for _, f := range filters {
			ts = f.Filter(ts)
		}
		return len(ts)
	}
}

// perToken says whether each filter keeps, drops or rewrites tokens one at a time, so
// that filtering one token at a time gives what filtering the stream does.
func perToken(filters []analysis.TokenFilter) bool {
	for _, f := range filters {
		switch f.(type) {
		case *en.PossessiveFilter, *lowercase.LowerCaseFilter, *stop.StopTokensFilter:
		default:
			return false
		}
	}
	return true
}

// wordCounter counts as termCounter does, one word at a time through one reused token:
// no token stream is built, which halves the cost of counting (the text is analysed
// again by Bleve when indexed).
func wordCounter(filters []analysis.TokenFilter) func(string) int {
	return func(s string) int {
		input := []byte(s)
		var tok analysis.Token
		one := make(analysis.TokenStream, 1)
		n := 0
		for i := 0; ; {
			start, end := nextWord(input, i)
			if start == len(input) {
				return n
			}
			i = end
			tok = analysis.Token{Term: input[start:end:end], Start: start, End: end, Position: n + 1}
			one = one[:1]
			one[0] = &tok
			ts := one
			for _, f := range filters {
				ts = f.Filter(ts)
			}
			n += len(ts)
		}
	}
}
