package ingest

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func langPage(title string) []byte {
	return []byte("<html><head><title>" + title + "</title></head><body><h1>" + title + "</h1><p>text</p></body></html>")
}

// walkedRel lists the files a walk of root would read, relative to root, sorted.
func walkedRel(t *testing.T, root string) ([]string, []Skip) {
	t.Helper()
	w, err := walk(context.Background(), []string{root}, DefaultMaxFileBytes)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range w.files {
		rel, _ := filepath.Rel(root, c.path)
		got = append(got, filepath.ToSlash(rel))
	}
	sort.Strings(got)
	return got, w.skips
}

// TestTranslatedManualFolders: a manual filed as en/, fr/, pt-br/ ... (Debian's
// apache2-doc, untranslated pages linked back to en/) is read once, in English, and cited
// under en/; a folder that only has a two-letter name is still walked.
func TestTranslatedManualFolders(t *testing.T) {
	root := t.TempDir()
	for _, rel := range []string{"en/bind.html", "en/mod/core.html", "en/howto/auth.html", "fr/bind.html", "fr/mod/core.html", "pt-br/bind.html"} {
		writeFile(t, root, rel, langPage(rel))
	}
	for _, link := range []struct{ from, to string }{{"fr/howto", "../en/howto"}, {"pt-br/mod", "../en/mod"}, {"da/bind.html", "../en/bind.html"}} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(link.from)), 0o755); err != nil {
			t.Fatal(err)
		}
		mustSymlink(t, link.to, filepath.Join(root, link.from))
	}
	writeFile(t, root, "js/notes.html", langPage("js notes")) // not a mirror of en/
	writeFile(t, root, "index.html", langPage("index"))
	got, skips := walkedRel(t, root)
	want := []string{"en/bind.html", "en/howto/auth.html", "en/mod/core.html", "index.html", "js/notes.html"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("walked %v, want %v", got, want)
	}
	reasons := map[string]string{}
	for _, s := range skips {
		reasons[filepath.Base(s.Path)] = s.Reason
	}
	for _, lang := range []string{"da", "fr", "pt-br"} {
		if !strings.Contains(reasons[lang], "another language ("+lang+")") {
			t.Errorf("%s/: skip reason %q", lang, reasons[lang])
		}
	}
	// Pointed at one language's folder, that language is what the user asked for.
	got, _ = walkedRel(t, filepath.Join(root, "fr"))
	if strings.Join(got, " ") != "bind.html howto/auth.html mod/core.html" {
		t.Errorf("fr/ alone: walked %v", got)
	}
}

// TestPageLanguageVariants: Apache httpd's sources ship bind.html.en, bind.html.fr ...
// beside a type map bind.html; the English page alone is read (else the first variant).
func TestPageLanguageVariants(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"bind.html.en", "bind.html.fr", "bind.html.pt-br", "mpm.html.ja.utf8", "only.html.fr", "only.html.de", "notes.txt", "notes.txt.in.bak"} {
		writeFile(t, root, name, langPage(name))
	}
	writeFile(t, root, "bind.html", []byte("URI: bind.html.en\nContent-Language: en\nContent-type: text/html; charset=UTF-8\n"))
	got, skips := walkedRel(t, root)
	want := []string{"bind.html.en", "notes.txt", "only.html.de"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("walked %v, want %v", got, want)
	}
	if len(skips) != 1 || !strings.Contains(skips[0].Reason, "4 pages in other languages (fr, pt-br)") {
		t.Errorf("skips %+v", skips)
	}
	for _, tc := range []struct {
		name string
		want Format
	}{{"bind.html.en", FormatHTML}, {"bind.html.pt-br", FormatHTML}, {"x.md.zh_TW", FormatMarkdown}, {"x.html.eng", FormatUnknown}, {"x.en", FormatUnknown}, {"x.tar.de", FormatUnknown}} {
		if f, _ := Detect(tc.name); f != tc.want {
			t.Errorf("Detect(%q) = %v, want %v", tc.name, f, tc.want)
		}
	}
}

// TestTranslatedManPages: /usr/share/man holds the English man1/ ... beside de/, pt_BR/
// ..., each a tree of its own man1/ ...; the English pages are read, the translations
// listed as skipped, and a folder named like a language that is no man tree is walked.
func TestTranslatedManPages(t *testing.T) {
	root := t.TempDir()
	page := []byte(".TH X 1\n.SH NAME\nx \\- y\n")
	for _, rel := range []string{"man1/ls.1.gz", "man8/apt.8", "de/man1/ls.1.gz", "pt_BR/man8/apt.8", "id/notes.md"} {
		writeFile(t, root, rel, page)
	}
	got, skips := walkedRel(t, root)
	want := []string{"id/notes.md", "man1/ls.1.gz", "man8/apt.8"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("walked %v, want %v", got, want)
	}
	if len(skips) != 2 || !strings.Contains(skips[0].Reason, "another language (de)") || !strings.Contains(skips[1].Reason, "the English pages here are") {
		t.Errorf("skips %+v", skips)
	}
}
