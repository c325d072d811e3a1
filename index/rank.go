package index

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search"
	bleveidx "github.com/blevesearch/bleve_index_api"
)

// Ranking. Bleve finds candidates (its BM25 over the scored text), and rescoring ranks
// them with Lucene's BM25 over one text per chunk whose heading counts for more
// (BM25F's per-field weight applied to the term frequency before saturation):
//
//	score(d) = Σ_t idf(t) · tf'(t,d)·(k1+1) / (tf'(t,d) + k1·(1 − b + b·|d|/avgdl))
//	           + proximity bonus + fuzzy matches at fuzzyWeight + own-heading bonus
//	tf'(t,d) = tf_body + headingWeight · (tf_heading + (leafHeadingWeight−1) · tf_own_heading)
//	idf(t)   = ln(1 + (N − df + ½)/(df + ½))
//
// Bleve's own BM25 scores sqrt(tf), which flattens the difference between a passage that
// is about a word and one that mentions it once; rescoring with tf itself is what Lucene
// and the baseline do. Typos: only a query term the index does not hold at all is
// expanded to its near neighbours, and those score at fuzzyWeight, so a neighbour never
// outranks a word the user typed.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// headingWeight: a title or section heading names what the passage is about.
	headingWeight = 2.5
	// leafHeadingWeight: a word of the chunk's own heading (the last of its section
	// path) counts this many times a word of the rest of its heading. The own heading
	// names this passage; the product, title and outer headings are shared by every
	// passage of a page or chapter ("III Commands > Set-show > ..."). Tuned on the even
	// lines of the retrieval set (1.5..4 tried), checked on the odd ones.
	leafHeadingWeight = 2.0
	// ownHeadingWeight: when every word of a passage's own heading is a word of the
	// question (in one of its forms), the passage gets this many times the rarest such
	// word's idf. The heading then names what was asked: "set the title of the graph" and
	// gnuplot's "Title", "turn the grid lines on" and "Grid", "rotate the 3d view" and
	// "View" each lost to a passage that merely uses the words, by under 5%. A heading
	// with a word the question lacks ("Examples of Title") gets nothing: it is about
	// more, or something else. Measured on both question sets (0.5, 1, 1.5, 2 and the
	// sum of the words' idfs tried, side by side): at 1, MRR@10 0.630 -> 0.662 and
	// recall@5 82.1% -> 82.7% on questions.jsonl, httpd.jsonl level (0.503 -> 0.506).
	ownHeadingWeight = 1.0
	// fuzzyWeight scales a typo's neighbour: it helps only where the typed word finds nothing.
	fuzzyWeight = 0.35
	// proximityWeight rewards two consecutive question terms within proximityWindow
	// positions of each other (a phrase, or nearly), in units of the rarer term's idf.
	proximityWeight = 0.3
	proximityWindow = 3
	// docContextWeight is the share of the document's best other passage added to a
	// passage's score (see docContext).
	docContextWeight = 0.5
	// candidates is how many of Bleve's hits are rescored.
	candidates = 120
)

// termStats are the collection statistics BM25 needs.
type termStats struct {
	n     float64            // documents (chunks)
	avgdl float64            // mean scored-text length in terms
	df    map[string]float64 // document frequency per term
}

func (s termStats) idf(term string) float64 {
	df := s.df[term]
	return math.Log(1 + (s.n-df+0.5)/(df+0.5))
}

// collectStats reads N, the mean length and each term's document frequency from the
// generation's index.
func collectStats(ctx context.Context, g *generation, terms []string, into *termStats) error {
	adv, err := g.idx.Advanced()
	if err != nil {
		return fmt.Errorf("index statistics: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("index statistics: %w", err)
	}
	defer r.Close()
	if into.df == nil {
		g.lengthsOnce.Do(func() { g.lengths, g.lengthsErr = readLengths(r) })
		if g.lengthsErr != nil {
			return g.lengthsErr
		}
		into.df = map[string]float64{}
		into.n = g.lengths.n
		into.avgdl = g.lengths.avgdl
	}
	for _, t := range terms {
		if _, ok := into.df[t]; ok {
			continue
		}
		tfr, err := r.TermFieldReader(ctx, []byte(t), fText, false, false, false)
		if err != nil {
			return fmt.Errorf("index statistics %q: %w", t, err)
		}
		into.df[t] = float64(tfr.Count())
		_ = tfr.Close()
	}
	return nil
}

// lengthStats are the collection's size and mean scored-text length.
type lengthStats struct {
	n, avgdl float64
}

// readLengths sums every chunk's term count from the doc values of fTokens: a column
// read, no stored documents loaded (about a millisecond per 10,000 chunks). Bleve's own
// BM25 divides the field's vocabulary size by the document count instead (its
// FieldCardinality), which here gives about 2 terms per chunk and punishes every
// passage longer than a heading.
func readLengths(r bleveidx.IndexReader) (lengthStats, error) {
	all, err := r.DocIDReaderAll()
	if err != nil {
		return lengthStats{}, fmt.Errorf("index statistics: %w", err)
	}
	defer all.Close()
	dv, err := r.DocValueReader([]string{fTokens})
	if err != nil {
		return lengthStats{}, fmt.Errorf("index statistics: %w", err)
	}
	var n, total float64
	for {
		id, err := all.Next()
		if err != nil {
			return lengthStats{}, fmt.Errorf("index statistics: %w", err)
		}
		if id == nil {
			break
		}
		n++
		err = dv.VisitDocValues(id, func(_ string, term []byte) {
			pc := numeric.PrefixCoded(term)
			if shift, err := pc.Shift(); err != nil || shift != 0 {
				return
			}
			if v, err := pc.Int64(); err == nil {
				total += numeric.Int64ToFloat64(v)
			}
		})
		if err != nil {
			return lengthStats{}, fmt.Errorf("index statistics: %w", err)
		}
	}
	st := lengthStats{n: n, avgdl: 100}
	if n > 0 && total > 0 {
		st.avgdl = total / n
	}
	return st, nil
}

// candidate is one of Bleve's hits being rescored.
type candidate struct {
	id      string
	iid     bleveidx.IndexInternalID // in the snapshot that found it (see storedLoader)
	docID   string
	product string
	bodyLen int
	// leafStart..leafEnd is the chunk's own heading in the scored text (leafHeading).
	leafStart, leafEnd int
	tokens             int
	// ownHeading are the analysed words of the chunk's own heading, numbers aside
	// (section numbers such as "3.3" say nothing of the subject).
	ownHeading []string
	locs       search.TermLocationMap
	score      float64
}

// rescore computes each candidate's score. exact are the question's terms the index
// holds; missing the ones it does not, which only their nearest neighbours can score (how
// much of the question a passage covers is setRelevance's, after ranking).
func rescore(cands []*candidate, exact, missing []queryTerm, st termStats) {
	asked := slices.Concat(exact, missing)
	isExact := map[string]bool{}
	for _, t := range asked {
		isExact[t.text] = true
		for _, r := range t.forms() {
			isExact[r] = true // a related word is not a typo's neighbour
		}
	}
	for _, c := range cands {
		dl := float64(max(c.tokens, 1))
		norm := bm25K1 * (1 - bm25B + bm25B*dl/st.avgdl)
		sat := func(tf float64) float64 { return tf * (bm25K1 + 1) / (tf + norm) }
		var score float64
		positions := make([][]int, len(exact))
		// tf' of a term in this candidate (body positions go to pos, for proximity).
		weighted := func(term string, pos *[]int) float64 {
			var body, head float64
			for _, l := range c.locs[term] {
				switch {
				case int(l.Start) >= c.leafStart && int(l.End) <= c.leafEnd:
					head += leafHeadingWeight
				case int(l.Start) >= c.bodyLen:
					head++
				default:
					body++
					if pos != nil {
						*pos = append(*pos, int(l.Pos))
					}
				}
			}
			return body + headingWeight*head
		}
		// A question term scores through its best form: itself, a related word at
		// relatedWeight (related_words.go), or a name it runs together with its
		// neighbour at full weight (the name holds both words: "tmpdir" is "temp
		// directory"), each at most at the question word's idf, since it stands for
		// that word (a rare related word is not a rarer question).
		viaRelated := func(t queryTerm) float64 {
			best := 0.0
			for _, r := range t.related {
				if tf := weighted(r, nil); tf > 0 {
					best = max(best, relatedWeight*min(st.idf(r), st.idf(t.text))*sat(tf))
				}
			}
			for _, r := range t.joined {
				if tf := weighted(r, nil); tf > 0 {
					best = max(best, min(st.idf(r), st.idf(t.text))*sat(tf))
				}
			}
			return best
		}
		for i, t := range exact {
			own := 0.0
			if tf := weighted(t.text, &positions[i]); tf > 0 {
				own = st.idf(t.text) * sat(tf)
			}
			score += max(own, viaRelated(t))
		}
		for i := 0; i+1 < len(exact); i++ {
			if d := minDistance(positions[i], positions[i+1]); d > 0 && d <= proximityWindow {
				score += proximityWeight * min(st.idf(exact[i].text), st.idf(exact[i+1].text))
			}
		}
		// Neighbours of missing terms: each missing term scores through the best neighbour
		// the candidate holds, at fuzzyWeight.
		for _, m := range missing {
			best := viaRelated(m)
			for term, locs := range c.locs {
				if isExact[term] || len(locs) == 0 || !nearTerm(m.text, term) {
					continue
				}
				best = max(best, fuzzyWeight*st.idf(term)*sat(float64(len(locs))))
			}
			score += best
		}
		c.score = score + ownHeadingWeight*headingAsked(c.ownHeading, asked, st)
	}
	docContext(cands)
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].id < cands[j].id
	})
}

// headingAsked is the idf of the rarest question word in heading when every word of
// heading is a question word or one of its related or run-together forms, else 0.
func headingAsked(heading []string, asked []queryTerm, st termStats) float64 {
	var best float64
	for _, w := range heading {
		found := false
		for _, t := range asked {
			if t.hasForm(w) {
				found = true
				best = max(best, st.idf(t.text))
				break
			}
		}
		if !found {
			return 0
		}
	}
	return best
}

// docContext adds to each candidate a share of the best score of another passage of
// its document: a page that answers in several passages is more likely the page about
// the question than one that mentions its words once.
func docContext(cands []*candidate) {
	best := map[string][2]float64{} // doc -> the two best scores
	for _, c := range cands {
		b := best[c.docID]
		switch {
		case c.score > b[0]:
			b[1], b[0] = b[0], c.score
		case c.score > b[1]:
			b[1] = c.score
		}
		best[c.docID] = b
	}
	for _, c := range cands {
		b := best[c.docID]
		other := b[0]
		if c.score == b[0] {
			other = b[1]
		}
		c.score += docContextWeight * other
	}
}

// minDistance is the smallest gap between a position in a and one in b (0 when either
// is empty).
func minDistance(a, b []int) int {
	best := 0
	for _, x := range a {
		for _, y := range b {
			d := x - y
			if d < 0 {
				d = -d
			}
			if d > 0 && (best == 0 || d < best) {
				best = d
			}
		}
	}
	return best
}

// nearTerm says whether term is within two edits of typed (the most fuzziness allows).
func nearTerm(typed, term string) bool { return withinEdits(typed, term, 2) }
