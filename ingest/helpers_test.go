package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/index"
)

// makePDF writes a small, valid PDF by hand: one page per string (lines split on \n),
// Helvetica text, an /Info title when title is set, and a correct xref table.
func makePDF(title string, pages []string) []byte {
	var objs []string
	n := len(pages)
	// 1 catalog, 2 pages, 3 font, 4 info, then per page: page object and content stream.
	kids := make([]string, n)
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 5+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Title (%s) /Producer (manualbot test) >>", title),
	)
	for i, text := range pages {
		var content strings.Builder
		content.WriteString("BT /F1 11 Tf 14 TL 72 740 Td\n")
		for _, line := range strings.Split(text, "\n") {
			esc := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(line)
			fmt.Fprintf(&content, "(%s) Tj T*\n", esc)
		}
		content.WriteString("ET")
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 6+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()),
		)
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// needTool skips the test when a command-line tool is missing, naming its package.
func needTool(t testing.TB, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s not installed (apt-get install %s)", tool, pkg)
	}
}

// gz compresses data.
func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeFile writes data at dir/rel, creating folders.
func writeFile(t testing.TB, dir, rel string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// openStore opens a fresh writable index that closes with the test.
func openStore(t testing.TB, dir string) *index.Store {
	t.Helper()
	s, err := index.Open(context.Background(), dir, index.WithLogger(quietLog()))
	if err != nil {
		t.Fatalf("open index: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// runIngest runs an ingest of paths into s with small chunks and fails the test on error.
func runIngest(t testing.TB, s *index.Store, opt Options) Summary {
	t.Helper()
	if opt.Log == nil {
		opt.Log = quietLog()
	}
	sum, err := Run(context.Background(), s, opt)
	if err != nil {
		t.Fatalf("ingest %v: %v", opt.Paths, err)
	}
	return sum
}

// search returns the hits for text, failing the test on error.
func search(t testing.TB, s *index.Store, text string) []index.Hit {
	t.Helper()
	hits, err := s.Search(context.Background(), index.Query{Text: text, K: 20})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	return hits
}

// reasonFor returns the skip reason recorded for a path ending in suffix.
func reasonFor(sum Summary, suffix string) string {
	for _, s := range sum.Skips {
		if strings.HasSuffix(s.Path, suffix) {
			return s.Reason
		}
	}
	return ""
}

// sectionTexts returns doc's section paths (joined by " > ") in reading order and each
// one's text, its blocks joined by blank lines.
func sectionTexts(doc *Document) (order []string, text map[string]string) {
	text = map[string]string{}
	for _, s := range doc.Sections {
		key := strings.Join(s.Path, " > ")
		order = append(order, key)
		for _, b := range s.Blocks {
			text[key] += b.Text + "\n\n"
		}
	}
	return order, text
}

// wantSkip fails the test unless reading data as a manual of format f (file name file)
// is skipped with a reason that holds reason.
func wantSkip(t *testing.T, name string, data []byte, f Format, file, reason string) {
	t.Helper()
	_, err := parseDocument(context.Background(), data, f, file)
	if !IsSkip(err) || !strings.Contains(err.Error(), reason) {
		t.Errorf("%s: err %v, want a skip saying %q", name, err, reason)
	}
}
