package ingest

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// outlineEntry is one bookmark of a PDF's outline: its title, its trail of parent
// bookmarks (indexes into the outline) and the page it points to.
type outlineEntry struct {
	title  string
	parent int // index of the parent entry, -1 at the top
	page   int
}

// pdfOutline reads the PDF's outline (bookmarks) with poppler's pdftohtml, which prints
// it with page numbers in its XML output; rendering only page 1 keeps that cheap (about
// 0.1 s for gnuplot's 311 pages). pdftohtml reads only files, so data goes to a
// temporary one. No outline, or no pdftohtml, gives nil: the plain-text headings serve.
func pdfOutline(ctx context.Context, data []byte) []outlineEntry {
	f, err := os.CreateTemp("", "manualbot-*.pdf")
	if err != nil {
		return nil
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(data)
	if cerr := f.Close(); werr != nil || cerr != nil {
		return nil
	}
	out, err := runPoppler(ctx, nil, "pdftohtml", "-xml", "-i", "-stdout", "-q", "-f", "1", "-l", "1", f.Name())
	if err != nil {
		return nil
	}
	return parseOutline(out)
}

// parseOutline reads pdftohtml's <outline> elements: nested outlines hold the children
// of the item before them.
func parseOutline(x []byte) []outlineEntry {
	i := bytes.Index(x, []byte("<outline"))
	if i < 0 {
		return nil
	}
	dec := xml.NewDecoder(bytes.NewReader(x[i:]))
	dec.Strict = false
	var out []outlineEntry
	parents := []int{}
	last := -1
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "outline":
				if len(out) > 0 || len(parents) > 0 {
					parents = append(parents, last)
				} else {
					parents = append(parents, -1)
				}
			case "item":
				var text string
				if err := dec.DecodeElement(&text, &t); err != nil {
					return out
				}
				page := 0
				for _, a := range t.Attr {
					if a.Name.Local == "page" {
						page, _ = strconv.Atoi(a.Value)
					}
				}
				title := strings.Join(strings.Fields(text), " ")
				if title == "" || page <= 0 {
					continue
				}
				out = append(out, outlineEntry{title: title, parent: parents[len(parents)-1], page: page})
				last = len(out) - 1
			}
		case xml.EndElement:
			if t.Name.Local == "outline" && len(parents) > 0 {
				parents = parents[:len(parents)-1]
				if len(parents) == 0 {
					return out
				}
			}
		}
	}
	return out
}

// parseOutlined cuts a PDF's pages into the sections its outline names: each bookmark's
// section starts at the line of its page that carries its title (as printed there, so
// "3.2.3 Pipelines" keeps its number), or at the top of its page when no line does.
// Paragraphs are runs of non-blank lines, as in parsePlain.
func parseOutlined(pages []page, outline []outlineEntry) *Document {
	doc := &Document{}
	shown := make([]string, len(outline)) // each entry's heading as printed
	path := func(i int) []string {
		var p []string
		for j := i; j >= 0; j = outline[j].parent {
			p = append(p, shown[j])
		}
		for a, b := 0, len(p)-1; a < b; a, b = a+1, b-1 {
			p[a], p[b] = p[b], p[a]
		}
		return p
	}
	next := 0
	var para []string
	paraPage := 0
	flush := func() {
		if len(para) > 0 {
			doc.addBlock(joinHyphenated(para), paraPage)
			para = para[:0]
		}
	}
	start := func(i int, heading string) {
		flush()
		shown[i] = heading
		doc.startSection(path(i))
	}
	for _, pg := range pages {
		// Bookmarks of earlier pages whose title no line carried start here.
		for next < len(outline) && outline[next].page < pg.number {
			start(next, outline[next].title)
			next++
		}
		for _, raw := range strings.Split(strings.ReplaceAll(pg.text, "\r\n", "\n"), "\n") {
			line := strings.Join(strings.Fields(raw), " ")
			if line == "" {
				flush()
				continue
			}
			if doc.Title == "" && utf8.RuneCountInString(line) <= 100 {
				doc.Title = line // the first line, as parsePlain takes it
			}
			if dotLeaders.MatchString(line) {
				flush()
				continue
			}
			matched := false
			for next < len(outline) && outline[next].page == pg.number && headingLine(line, outline[next].title) {
				start(next, line)
				next++
				matched = true
			}
			if matched {
				continue
			}
			if len(para) == 0 {
				paraPage = pg.number
			}
			para = append(para, line)
		}
		flush()
	}
	for ; next < len(outline); next++ {
		shown[next] = outline[next].title
	}
	return doc
}

// headingLine says whether a printed line is the heading a bookmark names: the title
// itself, or the title after a section number ("3.2.3 Pipelines", "II Plotting styles").
func headingLine(line, title string) bool {
	l, t := foldSpace(line), foldSpace(title)
	if l == t {
		return true
	}
	if !strings.HasSuffix(l, " "+t) {
		return false
	}
	prefix := strings.TrimSuffix(l, " "+t)
	return strings.IndexFunc(prefix, func(r rune) bool {
		return !(unicode.IsDigit(r) || r == '.' || strings.ContainsRune("IVXLCivxlcABCDEFGH", r))
	}) < 0 && utf8.RuneCountInString(prefix) <= 12
}

func foldSpace(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// joinHyphenated joins a paragraph's lines, rejoining words that a line end hyphenated
// ("po-" + "sition" is "position"): a hyphen after a letter at the end of a line, before
// a line starting in lower case.
func joinHyphenated(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			prev := lines[i-1]
			r, _ := utf8.DecodeRuneInString(l)
			if n := len(prev); n >= 2 && prev[n-1] == '-' && unicode.IsLetter(rune(prev[n-2])) && unicode.IsLower(r) {
				// the hyphen was already written; drop it and glue the word back
				s := b.String()
				b.Reset()
				b.WriteString(s[:len(s)-1])
			} else {
				b.WriteByte('\n')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}
