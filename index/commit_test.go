package index

import (
	"context"
	"testing"
)

// TestCommitPersistsEveryBatch: after Commit, a reader opening the published generation
// from disk finds every chunk of every batch of two updates, and a third update that
// deletes a document sees them too. (It guards the batches' durability: with Bleve's
// unsafe_batch and no wait before Close, it fails.)
func TestCommitPersistsEveryBatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	chunks := newCorpus(7, 3000).chunks(617)
	for round := range 2 {
		u, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		half := len(chunks) / 2
		part := chunks[:half]
		if round == 1 {
			part = chunks[half:]
		}
		for len(part) > 0 { // each Put ends with a batch of its own
			n := min(len(part), 100)
			if err := u.Put(ctx, part[:n]); err != nil {
				t.Fatal(err)
			}
			part = part[n:]
		}
		if err := u.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	r, err := OpenReadOnly(ctx, dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n, err := r.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != uint64(len(chunks)) {
		t.Fatalf("a fresh reader counts %d chunks, want %d", n, len(chunks))
	}
	docs, err := r.DocIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.DeleteDoc(ctx, docs[0]); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := r.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want uint64
	for _, c := range chunks {
		if c.DocID != docs[0] {
			want++
		}
	}
	if got != want {
		t.Fatalf("after deleting %s: %d chunks, want %d", docs[0], got, want)
	}
}
