package qa

import (
	"context"
	"fmt"
	"strings"
)

// Passage is one retrieved chunk of a manual, as the pipeline sees it.
type Passage struct {
	ChunkID string
	DocID   string
	Title   string
	Section string
	Page    int
	URL     string
	Product string
	Score   float64
	Text    string
	Snippet string
}

// Source is the human-readable origin of a passage: "Title — Section (p. 4)".
func (p Passage) Source() string {
	s := p.Title
	if s == "" {
		s = p.DocID
	}
	if sec := SectionBelowTitle(p.Title, p.Section); sec != "" {
		s += " — " + sec
	}
	if p.Page > 0 {
		s += fmt.Sprintf(" (p. %d)", p.Page)
	}
	return s
}

// Retriever finds the passages for a question; the index package's store satisfies it
// through IndexRetriever.
type Retriever interface {
	Retrieve(ctx context.Context, query string, product string, k int) ([]Passage, error)
}

func (p Passage) citation(n int) Citation {
	return Citation{
		N: n, DocID: p.DocID, Title: p.Title, Section: p.Section, Page: p.Page,
		URL: p.URL, ChunkID: p.ChunkID, Score: p.Score, Snippet: p.Snippet,
	}
}

// firstWords shortens a passage for retrieval-only answers without cutting a word.
func firstWords(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	cut := strings.LastIndexByte(s[:max], ' ')
	if cut < max/2 {
		cut = max
	}
	return s[:cut] + " …"
}

// SectionBelowTitle is a section path without a first heading that only repeats the
// document's title: an HTML page's h1 usually is its title, and a citation should read
// "mod_rewrite — Forcing HTTPS", not "mod_rewrite — mod_rewrite > Forcing HTTPS". Only
// for showing: the stored path keeps every heading (evaluation matches against it).
func SectionBelowTitle(title, section string) string {
	if title == "" {
		return section
	}
	if strings.EqualFold(strings.TrimSpace(section), strings.TrimSpace(title)) {
		return ""
	}
	if head, rest, ok := strings.Cut(section, " > "); ok && strings.EqualFold(strings.TrimSpace(head), strings.TrimSpace(title)) {
		return rest
	}
	return section
}
