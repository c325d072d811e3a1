package bot

import (
	"regexp"
	"strings"
)

// Models write Markdown; Slack's section blocks read mrkdwn, where **bold** shows its
// asterisks, "# Title" its hash and "- item" its dash. toMrkdwn converts what answers use:
// bold, italics, strike-through, headings, bullet lists, links, inline code and fenced
// code blocks (left verbatim inside, language tag dropped). Its input is already escaped
// (escapeText), so the only markup in the output is what the conversion writes.
func toMrkdwn(s string) string {
	lines := strings.Split(s, "\n")
	inFence := false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if !inFence {
				// Slack shows a language tag as the first line of code: drop it.
				lines[i] = "```" + strings.TrimSpace(strings.TrimLeft(strings.TrimPrefix(trimmed, "```"), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-_#"))
			}
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		lines[i] = convertLine(line)
	}
	return strings.Join(lines, "\n")
}

var (
	headingRE = regexp.MustCompile(`^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$`)
	bulletRE  = regexp.MustCompile(`^(\s*)[-*+]\s+`)
	boldRE    = regexp.MustCompile(`\*\*(\S(?:.*?\S)?)\*\*|__(\S(?:.*?\S)?)__`)
	italicRE  = regexp.MustCompile(`(^|[\s(])\*(\S(?:[^*]*?\S)?)\*`)
	strikeRE  = regexp.MustCompile(`~~(\S(?:.*?\S)?)~~`)
	linkRE    = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
	codeRE    = regexp.MustCompile("`[^`]+`")
)

// convertLine converts one line outside code fences; inline code spans are kept as they are.
func convertLine(line string) string {
	if m := headingRE.FindStringSubmatch(line); m != nil {
		return "*" + convertInline(m[1]) + "*"
	}
	if m := bulletRE.FindStringSubmatch(line); m != nil {
		return m[1] + "• " + convertInline(line[len(m[0]):])
	}
	return convertInline(line)
}

func convertInline(s string) string {
	var out strings.Builder
	last := 0
	for _, loc := range codeRE.FindAllStringIndex(s, -1) {
		out.WriteString(convertSpan(s[last:loc[0]]))
		out.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	out.WriteString(convertSpan(s[last:]))
	return out.String()
}

// boldMark stands for a bold asterisk while italics are converted, so that **x** does
// not read as two italics.
const boldMark = "\x00"

func convertSpan(s string) string {
	s = boldRE.ReplaceAllStringFunc(s, func(m string) string {
		return boldMark + m[2:len(m)-2] + boldMark
	})
	s = italicRE.ReplaceAllString(s, "${1}_${2}_")
	s = strings.ReplaceAll(s, boldMark, "*")
	s = strikeRE.ReplaceAllString(s, "~${1}~")
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRE.FindStringSubmatch(m)
		link := safeLink(unescapeText(sub[2]))
		if link == "" {
			return sub[1]
		}
		return "<" + link + "|" + strings.ReplaceAll(sub[1], "|", "¦") + ">"
	})
	return s
}

// previewMarkerRE matches complete citation markers ([1], [2, 3]) and, at the very end, one
// still being written ("[1", "[").
var previewMarkerRE = regexp.MustCompile(`\s?\[\d+(?:\s*,\s*\d+)*\]|\s?\[[\d,\s]*$`)

// stripMarkers removes citation markers from a streaming preview: the pipeline checks
// them against the passages only when the answer is complete, and a preview must not show
// a citation that the final answer then drops.
func stripMarkers(s string) string {
	return previewMarkerRE.ReplaceAllString(s, "")
}
