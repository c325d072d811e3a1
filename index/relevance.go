package index

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bleveidx "github.com/blevesearch/bleve_index_api"
)

// The "not in the manuals" rule. A question is covered when one of its first
// relevanceDepth passages holds at least DefaultMinRelevance of the question's
// informative words (stop words and question scaffolding aside), each word weighted by
// what it says about the topic:
//
//   - its idf over the index, as in BM25: a rare word says more than a common one;
//   - a word no passage holds at all weighs unknownWordWeight times the rarest word's idf:
//     "banana", "passport" or "kubernetes" in a question the manuals never mention is the
//     clearest sign the question is about something else (a typo's near neighbour in the
//     passage covers it half, when the word has at least typoCreditMinRunes letters),
//     unless it holds a digit: "100mb" is a quantity the question gives, not its subject;
//   - a word every manual in the index uses, whatever its subject ("kill", "thing",
//     "big", "work" in manuals on databases, shells, plotting, JavaScript and web servers),
//     is ordinary English and weighs everyManualFactor of its idf, scaled linearly
//     between one manual (full weight) and all of them. With one manual indexed there
//     is nothing to compare and every word keeps its idf.
//
// And a passage holding one word of a question of manyWords informative words or more
// shows nothing, whatever that word weighs: "the best thing since sliced bread" is not
// on the subject of "a good recipe for banana bread", though "bread" is the rarest word
// of the question (relevance 0.40 on PostgreSQL's TOAST page). Such a question is on a
// subject when a passage holds two of its words.
//
// Calibrated on the even lines of testdata/retrieval/questions.jsonl and checked on the
// odd lines and on testdata/retrieval/httpd.jsonl (see the README's retrieval section).
const (
	// DefaultMinRelevance is the share of the question the best of the first passages
	// must hold for the question to count as covered (retrieval.min_relevance).
	DefaultMinRelevance = 0.4
	// relevanceDepth is how many of the first passages may show that a question is
	// covered: near-tied passages trade places on small score differences, and the
	// decision should not hinge on which of them ranks first. It is fixed, not the number
	// of hits asked for, so asking for more hits does not make refusals rarer.
	relevanceDepth    = 3
	unknownWordWeight = 1.5
	everyManualFactor = 0.5
	// typoCreditMinRunes: a missing word shorter than this (as analysed: "latte" is
	// "latt") gets no credit from a near neighbour. Within one edit a four-letter stem has
	// many neighbours in any manual ("last", "lat", "late"), so such a match says little
	// about whether the passage is on the question's subject; the search still looks for
	// the neighbours (candidateQuery), only the rule stops counting them. Checked on both
	// sets' halves: it refuses httpd's none-h07 (latte and flat white) and changes nothing
	// else.
	typoCreditMinRunes = 5
	// manyWords: from this many informative words, a question needs a passage holding
	// two of them.
	manyWords = 3
)

// Relevant applies the "not in the manuals" rule: when none of the first relevanceDepth
// hits reaches minRelevance it returns none, and callers refuse plainly and cite
// nothing; otherwise it returns the hits as ranked. BM25 scores are not comparable across
// questions, so a score threshold (retrieval.min_score) cannot say this; a share of the
// question's words can.
func Relevant(hits []Hit, minRelevance float64) []Hit {
	for i := range min(len(hits), relevanceDepth) {
		if h := hits[i]; h.Relevance >= minRelevance && (h.asked < manyWords || h.held >= 2) {
			return hits
		}
	}
	return nil
}

// setRelevance computes every hit's Relevance (see the rule above) from the words of its
// scored text: body, product, title and section path, analysed as the index analyses
// them. exact are the question's terms the index holds, missing those it does not; a
// missing term is half covered by a passage word within the edits the search allowed it
// (see candidateQuery), so a typo finds its word and "knit" does not find "unit".
func setRelevance(ctx context.Context, g *generation, analyzer analysis.Analyzer, exact, missing []queryTerm, st termStats, fuzziness int, hits []Hit) error {
	if len(hits) == 0 {
		return nil
	}
	weights, err := termWeights(ctx, g, exact, missing, st)
	if err != nil {
		return err
	}
	var total float64
	for _, w := range weights {
		total += w
	}
	if total == 0 {
		return nil
	}
	for i := range hits {
		h := &hits[i]
		// The terms rescoring read for the passage are the ones the rule asks about;
		// only a passage without them is analysed again.
		words := h.terms
		if words == nil {
			words = map[string]bool{}
			text := h.Text + " " + h.Product + " " + h.Title + " " + strings.Join(h.Section, " ")
			for _, tok := range analyzer.Analyze([]byte(text)) {
				words[string(tok.Term)] = true
			}
		}
		var covered float64
		h.asked, h.held = len(exact), 0
		for _, m := range missing {
			if weights[m.text] > 0 {
				h.asked++
			}
		}
		for _, t := range exact {
			if words[t.text] {
				covered += weights[t.text]
				h.held++
			} else if anyOf(words, t.forms()) {
				covered += relatedCredit * weights[t.text]
				h.held++
			}
		}
		for _, m := range missing {
			if weights[m.text] == 0 {
				continue
			}
			if anyOf(words, m.forms()) {
				covered += relatedCredit * weights[m.text]
				h.held++
				continue
			}
			edits := typoEdits(m.text, fuzziness)
			if utf8.RuneCountInString(m.text) < typoCreditMinRunes {
				edits = 0
			}
			for w := range words {
				if edits > 0 && withinEdits(m.text, w, edits) {
					covered += 0.5 * weights[m.text]
					h.held++
					break
				}
			}
		}
		h.Relevance = covered / total
	}
	return nil
}

// termWeights weighs each of the question's terms for setRelevance.
func termWeights(ctx context.Context, g *generation, exact, missing []queryTerm, st termStats) (map[string]float64, error) {
	w := make(map[string]float64, len(exact)+len(missing))
	for _, t := range missing {
		w[t.text] = unknownWordWeight * st.idf(t.text)
		if hasDigit(t.text) {
			w[t.text] = 0 // a quantity ("100mb", "1048576"), not a subject (see quantity)
		}
	}
	if len(exact) == 0 {
		return w, nil
	}
	names := make([]string, len(exact))
	for i, t := range exact {
		names[i] = t.text
	}
	used, products, err := g.manuals.using(ctx, g, names)
	if err != nil {
		return nil, err
	}
	for _, t := range exact {
		factor := 1.0
		if products > 1 {
			spread := float64(max(used[t.text]-1, 0)) / float64(products-1)
			factor = 1 - (1-everyManualFactor)*spread
		}
		w[t.text] = factor * st.idf(t.text)
	}
	return w, nil
}

// manualCacheMax bounds how many words a generation remembers (a pasted log brings
// thousands of one-off words).
const manualCacheMax = 50000

// manualCache remembers, for one generation (which never changes once committed), the
// manuals it holds and how many of them use each word looked up so far: reading the
// postings is the costly part of the rule, and questions reuse their words.
type manualCache struct {
	mu       sync.Mutex
	products []string  // nil until first read
	sizes    []float64 // passages per product, as products
	used     map[string]int
	// counts: passages per product holding a word, for the words that may name a manual
	// (product_prior.go).
	counts map[string][]int
}

// using returns how many manuals use each of terms and how many manuals the index holds.
func (c *manualCache) using(ctx context.Context, g *generation, terms []string) (map[string]int, int, error) {
	out := make(map[string]int, len(terms))
	c.mu.Lock()
	var todo []string
	for _, t := range terms {
		if n, ok := c.used[t]; ok {
			out[t] = n
		} else {
			todo = append(todo, t)
		}
	}
	products := c.products
	c.mu.Unlock()
	if len(todo) == 0 && products != nil {
		return out, len(products), nil
	}
	adv, err := g.idx.Advanced()
	if err != nil {
		return nil, 0, fmt.Errorf("relevance: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, 0, fmt.Errorf("relevance: %w", err)
	}
	defer r.Close()
	var sizes []float64
	if products == nil {
		if products, sizes, err = productNames(r); err != nil {
			return nil, 0, err
		}
	}
	for _, t := range todo {
		n := 0
		if len(products) > 1 {
			for _, p := range products {
				ok, err := cooccur(ctx, r, t, p)
				if err != nil {
					return nil, 0, err
				}
				if ok {
					n++
				}
			}
		}
		out[t] = n
	}
	c.mu.Lock()
	c.products = products
	if sizes != nil {
		c.sizes = sizes
	}
	if c.used == nil {
		c.used = map[string]int{}
	}
	for _, t := range todo {
		if len(c.used) < manualCacheMax {
			c.used[t] = out[t]
		}
	}
	c.mu.Unlock()
	return out, len(products), nil
}

// productNames lists the products (manuals) the index holds and how many passages each has.
func productNames(r bleveidx.IndexReader) ([]string, []float64, error) {
	d, err := r.FieldDict(fProduct)
	if err != nil {
		return nil, nil, fmt.Errorf("relevance: products: %w", err)
	}
	defer d.Close()
	out := []string{}
	var sizes []float64
	for {
		e, err := d.Next()
		if err != nil {
			return nil, nil, fmt.Errorf("relevance: products: %w", err)
		}
		if e == nil {
			return out, sizes, nil
		}
		if e.Term != "" && e.Count > 0 {
			out = append(out, e.Term)
			sizes = append(sizes, float64(e.Count))
		}
	}
}

// cooccur reports whether some passage of product holds term: the two posting lists are
// walked together, each skipping ahead to the other's next document, so it stops at the
// first passage that has both and never reads either list whole unless they do not meet.
func cooccur(ctx context.Context, r bleveidx.IndexReader, term, product string) (bool, error) {
	a, err := r.TermFieldReader(ctx, []byte(term), fText, false, false, false)
	if err != nil {
		return false, fmt.Errorf("relevance: %w", err)
	}
	defer a.Close()
	b, err := r.TermFieldReader(ctx, []byte(product), fProduct, false, false, false)
	if err != nil {
		return false, fmt.Errorf("relevance: %w", err)
	}
	defer b.Close()
	var da, db bleveidx.TermFieldDoc
	x, err := a.Next(&da)
	if err != nil {
		return false, fmt.Errorf("relevance: %w", err)
	}
	y, err := b.Next(&db)
	if err != nil {
		return false, fmt.Errorf("relevance: %w", err)
	}
	for x != nil && y != nil {
		switch c := bytes.Compare(x.ID, y.ID); {
		case c == 0:
			return true, nil
		case c < 0:
			x, err = a.Advance(y.ID, &da)
		default:
			y, err = b.Advance(x.ID, &db)
		}
		if err != nil {
			return false, fmt.Errorf("relevance: %w", err)
		}
	}
	return false, nil
}

// typoEdits is how many edits the search allows a term the index lacks (as candidateQuery
// does): none below four letters, else Elasticsearch's AUTO, capped at maxEdits.
func typoEdits(term string, maxEdits int) int {
	if maxEdits == 0 || utf8.RuneCountInString(term) < 4 {
		return 0
	}
	return min(maxEdits, searcher.GetAutoFuzziness(term))
}

// withinEdits reports whether a and b are at most k edits apart (Levenshtein).
func withinEdits(a, b string, k int) bool {
	x, y := []rune(a), []rune(b)
	if d := len(x) - len(y); d > k || d < -k {
		return false
	}
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)] <= k
}

// anyOf reports whether words holds one of terms.
func anyOf(words map[string]bool, terms []string) bool {
	for _, t := range terms {
		if words[t] {
			return true
		}
	}
	return false
}

// hasDigit says whether an analysed question word holds a digit: "100mb", "3000",
// "1048576" are quantities the question gives, and that no passage holds that very
// number says nothing about whether the manuals cover its subject ("split a huge file
// into 100MB chunks" was refused for "100mb").
func hasDigit(term string) bool {
	return strings.ContainsAny(term, "0123456789")
}
