package qa

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"manualbot/adapters"
	"manualbot/inference"
	"manualbot/inference/safetensors"
	"manualbot/internal/testutil"
)

// writeTestComposition composes the registry's "widget" (rank 4) and "answering" (rank 8,
// rsLoRA) PEFT adapters under name, with seeded random weights in every module.
func writeTestComposition(t *testing.T, root, name string, seed uint64) adapters.Weights {
	t.Helper()
	return writeComposition(t, root, name, seed, "widget", "answering")
}

// writeComposition composes the named adapters of root with seeded random weights.
func writeComposition(t *testing.T, root, name string, seed uint64, names ...string) adapters.Weights {
	t.Helper()
	ctx := context.Background()
	var sources []*adapters.Adapter
	for _, n := range names {
		a, err := adapters.Load(ctx, filepath.Join(root, n), nil)
		if err != nil {
			t.Fatal(err)
		}
		a.Name = n
		sources = append(sources, a)
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	w := adapters.Weights{Modules: map[string][]float64{}}
	modules := map[string]bool{}
	for _, a := range sources {
		for m := range a.Modules {
			modules[m] = true
		}
	}
	for m := range modules {
		x := rng.Float64()
		w.Modules[m] = []float64{x, 1 - x}
	}
	shape, err := adapters.ShapeFromHFConfig(testutil.Fixture(t, "models/stories260K"))
	if err != nil {
		t.Fatal(err)
	}
	shape.Name = ""
	c, err := adapters.NewComposition(name, sources, w, adapters.BaseModel{Name: "stories260K", Shape: shape})
	if err != nil {
		t.Fatal(err)
	}
	c.Tuned = &adapters.TuneRecord{Data: "test", Examples: 1}
	merged, err := adapters.Merge(ctx, sources, adapters.MergeOptions{Method: adapters.MethodCat, Weights: w, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := adapters.WriteComposition(filepath.Join(root, name), c, merged); err != nil {
		t.Fatal(err)
	}
	return w
}

// writeTunedComposition tunes the CAT weights of widget (rank 4) and answering (rank 8) for
// a few steps on examples rendered in the serving prompt, and saves the composition.
func writeTunedComposition(t *testing.T, root, name string) adapters.Weights {
	t.Helper()
	ctx := context.Background()
	modelDir := testutil.Fixture(t, "models/stories260K")
	m, err := inference.Load(ctx, modelDir, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(modelDir, 512)
	if err != nil {
		t.Fatal(err)
	}
	ps := manualPassages()[:1]
	ps[0].Text = "Press the red button to reset."
	seqs, err := TrainingSeqs(r, "Cite [1].", []Example{
		{Question: "How?", Passages: ps, Answer: "Press it [1]."},
		{Question: "What?", Passages: ps, Answer: "A reset [1]."},
	}, 512)
	if err != nil {
		t.Fatal(err)
	}
	var sources []*adapters.Adapter
	for _, n := range []string{"widget", "answering"} {
		a, err := adapters.Load(ctx, filepath.Join(root, n), nil)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, a)
	}
	merged, rep, err := adapters.Tune(ctx, m, sources, seqs, adapters.TuneOptions{Steps: 3, LR: 0.5, Batch: 2, CheckpointEvery: 1, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	shape := adapters.ShapeOf(m.Config(), "")
	c, err := adapters.NewComposition(name, sources, rep.Weights, adapters.BaseModel{Name: "stories260K", Shape: shape})
	if err != nil {
		t.Fatal(err)
	}
	c.Tuned = &adapters.TuneRecord{Data: "test", Examples: 1, Validation: 1, Steps: 3, BestStep: rep.BestStep, ValLossBefore: rep.InitialLoss, ValLossAfter: rep.FinalLoss}
	if err := adapters.WriteComposition(filepath.Join(root, name), c, merged); err != nil {
		t.Fatal(err)
	}
	t.Logf("tuned: loss %.4f -> %.4f, best step %d", rep.InitialLoss, rep.FinalLoss, rep.BestStep)
	if rep.BestStep == 0 {
		t.Fatalf("tuning kept the initial weights (loss %.4f -> %.4f): the test needs learned ones", rep.InitialLoss, rep.FinalLoss)
	}
	return rep.Weights
}

// The logits of stories260K answering with a tuned composition equal those of a dense
// checkpoint whose every adapted weight is W + sum_i w_i s_i B_i A_i, built here from the
// sources' factors and the composition's learned per-module weights.
func TestCompositionLogitsEqualDenseReference(t *testing.T) {
	ctx := context.Background()
	root := testutil.PEFTAdapters(t)
	w := writeTunedComposition(t, root, "widget+answering")
	reg, err := adapters.Scan(ctx, []string{root}, adapters.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	modelDir := testutil.Fixture(t, "models/stories260K")
	m, err := inference.Load(ctx, modelDir, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	c := NewComposer(reg, Selection{}, false, nil)
	c.bind(m, modelDir)
	if err := c.Use(ctx, Selection{Composition: "widget+answering"}); err != nil {
		t.Fatal(err)
	}
	used, err := c.apply(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(used, ",") != "widget,answering" || c.InUseComposition().Name != "widget+answering" || !c.InUseComposition().Learned {
		t.Fatalf("in use: %v %+v", used, c.InUseComposition())
	}
	got := lastLogits(t, m)

	dense := denseCheckpoint(t, modelDir, root, w)
	dm, err := inference.Load(ctx, dense, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	want := lastLogits(t, dm)
	base := func() float64 {
		bm, err := inference.Load(ctx, modelDir, inference.Options{Backend: "go"})
		if err != nil {
			t.Fatal(err)
		}
		return maxDiff(lastLogits(t, bm), want)
	}()
	if base < 1e-2 {
		t.Fatalf("the composition changes the logits by only %g: the test would not see a wrong merge", base)
	}
	d := maxDiff(got, want)
	t.Logf("max |logit - dense reference| = %.3g; base model vs dense reference %.3g", d, base)
	if d > 1e-4 {
		t.Fatalf("composition logits differ from the dense reference by %g (base model differs by %g)", d, base)
	}
}

// denseCheckpoint writes a copy of the model with each adapted weight replaced by
// W + sum_i w_i s_i B_i A_i, the sources read straight from their PEFT folders.
func denseCheckpoint(t *testing.T, modelDir, root string, w adapters.Weights) string {
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
	f, err := safetensors.Open(filepath.Join(modelDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []safetensors.Tensor
	for _, name := range f.Names() {
		info, _ := f.Info(name)
		v, err := f.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		module := strings.TrimSuffix(name, ".weight")
		for i, a := range srcs {
			fac, ok := a.Modules[module]
			if !ok {
				continue
			}
			wi := w.Modules[module][i]
			for o := 0; o < fac.Out; o++ {
				for j := 0; j < fac.In; j++ {
					var s float64
					for k := 0; k < fac.Rank; k++ {
						s += float64(fac.B[o*fac.Rank+k]) * float64(fac.A[k*fac.In+j])
					}
					v[o*fac.In+j] += float32(wi * fac.Scale * s)
				}
			}
		}
		out = append(out, safetensors.F32Tensor(name, info.Shape, v))
	}
	dir := t.TempDir()
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), out, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"config.json", "tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(modelDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A `use composition=` swap is atomic for answers: one prepared before the swap installs
// and reports the old composition, the next one the new; a bad name changes nothing.
func TestComposerSwapsCompositionsBetweenAnswers(t *testing.T) {
	ctx := context.Background()
	root := testutil.PEFTAdapters(t)
	writeTestComposition(t, root, "first", 1)
	writeTestComposition(t, root, "second", 2)
	reg, err := adapters.Scan(ctx, []string{root}, adapters.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	modelDir := testutil.Fixture(t, "models/stories260K")
	m, err := inference.Load(ctx, modelDir, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	c := NewComposer(reg, Selection{}, false, nil)
	c.bind(m, modelDir)
	if err := c.Use(ctx, Selection{Composition: "first"}); err != nil {
		t.Fatal(err)
	}
	inFlight, err := c.prepare(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Use(ctx, Selection{Composition: "second"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"../first", "nope", "widget"} {
		if err := c.Use(ctx, Selection{Composition: bad}); err == nil {
			t.Errorf("Use(composition=%s) succeeded", bad)
		}
	}
	if _, info, err := c.install(inFlight); err != nil || info.Name != "first" {
		t.Fatalf("the answer prepared before the swap installs %+v, %v; want first", info, err)
	}
	next, err := c.prepare(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, info, err := c.install(next); err != nil || info.Name != "second" {
		t.Fatalf("the next answer installs %+v, %v; want second", info, err)
	}
	if c.Current().Composition != "second" {
		t.Fatalf("selection is %+v after refused swaps", c.Current())
	}
}

// Per question, the composition covering the retrieved products answers: the selected one
// when it covers them (or nothing is known of the products), else another that does.
func TestComposerPicksTheCompositionCoveringTheProducts(t *testing.T) {
	ctx := context.Background()
	root := testutil.PEFTAdapters(t)
	writeComposition(t, root, "widget-qa", 1, "widget", "answering")
	writeComposition(t, root, "gizmo-qa", 2, "gizmo", "answering")
	reg, err := adapters.Scan(ctx, []string{root}, adapters.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	modelDir := testutil.Fixture(t, "models/stories260K")
	m, err := inference.Load(ctx, modelDir, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	c := NewComposer(reg, Selection{}, false, nil)
	c.bind(m, modelDir)
	if err := c.Use(ctx, Selection{Composition: "widget-qa"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		products []string
		want     string
	}{
		{nil, "widget-qa"},
		{[]string{"widget"}, "widget-qa"},
		{[]string{"Gizmo"}, "gizmo-qa"},
		{[]string{"toaster"}, "widget-qa"},
		{[]string{"gizmo", "widget"}, "widget-qa"},
	} {
		p, err := c.prepare(ctx, tc.products)
		if err != nil {
			t.Fatal(err)
		}
		_, info, err := c.install(p)
		if err != nil {
			t.Fatal(err)
		}
		if info.Name != tc.want {
			t.Errorf("products %v: answered by %s, want %s", tc.products, info.Name, tc.want)
		}
	}
}

// With the real LLM, an answer streaming while `use composition=second` lands finishes on
// (and reports) the composition it started with; the next answer uses the new one.
func TestLLMAnswerInFlightKeepsItsComposition(t *testing.T) {
	ctx := context.Background()
	root := testutil.PEFTAdapters(t)
	writeTestComposition(t, root, "first", 1)
	writeTestComposition(t, root, "second", 2)
	reg, err := adapters.Scan(ctx, []string{root}, adapters.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	comp := NewComposer(reg, Selection{}, false, nil)
	llm, err := NewLLM(ctx, LLMOptions{Dir: testutil.Fixture(t, "models/stories260K"), Backend: "go", Composer: comp})
	if err != nil {
		t.Fatal(err)
	}
	if err := comp.Use(ctx, Selection{Composition: "first"}); err != nil {
		t.Fatal(err)
	}
	in := GenerateInput{Prompt: "Once upon a time", MaxTokens: 12}
	started, release := make(chan struct{}), make(chan struct{})
	type result struct {
		out GenerateOutput
		err error
	}
	done := make(chan result, 1)
	go func() {
		first := true
		out, err := llm.Generate(ctx, in, func(string) error {
			if first {
				first = false
				close(started)
				<-release
			}
			return nil
		})
		done <- result{out, err}
	}()
	<-started
	if err := comp.Use(ctx, Selection{Composition: "second"}); err != nil {
		t.Fatal(err)
	}
	close(release)
	r := <-done
	if r.err != nil || r.out.Composition == nil || r.out.Composition.Name != "first" {
		t.Fatalf("the answer in flight reports %+v, %v; want first", r.out.Composition, r.err)
	}
	next, err := llm.Generate(ctx, in, func(string) error { return nil })
	if err != nil || next.Composition == nil || next.Composition.Name != "second" {
		t.Fatalf("the next answer reports %+v, %v; want second", next.Composition, err)
	}
	if slices.Equal(r.out.IDs, next.IDs) {
		t.Logf("both compositions gave the same ids (possible on a tiny model): %v", next.IDs)
	}
}
