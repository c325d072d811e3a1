// Package ingest turns manuals (Markdown, HTML, plain text, PDF, GNU Info, man pages,
// each optionally gzipped) into section-aware chunks and applies them to the index
// incrementally: a manifest of content hashes in the index generation lets an unchanged
// manual cost one hash, and every change of one run lands in one atomic index update.
package ingest

import (
	"errors"
	"fmt"
)

// Document is what a reader makes of one manual: its title and its text in reading order,
// cut into sections so a chunk never mixes two topics and citations can name the section.
type Document struct {
	Title    string
	Sections []Section
}

// Section is the text under one heading. Path is the heading trail, outermost first
// (empty for text before the first heading).
type Section struct {
	Path   []string
	Blocks []Block
}

// Block is one paragraph-like unit: the chunker prefers to cut between blocks.
// Page is the 1-based page it starts on (PDF), 0 when the format has no pages.
type Block struct {
	Text string
	Page int
}

// SkipError says why a file is not a manual we can read (empty, binary, encrypted...).
// The pipeline logs its one-line reason and goes on with the other files.
type SkipError struct {
	Reason string
}

func (e *SkipError) Error() string { return e.Reason }

// skipf builds a SkipError with a formatted reason.
func skipf(format string, args ...any) error {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

// IsSkip reports whether err means "skip this file" rather than a failure of the run.
func IsSkip(err error) bool {
	var s *SkipError
	return errors.As(err, &s)
}

// addBlock appends a non-empty block to the last section, opening an untitled one first
// if the document has none yet.
func (d *Document) addBlock(text string, page int) {
	if text == "" {
		return
	}
	if len(d.Sections) == 0 {
		d.Sections = append(d.Sections, Section{})
	}
	s := &d.Sections[len(d.Sections)-1]
	s.Blocks = append(s.Blocks, Block{Text: text, Page: page})
}

// startSection opens a section with the given heading path; an empty previous section
// (a heading directly followed by a sub-heading) is replaced rather than kept empty.
func (d *Document) startSection(path []string) {
	p := append([]string(nil), path...)
	if n := len(d.Sections); n > 0 && len(d.Sections[n-1].Blocks) == 0 {
		d.Sections[n-1].Path = p
		return
	}
	d.Sections = append(d.Sections, Section{Path: p})
}

// headingStack keeps the current heading trail: a heading of level L replaces every
// heading of level >= L, so "h1 > h2 > h3" paths come out whatever levels are skipped.
type headingStack struct {
	levels []int
	titles []string
}

// push records a heading and returns the new path.
func (h *headingStack) push(level int, title string) []string {
	for len(h.levels) > 0 && h.levels[len(h.levels)-1] >= level {
		h.levels = h.levels[:len(h.levels)-1]
		h.titles = h.titles[:len(h.titles)-1]
	}
	h.levels = append(h.levels, level)
	h.titles = append(h.titles, title)
	return h.titles
}
