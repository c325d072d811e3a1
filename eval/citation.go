package eval

import (
	"path"
	"strings"
)

// Citation names a passage: the document and the section path inside it.
type Citation struct {
	Doc     string `json:"doc"`
	Section string `json:"section"`
}

// sectionSep joins a section path, as the index and qa packages print it.
const sectionSep = ">"

// Matches reports whether the citation points at the question's source passage. What
// the question leaves empty matches anything. Documents match by full name or by base
// name without extension ("docs/manual.md" ~ "manual"), since ingest ids and people
// name files differently; sections match case-insensitively, either whole or as the
// innermost part of the cited path ("Book > The Zibble" ~ "The Zibble").
func (c Citation) Matches(q Question) bool {
	if !q.HasSource() {
		return false
	}
	return (q.SourceDoc == "" || sameDoc(c.Doc, q.SourceDoc)) &&
		(q.SourceSection == "" || sameSection(c.Section, q.SourceSection))
}

func sameDoc(a, b string) bool {
	a, b = strings.ToLower(strings.TrimSpace(a)), strings.ToLower(strings.TrimSpace(b))
	return a == b || docKey(a) == docKey(b)
}

// docKey is the file's base name without extension; an ingest id's "hash:" prefix
// ("1a2b3c4d:manual.md") is dropped.
func docKey(s string) string {
	s = path.Base(strings.ReplaceAll(s, "\\", "/"))
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSuffix(s, path.Ext(s))
}

func sameSection(cited, want string) bool {
	c, w := sectionParts(cited), sectionParts(want)
	if len(w) == 0 || len(c) < len(w) {
		return false
	}
	tail := c[len(c)-len(w):]
	for i := range w {
		if tail[i] != w[i] {
			return false
		}
	}
	return true
}

func sectionParts(s string) []string {
	var out []string
	for _, p := range strings.Split(s, sectionSep) {
		p = strings.ToLower(strings.Join(strings.Fields(p), " "))
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// CitationHit is 1 when any citation points at the question's source passage.
func CitationHit(cites []Citation, q Question) float64 {
	for _, c := range cites {
		if c.Matches(q) {
			return 1
		}
	}
	return 0
}

// RecallAtK is 1 when the source passage is among the first k retrieved (all of them
// when k <= 0).
func RecallAtK(retrieved []Citation, q Question, k int) float64 {
	if k > 0 && len(retrieved) > k {
		retrieved = retrieved[:k]
	}
	return CitationHit(retrieved, q)
}
