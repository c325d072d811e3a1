package ingest

import (
	"path/filepath"
	"testing"
)

// A manual already ingested as part of its folder and then ingested on its own (or the
// other way round, or from a different working directory) is the same document: it is
// left alone or updated in place, never indexed a second time under another doc id.
func TestSameFileFromAnotherRootIsOneDocument(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "manuals")
	file := writeFile(t, root, "brew.md", []byte("# Brew\n\nDescale the walrus boiler monthly.\n"))
	writeFile(t, root, "other.md", []byte("# Other\n\nThe narwhal grinder.\n"))

	tests := []struct {
		name   string
		first  []string
		second []string
		edit   bool
		want   Summary // of the second run: Added, Updated, Unchanged compared
	}{
		{"folder then file, unchanged", []string{root}, []string{file}, false, Summary{Unchanged: 1}},
		{"file then folder, unchanged", []string{file}, []string{root}, false, Summary{Added: 1, Unchanged: 1}},
		{"folder then file, edited", []string{root}, []string{file}, true, Summary{Updated: 1}},
		{"folder then folder by another path", []string{root}, []string{root + "/"}, false, Summary{Unchanged: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeFile(t, root, "brew.md", []byte("# Brew\n\nDescale the walrus boiler monthly.\n"))
			s := openStore(t, filepath.Join(t.TempDir(), "index"))
			runIngest(t, s, Options{Paths: tt.first})
			if tt.edit {
				writeFile(t, root, "brew.md", []byte("# Brew\n\nDescale the walrus boiler weekly.\n"))
			}
			got := runIngest(t, s, Options{Paths: tt.second})
			if got.Added != tt.want.Added || got.Updated != tt.want.Updated || got.Unchanged != tt.want.Unchanged {
				t.Errorf("second run: got %s, want %s", got, tt.want)
			}
			if hits := search(t, s, "walrus"); len(hits) != 1 {
				t.Errorf("%d hits for the manual's text, want 1 (one document): %+v", len(hits), hits)
			}
			m, err := ReadManifest(s.Dir())
			if err != nil {
				t.Fatal(err)
			}
			abs, _ := filepath.Abs(file)
			n := 0
			for _, d := range m.Docs {
				if d.Source == abs {
					n++
				}
			}
			if n != 1 {
				t.Errorf("manifest holds %s %d times, want once: %+v", abs, n, m.Docs)
			}
		})
	}
}
