package ingest

import (
	"context"
	"strings"
	"testing"
)

// sectionText joins a document's sections as "path: block | block" lines for assertions.
func sectionText(d *Document) string {
	var b strings.Builder
	for _, s := range d.Sections {
		b.WriteString(strings.Join(s.Path, " > "))
		b.WriteString(": ")
		for i, bl := range s.Blocks {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(bl.Text)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestReaders(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		src       string
		wantTitle string
		want      []string // substrings of sectionText
		dont      []string
	}{
		{
			name: "markdown front matter, headings, code, links", file: "guide.md",
			src: "---\ntitle: \"Widget Guide\"\nauthor: x\n---\n# Widget\n\nIntro with a [link](https://example.com/secret-url) and <https://auto.example>.\n\n" +
				"## Install\n\n```sh\nmake install\n```\n\n### Linux\n\n- one\n- two\n\n## Use\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
			wantTitle: "Widget Guide",
			want: []string{"Widget: Intro with a link and .", "Widget > Install: make install",
				"Widget > Install > Linux: - one | - two", "Widget > Use: a | b | 1 | 2"},
			dont: []string{"secret-url", "auto.example", "author"},
		},
		{
			// Node.js's index.md is a list of links to the other pages; a list of
			// links with what each does, and a list linking elsewhere, are text.
			name: "markdown lists of links are navigation", file: "index.md",
			src: "# Node.js\n\nIntro.\n\n* [About this documentation](documentation.md)\n* [Usage and example](synopsis.md)\n\n" +
				"* [Assertion testing](assert.md)\n* [Buffer](buffer.md)\n* [`child_process`](child_process.md)\n* [Cluster](cluster.md)\n* [Crypto](crypto.md)\n\n" +
				"## Modules\n\n- [fs](fs.md): reads and writes files on the disk, in callbacks, promises or synchronously\n" +
				"- [path](path.md): joins and splits the parts of file system paths\n\n" +
				"## Elsewhere\n\n- [Node.js site](https://nodejs.org)\n- [npm](https://www.npmjs.com)\n\n| page | see |\n|---|---|\n| [Events](events.md) | [Errors](errors.md) |\n| [Globals](globals.md) | [Modules](modules.md) |\n| [Streams](stream.md) | [Timers](timers.md) |\n",
			wantTitle: "Node.js",
			want:      []string{"Node.js: Intro.", "Node.js > Modules: - fs: reads and writes files", "Node.js > Elsewhere: - Node.js site | - npm"},
			dont:      []string{"About this documentation", "Usage and example", "Assertion testing", "child_process", "Cluster", "Globals"},
		},
		{
			name: "markdown title from h1", file: "x.md", src: "# The Title\n\ntext\n",
			wantTitle: "The Title", want: []string{"The Title: text"},
		},
		{
			name: "markdown title from file name", file: "getting-started.md.gz", src: "just text\n",
			wantTitle: "getting started", want: []string{": just text"},
		},
		{
			name: "html sections and furniture dropped", file: "p.html",
			src: `<html><head><title>Pump &amp; Co</title><style>.x{}</style><script>var secret=1</script></head><body>
<nav>Home Next</nav><header>Site header</header><div class="navheader">Prev Up</div>
<h1>Pump</h1><p>The   pump
moves water.</p><h2>Setup</h2><p>Open the valve.</p><pre>line one
  line two</pre><h3>Deep</h3><p>Deep text</p><h2>Use</h2><ul><li>a</li><li>b</li></ul>
<aside>aside text</aside><footer>footer text</footer><noscript>ns</noscript><template>tpl</template></body></html>`,
			wantTitle: "Pump & Co",
			want: []string{"Pump: The pump moves water.", "Pump > Setup: Open the valve. | line one\n  line two",
				"Pump > Setup > Deep: Deep text", "Pump > Use: a | b"},
			dont: []string{"secret", "Home", "Site header", "Prev Up", "aside text", "footer text", "ns\n", "tpl"},
		},
		{
			// Apache httpd's manual (class permalink) and Sphinx (class headerlink) end
			// each heading with a pilcrow link; a citation must not read "Examples ¶".
			name: "html heading permalinks dropped", file: "mod.html",
			src: `<h1>mod_x</h1><h2 id="ex">Examples <a title="Permanent link" href="#ex" class="permalink">&para;</a></h2><p>Use it.</p>` +
				`<h2>Notes<a class="headerlink" href="#n">¶</a></h2><p>Read.</p><h2>Plain ¶</h2><p>Bare.</p>`,
			wantTitle: "mod_x",
			want:      []string{"mod_x > Examples: Use it.", "mod_x > Notes: Read.", "mod_x > Plain: Bare."},
			dont:      []string{"¶"},
		},
		{
			// PostgreSQL's DocBook titles a note box with the h3 its sections use; the
			// box and the text after it belong to "8.1.4. Serial Types", not to "Note".
			name: "html note box titles are not sections", file: "datatype.html",
			src: `<h2>8.1. Numeric Types</h2><h3>8.1.4. Serial Types</h3><p>serial is an autoincrementing integer.</p>` +
				`<div class="note"><h3 class="title">Note</h3><div><p>Prior to 7.3, serial implied UNIQUE.</p></div></div>` +
				`<p>To insert the next value, omit the column.</p><div class="warning"><h4>Only in &lt;Directory&gt;</h4></div><h3>8.1.5. Next</h3><p>n</p>`,
			wantTitle: "datatype",
			want: []string{"8.1. Numeric Types > 8.1.4. Serial Types: serial is an autoincrementing integer. | Note | Prior to 7.3, serial implied UNIQUE. | To insert the next value, omit the column. | Only in <Directory>",
				"8.1. Numeric Types > 8.1.5. Next: n"},
			dont: []string{"> Note"},
		},
		{
			// A back-of-book index (PostgreSQL's DocBook bookindex: plain terms, links
			// to the sections), a Texinfo index table and a contents list are
			// navigation, and so is a "See also" list; the glossary whose terms link to
			// other sites and a table of directives with descriptions are text.
			name: "html lists of links are navigation", file: "book.html",
			src: `<h1>Book</h1><p>Intro.</p><h2>Index</h2><div class="indexdiv"><h3>B</h3><dl>` +
				strings.Repeat(`<dt>btree_gin, <a href="btree-gin.html">btree_gin</a></dt><dt>btrim, <a href="f.html">String Functions</a>, <a href="g.html">Binary Functions</a></dt>`, 16) +
				`</dl></div><h2>Concept Index</h2><table class="index-cp"><tr><td><a href="#i1">alias expansion</a>:</td><td><a href="#Aliases">Aliases</a></td></tr>` +
				`<tr><td><a href="#i2">arithmetic</a>:</td><td><a href="#Arith">Shell Arithmetic</a></td></tr><tr><td><a href="#i3">arrays</a>:</td><td><a href="#Arrays">Arrays</a></td></tr></table>` +
				`<p>After the index.</p><h2>Contents</h2><ul><li><a href="a.html">One</a></li><li><a href="b.html">Two</a><ul><li><a href="c.html">Two A</a></li></ul></li>` +
				`<li><a href="d.html">Three</a></li><li><a href="e.html">Four</a></li></ul>` +
				`<h2>Acronyms</h2><dl>` + strings.Repeat(`<dt><a href="https://en.wikipedia.org/wiki/WAL">WAL</a></dt><dd>Write-Ahead Log</dd>`, 8) + `</dl>` +
				`<h2>Listen</h2><p>Binds a port.</p><h3>See also</h3><ul><li><a href="dns.html">DNS Issues</a></li><li><a href="bind.html">Setting which addresses and ports Apache uses</a></li><li><a href="https://cwiki.apache.org/x">Further discussion</a></li></ul>` +
				`<h2>Directives</h2><table>` + strings.Repeat(`<tr><td><a href="core.html#x">AcceptFilter</a></td><td>Configures optimizations for a protocol's listener sockets</td></tr>`, 40) + `</table>`,
			wantTitle: "Book",
			want: []string{"Book: Intro.", "Book > Concept Index: After the index.", "Book > Acronyms: WAL | Write-Ahead Log",
				"Book > Listen: Binds a port.", "Book > Directives: AcceptFilter Configures optimizations"},
			dont: []string{"btrim", "alias expansion", "Two A", "Four", "DNS Issues", "See also"},
		},
		{
			name: "html title from h1", file: "p.htm", src: "<h1>First</h1><p>x</p><h1>Second</h1><p>y</p>",
			wantTitle: "First", want: []string{"First: x", "Second: y"},
		},
		{
			name: "text underlined and numbered headings", file: "notes.txt",
			src: "Pump Manual\n===========\n\nIntro text.\n\nSetup\n-----\nOpen the valve.\n\n3.2 Priming The Pump\n\nFill it first.\n\n" +
				"1. do this.\n\nTable of contents . . . . 4\n",
			wantTitle: "Pump Manual",
			want: []string{"Pump Manual: Intro text.", "Pump Manual > Setup: Open the valve.",
				"Pump Manual > 3.2 Priming The Pump: Fill it first. | 1. do this."},
		},
		{
			name: "text man page (man | col -b)", file: "pump.1.txt",
			src: "NAME\n       pumpctl - control the pump\nSYNOPSIS\n       pumpctl [options]\nDESCRIPTION\n" +
				"       pumpctl starts the pump.\n   Priming\n       Fill it first.\n       PATH is searched.\nSEE ALSO\n       valve(1)\n",
			wantTitle: "pumpctl - control the pump",
			want: []string{"NAME: pumpctl - control the pump", "SYNOPSIS: pumpctl [options]", "DESCRIPTION: pumpctl starts the pump.",
				"DESCRIPTION > Priming: Fill it first.\nPATH is searched.", "SEE ALSO: valve(1)"},
		},
		{
			name: "text without headings", file: "plain.txt", src: "a long first line that is the title\nmore\n\nsecond para\n",
			wantTitle: "a long first line that is the title",
			want:      []string{": a long first line that is the title\nmore | second para"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Detect(tt.file)
			doc, err := parseDocument(context.Background(), []byte(tt.src), f, tt.file)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if doc.Title != tt.wantTitle {
				t.Errorf("title %q, want %q", doc.Title, tt.wantTitle)
			}
			got := sectionText(doc)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
			for _, d := range tt.dont {
				if strings.Contains(got, d) {
					t.Errorf("should not contain %q:\n%s", d, got)
				}
			}
		})
	}
}

// A page nested 10,000 deep must be read without recursion blowing the stack or the
// tree builder going quadratic.
func TestHTMLDeepNesting(t *testing.T) {
	src := "<html><title>Deep</title><body>" + strings.Repeat("<div>", 10000) + "<h2>Bottom</h2><p>found me</p>" +
		strings.Repeat("</div>", 10000) + "</body></html>"
	doc, err := parseDocument(context.Background(), []byte(src), FormatHTML, "deep.html")
	if err != nil {
		t.Fatal(err)
	}
	if got := sectionText(doc); !strings.Contains(got, "Bottom: found me") {
		t.Fatalf("got %q", got)
	}
}

func TestPDFPages(t *testing.T) {
	needTool(t, "pdftotext", "poppler-utils")
	pdf := makePDF("Pump Handbook", []string{
		"Pump Handbook\n\n1 Introduction\nThe pump moves water.",
		"2 Installation\nBolt the pump to the floor.\n\n2.1 Wiring\nConnect the red wire.",
		"More wiring text on page three.",
	})
	doc, err := parseDocument(context.Background(), pdf, FormatPDF, "pump.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Pump Handbook" {
		t.Errorf("title %q", doc.Title)
	}
	type at struct {
		path, text string
		page       int
	}
	var got []at
	for _, s := range doc.Sections {
		for _, b := range s.Blocks {
			got = append(got, at{strings.Join(s.Path, " > "), b.Text, b.Page})
		}
	}
	want := []at{
		{"1 Introduction", "The pump moves water.", 1},
		{"2 Installation", "Bolt the pump to the floor.", 2},
		{"2 Installation > 2.1 Wiring", "Connect the red wire.", 2},
		{"2 Installation > 2.1 Wiring", "More wiring text on page three.", 3},
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if g == w {
				found = true
			}
		}
		if !found {
			t.Errorf("missing %+v in %+v", w, got)
		}
	}
}

func TestTextContent(t *testing.T) {
	few := append([]byte(strings.Repeat("plain ascii text ", 20)), 0xff)
	tests := []struct {
		name       string
		data       []byte
		wantSkip   string
		wantOutput string
	}{
		{"empty", nil, "empty file", ""},
		{"blank", []byte(" \n\t\n"), "empty file", ""},
		{"binary", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "binary data (image/png)", ""},
		{"mostly invalid", []byte("\xff\xfe\xfd\xfc abc \xc3\x28\xa0\xa1"), "not UTF-8 text", ""},
		{"a few bad bytes repaired", few, "", "text \uFFFD"},
		{"bom stripped", []byte("\xef\xbb\xbfhello"), "", "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := textContent(tt.data)
			if tt.wantSkip != "" {
				if !IsSkip(err) || !strings.Contains(err.Error(), tt.wantSkip) {
					t.Fatalf("err %v, want skip %q", err, tt.wantSkip)
				}
				return
			}
			if err != nil || !strings.Contains(out, tt.wantOutput) {
				t.Fatalf("got %q, %v; want %q", out, err, tt.wantOutput)
			}
		})
	}
}
