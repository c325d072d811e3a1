package index

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
)

// SnippetChars is about how long a snippet is: long enough to judge a passage, short
// enough for a Slack line or a terminal block.
const SnippetChars = 200

// Marks around matched words in snippets: plain text that Slack (mrkdwn uses *) and
// Markdown both render as emphasis and a terminal shows legibly.
const (
	markOpen  = "**"
	markClose = "**"
)

type span struct{ start, end int }

// snippet cuts the window of about width bytes of text holding the most matched words
// (byte offsets in locs), marks them and folds whitespace, so the snippet is one line.
// With no matches in text (the hit was on the title or section) it is text's opening.
func snippet(text string, locs search.TermLocationMap, width int) string {
	spans := matchSpans(text, locs)
	if len(spans) == 0 {
		return fold(cut(text, 0, width))
	}
	// Slide a window over the spans and keep the start holding the most of them.
	best, bestN := 0, 0
	j := 0
	for i := range spans {
		for j < len(spans) && spans[j].end-spans[i].start <= width {
			j++
		}
		if j-i > bestN {
			best, bestN = i, j-i
		}
	}
	// Centre the matches in the window, a little context before the first.
	first, last := spans[best], spans[best+bestN-1]
	slack := width - (last.end - first.start)
	from := max(0, first.start-slack/3)
	from = wordStart(text, from)
	to := min(len(text), from+width)
	to = max(to, last.end)
	to = wordEnd(text, to)

	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := from
	for _, sp := range spans[best : best+bestN] {
		if sp.start < pos || sp.end > to {
			continue
		}
		b.WriteString(text[pos:sp.start])
		b.WriteString(markOpen)
		b.WriteString(text[sp.start:sp.end])
		b.WriteString(markClose)
		pos = sp.end
	}
	b.WriteString(text[pos:to])
	if to < len(text) {
		b.WriteString("…")
	}
	return fold(b.String())
}

// matchSpans flattens Bleve's term locations into sorted, non-overlapping byte spans
// that lie inside text.
func matchSpans(text string, locs search.TermLocationMap) []span {
	var spans []span
	for _, ls := range locs {
		for _, l := range ls {
			s, e := int(l.Start), int(l.End)
			if s < 0 || e > len(text) || s >= e {
				continue
			}
			spans = append(spans, span{s, e})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 && sp.start < out[n-1].end {
			out[n-1].end = max(out[n-1].end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// cut returns about width bytes of text from from, ending at a word boundary.
func cut(text string, from, width int) string {
	to := wordEnd(text, min(len(text), from+width))
	s := text[from:to]
	if to < len(text) {
		s += "…"
	}
	return s
}

// maxWordShift bounds how far a cut moves to a word boundary, so one huge "word" (a
// URL, a hex dump) cannot stretch a snippet.
const maxWordShift = 24

// wordStart moves i back to the start of the word it falls in (or only to a character
// boundary inside a very long word).
func wordStart(text string, i int) int {
	j := i
	for j > 0 && i-j <= maxWordShift {
		r, size := utf8.DecodeLastRuneInString(text[:j])
		if unicode.IsSpace(r) {
			return j
		}
		j -= size
	}
	if j == 0 {
		return 0
	}
	for i < len(text) && !utf8.RuneStart(text[i]) {
		i++
	}
	return i
}

// wordEnd moves i forward to the end of the word it falls in (or only to a character
// boundary inside a very long word).
func wordEnd(text string, i int) int {
	j := i
	for j < len(text) && j-i <= maxWordShift {
		r, size := utf8.DecodeRuneInString(text[j:])
		if unicode.IsSpace(r) {
			return j
		}
		j += size
	}
	if j >= len(text) {
		return len(text)
	}
	for i < len(text) && !utf8.RuneStart(text[i]) {
		i++
	}
	return i
}

// fold turns every run of whitespace into one space and trims the ends.
func fold(s string) string { return strings.Join(strings.Fields(s), " ") }
