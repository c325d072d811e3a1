package ingest

import (
	"context"
	"os"
	"strings"
	"testing"
)

// requireFile fails (never skips) when a Debian-installed manual a test reads is missing:
// the CI installs the package, so its absence is a broken set-up to report.
func requireFile(t testing.TB, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s missing: apt-get install %s (bash .ci/run installs it)", path, pkg)
	}
}

func TestParseOutline(t *testing.T) {
	x := `<?xml version="1.0"?><pdf2xml><page number="1"></page>
<outline>
<item page="3">I Gnuplot</item>
<outline>
<item page="3">Copyright</item>
<item page="4">New &#34;features&#34;</item>
<outline><item page="5">Voxel grids</item></outline>
</outline>
<item page="9">II Plotting styles</item>
</outline></pdf2xml>`
	got := parseOutline([]byte(x))
	want := []outlineEntry{{"I Gnuplot", -1, 3}, {"Copyright", 0, 3}, {`New "features"`, 0, 4}, {"Voxel grids", 2, 5}, {"II Plotting styles", -1, 9}}
	if len(got) != len(want) {
		t.Fatalf("outline %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if parseOutline([]byte("<pdf2xml><page/></pdf2xml>")) != nil {
		t.Error("no <outline>: want nil")
	}
}

func TestParseOutlined(t *testing.T) {
	outline := []outlineEntry{{"Basic Shell Features", -1, 1}, {"Pipelines", 0, 1}, {"Lists", 0, 2}}
	pages := []page{
		{1, "3 Basic Shell Features\nShells read commands.\n\n3.2.3 Pipelines\nA pipeline is a se-\nquence of commands."},
		{2, "More about pipelines.\n\nLists\nA list is a sequence."},
	}
	doc := parseOutlined(pages, outline)
	var paths []string
	for _, s := range doc.Sections {
		paths = append(paths, strings.Join(s.Path, " > "))
	}
	if want := "3 Basic Shell Features|3 Basic Shell Features > 3.2.3 Pipelines|3 Basic Shell Features > Lists"; strings.Join(paths, "|") != want {
		t.Errorf("sections %q, want %q", paths, want)
	}
	pipe := doc.Sections[1]
	if len(pipe.Blocks) != 2 || pipe.Blocks[0].Text != "A pipeline is a sequence of commands." || pipe.Blocks[1].Page != 2 {
		t.Errorf("pipelines blocks %+v: want the hyphenation rejoined and the next page's paragraph on page 2", pipe.Blocks)
	}
}

func TestJoinHyphenated(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"the po-\nsition of", "the position of"},
		{"a well-\nKnown name", "a well-\nKnown name"}, // capital after: a real hyphen
		{"x -\ny", "x -\ny"},
		{"one\ntwo", "one\ntwo"},
	} {
		if got := joinHyphenated(strings.Split(tc.in, "\n")); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPageTitle(t *testing.T) {
	for _, tc := range []struct{ title, h1, want string }{
		{"mod_rewrite - Apache HTTP Server Version 2.4", "Apache Module mod_rewrite", "mod_rewrite"},
		{"HTTP | Node.js v18.20.4 Documentation", "HTTP#", "HTTP"},
		{"CREATE TABLE", "CREATE TABLE", "CREATE TABLE"},
		{"Install - Guide", "", "Install - Guide"}, // no h1: nothing says which part is the page's
	} {
		if got := pageTitle(tc.title, tc.h1); got != tc.want {
			t.Errorf("pageTitle(%q, %q) = %q, want %q", tc.title, tc.h1, got, tc.want)
		}
	}
}

// TestGnuplotOutline reads gnuplot's PDF manual (311 pages, no numbered headings): its
// sections come from the outline, so "set logscale" is cited by name and page.
func TestGnuplotOutline(t *testing.T) {
	const path = "/usr/share/doc/gnuplot/gnuplot.pdf"
	requireFile(t, path, "gnuplot-doc")
	needTool(t, "pdftohtml", "poppler-utils")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := readPDF(context.Background(), data, "gnuplot.pdf")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, s := range doc.Sections {
		if strings.Join(s.Path, " > ") == "III Commands > Set-show > Logscale" {
			found = true
			if s.Blocks[0].Page != 167 || !strings.Contains(s.Blocks[0].Text, "set logscale") {
				t.Errorf("Logscale starts %+v, want page 167 with its syntax", s.Blocks[0])
			}
		}
		for _, b := range s.Blocks {
			if strings.Contains(b.Text, "sub-\nstitution") {
				t.Errorf("hyphenation left in %q", b.Text)
			}
		}
	}
	if !found {
		t.Error("no section III Commands > Set-show > Logscale")
	}
}
