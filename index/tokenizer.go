package index

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// wordTokenizerType is a hand-written tokenizer with exactly the output of Bleve's regexp
// tokenizer on `[\p{L}\p{N}]+(?:'[sS])?` (terms, offsets, positions and token types;
// tokenizer_test.go compares the two), at a fraction of the cost: the regexp engine's
// backtracking was a quarter of indexing time. An index whose mapping names the regexp
// tokenizer (built before) still opens and analyses as it was built.
const wordTokenizerType = "manualbot_letters_digits"

type wordsTokenizer struct{}

func init() {
	if err := registry.RegisterTokenizer(wordTokenizerType,
		func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) { return wordsTokenizer{}, nil }); err != nil {
		panic(err)
	}
}

// nextWord returns the bounds of the first word at or after i, or start == len(input).
func nextWord(input []byte, i int) (start, end int) {
	n := len(input)
	for i < n {
		c := input[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				break
			}
			i++
			continue
		}
		r, w := utf8.DecodeRune(input[i:])
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			break
		}
		i += w
	}
	if i >= n {
		return n, n
	}
	start = i
	for i < n {
		c := input[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				i++
				continue
			}
			break
		}
		r, w := utf8.DecodeRune(input[i:])
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			break
		}
		i += w
	}
	if i+1 < n && input[i] == '\'' && (input[i+1] == 's' || input[i+1] == 'S') {
		i += 2
	}
	return start, i
}

func (wordsTokenizer) Tokenize(input []byte) analysis.TokenStream {
	// One allocation for the tokens, one for the stream.
	count := 0
	for i := 0; ; {
		s, e := nextWord(input, i)
		if s == len(input) {
			break
		}
		count++
		i = e
	}
	toks := make([]analysis.Token, count)
	rv := make(analysis.TokenStream, count)
	pos := 0
	for i := 0; pos < count; pos++ {
		s, e := nextWord(input, i)
		t := &toks[pos]
		t.Term = input[s:e:e]
		t.Start, t.End = s, e
		t.Position = pos + 1
		t.Type = tokenType(t.Term)
		rv[pos] = t
		i = e
	}
	return rv
}

// tokenType is Bleve's regexp tokenizer's detectTokenType without its regexp: a term of
// letters and digits parses as a float only when it starts with an ASCII digit or is
// inf/infinity/nan.
func tokenType(term []byte) analysis.TokenType {
	ascii := true
	for _, c := range term {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		for i := 0; i < len(term); {
			r, w := utf8.DecodeRune(term[i:])
			if unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana) {
				return analysis.Ideographic
			}
			i += w
		}
	}
	switch c := term[0]; {
	case '0' <= c && c <= '9', c == 'i', c == 'I', c == 'n', c == 'N':
		if _, err := strconv.ParseFloat(string(term), 64); err == nil {
			return analysis.Numeric
		}
	}
	return analysis.AlphaNumeric
}
