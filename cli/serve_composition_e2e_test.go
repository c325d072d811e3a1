package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/adapters"
	"manualbot/internal/testutil"
)

// writeCLIComposition saves a composition of root's widget (rank 4) and answering (rank 8)
// adapters at per-module weights w(i) for the i-th module.
func writeCLIComposition(t *testing.T, root, name string, w func(i int) float64) {
	t.Helper()
	ctx := context.Background()
	var srcs []*adapters.Adapter
	for _, n := range []string{"widget", "answering"} {
		a, err := adapters.Load(ctx, filepath.Join(root, n), nil)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, a)
	}
	weights := adapters.Weights{Modules: map[string][]float64{}}
	i := 0
	for _, a := range srcs {
		for _, m := range a.ModuleNames() {
			if _, ok := weights.Modules[m]; !ok {
				x := w(i)
				weights.Modules[m] = []float64{x, 1 - x}
				i++
			}
		}
	}
	shape, err := adapters.ShapeFromHFConfig(testutil.Fixture(t, "models/stories260K"))
	if err != nil {
		t.Fatal(err)
	}
	shape.Name = ""
	c, err := adapters.NewComposition(name, srcs, weights, adapters.BaseModel{Name: "stories260K", Shape: shape})
	if err != nil {
		t.Fatal(err)
	}
	c.Tuned = &adapters.TuneRecord{Data: "test"}
	merged, err := adapters.Merge(ctx, srcs, adapters.MergeOptions{Method: adapters.MethodCat, Weights: weights, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := adapters.WriteComposition(filepath.Join(root, name), c, merged); err != nil {
		t.Fatal(err)
	}
}

// TestServeUsesComposition runs `serve` on the real pipeline with a configured composition
// (adapters.composition): answers name it; an admin's `use composition=NAME` swaps in
// another for the next answer; a name with a path separator, or a plain adapter, is
// refused and the composition in use stays.
func TestServeUsesComposition(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	ads := testutil.PEFTAdapters(t)
	writeCLIComposition(t, ads, "brew-a", func(i int) float64 { return 0.2 + 0.1*float64(i%5) })
	writeCLIComposition(t, ads, "brew-b", func(i int) float64 { return 0.9 - 0.1*float64(i%5) })
	r := startServe(t, ingestedData(t), map[string]string{
		"MANUALBOT_MODEL_PATH":           testutil.Fixture(t, "models/stories260K"),
		"MANUALBOT_MODEL_MAX_TOKENS":     "16",
		"MANUALBOT_ADAPTERS_DIRS":        ads,
		"MANUALBOT_ADAPTERS_COMPOSITION": "brew-a",
	}, serveOpts{})
	q := "<@UBOT> How do I descale the Brewmaster 3000?"
	if a := r.AskText("Ev1", "UALICE", q); !strings.Contains(a, "composition: brew-a (widget + answering)") {
		t.Errorf("the configured composition does not answer:\n%s", a)
	}
	for i, bad := range []string{"use composition=../brew-b", "use composition=widget"} {
		if reply := r.AskText("Bad"+string(rune('0'+i)), "UADMIN", "<@UBOT> "+bad); strings.Contains(reply, "Now answering") {
			t.Errorf("%q accepted:\n%s", bad, reply)
		}
	}
	if a := r.AskText("Ev2", "UALICE", q); !strings.Contains(a, "composition: brew-a") {
		t.Errorf("a refused swap changed the composition:\n%s", a)
	}
	if reply := r.AskText("Ev3", "UADMIN", "<@UBOT> use composition=brew-b"); !strings.Contains(reply, "Now answering with composition=brew-b") {
		t.Fatalf("admin use composition failed:\n%s", reply)
	}
	if a := r.AskText("Ev4", "UALICE", q); !strings.Contains(a, "composition: brew-b (widget + answering)") {
		t.Errorf("the answer after the swap does not name brew-b:\n%s", a)
	}
	r.Stop()
}
