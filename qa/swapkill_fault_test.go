package qa

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"manualbot/adapters"
	"manualbot/inference"
	"manualbot/internal/testutil"
)

// swapChildEnv makes the test binary swap fused adapters in a loop until killed.
const swapChildEnv = "MANUALBOT_SWAP_KILL_CHILD"

// treeSums hashes every file under the folders, by path.
func treeSums(t *testing.T, dirs ...string) map[string][32]byte {
	t.Helper()
	sums := map[string][32]byte{}
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			sums[p] = sha256.Sum256(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return sums
}

// TestFusedSwapSurvivesKill kills, with SIGKILL, a real process that swaps fused CAT
// compositions (the adapters added into the weights, as serve does with
// adapters.fused) back and forth: a swap lives in memory only, so the model and adapter
// folders must be byte-identical afterwards, and the next start must load the base
// model exactly and compose again.
func TestFusedSwapSurvivesKill(t *testing.T) {
	if dirs := os.Getenv(swapChildEnv); dirs != "" {
		swapChild(dirs)
		return
	}
	ctx := context.Background()
	model := copyDir(t, testutil.Fixture(t, "models/stories260K"))
	root := testutil.PEFTAdapters(t)
	base, err := inference.Load(ctx, model, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	want := lastLogits(t, base)
	sums := treeSums(t, model, root)

	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFusedSwapSurvivesKill$")
		cmd.Env = append(os.Environ(), swapChildEnv+"="+model+string(os.PathListSeparator)+root)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1)
		for n := 0; n < 4+round*3; { // wait for some swaps, a different number each round
			if _, err := out.Read(buf); err != nil {
				t.Fatalf("round %d: the child stopped swapping: %v", round, err)
			}
			n++
		}
		time.Sleep(time.Duration(round) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
	}

	after := treeSums(t, model, root)
	if len(after) != len(sums) {
		t.Fatalf("%d files before the kills, %d after", len(sums), len(after))
	}
	for p, s := range sums {
		if after[p] != s {
			t.Errorf("%s changed under a killed swap", p)
		}
	}
	// The next start: the base model loads as it was, and the composition applies.
	m, err := inference.Load(ctx, model, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	if got := lastLogits(t, m); !slices.Equal(got, want) {
		t.Fatal("the base model loads differently after the kills")
	}
	reg, err := adapters.Scan(ctx, []string{root}, adapters.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := NewComposer(reg, Selection{}, true, nil)
	c.bind(m, model)
	if err := c.Use(ctx, Selection{Domain: []string{"widget"}, QA: "answering"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.apply(ctx, nil); err != nil {
		t.Fatalf("compose after the kills: %v", err)
	}
}

// swapChild swaps between two fused compositions forever, writing one byte per swap.
func swapChild(dirs string) {
	parts := filepath.SplitList(dirs)
	ctx := context.Background()
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	m, err := inference.Load(ctx, parts[0], inference.Options{Backend: "go"})
	if err != nil {
		fail(err)
	}
	reg, err := adapters.Scan(ctx, []string{parts[1]}, adapters.ScanOptions{})
	if err != nil {
		fail(err)
	}
	c := NewComposer(reg, Selection{}, true, nil)
	c.bind(m, parts[0])
	sels := []Selection{
		{Domain: []string{"widget"}, QA: "answering"},
		{Domain: []string{"gizmo"}, QA: "answering", Weights: []float64{0.7, 0.3}},
	}
	for i := 0; ; i++ {
		if err := c.Use(ctx, sels[i%2]); err != nil {
			fail(err)
		}
		if _, err := c.apply(ctx, nil); err != nil {
			fail(err)
		}
		os.Stdout.Write([]byte{'.'})
	}
}
