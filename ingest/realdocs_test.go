package ingest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Real manuals shipped by Debian packages; tests using them skip when the package is
// missing (the CI installs them).
const (
	postgresHTML = "/usr/share/doc/postgresql-doc-15/html" // postgresql-doc-15
	bashRefPDF   = "/usr/share/doc/bash/bashref.pdf"       // bash-doc
	bashManPDF   = "/usr/share/doc/bash/bash.pdf"          // bash-doc: the man page
	aptReadmeGz  = "/usr/share/doc/apt/README.md.gz"       // apt
	dpkgTriggers = "/usr/share/doc/dpkg/spec/triggers.txt" // dpkg
	bashInfo     = "/usr/share/info/bash.info.gz"          // bash
	sedInfo      = "/usr/share/info/sed.info.gz"           // sed
	findInfo     = "/usr/share/info/find.info.gz"          // findutils: split in two parts
	lsMan        = "/usr/share/man/man1/ls.1.gz"           // coreutils
	bashMan      = "/usr/share/man/man1/bash.1.gz"         // bash
)

func needFile(t testing.TB, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s missing (apt-get install %s)", path, pkg)
	}
}

// TestRealManuals reads one real manual of each format and checks that titles, section
// paths and PDF page numbers come out as a reader of the manual would cite them.
func TestRealManuals(t *testing.T) {
	tests := []struct {
		path, pkg string
		title     string
		section   string // a section path (joined by " > ") that must have a chunk
		page      int    // its first chunk's page (PDF), 0 to skip the check
		text      string // a phrase in that section's chunks
	}{
		{filepath.Join(postgresHTML, "sql-createtable.html"), "postgresql-doc-15", "CREATE TABLE",
			"Description", 0, "initially empty table"},
		{bashRefPDF, "bash-doc", "Bash Reference Manual",
			"3 Basic Shell Features > 3.2 Shell Commands > 3.2.3 Pipelines", 16, "A pipeline is a sequence"},
		{bashManPDF, "bash-doc", "bash − GNU Bourne-Again SHell", "SHELL GRAMMAR > Pipelines", 4, "A pipeline is a sequence"},
		{aptReadmeGz, "apt", "APT", "APT > Contributing > Coding", 0, "CMake"},
		{dpkgTriggers, "dpkg", "TRIGGERS", "TRIGGERS > Concepts", 0, "Each trigger is named"},
		{bashInfo, "bash", "bash", "3 Basic Shell Features > 3.2 Shell Commands > 3.2.3 Pipelines", 0, "A 'pipeline' is a sequence"},
		{sedInfo, "sed", "sed", "2 Running sed > 2.1 Overview", 0, "sed SCRIPT INPUTFILE"},
		{lsMan, "coreutils", "ls - list directory contents", "DESCRIPTION", 0, "List information about the FILEs"},
		{bashMan, "bash", "bash - GNU Bourne-Again SHell", "SHELL GRAMMAR > Pipelines", 0, "A pipeline is a sequence"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			needFile(t, tt.path, tt.pkg)
			if strings.HasSuffix(tt.path, ".pdf") {
				needTool(t, "pdftotext", "poppler-utils")
			}
			if f, _ := Detect(tt.path); f == FormatMan {
				needTool(t, "groff", "groff-base")
			}
			f, gzipped := Detect(tt.path)
			data, err := readContent(tt.path, gzipped, DefaultMaxFileBytes)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := parseDocument(context.Background(), data, f, filepath.Base(tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if doc.Title != tt.title {
				t.Errorf("title %q, want %q", doc.Title, tt.title)
			}
			var found bool
			for _, c := range chunkDocument(doc, ChunkOptions{Size: DefaultChunkSize, Overlap: DefaultChunkOverlap}) {
				if strings.Contains(c.Text, ". . . .") {
					i := strings.Index(c.Text, ". . . .")
					t.Errorf("table-of-contents line kept: %q", c.Text[max(0, i-60):min(len(c.Text), i+60)])
				}
				if strings.Join(c.Section, " > ") != tt.section || found {
					continue
				}
				found = true
				if tt.page != 0 && c.Page != tt.page {
					t.Errorf("section %q starts on page %d, want %d", tt.section, c.Page, tt.page)
				}
				if !strings.Contains(c.Text, tt.text) {
					t.Errorf("section %q: %.100q lacks %q", tt.section, c.Text, tt.text)
				}
			}
			if !found {
				t.Errorf("no chunk in section %q", tt.section)
			}
		})
	}
}

// BenchmarkIngestPostgresHTML ingests the PostgreSQL 15 HTML manual (1,100+ pages) into a
// fresh index each iteration and reports chunks/s, the whole pipeline included (walk,
// read, parse, chunk, Bleve indexing, commit).
func BenchmarkIngestPostgresHTML(b *testing.B) {
	needFile(b, postgresHTML, "postgresql-doc-15")
	chunks := 0
	for b.Loop() {
		b.StopTimer()
		s := openStore(b, b.TempDir())
		b.StartTimer()
		sum, err := Run(context.Background(), s, Options{Paths: []string{postgresHTML}, Log: quietLog()})
		if err != nil {
			b.Fatal(err)
		}
		chunks += sum.Chunks
	}
	b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkChunkPostgresHTML measures reading and chunking alone (no index), the part
// this package owns.
func BenchmarkChunkPostgresHTML(b *testing.B) {
	needFile(b, postgresHTML, "postgresql-doc-15")
	var docs [][]byte
	paths, _ := filepath.Glob(filepath.Join(postgresHTML, "*.html"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, data)
	}
	chunks := 0
	for b.Loop() {
		for i, data := range docs {
			doc, err := parseDocument(context.Background(), data, FormatHTML, paths[i])
			if err != nil {
				continue
			}
			chunks += len(chunkDocument(doc, ChunkOptions{}))
		}
	}
	b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
}
