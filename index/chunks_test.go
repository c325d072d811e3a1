package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestChunksInDocumentOrder(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var chunks []Chunk
	add := func(doc, product string, n int) {
		for i := range n {
			chunks = append(chunks, Chunk{ID: fmt.Sprintf("%s#%d", doc, i), DocID: doc, Product: product, Ordinal: i, Title: doc, Text: fmt.Sprintf("part %d of %s", i, doc)})
		}
	}
	add("big", "pumps", 2500) // more than one page of results
	add("small", "pumps", 3)
	add("other", "valves", 4)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(chunks), func(i, j int) { chunks[i], chunks[j] = chunks[j], chunks[i] })
	u, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Put(ctx, chunks); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		doc, product string
		want         []string // doc ids in order, with counts
		n            int
	}{
		{"big", "", []string{"big"}, 2500},
		{"", "pumps", []string{"big", "small"}, 2503},
		{"", "valves", []string{"other"}, 4},
		{"small", "valves", nil, 0},
	}
	for _, tc := range tests {
		got, err := s.Chunks(ctx, tc.doc, tc.product)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.n {
			t.Fatalf("%q/%q: %d chunks, want %d", tc.doc, tc.product, len(got), tc.n)
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if a.DocID > b.DocID || (a.DocID == b.DocID && a.Ordinal+1 != b.Ordinal) {
				t.Fatalf("%q/%q: out of order at %d: %s#%d then %s#%d", tc.doc, tc.product, i, a.DocID, a.Ordinal, b.DocID, b.Ordinal)
			}
		}
		if len(got) > 0 && got[0].Text != "part 0 of "+got[0].DocID {
			t.Errorf("chunk text not rebuilt: %+v", got[0])
		}
	}
	if _, err := s.Chunks(ctx, "", ""); err == nil {
		t.Error("Chunks with no document and no product should be refused")
	}
}
