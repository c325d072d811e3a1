package ingest

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// readText reads a plain-text manual: one page, sections found by heuristics.
func readText(src, name string) (*Document, error) {
	doc := parsePlain([]page{{text: src}}, false)
	if doc.Title == "" {
		doc.Title = titleFromName(name)
	}
	return doc, nil
}

// page is the text of one page (PDF) or of a whole file (number 0: no pages).
type page struct {
	number int
	text   string
}

// numberedHeading matches "3.2 Shell Commands" and "1. Introduction" at (nearly) the start
// of a line; the further checks in headingOf weed out list items and table-of-contents
// lines.
var numberedHeading = regexp.MustCompile(`^ {0,3}(\d{1,3}(?:\.\d{1,3}){0,5})\.?[ \t]+(\S.*)$`)

// tocEntry matches table-of-contents lines: dot leaders or a page number far to the right.
var tocEntry = regexp.MustCompile(`(\.\s?){3,}|\s{2,}\d+$`)

// dotLeaders matches table-of-contents and index lines (dot leaders, maybe a page number):
// such lines are dropped, as they would match every query about their chapter.
var dotLeaders = regexp.MustCompile(`(\. ?){4,}\s*([0-9ivxlc]+)?(\s|$)`)

// parsePlain cuts text into sections with cheap heuristics that hold for most plain-text
// and PDF manuals: a line underlined with ===/--- is a heading (level 1/2), and a short
// capitalised line numbered "3.2" after a blank line is a heading of level 2 (the count
// of numbers). Paragraphs are runs of non-blank lines. With squash, runs of spaces inside
// a line are collapsed (pdftotext -layout pads lines to justify them). The title is the
// first line of the text when it is short. A text that starts with NAME is a rendered man
// page: its headings are man's (see manHeading) and its title is the NAME line.
func parsePlain(pages []page, squash bool) *Document {
	doc := &Document{}
	var hs headingStack
	var para []string
	paraPage := 0
	man, manTitle := false, false
	flush := func() {
		if len(para) > 0 {
			text := strings.Join(para, "\n")
			if squash { // PDF: justified text hyphenates at line ends
				text = joinHyphenated(para)
			}
			doc.addBlock(text, paraPage)
			para = para[:0]
		}
	}
	for _, pg := range pages {
		lines := strings.Split(strings.ReplaceAll(pg.text, "\r\n", "\n"), "\n")
		prevBlank := true
		for i := 0; i < len(lines); i++ {
			raw := strings.TrimRight(lines[i], " \t\r")
			line := raw
			if squash {
				line = strings.Join(strings.Fields(line), " ")
			}
			if dotLeaders.MatchString(line) {
				flush()
				prevBlank = false // what follows a contents line is more contents, not a heading
				continue
			}
			if strings.TrimSpace(line) == "" {
				flush()
				prevBlank = true
				continue
			}
			if !man && doc.Title == "" && len(doc.Sections) == 0 && len(para) == 0 && raw == "NAME" {
				man, manTitle = true, true
			}
			if man { // man indents body text, so a heading needs no blank line before it
				if level, title := manHeading(raw); level > 0 {
					flush()
					doc.startSection(hs.push(level, title))
					continue
				}
			}
			if man && !squash { // man indents body text by 7: drop that, keep deeper indents
				line = line[min(manIndent, len(line)-len(strings.TrimLeft(line, " "))):]
			}
			if manTitle {
				doc.Title, manTitle = strings.TrimSpace(line), false // "bash − GNU Bourne-Again SHell"
			}
			if doc.Title == "" && len(doc.Sections) == 0 && len(para) == 0 {
				if t := strings.TrimSpace(line); utf8.RuneCountInString(t) <= 100 {
					doc.Title = t
				}
			}
			next := ""
			if i+1 < len(lines) {
				next = strings.TrimSpace(lines[i+1])
			}
			if level := underlineLevel(line, next); level > 0 {
				flush()
				doc.startSection(hs.push(level, strings.TrimSpace(line)))
				i++ // the underline
				prevBlank = true
				continue
			}
			if prevBlank {
				if level, title := numberedLevel(line); level > 0 {
					flush()
					doc.startSection(hs.push(level, title))
					prevBlank = true
					continue
				}
			}
			if len(para) == 0 {
				paraPage = pg.number
			}
			para = append(para, line)
			prevBlank = false
		}
		flush() // a block never spans pages, so its page is exact
	}
	return doc
}

// manSection and manSubsection are man's .SH and .SS headings as man and groff lay them
// out: an upper-case line at the margin ("SHELL GRAMMAR"), a short line indented three
// spaces ("   Pipelines"); body text is indented further.
var (
	manSection    = regexp.MustCompile(`^[A-Z][A-Z0-9 ,/&'-]{1,48}$`)
	manSubsection = regexp.MustCompile(`^   [A-Z][A-Za-z0-9 ,/&'-]{0,48}$`)
)

// manIndent is the indentation of a man page's body text.
const manIndent = 7

// manHeading returns the level (1 for .SH, 2 for .SS) and title of a rendered man page's
// heading line, or 0.
func manHeading(raw string) (int, string) {
	switch {
	case manSection.MatchString(raw):
		return 1, raw
	case manSubsection.MatchString(raw) && !strings.HasSuffix(raw, "."):
		return 2, strings.TrimSpace(raw)
	}
	return 0, ""
}

// underlineLevel returns 1 for a short line underlined with '=', 2 with '-', 3 with '~' or
// '^', and 0 when next is not such an underline.
func underlineLevel(line, next string) int {
	t := strings.TrimSpace(line)
	n := utf8.RuneCountInString(t)
	if len(next) < 3 || n == 0 || n > 100 || len(next) < n/2 || strings.Trim(next, next[:1]) != "" {
		return 0
	}
	switch next[0] {
	case '=':
		return 1
	case '-':
		return 2
	case '~', '^':
		return 3
	}
	return 0
}

// numberedLevel returns the level and title of a numbered heading line, or 0.
func numberedLevel(line string) (int, string) {
	m := numberedHeading.FindStringSubmatch(line)
	if m == nil {
		return 0, ""
	}
	title := strings.TrimSpace(m[2])
	r, _ := utf8.DecodeRuneInString(title)
	if !unicode.IsUpper(r) || utf8.RuneCountInString(title) > 80 ||
		strings.ContainsAny(title[len(title)-1:], ".,;:") || tocEntry.MatchString(line) {
		return 0, ""
	}
	return strings.Count(m[1], ".") + 1, m[1] + " " + title
}
