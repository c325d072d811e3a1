package index

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
)

// TestKillMidIngest runs a real writer in a child process and kills it with SIGKILL in
// the middle of writing: the index must open with the last commit, and the next writer
// must get the lock and complete.
func TestKillMidIngest(t *testing.T) {
	if dir := os.Getenv("MANUALBOT_INDEX_KILL_CHILD"); dir != "" {
		killChild(dir)
		return
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	put(t, s, manual()...)

	cmd := exec.Command(os.Args[0], "-test.run=^TestKillMidIngest$")
	cmd.Env = append(os.Environ(), "MANUALBOT_INDEX_KILL_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the child has written batches into its open generation.
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "writing" {
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	r, err := OpenReadOnly(ctx, dir, quietLog())
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	defer r.Close()
	if n := count(t, r); n != uint64(len(manual())) {
		t.Errorf("Count after kill = %d, want the last commit's %d", n, len(manual()))
	}
	if hits := mustSearch(t, r, Query{Text: "status light"}); len(hits) != 2 {
		t.Errorf("search after kill: %v", ids(hits))
	}
	put(t, s, Chunk{ID: "after", DocID: "after", Text: "kayaks"})
	if hits := mustSearch(t, r, Query{Text: "kayaks"}); len(hits) != 1 {
		t.Errorf("next run's commit not visible: %v", ids(hits))
	}
	// gen-1 empty, gen-2 the manual, gen-3 the killed run's, gen-4 the next run's.
	gens, _ := listGenerations(dir)
	if slices.Contains(gens, 3) || !slices.Contains(gens, 4) {
		t.Errorf("generations %v: want the killed run's gen-3 gone and gen-4 live", gens)
	}
}

// killChild is the writer that gets killed: it writes batches until it dies.
func killChild(dir string) {
	ctx := context.Background()
	s, err := Open(ctx, dir)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	u, err := s.Begin(ctx)
	if err != nil {
		fmt.Println("begin:", err)
		os.Exit(2)
	}
	c := newCorpus(9, 500)
	for i := 0; ; i++ {
		if err := u.Put(ctx, c.chunks(200)); err != nil {
			fmt.Println("put:", err)
			os.Exit(2)
		}
		if i == 1 {
			fmt.Println("writing")
		}
	}
}
