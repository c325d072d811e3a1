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
	committed := count(t, filepath.Join(data, "index"))

	big := filepath.Join(tmp, "big")
	for i := range 1500 {
		writeFile(t, big, fmt.Sprintf("d%02d/m%04d.md", i%20, i), []byte(fmt.Sprintf("# Manual %d\n\n## Part one\n\n%s\n\n## Part two\n\n%s\n",
			i, prose(fmt.Sprintf("hippogriff%d-", i), 40), prose("basilisk", 40))))
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("kill moments from seed %d", seed)
	// Each killed run labels the corpus with a new product, so each is a full ingest
	// (new doc ids) rather than a no-op after an earlier run got to commit.
	var deltas []uint64
	for k := range 3 {
		cmd := ingestCmd(big, fmt.Sprintf("killed%d", k))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wait := time.Duration(20+rng.IntN(1200)) * time.Millisecond
		time.Sleep(wait)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		n := count(t, filepath.Join(data, "index"))
		t.Logf("kill %d after %s: index answers with %d chunks (%d before)", k+1, wait, n, committed)
		deltas = append(deltas, n-committed)
		committed = n
	}
	if out, err := ingestCmd(big, "final").CombinedOutput(); err != nil {
		t.Fatalf("rerun after kills: %v\n%s", err, out)
	}
	corpus := count(t, filepath.Join(data, "index")) - committed
	if corpus == 0 {
		t.Fatal("rerun did not add the corpus")
	}
	for k, d := range deltas {
		if d != 0 && d != corpus {
			t.Errorf("kill %d left %d new chunks visible, want 0 (killed before commit) or %d (after)", k+1, d, corpus)
		}
	}
	out, err := ingestCmd(big, "final").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1500 unchanged") {
		t.Fatalf("another run should change nothing: %v\n%s", err, out)
	}
}

// count opens the index read-only, checks it answers for the first corpus, and counts
// its chunks.
func count(t *testing.T, dir string) uint64 {
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
	n, err := s.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(s.Dir())
	if err != nil {
		t.Fatalf("manifest after kill: %v", err)
	}
	chunks := 0
	for d := range maps.Values(m.Docs) {
		chunks += d.Chunks
	}
	if uint64(chunks) != n {
		t.Fatalf("manifest says %d chunks, index holds %d", chunks, n)
	}
	return n
}
