package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// span is a byte range of a piece with whether a pattern matched it.
type span struct {
	start, end int
	match      bool
}

// matcher finds the pattern occurrences of a Split pre-tokenizer (or of a Replace) and
// returns the whole string cut into match and non-match spans, in order.
type matcher interface {
	spans(s string) ([]span, error)
}

// literalMatcher matches a fixed string; consecutive occurrences are separate matches, as
// with Hugging Face's escaped-regex String pattern.
type literalMatcher struct{ lit string }

func (m literalMatcher) spans(s string) ([]span, error) {
	if m.lit == "" {
		return []span{{0, len(s), false}}, nil
	}
	var out []span
	prev := 0
	for i := 0; i <= len(s)-len(m.lit); {
		j := strings.Index(s[i:], m.lit)
		if j < 0 {
			break
		}
		j += i
		if j > prev {
			out = append(out, span{prev, j, false})
		}
		out = append(out, span{j, j + len(m.lit), true})
		prev = j + len(m.lit)
		i = prev
	}
	if prev < len(s) {
		out = append(out, span{prev, len(s), false})
	}
	return out, nil
}

// regexMatcher runs a Hugging Face Regex pattern. regexp2 is used because the split
// patterns of byte-level models need lookahead, which Go's regexp lacks.
type regexMatcher struct{ re *regexp2.Regexp }

func newRegexMatcher(pattern string) (regexMatcher, error) {
	re, err := regexp2.Compile(pattern, regexp2.None)
	if err != nil {
		return regexMatcher{}, fmt.Errorf("compile regex %q: %w", pattern, err)
	}
	return regexMatcher{re: re}, nil
}

func (m regexMatcher) spans(s string) ([]span, error) {
	if s == "" {
		return nil, nil
	}
	runes := []rune(s)
	var out []span
	prevByte := 0
	// regexp2 reports rune positions; walk a rune->byte cursor forward alongside.
	curRune, curByte := 0, 0
	toByte := func(r int) int {
		for curRune < r {
			curByte += utf8.RuneLen(runes[curRune])
			curRune++
		}
		return curByte
	}
	mt, err := m.re.FindRunesMatch(runes)
	for ; mt != nil && err == nil; mt, err = m.re.FindNextMatch(mt) {
		if mt.Length == 0 {
			continue
		}
		start := toByte(mt.Index)
		end := toByte(mt.Index + mt.Length)
		if start > prevByte {
			out = append(out, span{prevByte, start, false})
		}
		out = append(out, span{start, end, true})
		prevByte = end
	}
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", m.re.String(), err)
	}
	if prevByte < len(s) {
		out = append(out, span{prevByte, len(s), false})
	}
	return out, nil
}

// runeMatcher matches every single rune for which f holds (Metaspace's split on '▁',
// WhitespaceSplit, Digits).
type runeMatcher func(r rune) bool

func (f runeMatcher) spans(s string) ([]span, error) {
	var out []span
	last := 0
	for i, r := range s {
		if f(r) {
			if last < i {
				out = append(out, span{last, i, false})
			}
			end := i + utf8.RuneLen(r)
			out = append(out, span{i, end, true})
			last = end
		}
	}
	if last < len(s) {
		out = append(out, span{last, len(s), false})
	}
	return out, nil
}

// behavior is what a split does with the matched delimiters (Hugging Face's
// SplitDelimiterBehavior).
type behavior int

const (
	behaviorRemoved behavior = iota
	behaviorIsolated
	behaviorMergedWithPrevious
	behaviorMergedWithNext
	behaviorContiguous
)

func parseBehavior(s string) (behavior, error) {
	switch s {
	case "Removed":
		return behaviorRemoved, nil
	case "Isolated":
		return behaviorIsolated, nil
	case "MergedWithPrevious":
		return behaviorMergedWithPrevious, nil
	case "MergedWithNext":
		return behaviorMergedWithNext, nil
	case "Contiguous":
		return behaviorContiguous, nil
	}
	return 0, fmt.Errorf("unsupported split behavior %q", s)
}

// applyBehavior turns match spans into the resulting pieces' byte ranges, following
// Hugging Face's folds exactly (including how runs of delimiters merge).
func applyBehavior(sp []span, b behavior, invert bool) []span {
	if invert {
		for i := range sp {
			sp[i].match = !sp[i].match
		}
	}
	var out []span
	switch b {
	case behaviorIsolated:
		out = sp
	case behaviorRemoved:
		for _, s := range sp {
			if !s.match {
				out = append(out, s)
			}
		}
	case behaviorMergedWithPrevious:
		prevMatch := false
		for _, s := range sp {
			if s.match && !prevMatch && len(out) > 0 {
				out[len(out)-1].end = s.end
			} else {
				out = append(out, s)
			}
			prevMatch = s.match
		}
	case behaviorMergedWithNext:
		prevMatch := false
		for i := len(sp) - 1; i >= 0; i-- {
			s := sp[i]
			if s.match && !prevMatch && len(out) > 0 {
				out[len(out)-1].start = s.start
			} else {
				out = append(out, s)
			}
			prevMatch = s.match
		}
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	case behaviorContiguous:
		prevMatch := false
		for _, s := range sp {
			if s.match == prevMatch && len(out) > 0 {
				out[len(out)-1].end = s.end
			} else {
				out = append(out, s)
			}
			prevMatch = s.match
		}
	}
	return out
}
