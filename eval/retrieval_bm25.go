package eval

import (
	"context"
	"math"
	"sort"
	"strings"
	"unicode"
)

// BaselineChunk is one passage as the plain BM25 baseline sees it.
type BaselineChunk struct {
	Source, Section string
	Page            int
	// Heading is the title and section path, counted twice; Body the passage text.
	Heading, Body string
}

// BM25Baseline is the plain BM25 that keeps manualbot's retrieval figures honest: one
// bag of words per chunk (the heading counted twice), Lucene's formula with k1 1.2 and
// b 0.75, lower-casing and a crude suffix stemmer, nothing else: no stop words, no
// phrases, no refusals. It lives in memory; it is a yardstick, not a product.
type BM25Baseline struct {
	chunks []BaselineChunk
	tf     []map[string]int
	length []int
	df     map[string]int
	avgLen float64
}

// NewBM25Baseline indexes chunks.
func NewBM25Baseline(chunks []BaselineChunk) *BM25Baseline {
	b := &BM25Baseline{chunks: chunks, df: map[string]int{}}
	total := 0
	for _, c := range chunks {
		toks := baselineTokens(c.Heading + " " + c.Heading + " " + c.Body)
		m := map[string]int{}
		for _, t := range toks {
			m[t]++
		}
		for t := range m {
			b.df[t]++
		}
		b.tf = append(b.tf, m)
		b.length = append(b.length, len(toks))
		total += len(toks)
	}
	if len(chunks) > 0 {
		b.avgLen = float64(total) / float64(len(chunks))
	}
	return b
}

// System wraps the baseline as a RetrievalSystem.
func (b *BM25Baseline) System(name string) RetrievalSystem {
	return RetrievalSystem{Name: name, Retrieve: func(_ context.Context, q string, k int) (Retrieval, error) {
		return Retrieval{Passages: b.Search(q, k)}, nil
	}}
}

// Search ranks every chunk holding a query term by BM25 and returns the top k.
func (b *BM25Baseline) Search(q string, k int) []RetrievedPassage {
	const k1, bb = 1.2, 0.75
	n := float64(len(b.chunks))
	type scored struct {
		i int
		s float64
	}
	scores := map[int]float64{}
	seen := map[string]bool{}
	for _, t := range baselineTokens(q) {
		if seen[t] || b.df[t] == 0 {
			continue
		}
		seen[t] = true
		df := float64(b.df[t])
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for i, m := range b.tf {
			tf := float64(m[t])
			if tf == 0 {
				continue
			}
			norm := k1 * (1 - bb + bb*float64(b.length[i])/b.avgLen)
			scores[i] += idf * tf * (k1 + 1) / (tf + norm)
		}
	}
	ranked := make([]scored, 0, len(scores))
	for i, s := range scores {
		ranked = append(ranked, scored{i, s})
	}
	sort.Slice(ranked, func(x, y int) bool {
		if ranked[x].s != ranked[y].s {
			return ranked[x].s > ranked[y].s
		}
		return ranked[x].i < ranked[y].i
	})
	out := make([]RetrievedPassage, 0, k)
	for _, r := range ranked[:min(k, len(ranked))] {
		c := b.chunks[r.i]
		out = append(out, RetrievedPassage{Source: c.Source, Section: c.Section, Page: c.Page, Score: r.s})
	}
	return out
}

// baselineTokens lower-cases, splits on anything but letters and digits, and strips a
// few English suffixes.
func baselineTokens(s string) []string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for i, w := range words {
		words[i] = crudeStem(w)
	}
	return words
}

func crudeStem(w string) string {
	for _, suf := range []string{"ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "ly", "s"} {
		if len(w) > len(suf)+2 && strings.HasSuffix(w, suf) {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}
