package index

import (
	"strings"
	"testing"
)

// TestLeafHeadingBounds: the bounds leafHeading gives cut, out of the scored text toDoc
// builds, exactly the chunk's own heading (the last of its section path, else its title).
func TestLeafHeadingBounds(t *testing.T) {
	for _, c := range []Chunk{
		{Product: "gnuplot", Title: "gnuplot documentation", Section: []string{"III Commands", "Set-show", "Xrange"}, Text: "The set xrange command sets the range."},
		{Product: "node", Title: "File system", Section: []string{"File system", "fs.readFile(path[, options], callback)"}, Text: "Reads a file."},
		{Product: "postgresql", Title: "CREATE ROLE", Section: []string{"Examples"}, Text: "Création d'un rôle: CREATE ROLE jonathan LOGIN;"},
		{Product: "", Title: "Untitled", Text: "No section at all."},
		{Product: "p", Title: "", Section: []string{"Only", "Deep", "Leaf"}, Text: ""},
	} {
		section := strings.Join(c.Section, SectionSep)
		text := toDoc(c, func(string) int { return 0 })[fText].(string)
		start, end := leafHeading(len(c.Text), c.Product, c.Title, section)
		want := c.Title
		if n := len(c.Section); n > 0 {
			want = c.Section[n-1]
		}
		if start < 0 || end > len(text) || start > end || text[start:end] != want {
			t.Errorf("%q: bounds %d..%d of %q, want %q", section, start, end, text, want)
		}
	}
}

// TestOwnHeadingCountsMore: a passage whose own heading is the question's word outranks
// one whose outer heading (its chapter) is, with bodies alike.
func TestOwnHeadingCountsMore(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "outer", DocID: "x", Product: "acme", Title: "Acme Guide", Section: []string{"Title", "Fonts"}, Text: "Pick a font for the page."},
		Chunk{ID: "own", DocID: "y", Product: "acme", Title: "Acme Guide", Section: []string{"Labels", "Title"}, Text: "Pick a text for the page."},
		Chunk{ID: "other", DocID: "z", Product: "acme", Title: "Acme Guide", Section: []string{"Colours"}, Text: "Pick a theme."},
	)
	if got := ids(mustSearch(t, s, Query{Text: "title", K: 3})); len(got) != 2 || got[0] != "own" {
		t.Errorf("ranking %v, want the passage headed Title first", got)
	}
}
