package index

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sort"

	bleveidx "github.com/blevesearch/bleve_index_api"
)

// A question that names a manual ("run a gnuplot script from the command line", "stop
// apache from listing a folder") is about that manual, however well another manual's
// passage matches its other words. A word names a manual when nearly every passage of
// that manual holds it and (nearly) no passage of another does: the product name itself,
// which the index adds to every passage's heading ("gnuplot", "bash"), or the name the
// manual calls itself on every page ("Apache" in httpd's manual). Words that are merely
// typical of a manual ("plot", "shell", "schema") are in far fewer of its passages and
// do not count: a question about running a shell command from Node is not about bash.
//
// Tried and not kept (see the notes of issue 10): a soft prior on every question from
// each manual's share of the question's words (linear pool and naive Bayes); both moved
// questions whose words are ordinary in several manuals, and lost on one half of the
// evaluation set.
const (
	// nameShare is the share of a manual's passages a word must be in to name it.
	nameShare = 0.8
	// nameElsewhere is the most of any other manual's passages that may hold a word
	// that names a manual.
	nameElsewhere = 0.1
	// otherManualFactor scales the candidates of manuals the question does not name.
	// Figures moved the same for 0.4..0.8 (only the order between manuals changes).
	otherManualFactor = 0.5
)

// namedManuals returns the manuals the question's words name: a word names manual p
// when at least nameShare of p's passages hold it and at most nameElsewhere of every
// other manual's do. counts may be capped (see nameCounts) above both limits.
func namedManuals(ms manualStats, exact []queryTerm) map[string]bool {
	var named map[string]bool
	for _, t := range exact {
		n := ms.counts[t.text]
		if len(n) != len(ms.products) || len(ms.sizes) != len(ms.products) {
			continue
		}
		for p := range n {
			if float64(n[p]) < nameShare*ms.sizes[p] {
				continue
			}
			alone := true
			for q := range n {
				if q != p && float64(n[q]) > nameElsewhere*ms.sizes[q] {
					alone = false
				}
			}
			if alone {
				if named == nil {
					named = map[string]bool{}
				}
				named[ms.products[p]] = true
			}
		}
	}
	return named
}

// manualStats are a generation's manuals, their sizes in passages and, for some words,
// how many passages of each manual hold the word (counts[t][i] for products[i]).
type manualStats struct {
	products []string
	sizes    []float64
	counts   map[string][]int
}

// preferNamedManuals scales down the candidates of manuals the question does not name,
// when it names one or more (the index must hold at least two), and re-sorts.
func preferNamedManuals(ctx context.Context, g *generation, cands []*candidate, exact []queryTerm, st termStats) error {
	if len(cands) == 0 || len(exact) == 0 {
		return nil
	}
	ms, err := g.manuals.nameCounts(ctx, g, exact, st)
	if err != nil {
		return err
	}
	named := namedManuals(ms, exact)
	if len(named) == 0 {
		return nil
	}
	for _, c := range cands {
		if !named[c.product] {
			c.score *= otherManualFactor
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].id < cands[j].id
	})
	return nil
}

// nameCounts returns the manuals and, for each question word frequent enough to name one
// (in at least nameShare of the smallest manual's passages: others cannot), how many
// passages of each manual hold it, capped past the limits namedManuals reads. Counted
// once per generation.
func (c *manualCache) nameCounts(ctx context.Context, g *generation, exact []queryTerm, st termStats) (manualStats, error) {
	names := make([]string, len(exact))
	for i, t := range exact {
		names[i] = t.text
	}
	// using reads the manuals' names and sizes, and is needed by the refusal rule anyway.
	if _, _, err := c.using(ctx, g, names); err != nil {
		return manualStats{}, err
	}
	c.mu.Lock()
	ms := manualStats{products: c.products, sizes: c.sizes, counts: map[string][]int{}}
	var todo []string
	if len(ms.products) > 1 && len(ms.sizes) == len(ms.products) {
		smallest := ms.sizes[0]
		for _, n := range ms.sizes {
			smallest = min(smallest, n)
		}
		for _, t := range names {
			if st.df[t] < nameShare*smallest {
				continue
			}
			if n, ok := c.counts[t]; ok {
				ms.counts[t] = n
			} else {
				todo = append(todo, t)
			}
		}
	}
	c.mu.Unlock()
	if len(todo) == 0 {
		return ms, nil
	}
	adv, err := g.idx.Advanced()
	if err != nil {
		return ms, fmt.Errorf("manual names: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return ms, fmt.Errorf("manual names: %w", err)
	}
	defer r.Close()
	for _, t := range todo {
		// First count each manual only until the word is in more than nameElsewhere of
		// it: a word past that in two manuals (most frequent words) names none, and the
		// walk stops early. Only a manual alone past it is counted on, up to nameShare.
		n := make([]int, len(ms.products))
		var past []int
		for i, p := range ms.products {
			limit := int(nameElsewhere*ms.sizes[i]) + 1
			if n[i], err = countTogether(ctx, r, t, p, limit); err != nil {
				return ms, err
			}
			if n[i] >= limit {
				past = append(past, i)
			}
		}
		if len(past) == 1 {
			i := past[0]
			if n[i], err = countTogether(ctx, r, t, ms.products[i], int(math.Ceil(nameShare*ms.sizes[i]))); err != nil {
				return ms, err
			}
		}
		ms.counts[t] = n
	}
	c.mu.Lock()
	if c.counts == nil {
		c.counts = map[string][]int{}
	}
	for _, t := range todo {
		if len(c.counts) < manualCacheMax {
			c.counts[t] = ms.counts[t]
		}
	}
	c.mu.Unlock()
	return ms, nil
}

// countTogether counts the passages of product that hold term, up to limit, walking the
// two posting lists together as cooccur does.
func countTogether(ctx context.Context, r bleveidx.IndexReader, term, product string, limit int) (int, error) {
	a, err := r.TermFieldReader(ctx, []byte(term), fText, false, false, false)
	if err != nil {
		return 0, fmt.Errorf("manual names: %w", err)
	}
	defer a.Close()
	b, err := r.TermFieldReader(ctx, []byte(product), fProduct, false, false, false)
	if err != nil {
		return 0, fmt.Errorf("manual names: %w", err)
	}
	defer b.Close()
	var da, db bleveidx.TermFieldDoc
	x, err := a.Next(&da)
	if err != nil {
		return 0, fmt.Errorf("manual names: %w", err)
	}
	y, err := b.Next(&db)
	if err != nil {
		return 0, fmt.Errorf("manual names: %w", err)
	}
	n := 0
	for x != nil && y != nil && n < limit {
		switch c := bytes.Compare(x.ID, y.ID); {
		case c == 0:
			n++
			if x, err = a.Next(&da); err == nil {
				y, err = b.Next(&db)
			}
		case c < 0:
			x, err = a.Advance(y.ID, &da)
		default:
			y, err = b.Advance(x.ID, &db)
		}
		if err != nil {
			return 0, fmt.Errorf("manual names: %w", err)
		}
	}
	return n, nil
}
