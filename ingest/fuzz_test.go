package ingest

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzChunks chunks doc and checks what every chunk must be whatever the input: valid
// UTF-8, not blank, within the size bound (a tiny last piece may be folded in), in its
// section's words only, and no word of a section lost. (Overlap is best effort: a unit
// that would not fit after it starts a chunk without one, so it is not checked here.)
func fuzzChunks(t *testing.T, doc *Document, opt ChunkOptions) {
	t.Helper()
	opt = opt.normalized()
	chunks := chunkDocument(doc, opt)
	words := map[string]map[string]bool{} // section -> words
	for _, s := range doc.Sections {
		key := strings.Join(s.Path, ">")
		if words[key] == nil {
			words[key] = map[string]bool{}
		}
		for _, b := range s.Blocks {
			for _, w := range strings.Fields(b.Text) {
				words[key][w] = true
			}
		}
	}
	seen := map[string]bool{}
	for i, c := range chunks {
		key := strings.Join(c.Section, ">")
		if !utf8.ValidString(c.Text) {
			t.Fatalf("chunk %d is not valid UTF-8: %q", i, c.Text)
		}
		if strings.TrimSpace(c.Text) == "" {
			t.Fatalf("chunk %d is blank", i)
		}
		if n := utf8.RuneCountInString(c.Text); n > opt.Size+opt.Size/5 {
			t.Fatalf("chunk %d has %d runes for size %d: %q", i, n, opt.Size, c.Text)
		}
		for _, w := range strings.Fields(c.Text) {
			seen[key+"\x00"+w] = true
			if !words[key][w] && !partOfLongWord(words[key], w, opt.Size) {
				t.Fatalf("chunk %d has %q, not a whole word of section %q", i, w, key)
			}
		}
	}
	for key, ws := range words {
		for w := range ws {
			if utf8.RuneCountInString(w) < opt.Size && !seen[key+"\x00"+w] {
				t.Fatalf("word %q of section %q is in no chunk", w, key)
			}
		}
	}
}

// FuzzReaders parses arbitrary bytes as a Markdown, HTML, plain-text and Info manual: a file
// that is not a manual must be a SkipError (never a panic or another error), and a
// manual that parses must chunk cleanly.
func FuzzReaders(f *testing.F) {
	for _, s := range []string{
		"# Title\n\nSome *text* with `code`.\n\n## Reset\n\n1. Hold the button.\n2. Wait.\n",
		"---\ntitle: Front\n---\n# H\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```sh\nls\n```\n",
		"<html><head><title>T</title><style>x{}</style></head><body><h1>A</h1><p>one<br>two</p><nav>skip</nav><h2>B</h2><pre>x  y</pre></body></html>",
		"<p hidden>x</p><div aria-hidden=true>y</div><table><tr><td>c</td></tr></table><h3><a>link</a></h3>",
		"NAME\n       ls - list\n\nSYNOPSIS\n       ls [OPTION]...\n",
		"Manual\n======\n\n1. Intro\n\nText\n\n1.1 More\n--------\nend",
		"\xef\xbb\xbf# BOM\n", "\x00binary", "%PDF-1.4", "", "   \n\t",
		strings.Repeat("word ", 400), strings.Repeat("x", 3000), demoInfo,
		"\x1f\nFile: a.info,  Node: N,  Up: (dir)\n\nH\n*\n\n*note x\n::, *Note y: (z)w.\n\x1f\nIndirect:\na.info-1: 1\n",
	} {
		f.Add([]byte(s), uint8(0), 60, 10)
	}
	f.Fuzz(func(t *testing.T, data []byte, format uint8, size, overlap int) {
		formats := []Format{FormatMarkdown, FormatHTML, FormatText, FormatInfo}
		doc, err := parseDocument(context.Background(), data, formats[int(format)%len(formats)], "fuzz.md")
		if err != nil {
			if !IsSkip(err) {
				t.Fatalf("not a SkipError: %v", err)
			}
			return
		}
		if !utf8.ValidString(doc.Title) {
			t.Fatalf("title is not valid UTF-8: %q", doc.Title)
		}
		fuzzChunks(t, doc, ChunkOptions{Size: size % 5000, Overlap: overlap % 5000})
	})
}

// FuzzPDFText runs the post-processing of pdftotext's output (pages split on form feeds,
// running headers stripped, headings found) on arbitrary text, then the chunker.
func FuzzPDFText(f *testing.F) {
	pageText := func(n int) string {
		return "Chapter 3: Basic Shell Features  " + strings.Repeat("i", n%4+1) + "\n\nBody text of the page.\n   More.\n\n" + "  14\n"
	}
	f.Add(pageText(1)+"\f"+pageText(2)+"\f"+pageText(3)+"\f"+pageText(4)+"\f", 80, 10)
	f.Add("NAME\n  x - y\n\fSYNOPSIS\n  x\n\f\f\f", 30, 5)
	f.Add("\f\f\f\f\f", 0, 0)
	f.Fuzz(func(t *testing.T, out string, size, overlap int) {
		out = strings.ToValidUTF8(out, "\uFFFD") // pdftotext -enc UTF-8 writes UTF-8
		texts := strings.Split(out, "\f")
		pages := make([]page, len(texts))
		for i, s := range texts {
			pages[i] = page{number: i + 1, text: s}
		}
		stripRunningHeaders(pages)
		doc := parsePlain(pages, true)
		for _, s := range doc.Sections {
			for _, b := range s.Blocks {
				if b.Page < 1 || b.Page > len(pages) {
					t.Fatalf("block on page %d of %d", b.Page, len(pages))
				}
			}
		}
		fuzzChunks(t, doc, ChunkOptions{Size: size % 5000, Overlap: overlap % 5000})
	})
}

// FuzzChunk cuts arbitrary sections with arbitrary sizes.
func FuzzChunk(f *testing.F) {
	f.Add("One. Two three four.\n\nFive six.", "A\x00B", 20, 5)
	f.Add(strings.Repeat("é ", 100)+strings.Repeat("ü", 70), "", 25, 12)
	f.Add("a\u00a0b\u2028c\u3000d. e", "x", 21, 100)
	f.Fuzz(func(t *testing.T, text, heading string, size, overlap int) {
		text = strings.ToValidUTF8(text, "?")
		var blocks []Block
		for i, b := range strings.Split(text, "\x00") {
			blocks = append(blocks, Block{Text: b, Page: i})
		}
		doc := &Document{Sections: []Section{{Path: strings.Split(heading, "\x00"), Blocks: blocks}}}
		fuzzChunks(t, doc, ChunkOptions{Size: size % 5000, Overlap: overlap % 5000})
	})
}
