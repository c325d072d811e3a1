package ingest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestBadInputSkipped puts every kind of bad input the issue lists beside good manuals:
// each bad one is skipped with a clear one-line reason and the good ones are ingested.
func TestBadInputSkipped(t *testing.T) {
	root := filepath.Join(t.TempDir(), "manuals")
	good := map[string][]byte{
		"good.md":      []byte("# Aardvark\n\nThe aardvark manual.\n"),
		"good.html":    []byte("<title>Badger</title><h1>Badger</h1><p>The badger manual.</p>"),
		"good.txt":     []byte("Capybara\n\nThe capybara manual.\n"),
		"zipped.md.gz": gz(t, []byte("# Dingo\n\nThe dingo manual.\n")),
		"deep.html": []byte("<title>Deep</title>" + strings.Repeat("<div>", 10000) + "<p>The echidna manual.</p>" +
			strings.Repeat("</div>", 10000)),
	}
	for name, data := range good {
		writeFile(t, root, name, data)
	}
	mostlyInvalid := bytes.Repeat([]byte("caf\xe9 na\xefve "), 50)
	want := map[string]string{ // file -> part of its skip reason
		"empty.md":        "empty file",
		"binary.md":       "binary data",
		"latin1.txt":      "not UTF-8 text",
		"truncated.pdf":   "truncated PDF",
		"notgzip.txt.gz":  "not gzip data",
		"bomb.txt.gz":     "decompresses to over 1 MiB",
		"huge.txt":        "file is 200 MiB, over ingest.max_file_bytes (1 MiB)",
		"pdf-named.md":    "a PDF file named as markdown",
		"good.md":         "same file as", // alias.md -> good.md comes first in name order
		"hardlink.md":     "same file as",
		"loop":            "same folder as",
		"self.md":         "symlink loop",
		"broken.md":       "broken symlink",
		"pipe.txt":        "not a regular file (named pipe)",
		"imageonly.pdf":   "no text",
		"unsupported.bin": "", // not a manual: ignored, not skipped
	}
	writeFile(t, root, "empty.md", nil)
	writeFile(t, root, "binary.md", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"))
	writeFile(t, root, "latin1.txt", mostlyInvalid)
	validPDF := makePDF("Fox", []string{"The fox manual."})
	writeFile(t, root, "truncated.pdf", validPDF[:len(validPDF)/2])
	writeFile(t, root, "notgzip.txt.gz", []byte("plain text, not gzip"))
	writeFile(t, root, "bomb.txt.gz", gz(t, bytes.Repeat([]byte("a"), 3<<20)))
	writeFile(t, root, "pdf-named.md", validPDF)
	writeFile(t, root, "imageonly.pdf", makePDF("", []string{""}))
	writeFile(t, root, "unsupported.bin", []byte("x"))
	huge := writeFile(t, root, "huge.txt", nil)
	if err := os.Truncate(huge, 200<<20); err != nil { // sparse: no disk used, must not be read
		t.Fatal(err)
	}
	mustSymlink(t, "good.md", filepath.Join(root, "alias.md"))
	if err := os.Link(filepath.Join(root, "good.txt"), filepath.Join(root, "hardlink.md")); err != nil {
		t.Fatal(err)
	}
	mustSymlink(t, ".", filepath.Join(root, "loop"))
	mustSymlink(t, "self.md", filepath.Join(root, "self.md"))
	mustSymlink(t, "nowhere.md", filepath.Join(root, "broken.md"))
	if err := syscall.Mkfifo(filepath.Join(root, "pipe.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		writeFile(t, root, "good.pdf", makePDF("Fox", []string{"The fox manual."}))
		good["good.pdf"] = nil
	} else {
		delete(want, "imageonly.pdf")
		want["imageonly.pdf"] = "pdftotext not installed"
		t.Log("pdftotext not installed (apt-get install poppler-utils): PDF reading not checked")
	}
	if _, err := exec.LookPath("qpdf"); err == nil {
		plain := writeFile(t, t.TempDir(), "plain.pdf", validPDF)
		out, err := exec.Command("qpdf", "--encrypt", "user-secret", "owner-secret", "256", "--",
			plain, filepath.Join(root, "encrypted.pdf")).CombinedOutput()
		if err != nil {
			t.Fatalf("qpdf: %v: %s", err, out)
		}
		want["encrypted.pdf"] = "encrypted PDF"
		if _, err := exec.LookPath("pdftotext"); err != nil {
			want["encrypted.pdf"] = "pdftotext not installed"
		}
	} else {
		t.Log("qpdf not installed (apt-get install qpdf): encrypted PDF not checked")
	}
	unreadable := writeFile(t, root, "unreadable.md", []byte("# Secret\n\nThe secret manual.\n"))
	if err := os.Chmod(unreadable, 0); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		want["unreadable.md"] = "permission denied"
	} else {
		// Root reads mode-000 files anyway; the FIFO and the broken symlink above are the
		// unreadable cases that hold for root too.
		good["unreadable.md"] = nil
	}

	s := openStore(t, t.TempDir())
	sum := runIngest(t, s, Options{Paths: []string{root}, MaxFileBytes: 1 << 20})

	for name, reason := range want {
		got := reasonFor(sum, "/"+name)
		if reason == "" {
			if got != "" {
				t.Errorf("%s skipped (%q), want it ignored", name, got)
			}
			continue
		}
		if !strings.Contains(got, reason) {
			t.Errorf("%s: reason %q, want it to contain %q", name, got, reason)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("%s: reason is not one line: %q", name, got)
		}
	}
	for _, sk := range sum.Skips {
		t.Logf("skipped %s: %s", filepath.Base(sk.Path), sk.Reason)
	}
	if sum.Added != len(good) {
		t.Errorf("added %d documents, want %d (%+v)", sum.Added, len(good), sum)
	}
	for _, word := range []string{"aardvark", "badger", "capybara", "dingo", "echidna"} {
		if len(search(t, s, word)) == 0 {
			t.Errorf("no hit for %q", word)
		}
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
