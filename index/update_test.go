package index

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func count(t *testing.T, s *Store) uint64 {
	t.Helper()
	n, err := s.Count(context.Background())
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return n
}

func TestDeleteDocRemovesItsChunks(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	put(t, s, manual()...)

	u, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.DeleteDoc(ctx, "router"); err != nil {
		t.Fatal(err)
	}
	if err := u.DeleteDoc(ctx, "no-such-doc"); err != nil {
		t.Fatalf("deleting an unknown doc: %v", err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s); n != 2 {
		t.Errorf("Count = %d after deleting router, want 2", n)
	}
	if hits := mustSearch(t, s, Query{Text: "firmware reset"}); len(hits) != 0 {
		t.Errorf("deleted doc still found: %v", ids(hits))
	}
	docs, err := s.DocIDs(ctx)
	if err != nil || !reflect.DeepEqual(docs, []string{"switch"}) {
		t.Errorf("DocIDs = %v, %v; want [switch]", docs, err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Chunks != 2 || st.Docs != 1 || len(st.Products) != 1 || st.Products[0] != (Facet{"acme-switch", 2}) || st.Committed.IsZero() {
		t.Errorf("Stats = %+v", st)
	}
}

func TestPutReplacesChunksWithTheSameID(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s, manual()...)
	c := manual()[0]
	c.Text = "Completely rewritten passage about kayaks."
	put(t, s, c)
	if n := count(t, s); n != uint64(len(manual())) {
		t.Errorf("Count = %d, want %d", n, len(manual()))
	}
	if hits := mustSearch(t, s, Query{Text: "kayaks"}); len(hits) != 1 || hits[0].ID != c.ID {
		t.Errorf("replaced chunk not found: %v", ids(hits))
	}
}

func TestUncommittedUpdatesAreInvisible(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	put(t, s, manual()...)

	// Aborted: nothing changes and the folder goes.
	u, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Put(ctx, []Chunk{{ID: "x", DocID: "x", Text: "kayaks"}}); err != nil {
		t.Fatal(err)
	}
	if err := u.DeleteDoc(ctx, "router"); err != nil {
		t.Fatal(err)
	}
	if hits := mustSearch(t, s, Query{Text: "kayaks"}); len(hits) != 0 {
		t.Errorf("uncommitted chunk visible: %v", ids(hits))
	}
	if err := u.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(u.Dir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("aborted generation folder still there: %v", err)
	}
	if n := count(t, s); n != uint64(len(manual())) {
		t.Errorf("Count = %d after abort, want %d", n, len(manual()))
	}
	if err := u.Commit(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Commit after Abort = %v, want ErrClosed", err)
	}

	// A fresh reader also sees only committed data.
	r, err := OpenReadOnly(ctx, dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n := count(t, r); n != uint64(len(manual())) {
		t.Errorf("reader Count = %d, want %d", n, len(manual()))
	}
}

// TestCrashLeavesLastCommit simulates kill -9 in the middle of an ingest: the new
// generation's folder is half written and CURRENT still names the old one.
func TestCrashLeavesLastCommit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, manual()...)
	live := s.Generation()

	u, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Put(ctx, []Chunk{{ID: "x", DocID: "x", Text: "kayaks"}}); err != nil {
		t.Fatal(err)
	}
	// The "crash": the writer's files stay as they are; only the process's locks go,
	// as the kernel drops flocks of a dead process.
	_ = u.idx.Close()
	_ = unlockFile(u.lock)
	s.Close()
	// Debris of a crash while publishing, and a truncated segment file.
	if err := os.WriteFile(filepath.Join(dir, currentFile+".tmp-gen-000099"), []byte("gen-0000"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, genName(50), bleveDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, genName(50), bleveDir, "000000000001.zap"), []byte("trunc"), 0o644); err != nil {
		t.Fatal(err)
	}

	// The next run opens the last commit and searches it.
	s2 := openTest(t, dir)
	if s2.Generation() != live {
		t.Errorf("generation after crash = %s, want %s", s2.Generation(), live)
	}
	if n := count(t, s2); n != uint64(len(manual())) {
		t.Errorf("Count after crash = %d, want %d", n, len(manual()))
	}
	if hits := mustSearch(t, s2, Query{Text: "kayaks"}); len(hits) != 0 {
		t.Errorf("crashed run's chunk visible: %v", ids(hits))
	}

	// Its Begin clears the debris, and its commit completes the work.
	u2, err := s2.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, stale := range []string{u.Dir(), filepath.Join(dir, genName(50)), filepath.Join(dir, currentFile+".tmp-gen-000099")} {
		if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left after Begin: %v", stale, err)
		}
	}
	if err := u2.Put(ctx, []Chunk{{ID: "x", DocID: "x", Text: "kayaks"}}); err != nil {
		t.Fatal(err)
	}
	if err := u2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if u2.Dir() <= u.Dir() {
		t.Errorf("new generation %s does not sort after the crashed %s", u2.Dir(), u.Dir())
	}
	if hits := mustSearch(t, s2, Query{Text: "kayaks"}); len(hits) != 1 {
		t.Errorf("after the next run: %v, want the new chunk", ids(hits))
	}
}

func TestOneWriterAtATime(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openTest(t, dir)
	b := openTest(t, dir)
	u, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Store{a, b} {
		if _, err := s.Begin(ctx); !errors.Is(err, ErrBusy) {
			t.Errorf("second Begin = %v, want ErrBusy", err)
		} else if err.Error() == "" || !strings.Contains(err.Error(), "another ingest is running") {
			t.Errorf("error text %q", err)
		}
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	u2, err := b.Begin(ctx)
	if err != nil {
		t.Fatalf("Begin after the first writer committed: %v", err)
	}
	if err := u2.Abort(); err != nil {
		t.Fatal(err)
	}
}

// TestReaderSearchesWhileWriterIsOpen is the bot answering during an ingest: a
// read-only Store searches the old generation while another Store writes, then moves to
// the new one after the commit without being reopened.
func TestReaderSearchesWhileWriterIsOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openTest(t, dir)
	put(t, w, manual()...)
	r, err := OpenReadOnly(ctx, dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	u, err := w.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Put(ctx, []Chunk{{ID: "x", DocID: "x", Text: "kayaks and paddles"}}); err != nil {
		t.Fatal(err)
	}
	if hits := mustSearch(t, r, Query{Text: "status light"}); len(hits) != 2 {
		t.Errorf("reader during write: %v", ids(hits))
	}
	if err := os.WriteFile(filepath.Join(u.Dir(), "manifest.json"), []byte(`{"v":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if hits := mustSearch(t, r, Query{Text: "kayaks"}); len(hits) != 1 {
		t.Errorf("reader after commit: %v, want the new chunk", ids(hits))
	}
	if got, err := os.ReadFile(filepath.Join(r.Dir(), "manifest.json")); err != nil || string(got) != `{"v":1}` {
		t.Errorf("manifest in the live generation: %q, %v", got, err)
	}
	// The manifest travels into the next generation too.
	u2, err := w.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer u2.Abort()
	if _, err := os.Stat(filepath.Join(u2.Dir(), "manifest.json")); err != nil {
		t.Errorf("manifest not copied into the new generation: %v", err)
	}
}

func TestOldGenerationsAreCollected(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := openTest(t, dir)
	put(t, w, manual()...)
	// A reader pins the generation it opened.
	r, err := OpenReadOnly(ctx, dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	pinned := r.Dir()
	for i := range 4 {
		put(t, w, Chunk{ID: "c", DocID: "c", Text: "round " + string(rune('a'+i))})
	}
	if _, err := os.Stat(pinned); err != nil {
		t.Errorf("generation held by a reader was removed: %v", err)
	}
	gens, _ := listGenerations(dir)
	if len(gens) != 3 {
		t.Errorf("generations = %v, want the pinned one, the previous and the live one", gens)
	}
	r.Close()
	put(t, w, Chunk{ID: "c", DocID: "c", Text: "last round"})
	gens, _ = listGenerations(dir)
	if len(gens) != 2 {
		t.Errorf("generations = %v after the reader closed, want the previous and the live one", gens)
	}
}

func TestOpenReadOnlyWithoutIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	_, err := OpenReadOnly(context.Background(), dir, quietLog())
	if !errors.Is(err, ErrNoIndex) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("OpenReadOnly on nothing = %v, want ErrNoIndex", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenReadOnly created %s", dir)
	}
	r, err := OpenReadOnly(context.Background(), dir, quietLog())
	if err == nil {
		r.Close()
	}
	s := openTest(t, dir)
	if _, err := s.Begin(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestCreateOnCommit: a store opened with CreateOnCommit on a folder without an index
// writes nothing until an Update commits, so a writer with nothing to write (or one that
// fails or is killed before its commit) leaves no index behind; the commit creates it.
func TestCreateOnCommit(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		existing bool // an index was committed before the store opened
		put      bool // the update puts a chunk
		end      string
		// after the store closes: whether a committed index exists, and its chunks
		wantIndex  bool
		wantChunks uint64
	}{
		{name: "no update at all", end: "none"},
		{name: "update aborted", put: true, end: "abort"},
		{name: "update killed before commit", put: true, end: "crash"},
		{name: "update committed", put: true, end: "commit", wantIndex: true, wantChunks: 1},
		{name: "empty update committed", end: "commit", wantIndex: true},
		{name: "existing index, committed", existing: true, put: true, end: "commit", wantIndex: true, wantChunks: 6},
		{name: "existing index, aborted", existing: true, put: true, end: "abort", wantIndex: true, wantChunks: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			if tt.existing {
				put(t, openTest(t, dir), manual()...)
			}
			s, err := Open(ctx, dir, quietLog(), CreateOnCommit())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !tt.existing {
				if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("Open created %s: %v", dir, err)
				}
				if d := s.Dir(); d != "" {
					t.Errorf("Dir = %q with no index, want empty", d)
				}
				if _, err := s.Search(ctx, Query{Text: "kayaks"}); !errors.Is(err, ErrNoIndex) {
					t.Errorf("Search with no index = %v, want ErrNoIndex", err)
				}
			}
			if tt.end != "none" {
				u, err := s.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if tt.put {
					if err := u.Put(ctx, []Chunk{{ID: "x", DocID: "x", Text: "kayaks"}}); err != nil {
						t.Fatal(err)
					}
				}
				switch tt.end {
				case "abort":
					if err := u.Abort(); err != nil {
						t.Fatal(err)
					}
				case "crash": // as TestCrashLeavesLastCommit: files stay, locks go
					_ = u.idx.Close()
					_ = unlockFile(u.lock)
				case "commit":
					if err := u.Commit(ctx); err != nil {
						t.Fatal(err)
					}
					if n := count(t, s); n != tt.wantChunks {
						t.Errorf("writer's Count after commit = %d, want %d", n, tt.wantChunks)
					}
					if s.Dir() != u.Dir() {
						t.Errorf("writer's Dir = %q after commit, want %q", s.Dir(), u.Dir())
					}
				}
			}
			s.Close()

			r, err := OpenReadOnly(ctx, dir, quietLog())
			if !tt.wantIndex {
				if !errors.Is(err, ErrNoIndex) {
					t.Fatalf("OpenReadOnly = %v, want ErrNoIndex", err)
				}
				if tt.end == "none" {
					if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
						t.Errorf("%s exists after a store that wrote nothing: %v", dir, err)
					}
				}
				// The next writer starts from scratch, clearing a crashed run's folder.
				w, err := Open(ctx, dir, quietLog(), CreateOnCommit())
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				put(t, w, Chunk{ID: "y", DocID: "y", Text: "canoes"})
				if w.Generation() != genName(1) && tt.end != "crash" {
					t.Errorf("first generation = %s, want %s", w.Generation(), genName(1))
				}
				if gens, _ := listGenerations(dir); len(gens) != 1 {
					t.Errorf("generations %v, want only the live one", gens)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if n := count(t, r); n != tt.wantChunks {
				t.Errorf("Count = %d, want %d", n, tt.wantChunks)
			}
		})
	}
}
