package index

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// syntaxTokenizerType is the word tokenizer (tokenizer.go) plus the syntax manuals are
// searched by: command-line options ("set -e", "--port", kept as "-e" and "--port"
// beside the words "e" and "port") and runs of two or more operator characters ("[[",
// "!!", "$?", "**", "&&", "2>&1"'s ">&"). Words alone lose them: "what does set -e do"
// was a search for "set" and "e".
const syntaxTokenizerType = "manualbot_words_syntax"

type syntaxTokenizer struct{}

func init() {
	if err := registry.RegisterTokenizer(syntaxTokenizerType,
		func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) { return syntaxTokenizer{}, nil }); err != nil {
		panic(err)
	}
}

// operatorChar: the characters of shell, SQL and expression operators that a run of two
// or more makes a term.
func operatorChar(c byte) bool {
	switch c {
	case '!', '$', '?', '*', '[', ']', '{', '}', '&', '|', '<', '>', '@', '#':
		return true
	}
	return false
}

func asciiAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// optionStart says whether a dash at input[i] starts a word: at the start, after white
// space, an opening bracket or an opening quote. Info manuals quote every option ('-e',
// or ‘-e’ where makeinfo writes UTF-8), Markdown and man pages often do (`-e`, "-e").
func optionStart(input []byte, i int) bool {
	if i == 0 {
		return true
	}
	switch input[i-1] {
	case ' ', '\t', '\n', '(', '[', '\'', '`', '"':
		return true
	}
	return i >= 3 && input[i-3] == 0xE2 && input[i-2] == 0x80 && (input[i-1] == 0x98 || input[i-1] == 0x9C) // ‘ “
}

// nextSyntax returns the bounds of the first syntax token at or after i (start ==
// len(input) when none): an option (one or two dashes at the start of a word (see
// optionStart), then a letter) or an operator run.
func nextSyntax(input []byte, i int) (start, end int) {
	n := len(input)
	for ; i < n; i++ {
		c := input[i]
		if c == '-' && optionStart(input, i) {
			j := i + 1
			if j < n && input[j] == '-' {
				j++
			}
			if j < n && ('a' <= input[j] && input[j] <= 'z' || 'A' <= input[j] && input[j] <= 'Z') {
				k := j
				for k < n && (asciiAlnum(input[k]) || input[k] == '-' && k+1 < n && asciiAlnum(input[k+1])) {
					k++
				}
				return i, k
			}
			// a dash run ("--", "---") or a minus: not an option
			for i+1 < n && input[i+1] == '-' {
				i++
			}
			continue
		}
		if operatorChar(c) {
			j := i
			for j < n && operatorChar(input[j]) {
				j++
			}
			if j-i >= 2 {
				return i, j
			}
			i = j - 1
		}
	}
	return n, n
}

// Tokenize is the word tokenizer's tokens with the syntax tokens among them, in order of
// their start (an option before its word). The words keep the word tokenizer's positions
// and a syntax token takes the position of the word after it (the last word's at the
// end), as a synonym would: proximity between words is what it was without them.
func (syntaxTokenizer) Tokenize(input []byte) analysis.TokenStream {
	words := wordsTokenizer{}.Tokenize(input)
	var rv analysis.TokenStream
	w := 0
	for i := 0; ; {
		s, e := nextSyntax(input, i)
		for w < len(words) && words[w].Start < s {
			rv = append(rv, words[w])
			w++
		}
		if s == len(input) {
			break
		}
		pos := len(words)
		if w < len(words) {
			pos = words[w].Position
		}
		rv = append(rv, &analysis.Token{Term: input[s:e:e], Start: s, End: e, Position: max(pos, 1), Type: analysis.AlphaNumeric})
		i = e
	}
	return rv
}
