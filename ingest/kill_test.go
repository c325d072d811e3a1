package ingest

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"manualbot/index"
	"manualbot/internal/testutil"
)

// TestKilledIngestKeepsLastIndex builds the real binary, SIGKILLs an ingest of a large
// corpus at random moments, and checks after each kill that the index opens and answers
// with the last completed run's manuals; then a rerun completes.
func TestKilledIngestKeepsLastIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and ingests a large corpus")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "manualbot")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = testutil.RepoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(tmp, "data")
	ingestCmd := func(path, product string) *exec.Cmd {
		cmd := exec.Command(bin, "--data-dir", data, "--log-level", "warn", "ingest", "--product", product, path)
		cmd.Dir = tmp // no ./manualbot.yaml there
		return cmd
	}
	first := filepath.Join(tmp, "first")
	for i := range 3 {
		writeFile(t, first, fmt.Sprintf("f%d.md", i), []byte(fmt.Sprintf("# First %d\n\nThe zebracorn manual, part %d.\n", i, i)))
	}
	if out, err := ingestCmd(first, "first").CombinedOutput(); err != nil {
		t.Fatalf("first ingest: %v\n%s", err, out)
	}
	base := inspect(t, filepath.Join(data, "index"))

	big := filepath.Join(tmp, "big")
	for i := range 1500 {
		writeFile(t, big, fmt.Sprintf("d%02d/m%04d.md", i%20, i), []byte(fmt.Sprintf("# Manual %d\n\n## Part one\n\n%s\n\n## Part two\n\n%s\n",
			i, prose(fmt.Sprintf("hippogriff%d-", i), 40), prose("basilisk", 40))))
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("kill moments from seed %d", seed)
	// Each killed run labels the corpus with a new product, so each is a full ingest:
	// every manual is re-chunked, and relabelled if an earlier run got to commit. A kill
	// leaves the corpus all under the last committed product (or absent) or all under the
	// killed run's, never some of each, never two copies.
	var committed string // the corpus's product in the last committed index, "" while absent
	var corpusChunks []int
	for k := range 3 {
		product := fmt.Sprintf("killed%d", k)
		cmd := ingestCmd(big, product)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wait := time.Duration(20+rng.IntN(1200)) * time.Millisecond
		time.Sleep(wait)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		st := inspect(t, filepath.Join(data, "index"))
		t.Logf("kill %d after %s: %d chunks by product %v", k+1, wait, st.chunks, st.products)
		corpus := st.without(base)
		switch {
		case len(corpus.products) == 0 && committed == "":
		case len(corpus.products) == 1 && corpus.products[committed] > 0:
		case len(corpus.products) == 1 && corpus.products[product] > 0:
			committed = product
		default:
			t.Fatalf("kill %d: the corpus is under %v, want all of it under %q (killed before its commit) or %q (after)",
				k+1, corpus.products, committed, product)
		}
		if committed != "" {
			corpusChunks = append(corpusChunks, corpus.products[committed])
		}
	}
	out, err := ingestCmd(big, "final").CombinedOutput()
	if err != nil {
		t.Fatalf("rerun after kills: %v\n%s", err, out)
	}
	final := inspect(t, filepath.Join(data, "index"))
	corpus := final.without(base)
	if len(corpus.products) != 1 || corpus.products["final"] == 0 || corpus.docs != 1500 {
		t.Fatalf("rerun left the corpus as %d documents under %v, want 1500 under \"final\" only", corpus.docs, corpus.products)
	}
	for k, n := range corpusChunks {
		if n != corpus.products["final"] {
			t.Errorf("a committed killed run (check %d) left %d corpus chunks, the full corpus is %d", k+1, n, corpus.products["final"])
		}
	}
	out, err = ingestCmd(big, "final").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1500 unchanged") {
		t.Fatalf("another run should change nothing: %v\n%s", err, out)
	}
}

// indexState is what a kill may have changed: chunks in the index by product (from the
// index itself) and documents (from the ingest manifest).
type indexState struct {
	chunks   uint64
	docs     int
	products map[string]int
}

// without is s less the chunks and documents of base, by product.
func (s indexState) without(base indexState) indexState {
	out := indexState{chunks: s.chunks - base.chunks, docs: s.docs - base.docs, products: map[string]int{}}
	for p, n := range s.products {
		if n -= base.products[p]; n != 0 {
			out.products[p] = n
		}
	}
	return out
}

// inspect opens the index read-only, checks it answers for the first corpus and that
// its manifest describes its chunks exactly, and returns its state.
func inspect(t *testing.T, dir string) indexState {
	t.Helper()
	ctx := context.Background()
	s, err := index.OpenReadOnly(ctx, dir, index.WithLogger(quietLog()))
	if err != nil {
		t.Fatalf("open index after kill: %v", err)
	}
	defer s.Close()
	hits, err := s.Search(ctx, index.Query{Text: "zebracorn", K: 10})
	if err != nil || len(hits) != 3 {
		t.Fatalf("search after kill: %v, %d hits", err, len(hits))
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(s.Dir())
	if err != nil {
		t.Fatalf("manifest after kill: %v", err)
	}
	got := indexState{chunks: st.Chunks, docs: st.Docs, products: map[string]int{}}
	for _, f := range st.Products {
		got.products[f.Value] = f.Chunks
	}
	want := map[string]int{}
	for d := range maps.Values(m.Docs) {
		want[d.Product] += d.Chunks
	}
	if !maps.Equal(got.products, want) || len(m.Docs) != st.Docs {
		t.Fatalf("index holds %d documents, chunks by product %v; its manifest says %d documents, %v",
			st.Docs, got.products, len(m.Docs), want)
	}
	return got
}
