package ingest

import (
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// readHTML reads an HTML manual with the streaming tokenizer of golang.org/x/net/html
// rather than the tree parser: no tree is built and nothing recurses, so a page nested
// 10,000 deep costs what a flat one does. <title> (else the first h1) is the title, h1..h6
// build the section path, and page furniture (scripts, styles, navigation, headers,
// footers, asides, DocBook's navheader/navfooter/toc divs) is dropped.
func readHTML(src, name string) (*Document, error) {
	p := &htmlReader{doc: &Document{}}
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				return nil, skipf("unreadable HTML: %v", z.Err())
			}
			break
		}
		p.token(z, tt)
	}
	p.flush()
	doc := p.doc
	switch {
	case normalizeSpace(p.title.String()) != "":
		doc.Title = pageTitle(normalizeSpace(p.title.String()), p.firstH1)
	case p.firstH1 != "":
		doc.Title = p.firstH1
	default:
		doc.Title = titleFromName(name)
	}
	return doc, nil
}

// htmlReader is the state of one page's token stream.
type htmlReader struct {
	doc      *Document
	headings headingStack
	firstH1  string

	// skipAtom/skipDepth track a dropped element: everything until its matching end tag
	// (counting nested elements of the same name) is ignored.
	skipAtom  atom.Atom
	skipDepth int

	// links measures the list or table being read, to drop it when it is navigation
	// (html_linklist.go).
	links linkList

	// boxDivs is the div nesting depth inside an admonition box (see classifyByAttr),
	// 0 outside one: headings inside a box do not start sections.
	boxDivs int

	inTitle      bool
	title        strings.Builder
	headingLevel int // 1..6 while inside a heading
	heading      strings.Builder
	preDepth     int
	text         strings.Builder
	textIsPre    bool
}

func (p *htmlReader) token(z *html.Tokenizer, tt html.TokenType) {
	switch tt {
	case html.TextToken:
		if p.skipDepth > 0 {
			return
		}
		t := string(z.Text())
		switch {
		case p.inTitle:
			p.title.WriteString(t)
		case p.headingLevel > 0:
			p.heading.WriteString(t)
		default:
			if p.preDepth > 0 {
				p.textIsPre = true
			}
			p.text.WriteString(t)
			p.links.text(t)
		}
	case html.StartTagToken, html.SelfClosingTagToken:
		name, hasAttr := z.TagName()
		a := atom.Lookup(name)
		if p.skipDepth > 0 {
			if a == p.skipAtom && tt == html.StartTagToken {
				p.skipDepth++
			}
			return
		}
		dropped, box, href := false, false, noLink
		if hasAttr {
			dropped, box, href = classifyByAttr(z)
		}
		if tt == html.StartTagToken && (droppedElement(a) || dropped) {
			p.skipAtom, p.skipDepth = a, 1
			return
		}
		if a == atom.Div && tt == html.StartTagToken {
			switch {
			case p.boxDivs > 0:
				p.boxDivs++
			case box:
				p.boxDivs = 1
			}
		}
		p.startTag(a, tt == html.SelfClosingTagToken)
		switch {
		case a == atom.A:
			p.links.link(href)
		case listElement(a) && tt == html.StartTagToken:
			p.links.open(p.doc)
		case headingLevel(a) > 0:
			p.links.sawHeading()
		}
	case html.EndTagToken:
		name, _ := z.TagName()
		a := atom.Lookup(name)
		if p.skipDepth > 0 {
			if a == p.skipAtom {
				p.skipDepth--
			}
			return
		}
		if a == atom.Div && p.boxDivs > 0 {
			p.boxDivs--
		}
		p.endTag(a)
		switch {
		case a == atom.A:
			p.links.endLink()
		case listElement(a):
			p.links.close(p.doc)
		}
	}
}

func (p *htmlReader) startTag(a atom.Atom, selfClosing bool) {
	switch {
	case a == atom.Title:
		p.inTitle = !selfClosing
	case headingLevel(a) > 0:
		p.flush()
		p.headingLevel = headingLevel(a)
		p.heading.Reset()
	case a == atom.Pre:
		p.flush()
		if !selfClosing {
			p.preDepth++
		}
	case a == atom.Td || a == atom.Th:
		p.text.WriteString(" ")
	case a == atom.Br:
		if p.preDepth > 0 {
			p.text.WriteString("\n")
		} else {
			p.flush()
		}
	case blockElement(a):
		p.flush()
	}
}

func (p *htmlReader) endTag(a atom.Atom) {
	switch {
	case a == atom.Title:
		p.inTitle = false
	case headingLevel(a) > 0 && p.headingLevel > 0:
		// A bare pilcrow closing a heading is a permalink too (a manual's own markup).
		t := strings.TrimSpace(strings.TrimSuffix(normalizeSpace(p.heading.String()), "¶"))
		level := p.headingLevel
		p.headingLevel = 0
		if t == "" {
			return
		}
		if p.boxDivs > 0 {
			// A note's or warning's title ("Note", "Only available in <Directory>
			// sections") is part of its section, not a new one: DocBook titles its boxes
			// with the heading level of the section's own subsections, so taking it as
			// one would file the box, and the rest of the section after it, under "Note".
			p.doc.addBlock(t, 0)
			return
		}
		if level == 1 && p.firstH1 == "" {
			p.firstH1 = t
		}
		p.doc.startSection(p.headings.push(level, t))
	case a == atom.Pre:
		p.flush()
		if p.preDepth > 0 {
			p.preDepth--
		}
	case blockElement(a):
		p.flush()
	}
}

// flush ends the current text block: pre-formatted text keeps its lines, other text has
// its white space collapsed as a browser would.
func (p *htmlReader) flush() {
	raw := p.text.String()
	p.text.Reset()
	var t string
	if p.textIsPre {
		t = strings.Trim(raw, "\n\r")
		t = strings.TrimRight(t, " \t\n")
	} else {
		t = normalizeSpace(raw)
	}
	p.textIsPre = false
	p.doc.addBlock(t, 0)
}

// droppedElement reports page furniture whose text is not part of the manual.
func droppedElement(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Nav, atom.Header, atom.Footer, atom.Aside,
		atom.Noscript, atom.Template, atom.Svg, atom.Math, atom.Iframe, atom.Object,
		atom.Select, atom.Button:
		return true
	}
	return false
}

// classifyByAttr reads an element's attributes: dropped for navigation by role, hidden,
// or one of the navigation/table-of-contents classes that documentation generators
// (DocBook, Sphinx) put on plain divs; box for an admonition (a note, tip, warning,
// caution or important box, as DocBook, Sphinx and Apache's manual class them); and
// where its href, if any, points (html_linklist.go).
func classifyByAttr(z *html.Tokenizer) (dropped, box bool, href linkKind) {
	for {
		k, v, more := z.TagAttr()
		switch string(k) {
		case "hidden":
			return true, false, noLink
		case "href":
			href = kindOfLink(string(v))
		case "role":
			if string(v) == "navigation" {
				return true, false, noLink
			}
		case "aria-hidden":
			if string(v) == "true" {
				return true, false, noLink
			}
		case "class":
			for _, c := range strings.Fields(string(v)) {
				switch c {
				case "navheader", "navfooter", "toc", "breadcrumb", "breadcrumbs",
					"sphinxsidebar", "related", "headerlink", "permalink":
					return true, false, noLink
				case "note", "tip", "warning", "caution", "important", "admonition":
					box = true
				}
			}
		}
		if !more {
			return false, box, href
		}
	}
}

// headingLevel returns 1..6 for h1..h6 and 0 for other elements.
func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

// blockElement reports elements that end a paragraph of text.
func blockElement(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Main, atom.Body,
		atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd,
		atom.Table, atom.Tr, atom.Thead, atom.Tbody, atom.Caption,
		atom.Blockquote, atom.Hr, atom.Figure, atom.Figcaption, atom.Form,
		atom.Details, atom.Summary, atom.Address:
		return true
	}
	return false
}

// htmlFragmentText returns the text of an HTML fragment (raw HTML inside Markdown).
func htmlFragmentText(src string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(src))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
				b.WriteByte(' ')
			}
		case html.StartTagToken:
			if name, _ := z.TagName(); droppedElement(atom.Lookup(name)) {
				skip++
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); droppedElement(atom.Lookup(name)) && skip > 0 {
				skip--
			}
		}
	}
}
