package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// splitToFit cuts text into contiguous pieces of at most size runes, at the coarsest
// boundary that works: the whole text, else sentences, else lines, else words. Only a
// single word longer than size is cut inside (there is no better place).
func splitToFit(text string, size int) []string {
	if utf8.RuneCountInString(text) <= size {
		return []string{text}
	}
	var out []string
	for _, s := range cutAfter(text, sentenceEnd) {
		if utf8.RuneCountInString(s) <= size {
			out = append(out, s)
			continue
		}
		for _, l := range cutAfter(s, lineEnd) {
			if utf8.RuneCountInString(l) <= size {
				out = append(out, l)
				continue
			}
			for _, w := range cutAfter(l, wordEnd) {
				if utf8.RuneCountInString(w) <= size {
					out = append(out, w)
					continue
				}
				// White space around the word (a block starting with a space, the
				// space or line end after it) is not part of it: a word that fits
				// alone is not cut (both found by FuzzChunk).
				if word := strings.TrimFunc(w, unicode.IsSpace); word != "" && len(word) < len(w) && utf8.RuneCountInString(word) <= size {
					lead := len(w) - len(strings.TrimLeftFunc(w, unicode.IsSpace))
					for _, p := range []string{w[:lead], word, w[lead+len(word):]} {
						if p != "" {
							out = append(out, p)
						}
					}
					continue
				}
				out = append(out, cutRunes(w, size)...)
			}
		}
	}
	return out
}

// cutAfter splits s into contiguous pieces, each ending where end reports a boundary: end
// returns how many bytes of s[i:] belong to the piece ending at i (its trailing white
// space), or -1 where no boundary is.
func cutAfter(s string, end func(s string, i int) int) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		if n := end(s, i); n > 0 {
			out = append(out, s[start:i+n])
			start = i + n
			i += n
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// sentenceEnd finds the white space after ".", "!" or "?" (and closing quotes or
// brackets) that is followed by something other than a lower-case letter, so "e.g. the"
// and "3.14" are not sentence ends.
func sentenceEnd(s string, i int) int {
	if i == 0 || !spaceAt(s, i) {
		return -1
	}
	j := i
	for j > 0 && strings.ContainsRune(`"')]”’»`, lastRune(s[:j])) {
		_, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
	}
	if j == 0 || !strings.ContainsRune(".!?", lastRune(s[:j])) {
		return -1
	}
	n := spaceRun(s[i:])
	if i+n < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[i+n:]); unicode.IsLower(r) {
			return -1
		}
	}
	return n
}

// lineEnd finds new lines.
func lineEnd(s string, i int) int {
	if s[i] != '\n' {
		return -1
	}
	return spaceRun(s[i:])
}

// wordEnd finds the white space between words.
func wordEnd(s string, i int) int {
	if i == 0 || !spaceAt(s, i) {
		return -1
	}
	return spaceRun(s[i:])
}

// spaceAt reports whether the rune at s[i] is white space. The whole rune is decoded:
// the byte alone missed multi-byte spaces (U+00A0, U+2000, U+3000), so a word beside
// one was cut although it fit (found by FuzzChunk).
func spaceAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

// spaceRun is the length in bytes of the white space at the start of s.
func spaceRun(s string) int {
	return len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// cutRunes cuts s into pieces of at most size runes.
func cutRunes(s string, size int) []string {
	var out []string
	for s != "" {
		i, n := 0, 0
		for i < len(s) && n < size {
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
			n++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}
