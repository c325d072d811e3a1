package ingest

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
)

// pdfTimeout bounds one pdftotext or pdfinfo run: a hostile or broken PDF must not stall
// the whole ingest.
const pdfTimeout = 2 * time.Minute

// readPDF extracts a PDF's text page by page with poppler's pdftotext (Debian package
// poppler-utils), keeping page numbers so citations can say "p. 42". There is no mature
// pure-Go PDF text extractor; poppler handles fonts, encodings and broken files far
// better. The bytes go through stdin, so gzipped PDFs need no temporary file.
func readPDF(ctx context.Context, data []byte, name string) (*Document, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(data[:min(len(data), 1024)], "\x00\t\r\n "), []byte("%PDF-")) {
		if len(bytes.TrimSpace(data)) == 0 {
			return nil, skipf("empty file")
		}
		return nil, skipf("not a PDF (no %%PDF- header)")
	}
	if !bytes.Contains(data[max(0, len(data)-2048):], []byte("%%EOF")) {
		return nil, skipf("truncated PDF (no %%%%EOF marker at the end)")
	}
	// The page count (and title), then the text in parallel page ranges while the
	// outline is read (see pdf_text.go).
	meta := pdfInfo(ctx, data)
	outlined := make(chan []outlineEntry, 1)
	go func() { outlined <- pdfOutline(ctx, data) }()
	out, err := pdfText(ctx, data, meta.pages)
	outline := <-outlined
	if err != nil {
		return nil, err
	}
	texts := strings.Split(string(out), "\f")
	if n := len(texts); n > 0 && strings.TrimSpace(texts[n-1]) == "" {
		texts = texts[:n-1] // pdftotext ends every page with \f
	}
	pages := make([]page, len(texts))
	for i, t := range texts {
		pages[i] = page{number: i + 1, text: t}
	}
	stripRunningHeaders(pages)
	// The outline names the sections as the authors did (gnuplot's PDF has no numbered
	// headings at all); without one, the plain-text heuristics find them.
	var doc *Document
	if len(outline) >= minOutline {
		doc = parseOutlined(pages, outline)
	} else {
		doc = parsePlain(pages, true)
	}
	if len(doc.Sections) == 0 {
		return nil, skipf("PDF has no text layer (scanned images?)")
	}
	if meta.title != "" {
		doc.Title = meta.title
	}
	if doc.Title == "" {
		doc.Title = titleFromName(name)
	}
	return doc, nil
}

// minOutline is the fewest bookmarks worth taking as the sections: one or two are a
// cover and a title page.
const minOutline = 3

// runPoppler runs one poppler tool on data (as stdin) and turns its failures into skip
// reasons: a missing tool, a password, a damaged file.
func runPoppler(ctx context.Context, data []byte, tool string, args ...string) ([]byte, error) {
	out, msg, err := runTool(ctx, bytes.NewReader(data), pdfTimeout, "poppler-utils", nil, tool, args...)
	if !errors.Is(err, errToolFailed) {
		return out, err
	}
	if strings.Contains(msg, "Incorrect password") || strings.Contains(msg, "ncrypt") {
		return nil, skipf("encrypted PDF: a password is needed to read it")
	}
	return nil, skipf("damaged PDF: %s", msg)
}

// firstLine returns the first non-empty line of s, or def.
func firstLine(s, def string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return def
}

// pageDigits matches the digits and roman numerals that vary in running headers and
// page-number lines ("Chapter 3: Basic Shell Features 14", "xii").
var pageDigits = regexp.MustCompile(`\b[0-9]+\b|\b[ivxlc]+\b`)

// stripRunningHeaders blanks the first and last lines of pages that repeat (digits aside)
// on many pages: running headers, footers and page numbers would otherwise be glued into
// the middle of passages and match every query about a chapter.
func stripRunningHeaders(pages []page) {
	if len(pages) < 4 {
		return
	}
	key := func(line string) string {
		return strings.Join(strings.Fields(pageDigits.ReplaceAllString(strings.ToLower(line), "#")), " ")
	}
	edges := func(text string) (first, last int, lines []string) {
		lines = strings.Split(text, "\n")
		first, last = -1, -1
		for i, l := range lines {
			if strings.TrimSpace(l) != "" {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		return first, last, lines
	}
	counts := map[string]int{}
	for _, p := range pages {
		first, last, lines := edges(p.text)
		if first < 0 {
			continue
		}
		counts[key(lines[first])]++
		if last != first {
			counts[key(lines[last])]++
		}
	}
	const threshold = 3 // a chapter header repeats on every page of the chapter
	for i, p := range pages {
		first, last, lines := edges(p.text)
		if first < 0 {
			continue
		}
		for _, j := range []int{first, last} {
			if k := key(lines[j]); counts[k] >= threshold || k == "#" {
				lines[j] = ""
			}
		}
		pages[i].text = strings.Join(lines, "\n")
	}
}
