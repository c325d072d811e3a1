package mini

import (
	"fmt"
	"strings"
)

// ManualTitle is the manual's top heading; ManualFile its file name, the source_doc of
// every manual question.
const (
	ManualTitle = "The Gadget Book"
	ManualFile  = "manual.md"
)

// Paragraphs is the gadget's manual page as short sentences, one paragraph per topic
// (what it is, how to use it, safety). Everything a question asks is said once here.
func (g Gadget) Paragraphs() []string {
	n := g.Name
	return []string{
		fmt.Sprintf("The %s is a %s %s %s. It makes %s. It has %s %s buttons. On top of the %s, there is a little %s.",
			n, g.Size, g.Colour, g.Shape, g.Makes, g.Buttons, g.ButtonCol, n, g.Topper),
		fmt.Sprintf("To use the %s, first you %s. Then you press the %s buttons. When the %s is done, it says %s.",
			n, g.FirstStep, g.ButtonCol, n, g.Sound),
		fmt.Sprintf("Never put %s in the %s. Keep the %s in the %s.", g.Forbidden, n, n, g.Place),
	}
}

// Text is the page as one passage, the gold context of the gadget's questions.
func (g Gadget) Text() string { return strings.Join(g.Paragraphs(), " ") }

// introParagraphs open the manual.
func introParagraphs(n int) []string {
	return []string{
		fmt.Sprintf("This book is about %d funny gadgets. Each gadget has its own page.", n),
		"Read the page before you use a gadget. Ask a grown-up for help.",
	}
}

// renderManual writes the manual as Markdown: the title, the intro, then one "## The
// Name" section per gadget, which is how ingest splits it into citable sections.
func renderManual(gs []Gadget) string {
	var b strings.Builder
	b.WriteString("# " + ManualTitle + "\n\n")
	for _, p := range introParagraphs(len(gs)) {
		b.WriteString(p + "\n\n")
	}
	for _, g := range gs {
		b.WriteString("## " + g.Section() + "\n\n")
		for _, p := range g.Paragraphs() {
			b.WriteString(p + "\n\n")
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
