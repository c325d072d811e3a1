package ingest

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// demoInfo is an Info manual as makeinfo lays one out: the text before the first node
// (copying notice, dir entry), a Top node with its menu, chapters and sections
// underlined by level, a cross-reference broken across lines, an example, a node with no
// heading, footnotes, an index node and the tag table.
const demoInfo = "This is demo.info, produced by makeinfo version 7.0 from demo.texi.\n\n" +
	"Copyright notice that the Top node repeats.\n" +
	"INFO-DIR-SECTION Tools\nSTART-INFO-DIR-ENTRY\n* demo: (demo).   A demo tool.\nEND-INFO-DIR-ENTRY\n\n" +
	"\x1f\nFile: demo.info,  Node: Top,  Next: Invoking,  Up: (dir)\n\n" +
	"Demo Manual\n***********\n\nThis manual documents demo 1.0.\n\n" +
	"* Menu:\n\n* Invoking::        How to run demo.\n* Concept Index::   Every topic.\n\n" +
	"\x1f\nFile: demo.info,  Node: Invoking,  Next: Options,  Prev: Top,  Up: Top\n\n" +
	"1 Invoking demo\n***************\n\n" +
	"Run demo on a file.  For the flags, *note Command-Line\nOptions: Options.  The exit\nstatus is in (*note Exit Status::).\n\n" +
	"     demo --frobnicate input.txt\n       indented more\n\n" +
	"   A second paragraph with its first line indented.\n\n" +
	"* Menu:\n\n* Options::     Flags.\n\n" +
	"\x1f\nFile: demo.info,  Node: Options,  Next: Exit Status,  Prev: Invoking,  Up: Invoking\n\n" +
	"1.1 Command-Line Options\n========================\n\n" +
	"'--frobnicate'\n     Frobnicate the input(1).\n\n" +
	"1.1.1 Rarely Used Options\n-------------------------\n\nThe walrus flag.\n\n" +
	"   ---------- Footnotes ----------\n\n   (1) Frobnication is reversible.\n\n" +
	"\x1f\nFile: demo.info,  Node: Exit Status,  Next: Concept Index,  Prev: Options,  Up: Invoking\n\n" +
	"Zero means success, as *Note Invoking:: says.\n\n" +
	"\x1f\nFile: demo.info,  Node: Concept Index,  Prev: Exit Status,  Up: Top\n\n" +
	"Concept Index\n*************\n\n\x00\x08[index\x00\x08]\n* Menu:\n\n" +
	"* frobnicate:                            Options.              (line 6)\n\n" +
	"\x1f\nTag Table:\nNode: Top\x7f300\nNode: Invoking\x7f500\n\x1f\nEnd Tag Table\n\n" +
	"\x1f\nLocal Variables:\ncoding: utf-8\nEnd:\n"

func TestReadInfo(t *testing.T) {
	doc, err := parseDocument(context.Background(), []byte(demoInfo), FormatInfo, "demo.info")
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "demo" {
		t.Errorf("title %q, want demo (the file the nodes name)", doc.Title)
	}
	order, got := sectionTexts(doc)
	want := []string{
		"Demo Manual",
		"1 Invoking demo",
		"1 Invoking demo > 1.1 Command-Line Options",
		"1 Invoking demo > 1.1 Command-Line Options > 1.1.1 Rarely Used Options",
		"1 Invoking demo > Exit Status",
	}
	if !slices.Equal(order, want) {
		t.Fatalf("sections\n%q\nwant\n%q", order, want)
	}
	checks := []struct {
		section string
		has     []string
		lacks   []string
	}{
		{"Demo Manual", []string{"This manual documents demo 1.0."}, []string{"Menu", "How to run demo", "Copyright", "INFO-DIR"}},
		{"1 Invoking demo", []string{
			"For the flags, see Command-Line Options.  The exit",
			"status is in (see Exit Status).",
			"demo --frobnicate input.txt\n  indented more", // an example keeps its relative indent
			"\n\nA second paragraph",
		}, []string{"*note", "Options::"}},
		{"1 Invoking demo > 1.1 Command-Line Options > 1.1.1 Rarely Used Options", []string{"The walrus flag.", "(1) Frobnication is reversible."}, []string{"Footnotes"}},
		{"1 Invoking demo > Exit Status", []string{"Zero means success, as See Invoking says."}, nil},
	}
	for _, c := range checks {
		for _, s := range c.has {
			if !strings.Contains(got[c.section], s) {
				t.Errorf("%s: %q lacks %q", c.section, got[c.section], s)
			}
		}
		for _, s := range c.lacks {
			if strings.Contains(got[c.section], s) {
				t.Errorf("%s: %q has %q", c.section, got[c.section], s)
			}
		}
	}
	for key, text := range got {
		if strings.Contains(text, "frobnicate:") || strings.Contains(text, "Tag Table") || strings.ContainsAny(text, "\x00\x08\x1f\x7f") {
			t.Errorf("%s: index, tag table or control bytes kept: %q", key, text)
		}
	}
}

// TestReadInfoRefuses: files named .info that hold no nodes are skipped with a reason,
// and the table of a split manual read without its parts says which parts it needs.
func TestReadInfoRefuses(t *testing.T) {
	tests := []struct {
		name, data, reason string
	}{
		{"plain text", "Just some notes.\n", "no nodes"},
		{"table alone", "This is big.info.\n\x1f\nIndirect:\nbig.info-1: 100\nbig.info-2: 9000\n\x1f\nTag Table:\n(Indirect)\n", "big.info-1, big.info-2"},
		{"binary", "\x00\x00\x00\x01", "binary"},
		{"index only", "\x1f\nFile: x.info,  Node: Index,  Up: Top\n\nIndex\n*****\n\n\x00\x08[index\x00\x08]\n* Menu:\n\n* a: Top. (line 1)\n", "no text"},
	}
	for _, tt := range tests {
		wantSkip(t, tt.name, []byte(tt.data), FormatInfo, "x.info", tt.reason)
	}
}

// TestSplitInfoManual: a manual split into a table file and parts is one document
// whether the folder or the table file is named; the parts beside their table are not
// read again on their own, a part named alone is read alone, and a missing part skips
// the manual with its name.
func TestSplitInfoManual(t *testing.T) {
	part := func(n int, node, heading, text string) string {
		return "This is big.info, produced by makeinfo.\n\n\x1f\nFile: big.info,  Node: " + node + ",  Up: Top\n\n" +
			heading + "\n" + strings.Repeat("*", len(heading)) + "\n\n" + text + "\n\n"
	}
	table := "This is big.info, produced by makeinfo.\n\n\x1f\nIndirect:\nbig.info-1: 120\nbig.info-2: 4000\n\x1f\nTag Table:\n(Indirect)\nNode: Top\x7f120\n\x1f\nEnd Tag Table\n"
	dir := t.TempDir()
	root := filepath.Join(dir, "info")
	writeFile(t, root, "big.info.gz", gz(t, []byte(table)))
	writeFile(t, root, "big.info-1.gz", gz(t, []byte(part(1, "Top", "Big Manual", "The walrus chapter."))))
	writeFile(t, root, "big.info-2", []byte(part(2, "Later", "9 Later", "The narwhal chapter.")))

	for _, p := range []string{root, filepath.Join(root, "big.info.gz")} {
		s := openStore(t, filepath.Join(t.TempDir(), "index"))
		sum := runIngest(t, s, Options{Paths: []string{p}})
		if sum.Added != 1 || len(sum.Skips) != 0 {
			t.Fatalf("ingest %s: %s, skips %v; want the one manual", p, sum, sum.Skips)
		}
		for _, word := range []string{"walrus", "narwhal"} {
			hits := search(t, s, word)
			if len(hits) != 1 || hits[0].Title != "big" || !strings.HasSuffix(hits[0].Source, "big.info.gz") {
				t.Errorf("ingest %s: %q hits %+v, want one passage of big.info.gz", p, word, hits)
			}
		}
	}

	s := openStore(t, filepath.Join(t.TempDir(), "index"))
	sum := runIngest(t, s, Options{Paths: []string{filepath.Join(root, "big.info-2")}})
	if sum.Added != 1 || len(search(t, s, "narwhal")) != 1 || len(search(t, s, "walrus")) != 0 {
		t.Errorf("a part named alone: %s, want it read alone", sum)
	}

	writeFile(t, dir, "broken/big.info", []byte(table))
	writeFile(t, dir, "broken/big.info-1", []byte(part(1, "Top", "Big Manual", "The walrus chapter.")))
	s = openStore(t, filepath.Join(t.TempDir(), "index"))
	sum = runIngest(t, s, Options{Paths: []string{filepath.Join(dir, "broken")}})
	if sum.Added != 0 || !strings.Contains(reasonFor(sum, "big.info"), "big.info-2") {
		t.Errorf("missing part: %s, reason %q; want the manual skipped naming big.info-2", sum, reasonFor(sum, "big.info"))
	}
}

// TestRealSplitInfoManual ingests findutils' manual, which Debian ships split
// (find.info.gz, find.info-1.gz, find.info-2.gz), by its table file: one document whose
// sections come from the parts, and no index entries among the passages.
func TestRealSplitInfoManual(t *testing.T) {
	needFile(t, findInfo, "findutils")
	s := openStore(t, filepath.Join(t.TempDir(), "index"))
	sum := runIngest(t, s, Options{Paths: []string{findInfo}})
	if sum.Added != 1 || sum.Chunks < 100 {
		t.Fatalf("ingest %s: %s; want one manual of 100+ passages", findInfo, sum)
	}
	hits := search(t, s, "files modified more recently than another file")
	found := false
	for _, h := range hits {
		if h.Title != "find" {
			t.Errorf("title %q, want find", h.Title)
		}
		if strings.Contains(h.Text, "(line ") {
			t.Errorf("an index entry is a passage: %.120q", h.Text)
		}
		found = found || strings.Join(h.Section, " > ") == "2 Finding Files > 2.5 Time > 2.5.2 Comparing Timestamps"
	}
	if !found {
		t.Errorf("no hit in 2.5.2 Comparing Timestamps among %d", len(hits))
	}
}

func TestDetectInfo(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Format
		gz   bool
	}{
		{"sed.info", FormatInfo, false}, {"sed.info.gz", FormatInfo, true},
		{"find.info-2.gz", FormatInfo, true}, {"find.info-12", FormatInfo, false},
		{"find.info-x", FormatUnknown, false}, {"info", FormatUnknown, false}, {"dir", FormatUnknown, false},
		{"gnupg-module-overview.png", FormatUnknown, false},
	} {
		if f, gz := Detect(tc.name); f != tc.want || gz != tc.gz {
			t.Errorf("Detect(%q) = %v, %v; want %v, %v", tc.name, f, gz, tc.want, tc.gz)
		}
	}
}
