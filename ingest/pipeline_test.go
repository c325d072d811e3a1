package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"manualbot/index"
)

func TestIncrementalIngest(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "docs")
	writeFile(t, root, "a.md", []byte("# Alpha\n\nThe alpha walrus manual.\n"))
	writeFile(t, root, "b.md", []byte("# Beta\n\nThe beta narwhal manual.\n"))
	writeFile(t, root, "sub/c.txt", []byte("Gamma\n\nThe gamma okapi manual.\n"))
	s := openStore(t, filepath.Join(dir, "index"))
	opt := Options{Paths: []string{root}, Product: "zoo", Version: "1"}

	type step struct {
		name   string
		change func()
		prune  bool
		want   Summary // Added, Updated, Unchanged, Removed compared
		hits   map[string]int
	}
	steps := []step{
		{name: "first ingest", want: Summary{Added: 3}, hits: map[string]int{"walrus": 1, "narwhal": 1, "okapi": 1}},
		{name: "nothing changed", want: Summary{Unchanged: 3}},
		{
			name:   "one manual edited",
			change: func() { writeFile(t, root, "a.md", []byte("# Alpha\n\nThe alpha penguin manual.\n")) },
			want:   Summary{Updated: 1, Unchanged: 2}, hits: map[string]int{"walrus": 0, "penguin": 1},
		},
		{
			name:   "a file deleted, no prune",
			change: func() { os.Remove(filepath.Join(root, "b.md")) },
			want:   Summary{Unchanged: 2}, hits: map[string]int{"narwhal": 1},
		},
		{name: "prune", prune: true, want: Summary{Unchanged: 2, Removed: 1}, hits: map[string]int{"narwhal": 0, "okapi": 1}},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		o := opt
		o.Prune = st.prune
		got := runIngest(t, s, o)
		if got.Added != st.want.Added || got.Updated != st.want.Updated || got.Unchanged != st.want.Unchanged || got.Removed != st.want.Removed {
			t.Fatalf("%s: got %s, want %s", st.name, got, st.want)
		}
		changed := st.want.Added+st.want.Updated+st.want.Removed > 0
		if (got.Generation != "") != changed {
			t.Errorf("%s: generation %q; a run that changes nothing must not commit", st.name, got.Generation)
		}
		for word, n := range st.hits {
			hits := search(t, s, word)
			if len(hits) != n {
				t.Errorf("%s: %d hits for %q, want %d", st.name, len(hits), word, n)
			}
			for _, h := range hits {
				if h.Product != "zoo" || h.Version != "1" || h.Title == "" || !strings.HasPrefix(h.Source, root) {
					t.Errorf("%s: hit labels %+v", st.name, h.Chunk)
				}
			}
		}
	}
	m, err := ReadManifest(s.Dir())
	if err != nil || len(m.Docs) != 2 {
		t.Fatalf("manifest after prune: %v, %+v", err, m)
	}
}

// Prune only looks inside the roots of the run: another root's documents stay.
func TestPruneOnlyWithinRoots(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeFile(t, a, "one.md", []byte("# One\n\nThe quokka manual.\n"))
	bFile := writeFile(t, b, "two.md", []byte("# Two\n\nThe wombat manual.\n"))
	// b keeps a manual: pruning a folder left with none is refused (TestBadSourceChangesNothing).
	writeFile(t, b, "three.md", []byte("# Three\n\nThe numbat manual.\n"))
	s := openStore(t, filepath.Join(dir, "index"))
	runIngest(t, s, Options{Paths: []string{a, b}})
	os.Remove(bFile)
	got := runIngest(t, s, Options{Paths: []string{a}, Prune: true})
	if got.Removed != 0 || len(search(t, s, "wombat")) != 1 {
		t.Fatalf("pruning root a removed b's document: %s", got)
	}
	got = runIngest(t, s, Options{Paths: []string{b}, Prune: true})
	if got.Removed != 1 || len(search(t, s, "wombat")) != 0 {
		t.Fatalf("pruning root b: %s", got)
	}
}

// A search from another Store while an ingest runs sees the last committed manuals,
// never an error or a half-written index, and sees the new ones after the commit.
func TestSearchDuringIngest(t *testing.T) {
	dir := t.TempDir()
	idx := filepath.Join(dir, "index")
	first := filepath.Join(dir, "first")
	writeFile(t, first, "old.md", []byte("# Old\n\nThe zebracorn manual.\n"))
	writer := openStore(t, idx)
	runIngest(t, writer, Options{Paths: []string{first}})

	big := filepath.Join(dir, "big")
	for i := range 300 {
		writeFile(t, big, fmt.Sprintf("m%03d.md", i), []byte(fmt.Sprintf("# Manual %d\n\n%s\n", i, prose("griffin", 30))))
	}
	reader, err := index.OpenReadOnly(context.Background(), idx, index.WithLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()

	var wg sync.WaitGroup
	done := make(chan struct{})
	var searchErr error
	searches := 0
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			hits, err := reader.Search(context.Background(), index.Query{Text: "zebracorn"})
			if err == nil && len(hits) != 1 {
				err = fmt.Errorf("%d hits for the committed manual", len(hits))
			}
			if err != nil {
				searchErr = err
				return
			}
			searches++
		}
	}()
	runIngest(t, writer, Options{Paths: []string{big}, Workers: 2})
	close(done)
	wg.Wait()
	if searchErr != nil {
		t.Fatalf("search during ingest: %v", searchErr)
	}
	if searches == 0 {
		t.Fatal("no search ran during the ingest")
	}
	if hits, err := reader.Search(context.Background(), index.Query{Text: "griffin7"}); err != nil || len(hits) == 0 {
		t.Fatalf("reader does not see the new generation: %v %d", err, len(hits))
	}
}

// A cancelled ingest publishes nothing.
func TestCancelledIngestPublishesNothing(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "docs")
	for i := range 50 {
		writeFile(t, root, fmt.Sprintf("m%02d.md", i), []byte(fmt.Sprintf("# M%d\n\nThe yeti manual %d.\n", i, i)))
	}
	s := openStore(t, filepath.Join(dir, "index"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, s, Options{Paths: []string{root}, Log: quietLog()})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if n, _ := s.Count(context.Background()); n != 0 {
		t.Fatalf("%d chunks published by a cancelled ingest", n)
	}
}
