package index

// DefaultMinRelevance is the relevance (Hit.Relevance) the best passage must reach for a
// question to count as covered by the manuals. Calibrated on
// testdata/retrieval/questions.jsonl (see the README's retrieval table): there the best
// passage of 164 of 173 answerable questions reaches it and that of 20 of 22
// unanswerable ones does not.
const DefaultMinRelevance = 0.5

// Relevant applies the "not in the manuals" rule: when the best-ranked hit does not reach
// min relevance it returns none, and callers refuse plainly and cite nothing; otherwise
// it returns the hits as ranked. The best-ranked hit decides, not the best relevance
// among the hits, so the decision does not depend on how many hits were asked for: ten
// loosely related passages are likelier than five to hold one that shares the
// question's words by chance. The rule asks how much of the question the best passage holds, the
// IDF-weighted share of its informative words (stop words and question scaffolding
// aside, a word no manual uses counting fully against): BM25 scores are not comparable
// across questions, so a score threshold (retrieval.min_score) cannot say this.
func Relevant(hits []Hit, min float64) []Hit {
	if len(hits) == 0 || hits[0].Relevance < min {
		return nil
	}
	return hits
}
