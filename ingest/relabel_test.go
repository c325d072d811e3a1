package ingest

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"manualbot/index"
)

// TestRelabelMovesManual: ingesting a file again under another --product moves it to
// that product (its chunks replaced, one copy, same doc and chunk ids) with a log line
// saying from which product to which, instead of indexing a second copy. An index in
// which the code before this left a second copy converges to one on the next ingest of
// the file.
func TestRelabelMovesManual(t *testing.T) {
	const walrus = "# Walrus\n\nDescale the walrus boiler monthly.\n"
	type step struct {
		path    string // "file" (manuals/walrus.md), "folder" (manuals), "other" (other/manuals/walrus.md, another file)
		product string
		legacy  bool // written as the code before relabelling did: a second copy
		edit    bool // the walrus manual changes first
		remove  bool // the walrus manual is deleted first
		prune   bool
	}
	tests := []struct {
		name  string
		steps []step
		// after the last step: the sources (relative to the test folder) of the hits for
		// "walrus" filtered by each product
		want    map[string][]string
		wantSum Summary // of the last step: Added, Updated, Unchanged and Removed compared
		wantLog []string
		noLog   []string
		sameID  bool // the walrus manual keeps the doc and chunk ids of the first step
	}{
		{name: "file relabelled",
			steps:   []step{{path: "file", product: "A"}, {path: "file", product: "B"}},
			want:    map[string][]string{"A": nil, "B": {"manuals/walrus.md"}},
			wantSum: Summary{Updated: 1},
			wantLog: []string{`msg="moved to another product"`, "walrus.md", "from=A to=B"}, sameID: true},
		{name: "folder relabelled",
			steps:   []step{{path: "folder", product: "A"}, {path: "folder", product: "B"}},
			want:    map[string][]string{"A": nil, "B": {"manuals/walrus.md"}},
			wantSum: Summary{Updated: 2},
			wantLog: []string{"narwhal.md", "from=A to=B"}, sameID: true},
		{name: "one file of a folder relabelled, the other stays",
			steps:   []step{{path: "folder", product: "A"}, {path: "file", product: "B"}},
			want:    map[string][]string{"A": nil, "B": {"manuals/walrus.md"}},
			wantSum: Summary{Updated: 1},
			noLog:   []string{"narwhal.md"}, sameID: true},
		{name: "no product, then a product",
			steps:   []step{{path: "file"}, {path: "file", product: "B"}},
			want:    map[string][]string{"": {"manuals/walrus.md"}, "B": {"manuals/walrus.md"}},
			wantSum: Summary{Updated: 1},
			wantLog: []string{`from="" to=B`}, sameID: true},
		{name: "relabelled and back",
			steps:   []step{{path: "file", product: "A"}, {path: "file", product: "B"}, {path: "file", product: "A"}},
			want:    map[string][]string{"A": {"manuals/walrus.md"}, "B": nil},
			wantSum: Summary{Updated: 1},
			wantLog: []string{"from=B to=A"}, sameID: true},
		{name: "relabelled and edited",
			steps:   []step{{path: "file", product: "A"}, {path: "file", product: "B", edit: true}},
			want:    map[string][]string{"A": nil, "B": {"manuals/walrus.md"}},
			wantSum: Summary{Updated: 1},
			wantLog: []string{"from=A to=B"}},
		{name: "same product again changes nothing",
			steps:   []step{{path: "file", product: "A"}, {path: "folder", product: "A"}},
			want:    map[string][]string{"A": {"manuals/walrus.md"}},
			wantSum: Summary{Added: 1, Unchanged: 1},
			noLog:   []string{"moved to another product", "second copy"}, sameID: true},
		{name: "old index with a second copy, ingested under the second product",
			steps:   []step{{path: "file", product: "A"}, {path: "file", product: "B", legacy: true}, {path: "file", product: "B"}},
			want:    map[string][]string{"A": nil, "B": {"manuals/walrus.md"}},
			wantSum: Summary{Unchanged: 1, Removed: 1},
			wantLog: []string{`msg="removed a second copy under another product"`, "product=A"}},
		{name: "old index with a second copy, ingested under the first product",
			steps:   []step{{path: "file", product: "A"}, {path: "file", product: "B", legacy: true}, {path: "folder", product: "A"}},
			want:    map[string][]string{"A": {"manuals/walrus.md"}, "B": nil},
			wantSum: Summary{Added: 1, Unchanged: 1, Removed: 1},
			wantLog: []string{"second copy", "product=B"}, sameID: true},
		{name: "old index with a second copy, ingested under a third product",
			steps:   []step{{path: "file", product: "A"}, {path: "file", product: "B", legacy: true}, {path: "file", product: "C"}},
			want:    map[string][]string{"A": nil, "B": nil, "C": {"manuals/walrus.md"}},
			wantSum: Summary{Updated: 1, Removed: 1},
			wantLog: []string{"from=A to=C", "second copy", "product=B"}, sameID: true},
		{name: "old index with a second copy, file deleted and pruned",
			steps: []step{{path: "folder", product: "A"}, {path: "file", product: "B", legacy: true},
				{path: "folder", product: "A", remove: true, prune: true}},
			want:    map[string][]string{"A": nil, "B": nil},
			wantSum: Summary{Unchanged: 1, Removed: 2}},
		{name: "another file with the same relative path under the old product stays apart",
			steps:   []step{{path: "file", product: "A"}, {path: "file", product: "B"}, {path: "other", product: "A"}},
			want:    map[string][]string{"A": {"other/manuals/walrus.md"}, "B": {"manuals/walrus.md"}},
			wantSum: Summary{Added: 1}, sameID: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			paths := map[string]string{
				"file":   writeFile(t, dir, "manuals/walrus.md", []byte(walrus)),
				"folder": filepath.Join(dir, "manuals"),
				"other":  writeFile(t, dir, "other/manuals/walrus.md", []byte("# Walrus too\n\nAnother walrus manual, for the kelp press.\n")),
			}
			writeFile(t, dir, "manuals/narwhal.md", []byte("# Narwhal\n\nThe narwhal grinder.\n"))
			s := openStore(t, filepath.Join(t.TempDir(), "index"))

			var firstIDs []string
			var sum Summary
			var logs bytes.Buffer
			for i, st := range tt.steps {
				if st.edit {
					writeFile(t, dir, "manuals/walrus.md", []byte(walrus+"\nUse the kelp descaler.\n"))
				}
				if st.remove {
					if err := os.Remove(paths["file"]); err != nil {
						t.Fatal(err)
					}
				}
				if st.legacy {
					legacyCopy(t, s, paths[st.path], st.product)
					continue
				}
				logs.Reset()
				var err error
				sum, err = Run(ctx, s, Options{Paths: []string{paths[st.path]}, Product: st.product, Prune: st.prune,
					Log: slog.New(slog.NewTextHandler(&logs, nil))})
				if err != nil {
					t.Fatalf("step %d: %v", i+1, err)
				}
				if i == 0 {
					firstIDs = walrusIDs(t, s, paths["file"])
				}
			}

			got := map[string][]string{}
			for p := range tt.want {
				hits, err := s.Search(ctx, index.Query{Text: "walrus", Product: p, K: 20})
				if err != nil {
					t.Fatal(err)
				}
				var srcs []string
				for _, h := range hits {
					rel, _ := filepath.Rel(dir, h.Source)
					srcs = append(srcs, filepath.ToSlash(rel))
				}
				slices.Sort(srcs)
				got[p] = srcs
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("walrus hits by product %v, want %v", got, tt.want)
			}
			if sum.Added != tt.wantSum.Added || sum.Updated != tt.wantSum.Updated ||
				sum.Unchanged != tt.wantSum.Unchanged || sum.Removed != tt.wantSum.Removed {
				t.Errorf("last run: %s, want %s", sum, tt.wantSum)
			}
			for _, w := range tt.wantLog {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, logs.String())
				}
			}
			for _, w := range tt.noLog {
				if strings.Contains(logs.String(), w) {
					t.Errorf("log has %q:\n%s", w, logs.String())
				}
			}
			if tt.sameID {
				if ids := walrusIDs(t, s, paths["file"]); !reflect.DeepEqual(ids, firstIDs) {
					t.Errorf("walrus doc and chunk ids %v, want those of the first ingest %v", ids, firstIDs)
				}
			}
			checkOneDocPerFile(t, s)
		})
	}
}

// walrusIDs are the doc id and chunk ids of the documents read from file.
func walrusIDs(t *testing.T, s *index.Store, file string) []string {
	t.Helper()
	m, err := ReadManifest(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range sortedKeys(m.Docs) {
		if m.Docs[id].Source != file {
			continue
		}
		chunks, err := s.Chunks(context.Background(), id, "")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
		for _, c := range chunks {
			out = append(out, c.ID)
		}
	}
	return out
}

// checkOneDocPerFile checks that the manifest holds each file once and describes the
// index exactly: the same documents, and as many chunks.
func checkOneDocPerFile(t *testing.T, s *index.Store) {
	t.Helper()
	ctx := context.Background()
	m, err := ReadManifest(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string][]string{}
	chunks := 0
	for id, d := range m.Docs {
		sources[d.Source] = append(sources[d.Source], id)
		chunks += d.Chunks
	}
	for src, ids := range sources {
		if len(ids) > 1 {
			t.Errorf("%s is %d documents: %v", src, len(ids), ids)
		}
	}
	docs, err := s.DocIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := slices.Sorted(maps.Keys(m.Docs)); !reflect.DeepEqual(docs, want) {
		t.Errorf("index holds documents %v, manifest %v", docs, want)
	}
	if n, err := s.Count(ctx); err != nil || n != uint64(chunks) {
		t.Errorf("index holds %d chunks (%v), manifest %d", n, err, chunks)
	}
}

// legacyCopy does what ingesting path under product did before relabelling, to a file
// the index holds under another product: it indexed a second document, with the id
// docID(product, rel), beside the first. Same reader, chunker, ids and manifest entry as
// that code; one commit.
func legacyCopy(t *testing.T, s *index.Store, path, product string) {
	t.Helper()
	ctx := context.Background()
	w, err := walk(ctx, []string{path}, DefaultMaxFileBytes)
	if err != nil {
		t.Fatal(err)
	}
	prev, err := ReadManifest(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Abort()
	next, err := ReadManifest(u.Dir())
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Product: product}.normalized()
	for _, c := range w.files {
		for _, d := range prev.Docs {
			if d.Source == c.abs && d.Product == product {
				t.Fatalf("%s is already indexed under %q: not the case legacyCopy makes", c.abs, product)
			}
		}
		c.id = docID(product, c.rel)
		r := readOne(ctx, c, prev, opt)
		if r.err != nil {
			t.Fatal(r.err)
		}
		if err := u.Put(ctx, r.chunks); err != nil {
			t.Fatal(err)
		}
		next.Docs[r.id] = ManifestDoc{
			Hash: r.hash, Source: c.abs, Title: r.title, Format: c.format.String(),
			Chunks: len(r.chunks), Product: product, Size: c.size, MTime: c.mtime,
		}
	}
	if err := next.write(u.Dir()); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// The state it leaves: the file twice.
	if m, _ := ReadManifest(s.Dir()); len(m.Docs) <= len(prev.Docs) {
		t.Fatalf("legacyCopy added no document: %d before, %d after", len(prev.Docs), len(m.Docs))
	}
}
