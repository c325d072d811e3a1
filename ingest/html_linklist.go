package ingest

import (
	"strings"
	"unicode"

	"golang.org/x/net/html/atom"
)

// Link lists. A list or table made of links into the manual is navigation, not text (in
// HTML here, in Markdown in markdown.go, by the same rule): a
// back-of-book index (DocBook's bookindex, Texinfo's concept and function indexes, a
// Sphinx genindex), a table of contents, an "all directives" list, a sitemap, a "See
// also" run of pages. Indexed, such a list matches the words of many questions thinly
// ("btree_gin, GIN Indexes, B-Tree ...") and takes a citation's place without answering
// anything (PostgreSQL's "Index > B" ranked first for "which index type should I use").
// So it is dropped, as documentation sites' own search leaves out their index pages; the
// pages it points to hold the text. Measured on the outermost list or table (an index's
// nested entries count as one list), counting as links only those within the manual (a
// glossary whose terms link to Wikipedia is text), a list is navigation when
//
//   - it is links and nothing else (linkOnlyShare), two or more: a "See also" list
//     (Apache httpd ends every directive with one, and "Listen Directive > See also"
//     ranked third for a Node.js question on listening on a port), or
//   - at least linkListShare of its letters are link text, with linkListMinLinks links
//     or more (a contents list, Texinfo's index tables: 75-99% in bash's manual), or
//   - it is a long index, linkIndexMinLinks links or more with at least linkIndexShare
//     link text: a back-of-book index names each entry in plain words before its links
//     (PostgreSQL's bookindex: 43-70% link text, 30 to 790 links a letter).
//
// Measured over PostgreSQL's, Apache httpd's and bash's HTML manuals: the tables and
// lists of content pages (a module's summary table, the directive quick reference with
// its descriptions) stay under all three.
const (
	linkOnlyShare     = 0.9
	linkOnlyMinLinks  = 2
	linkListShare     = 0.75
	linkListMinLinks  = 5
	linkIndexShare    = 0.4
	linkIndexMinLinks = 30
)

// linkList follows the outermost list or table being read: where its blocks start in
// the document, and how much of its text is inside links.
type linkList struct {
	depth      int // nesting of list and table elements; 0 outside any
	section    int // len(doc.Sections) when it opened
	blocks     int // blocks of the last section when it opened
	heading    bool
	inLink     bool
	links      int
	linkRunes  int
	totalRunes int
}

// listElement reports the elements whose text is measured as one list.
func listElement(a atom.Atom) bool {
	switch a {
	case atom.Ul, atom.Ol, atom.Dl, atom.Table:
		return true
	}
	return false
}

// open is called at a list or table's start tag, after the text before it was flushed.
func (l *linkList) open(doc *Document) {
	l.depth++
	if l.depth > 1 {
		return
	}
	*l = linkList{depth: 1, section: len(doc.Sections)}
	if n := len(doc.Sections); n > 0 {
		l.blocks = len(doc.Sections[n-1].Blocks)
	}
}

// text counts a text token's letters and digits, as link text when inside a link.
func (l *linkList) text(t string) {
	if l.depth == 0 {
		return
	}
	n := letters(t)
	l.totalRunes += n
	if l.inLink {
		l.linkRunes += n
	}
}

// linkKind is where an <a> element points.
type linkKind int

const (
	noLink       linkKind = iota // no href: a named anchor, which DocBook and Texinfo put everywhere
	externalLink                 // another site, an e-mail address
	internalLink                 // the manual itself: a relative link or an anchor
)

// kindOfLink says whether href points into the manual itself (a relative link or an
// anchor) or elsewhere (another site, an e-mail address).
func kindOfLink(href string) linkKind {
	h := strings.ToLower(strings.TrimSpace(href))
	switch {
	case h == "":
		return noLink
	case strings.Contains(h, "://") || strings.HasPrefix(h, "//") ||
		strings.HasPrefix(h, "mailto:") || strings.HasPrefix(h, "javascript:"):
		return externalLink
	}
	return internalLink
}

// link is called at an <a> start tag. Its text is link text wherever it points; only a
// link within the manual counts as one (a glossary whose terms link to Wikipedia is
// text, while a "See also" list may end with a link to a wiki page).
func (l *linkList) link(kind linkKind) {
	if l.depth == 0 || kind == noLink {
		return
	}
	l.inLink = true
	if kind == internalLink {
		l.links++
	}
}

// endLink is called at an </a> end tag.
func (l *linkList) endLink() { l.inLink = false }

// sawHeading is called at a heading's start tag: a list holding one is not dropped.
func (l *linkList) sawHeading() {
	if l.depth > 0 {
		l.heading = true
	}
}

// close is called at a list or table's end tag, after its last text was flushed: the
// outermost one, when it is navigation, has its blocks taken out of the document.
func (l *linkList) close(doc *Document) {
	if l.depth == 0 {
		return
	}
	l.depth--
	if l.depth > 0 || !l.navigation() || len(doc.Sections) != max(l.section, 1) {
		return
	}
	s := &doc.Sections[len(doc.Sections)-1]
	if l.section == 0 {
		l.blocks = 0 // the list opened the document's first, untitled section
	}
	if l.blocks <= len(s.Blocks) {
		s.Blocks = s.Blocks[:l.blocks]
	}
}

// navigation says whether the list read is navigation (see the rule above). One
// holding a heading is left whole: the blocks it added belong to several sections.
func (l *linkList) navigation() bool {
	return !l.heading && navigationList(l.links, l.linkRunes, l.totalRunes)
}

// navigationList is the rule above: links within the manual, and the letters of link
// text among all the list's letters.
func navigationList(links, linkRunes, totalRunes int) bool {
	share := float64(linkRunes) / float64(max(totalRunes, 1))
	return links >= linkOnlyMinLinks && share >= linkOnlyShare ||
		links >= linkListMinLinks && share >= linkListShare ||
		links >= linkIndexMinLinks && share >= linkIndexShare
}

// letters counts the letters and digits of t.
func letters(t string) int {
	n := 0
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}
