package index

import "github.com/blevesearch/bleve/v2/analysis"

// maxQueryTerms bounds how many distinct terms of a question are scored: a pasted log of
// thousands of words would otherwise cost one posting list each, and its first lines
// (the error) are what the asker means.
const maxQueryTerms = 32

// queryTerm is one distinct analysed term of a question, in the question's order.
type queryTerm struct {
	text string
	pos  int // index among the question's scored terms, for proximity
	// related are the index's words related to text (related_words.go), none of them a
	// word of the question itself.
	related []string
}

// queryTerms analyses a question exactly as the index analyses passages (textAnalyzer)
// and drops question scaffolding ("how can I", "is there a way").
func queryTerms(text string, analyzer analysis.Analyzer) []queryTerm {
	var words []string
	for _, tok := range analyzer.Analyze([]byte(withJoinedForms(text, joinedForms()))) {
		words = append(words, string(tok.Term))
	}
	seen := map[string]bool{}
	var out []queryTerm
	for _, w := range words {
		if seen[w] || scaffolding(w) {
			continue
		}
		seen[w] = true
		out = append(out, queryTerm{text: w, pos: len(out)})
		if len(out) == maxQueryTerms {
			break
		}
	}
	return out
}

// scaffolding lists the stemmed words of how people phrase a question rather than what
// they ask about; the English stop list already drops "how", "what", "do", "I".
func scaffolding(term string) bool {
	switch term {
	case "can", "could", "would", "should", "shall", "might", "must", "mai",
		"mani", "much", "want", "need", "wai", "anyon", "someon", "anybodi", "somebodi",
		"know", "tell", "pleas", "thank", "thx", "hi", "hei", "hello",
		"possibl", "best", "good", "properli", "actual", "realli", "just",
		"whats", "what", "im", "ive", "let", "also", "etc", "e.g", "i.e":
		return true
	}
	return false
}
