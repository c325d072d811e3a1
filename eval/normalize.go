package eval

import (
	"regexp"
	"strings"
)

// articles matches English articles as whole words, as SQuAD's official script does
// (its \b is Unicode-aware; Go's is ASCII, which only differs next to non-ASCII letters).
var articles = regexp.MustCompile(`\b(a|an|the)\b`)

// Normalize is SQuAD's answer normalisation: lower case, remove ASCII punctuation,
// remove the articles a/an/the, collapse whitespace. Scores compare normalised text so
// that "The blue one." and "blue one" count as the same answer.
func Normalize(s string) string {
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if isASCIIPunct(r) {
			return -1
		}
		return r
	}, s)
	s = articles.ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(s), " ")
}

// Tokens splits normalised text on whitespace: the unit of F1 and ROUGE-L.
func Tokens(s string) []string { return strings.Fields(Normalize(s)) }

// isASCIIPunct is Python's string.punctuation, which SQuAD's script strips.
func isASCIIPunct(r rune) bool {
	return strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r)
}
