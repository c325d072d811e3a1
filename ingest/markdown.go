package ingest

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// readMarkdown parses a Markdown manual with goldmark (GFM tables included) and walks the
// AST: headings build the section path, paragraphs, list items, table rows and code
// blocks become blocks. Link targets are dropped (they are noise to BM25 and to a
// reader of a passage); link labels stay.
func readMarkdown(src, name string) (*Document, error) {
	title, body := splitFrontMatter(src)
	source := []byte(body)
	md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))
	root := md.Parser().Parse(text.NewReader(source))

	w := &mdWalker{src: source, doc: &Document{}}
	w.blocks(root)
	doc := w.doc
	switch {
	case title != "":
		doc.Title = title
	case w.firstH1 != "":
		doc.Title = w.firstH1
	default:
		doc.Title = titleFromName(name)
	}
	return doc, nil
}

// mdWalker carries the state of one Markdown document's walk.
type mdWalker struct {
	src      []byte
	doc      *Document
	headings headingStack
	firstH1  string
}

// blocks adds the block children of n to the document.
func (w *mdWalker) blocks(n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		w.block(c)
	}
}

func (w *mdWalker) block(n ast.Node) {
	switch n := n.(type) {
	case *ast.Heading:
		t := normalizeSpace(w.inline(n))
		if t == "" {
			return
		}
		if n.Level == 1 && w.firstH1 == "" {
			w.firstH1 = t
		}
		w.doc.startSection(w.headings.push(n.Level, t))
	case *ast.Paragraph, *ast.TextBlock:
		w.doc.addBlock(strings.TrimSpace(w.inline(n)), 0)
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		w.doc.addBlock(strings.TrimRight(linesText(n, w.src), "\n "), 0)
	case *ast.HTMLBlock:
		w.doc.addBlock(normalizeSpace(htmlFragmentText(linesText(n, w.src))), 0)
	case *ast.List:
		if w.navigation(n) {
			return
		}
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			w.doc.addBlock(strings.TrimSpace("- "+w.flatText(item)), 0)
		}
	case *ast.Blockquote:
		w.blocks(n)
	case *extast.Table:
		if w.navigation(n) {
			return
		}
		for row := n.FirstChild(); row != nil; row = row.NextSibling() {
			var cells []string
			for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
				cells = append(cells, normalizeSpace(w.inline(cell)))
			}
			w.doc.addBlock(strings.Join(cells, " | "), 0)
		}
	case *ast.ThematicBreak:
	default:
		w.doc.addBlock(strings.TrimSpace(w.flatText(n)), 0)
	}
}

// navigation says whether list or table n is a list of links into the manual, which is
// not indexed ("* [Buffer](buffer.md)" lines of Node.js's index.md, a README's table of
// contents; see html_linklist.go for the rule).
func (w *mdWalker) navigation(n ast.Node) bool {
	links, linkRunes, total, inLink := 0, 0, 0, 0
	count := func(t []byte, link bool) {
		n := letters(string(t))
		total += n
		if link {
			linkRunes += n
		}
	}
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		switch c := c.(type) {
		case *ast.Link:
			if !entering {
				inLink--
				break
			}
			inLink++
			if kindOfLink(string(c.Destination)) == internalLink {
				links++
			}
		case *ast.AutoLink:
			if entering {
				count(c.Label(w.src), true)
			}
		case *ast.Text:
			if entering {
				count(c.Segment.Value(w.src), inLink > 0)
			}
		case *ast.String:
			if entering {
				count(c.Value, inLink > 0)
			}
		}
		return ast.WalkContinue, nil
	})
	return navigationList(links, linkRunes, total)
}

// flatText renders a container block (a list item, an unknown block) as text: its
// paragraphs on their own lines, nested list items as "- " lines.
func (w *mdWalker) flatText(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		var part string
		switch c := c.(type) {
		case *ast.FencedCodeBlock, *ast.CodeBlock, *ast.HTMLBlock:
			part = strings.TrimRight(linesText(c, w.src), "\n ")
		case *ast.List:
			var items []string
			for item := c.FirstChild(); item != nil; item = item.NextSibling() {
				items = append(items, "- "+w.flatText(item))
			}
			part = strings.Join(items, "\n")
		default:
			part = w.inline(c)
		}
		if part = strings.TrimSpace(part); part != "" {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(part)
		}
	}
	return b.String()
}

// inline renders the inline content of n: text, code spans, link labels and image alt
// text; URLs, autolinks and raw HTML are left out.
func (w *mdWalker) inline(n ast.Node) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Value(w.src))
			switch {
			case c.HardLineBreak():
				b.WriteByte('\n')
			case c.SoftLineBreak():
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.AutoLink, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// linesText joins the raw source lines of a block (code, HTML).
func linesText(n ast.Node, src []byte) string {
	var b bytes.Buffer
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(src))
	}
	return b.String()
}

// splitFrontMatter removes a leading YAML front matter block ("---" lines) and returns its
// title key, if any, with the rest of the document.
func splitFrontMatter(src string) (title, body string) {
	if !strings.HasPrefix(src, "---\n") && !strings.HasPrefix(src, "---\r\n") {
		return "", src
	}
	rest := src[strings.IndexByte(src, '\n')+1:]
	for off := 0; off < len(rest); {
		end := strings.IndexByte(rest[off:], '\n')
		line := rest[off:]
		next := len(rest)
		if end >= 0 {
			line = rest[off : off+end]
			next = off + end + 1
		}
		line = strings.TrimRight(line, "\r")
		if line == "---" || line == "..." {
			return title, rest[next:]
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "title" && title == "" {
			title = strings.Trim(strings.TrimSpace(v), `"'`)
		}
		off = next
	}
	return "", src // no closing line: not front matter after all
}

// titleFromName makes a title from a file name: "getting-started.md.gz" -> "getting started".
func titleFromName(name string) string {
	base := filepath.Base(name)
	base = strings.TrimSuffix(base, ".gz")
	base = strings.TrimSuffix(base, filepath.Ext(base))
	t := strings.TrimSpace(strings.NewReplacer("_", " ", "-", " ").Replace(base))
	if t == "" {
		return filepath.Base(name)
	}
	return t
}

// normalizeSpace collapses runs of white space (new lines included) into single spaces.
func normalizeSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
