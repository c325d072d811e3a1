// Package index is manualbot's on-disk passage index: a Bleve (scorch, BM25) index kept in
// atomic generations so that an ingest killed at any moment leaves the last committed
// index intact, and searches keep working while an ingest runs.
//
// Layout of the index folder:
//
//	LOCK          flock held by the one writer (ingest) at a time
//	CURRENT       names the live generation, replaced atomically (rename)
//	gen-000007/   one generation: bleve/ (the Bleve index), READERS (flock held
//	              shared by every open reader), plus whatever the ingest writes (its manifest)
//
// A writer copies the live generation into a new folder, changes the copy and flips
// CURRENT; readers only ever open generations CURRENT has named, read-only, so no
// reader and writer share a file that changes.
package index

import (
	"errors"
	"io/fs"
)

// Chunk is one indexed passage. IDs are stable across runs (the ingest makes them), so
// re-indexing a chunk replaces it instead of duplicating it.
type Chunk struct {
	ID      string   // stable chunk id
	DocID   string   // stable document id (the ingest derives it from the source path)
	Title   string   // document title
	Section []string // section path, outermost first ("Installation" > "Linux")
	Page    int      // 1-based page for paged formats (PDF), 0 when unknown
	Product string
	Version string
	Source  string // file path it came from
	URL     string // optional link for citations
	Ordinal int    // position within the document
	Text    string
}

// Query is one search. Product, Version and DocID filter without changing scores, so a
// filtered ranking is the unfiltered ranking with other passages left out.
type Query struct {
	Text      string
	K         int    // how many hits; DefaultK when 0 or less
	Product   string // optional filter (exact)
	Version   string // optional filter (exact)
	Fuzziness int    // edit distance allowed per body term for typos, 0..2
	DocID     string // optional filter (exact)
}

// Hit is one ranked passage with what a citation needs.
type Hit struct {
	Chunk
	Score float64
	// Relevance is the weighted share of the question's informative terms (after stop
	// words and question scaffolding) that the passage holds, 0..1, each term weighted
	// by its idf, less when every manual uses it, more when none does (see relevance.go).
	// Unlike Score it is comparable across questions, which is what deciding "not in the
	// manuals" needs (see Relevant).
	Relevance float64
	// asked is how many informative words the question has, held how many of them the
	// passage holds in any of their forms (see setRelevance and Relevant).
	held, asked int
	// merged counts the chunks after Ordinal merged into this passage (see diversify).
	merged int
	// terms are the searched terms (the question's, their related words, a typo's
	// neighbours) its scored text holds, as rescoring read them; nil when unknown, and
	// then setRelevance analyses the passage itself.
	terms map[string]bool
	// Snippet is a short plain-text excerpt of the passage (about SnippetChars) with the
	// matched words between ** marks; terminals, Slack and JSON all show it as is.
	Snippet string
}

// DefaultK is the number of hits a Query with no K gets.
const DefaultK = 5

// MaxK bounds a query's K: more is never useful for answers and costs stored-field reads.
const MaxK = 1000

// SectionSep joins a section path into the one stored string and splits it back.
const SectionSep = " > "

var (
	// ErrNoIndex means the folder holds no committed index yet (run an ingest first).
	// It wraps fs.ErrNotExist so callers may test either.
	ErrNoIndex = errNoIndex{}
	// ErrBusy means another writer holds the index lock: one ingest at a time.
	ErrBusy = errors.New("another ingest is running")
	// ErrEmptyQuery means the query had no text to search for.
	ErrEmptyQuery = errors.New("empty query: give some words to search for")
	// ErrClosed means the Store or Update was used after Close, Commit or Abort.
	ErrClosed = errors.New("index closed")
)

type errNoIndex struct{}

func (errNoIndex) Error() string        { return "no index yet" }
func (errNoIndex) Is(target error) bool { return target == fs.ErrNotExist }
