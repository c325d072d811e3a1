package ingest

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"
)

// GNU Info manuals: what makeinfo writes from Texinfo, the form in which Debian installs
// every GNU manual (/usr/share/info/bash.info.gz, coreutils, grep, sed, find, gnuplot).
// A file is a run of nodes, each after a 0x1F byte and a header line
//
//	File: sed.info,  Node: Overview,  Next: Command-Line Options,  Up: Invoking sed
//
// whose heading is a line underlined as long as itself with '*' (chapter), '=' (section),
// '-' (subsection) or '.' (subsubsection), so a node's heading trail comes out as the
// PDF and HTML builds of the same manual number it ("3 Basic Shell Features > 3.2 Shell
// Commands"). What is navigation is left out as the HTML reader leaves out link lists: a
// node's menu ("* Menu:" and the entries after it, always last in a node), index nodes
// (marked "\x00\x08[index\x00\x08]"), the text before the first node (the copying notice
// the Top node repeats, and the dir entry) and the tag tables at the end. Cross-references
// ("*Note Shell Functions::") read as "see Shell Functions".
//
// A big manual is split: sed.info holds an "Indirect:" table naming sed.info-1,
// sed.info-2 ..., which hold the nodes. The pipeline reads the parts with the table's
// file (readInfoParts), so the manual is one document whichever file is named, and the
// walk passes over the parts beside their table (infoPartOf).

// The fields of a node's header line: its file, its name and the node it is under. Node
// names hold no commas (Texinfo forbids them).
var (
	infoFileField = regexp.MustCompile(`File:\s*([^,\t]+)`)
	infoNodeField = regexp.MustCompile(`Node:\s*([^,\t]+)`)
	infoUpField   = regexp.MustCompile(`Up:\s*([^,\t]+)`)
)

// infoXref matches a cross-reference, "*Note Label::" or "*note Label: Node." (the node
// maybe in another manual, "(bash)Node"), which may break across lines.
var infoXref = regexp.MustCompile(`\*[Nn]ote\s+([^:*]{1,200}?)::|\*[Nn]ote\s+([^:*]{1,200}?):\s*(?:\([^)\s]*\))?[^.,:*]{0,200}?[.,]`)

// infoMarker matches the markers makeinfo wraps in NUL-backspace pairs: an index node's
// "[index]" and an image's "[image src=...]" (once the NULs are dropped, see infoBytes).
var infoMarker = regexp.MustCompile(`\x08\[[^\x08]{0,1000}\x08\]`)

// infoUnderline gives the heading level of each underline character.
var infoUnderline = map[byte]int{'*': 1, '=': 2, '-': 3, '.': 4}

// infoBytes drops the NUL bytes of makeinfo's markers ("\x00\x08[index\x00\x08]"), which
// would otherwise make the text check take the file for binary data.
func infoBytes(data []byte) []byte {
	return bytes.ReplaceAll(data, []byte("\x00\x08"), []byte("\x08"))
}

// readInfo reads an Info manual (or one part of a split one). name is the file name, the
// title of last resort.
func readInfo(src, name string) (*Document, error) {
	doc := &Document{}
	var hs headingStack
	levels := map[string]int{} // node name -> its heading's level, for nodes without one
	nodes, indirect := 0, []string(nil)
	parts := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\x1f")
	for _, part := range parts[1:] { // parts[0] is the text before the first node
		part = strings.TrimLeft(part, "\n")
		header, body, _ := strings.Cut(part, "\n")
		switch {
		case strings.HasPrefix(header, "Indirect:"):
			indirect = infoIndirect(body)
			continue
		case !strings.HasPrefix(header, "File:"):
			continue // "Tag Table:", "End Tag Table", "Local Variables:"
		}
		nodes++
		if doc.Title == "" {
			if m := infoFileField.FindStringSubmatch(header); m != nil {
				doc.Title = infoTitle(strings.TrimSpace(m[1]))
			}
		}
		if strings.Contains(body, "\x08[index\x08]") {
			continue // an index: every entry is a link to a node
		}
		node, up := "", ""
		if m := infoNodeField.FindStringSubmatch(header); m != nil {
			node = strings.TrimSpace(m[1])
		}
		if m := infoUpField.FindStringSubmatch(header); m != nil {
			up = strings.TrimSpace(m[1])
		}
		readInfoNode(doc, &hs, levels, node, up, body)
	}
	if nodes == 0 {
		if len(indirect) > 0 {
			return nil, skipf("the table of a split Info manual whose parts (%s) are not beside it", strings.Join(indirect, ", "))
		}
		return nil, skipf("not an Info manual (no nodes)")
	}
	if doc.Title == "" {
		doc.Title = titleFromName(name)
	}
	return doc, nil
}

// readInfoNode adds one node's sections and paragraphs to doc. A node without a heading
// (rare: a @node with no sectioning command) is titled by its name, one level below the
// node it is under.
func readInfoNode(doc *Document, hs *headingStack, levels map[string]int, node, up, body string) {
	body = infoMarker.ReplaceAllString(body, "")
	body = strings.ReplaceAll(body, "\x08", "")
	lines := strings.Split(body, "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			doc.addBlock(infoParagraph(para), 0)
			para = para[:0]
		}
	}
	headed := false
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		if line == "* Menu:" {
			break // the menu is the node's last part: links to its sub-nodes
		}
		if strings.TrimSpace(line) == "" || isFootnoteRule(line) {
			flush()
			continue
		}
		if i+1 < len(lines) {
			if level := infoHeadingLevel(line, strings.TrimRight(lines[i+1], " \t")); level > 0 {
				flush()
				doc.startSection(hs.push(level, strings.TrimSpace(line)))
				if node != "" {
					levels[node] = level
				}
				headed = true
				i++
				continue
			}
		}
		if !headed && node != "" {
			level := 5
			if l, ok := levels[up]; ok {
				level = min(l+1, 5)
			}
			levels[node] = level
			doc.startSection(hs.push(level, node))
			headed = true
		}
		para = append(para, line)
	}
	flush()
}

// infoHeadingLevel returns the level of line as a heading underlined by next, or 0. The
// underline is one character repeated exactly as wide as the heading, and a heading
// starts at the margin (example text is indented).
func infoHeadingLevel(line, next string) int {
	if line == "" || line[0] == ' ' || next == "" {
		return 0
	}
	level, ok := infoUnderline[next[0]]
	if !ok || strings.Trim(next, next[:1]) != "" || utf8.RuneCountInString(next) != utf8.RuneCountInString(line) {
		return 0
	}
	return level
}

// isFootnoteRule says whether line is makeinfo's rule before a node's footnotes.
func isFootnoteRule(line string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), "---------- Footnotes ----------")
}

// infoParagraph joins a paragraph's lines, without the indentation they share (makeinfo
// indents a paragraph's first line by three and examples by five), and with its
// cross-references in words.
func infoParagraph(lines []string) string {
	indent := -1
	for _, l := range lines {
		n := len(l) - len(strings.TrimLeft(l, " "))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l[indent:]
	}
	if i := len(out[0]) - len(strings.TrimLeft(out[0], " ")); i > 0 && i <= 3 {
		out[0] = out[0][i:] // the first-line indent of a paragraph, not of an example
	}
	return infoXrefsInWords(strings.Join(out, "\n"))
}

// infoXrefsInWords rewrites cross-references as "see Label".
func infoXrefsInWords(s string) string {
	if !strings.Contains(s, "ote") {
		return s
	}
	return infoXref.ReplaceAllStringFunc(s, func(m string) string {
		sub := infoXref.FindStringSubmatch(m)
		label, end := sub[1], ""
		if label == "" {
			// "*Note Label: Node." ends with a period or comma that also ends the
			// sentence or clause ("@xref{Node, Label}." writes one), so it stays.
			label, end = sub[2], m[len(m)-1:]
		}
		see := "see"
		if strings.HasPrefix(m, "*N") {
			see = "See"
		}
		return see + " " + strings.Join(strings.Fields(label), " ") + end
	})
}

// infoIndirect returns the file names an "Indirect:" table lists ("sed.info-1: 1201").
func infoIndirect(body string) []string {
	var names []string
	for _, l := range strings.Split(body, "\n") {
		name, _, ok := strings.Cut(l, ":")
		if name = strings.TrimSpace(name); ok && name != "" {
			names = append(names, name)
		}
	}
	return names
}

// infoTitle makes a manual's title of the file name its nodes give ("sed.info" is
// "sed"): the name people call the manual by ("info sed"), the same in every part of a
// split manual, where the Top node's heading is sometimes only "Master Menu".
func infoTitle(file string) string {
	file = strings.TrimSuffix(file, ".gz")
	if t := strings.TrimSuffix(file, ".info"); t != "" {
		return t
	}
	return file
}

// infoPart matches the name of one part of a split Info manual: "find.info-2.gz".
var infoPart = regexp.MustCompile(`^(.+\.info)-[0-9]{1,4}(\.gz)?$`)

// infoPartOf returns the names the table file of a split manual may have when name is
// one of its parts ("find.info-2.gz": "find.info", "find.info.gz"), or nil.
func infoPartOf(name string) []string {
	m := infoPart.FindStringSubmatch(name)
	if m == nil {
		return nil
	}
	return []string{m[1], m[1] + ".gz"}
}
