package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// The split regexes of GPT-2, Llama-3 and Qwen, as tokenizer.json spells them. Each is
// matched by a hand-written scanner that follows the regex's alternation order and
// backtracking exactly (a test checks it against regexp2 on the golden texts and random
// input): regexp2 is a backtracking engine and spent ~80% of encoding time on them.
const (
	llama3Pattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	qwenPattern   = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// newPatternMatcher returns the fast scanner for a known split regex, else regexp2.
func newPatternMatcher(pattern string) (matcher, error) {
	switch pattern {
	case gpt2Pattern:
		return scanMatcher{gpt2Match}, nil
	case llama3Pattern:
		return scanMatcher{func(s string, i int) int { return llamaMatch(s, i, 3) }}, nil
	case qwenPattern:
		return scanMatcher{func(s string, i int) int { return llamaMatch(s, i, 1) }}, nil
	}
	return newRegexMatcher(pattern)
}

// scanMatcher cuts a string with a function giving the end of the match starting at i.
// These patterns match at every position, so the spans tile the string.
type scanMatcher struct {
	matchAt func(s string, i int) int
}

func (m scanMatcher) spans(s string) ([]span, error) {
	out := make([]span, 0, len(s)/4+1)
	for i := 0; i < len(s); {
		end := m.matchAt(s, i)
		out = append(out, span{i, end, true})
		i = end
	}
	return out, nil
}

func isL(r rune) bool { return unicode.IsLetter(r) }
func isN(r rune) bool { return unicode.IsNumber(r) }
func isS(r rune) bool { return unicode.IsSpace(r) }

// isOther is [^\s\p{L}\p{N}].
func isOther(r rune) bool { return !isS(r) && !isL(r) && !isN(r) }

// runOf returns the end of the run of runes satisfying f from i, and how many runes
// (up to limit; 0 means no limit) it holds.
func runOf(s string, i int, f func(rune) bool, limit int) (end, count int) {
	for i < len(s) && (limit == 0 || count < limit) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !f(r) {
			break
		}
		i += n
		count++
	}
	return i, count
}

// contraction matches 's 't 're 've 'm 'll 'd after the apostrophe at s[i-1].
func contraction(s string, i int, fold bool) int {
	lower := func(c byte) byte {
		if fold && c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	if i < len(s) {
		switch lower(s[i]) {
		case 's', 't', 'm', 'd':
			return i + 1
		}
	}
	if i+1 < len(s) {
		a, b := lower(s[i]), lower(s[i+1])
		if (a == 'r' || a == 'v') && b == 'e' || a == 'l' && b == 'l' {
			return i + 2
		}
	}
	return -1
}

// spaceTail handles \s+(?!\S) then \s+ for a whitespace run [i, end) of count runes:
// the whole run at the end of the text, else the run minus its last rune (so that rune
// joins the next word), else the single rune.
func spaceTail(s string, i, end, count int) int {
	if end == len(s) || count < 2 {
		return end
	}
	_, n := utf8.DecodeLastRuneInString(s[i:end])
	return end - n
}

// gpt2Match is `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
func gpt2Match(s string, i int) int {
	r0, n0 := utf8.DecodeRuneInString(s[i:])
	if r0 == '\'' {
		if e := contraction(s, i+1, false); e > 0 {
			return e
		}
	}
	j := i
	if r0 == ' ' {
		j = i + 1
	}
	if j < len(s) {
		r, _ := utf8.DecodeRuneInString(s[j:])
		for _, f := range [...]func(rune) bool{isL, isN, isOther} {
			if f(r) {
				end, _ := runOf(s, j, f, 0)
				return end
			}
		}
	}
	if isS(r0) {
		end, count := runOf(s, i, isS, 0)
		return spaceTail(s, i, end, count)
	}
	return i + n0 // unreachable: every rune is a letter, number, space or other
}

// llamaMatch is Llama-3's pattern (maxDigits 3) or Qwen's (maxDigits 1):
// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
func llamaMatch(s string, i int, maxDigits int) int {
	r0, n0 := utf8.DecodeRuneInString(s[i:])
	if r0 == '\'' {
		if e := contraction(s, i+1, true); e > 0 {
			return e
		}
	}
	// [^\r\n\p{L}\p{N}]?\p{L}+
	if isL(r0) {
		end, _ := runOf(s, i, isL, 0)
		return end
	}
	if r0 != '\r' && r0 != '\n' && !isN(r0) && i+n0 < len(s) {
		if r1, _ := utf8.DecodeRuneInString(s[i+n0:]); isL(r1) {
			end, _ := runOf(s, i+n0, isL, 0)
			return end
		}
	}
	if isN(r0) {
		end, _ := runOf(s, i, isN, maxDigits)
		return end
	}
	// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
	j := i
	if r0 == ' ' {
		j = i + 1
	}
	if end, count := runOf(s, j, isOther, 0); count > 0 {
		for end < len(s) && (s[end] == '\r' || s[end] == '\n') {
			end++
		}
		return end
	}
	if isS(r0) {
		// \s*[\r\n]+ ends after the run's last line break, if it has one.
		end, count, lastBreak := i, 0, -1
		for end < len(s) {
			r, n := utf8.DecodeRuneInString(s[end:])
			if !isS(r) {
				break
			}
			if r == '\r' || r == '\n' {
				lastBreak = end
			}
			end += n
			count++
		}
		if lastBreak >= 0 {
			return lastBreak + 1
		}
		return spaceTail(s, i, end, count)
	}
	return i + n0 // unreachable: every rune is a letter, number, space or other
}
