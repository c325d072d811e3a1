package index

import (
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
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
)

// storedFields are loaded for every hit to rebuild its Chunk.
func storedFields() []string {
	return []string{fDocID, fTitle, fSection, fPage, fProduct, fVersion, fSource, fURL, fOrdinal, fBody}
}

// Query-time boosts: a word in a title or section heading says more about a passage
// than the same word in its body.
const (
	boostTitle   = 1.6
	boostSection = 1.3
	boostBody    = 1.0
)

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
	doc.AddFieldMappingsAt(fTitle, text(true, true))
	doc.AddFieldMappingsAt(fSection, text(true, true))
	// Term vectors on the body give hit locations, which the snippets are cut around.
	doc.AddFieldMappingsAt(fBody, text(true, true))
	doc.AddFieldMappingsAt(fPage, num())
	doc.AddFieldMappingsAt(fOrdinal, num())

	m := bleve.NewIndexMapping()
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

// toDoc turns a chunk into the Bleve document that indexes it.
func toDoc(c Chunk) map[string]any {
	return map[string]any{
		fDocID:   c.DocID,
		fTitle:   c.Title,
		fSection: strings.Join(c.Section, SectionSep),
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
