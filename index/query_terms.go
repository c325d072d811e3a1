package index

import (
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
)

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
	// joined are the index's one-word forms of this word and a neighbour run together
	// (runTogether): a name made of both.
	joined []string
	// surface is the word as the question typed it, lower-cased (for runTogether).
	surface string
}

// queryTerms analyses a question exactly as the index analyses passages (textAnalyzer)
// and drops question scaffolding ("how can I", "is there a way").
func queryTerms(text string, analyzer analysis.Analyzer) []queryTerm {
	src := []byte(withJoinedForms(text, joinedForms()))
	seen := map[string]bool{}
	var out []queryTerm
	for _, tok := range analyzer.Analyze(src) {
		w := string(tok.Term)
		if seen[w] || scaffolding(w) {
			continue
		}
		seen[w] = true
		var surface string
		if 0 <= tok.Start && tok.Start < tok.End && tok.End <= len(src) {
			surface = strings.ToLower(string(src[tok.Start:tok.End]))
		}
		out = append(out, queryTerm{text: w, pos: len(out), surface: surface})
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
		"whats", "what", "im", "ive", "let", "also", "etc", "e.g", "i.e",
		// The pieces words cut a contraction into ("isn't" is "isn", "t"): the stop
		// list has "isn't" whole, which the tokenizer never gives it.
		"isn", "aren", "wasn", "weren", "don", "doesn", "didn", "won", "wouldn",
		"shouldn", "couldn", "haven", "hasn", "hadn", "t", "ll", "ve", "re":
		return true
	}
	return false
}
