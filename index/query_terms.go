package index

import (
	"slices"
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
	// ofPrevious: the question joins this word to the one before it with "of" ("the
	// range of the x axis"), the English turn of a compound said the other way round
	// ("x range"), so runTogether also tries the two in reverse order.
	ofPrevious bool
}

// forms are the words the index may hold for t besides t itself: its related words and
// the names it runs together into with a neighbour.
func (t queryTerm) forms() []string { return slices.Concat(t.related, t.joined) }

// hasForm says whether w is t itself or one of its forms.
func (t queryTerm) hasForm(w string) bool {
	return t.text == w || slices.Contains(t.related, w) || slices.Contains(t.joined, w)
}

// queryTerms analyses a question exactly as the index analyses passages (textAnalyzer)
// and drops question scaffolding ("how can I", "is there a way").
func queryTerms(text string, analyzer analysis.Analyzer) []queryTerm {
	src := []byte(withJoinedForms(text, joinedForms()))
	seen := map[string]bool{}
	var out []queryTerm
	prevEnd := -1 // where the last kept term ends in src
	for _, tok := range analyzer.Analyze(src) {
		w := string(tok.Term)
		if seen[w] || scaffolding(w) {
			prevEnd = -1
			continue
		}
		seen[w] = true
		var surface string
		of := false
		if 0 <= tok.Start && tok.Start < tok.End && tok.End <= len(src) {
			surface = strings.ToLower(string(src[tok.Start:tok.End]))
			of = prevEnd >= 0 && prevEnd <= tok.Start && ofBetween(string(src[prevEnd:tok.Start]))
			prevEnd = tok.End
		}
		out = append(out, queryTerm{text: w, pos: len(out), surface: surface, ofPrevious: of})
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

// ofBetween says whether the text between two question words is "of", perhaps with an
// article ("of", "of the", "of a").
func ofBetween(gap string) bool {
	words := strings.Fields(strings.ToLower(gap))
	if len(words) == 0 || words[0] != "of" {
		return false
	}
	for _, w := range words[1:] {
		switch w {
		case "the", "a", "an", "my", "this", "each", "every":
		default:
			return false
		}
	}
	return true
}
