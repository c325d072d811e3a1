package adapters

import (
	"context"
	"math/rand/v2"
	"testing"

	"manualbot/inference"
	"manualbot/inference/testmodel"
	"manualbot/internal/testutil"
)

// benchSeqs are batch random sequences of n tokens.
func benchSeqs(batch, n, vocab int) []inference.TrainSeq {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]inference.TrainSeq, batch)
	for i := range out {
		ids := make([]int, n)
		for j := range ids {
			ids[j] = 3 + rng.IntN(vocab-3)
		}
		out[i] = inference.TrainSeq{IDs: ids}
	}
	return out
}

func benchModelDir(b *testing.B, big bool) string {
	if !big {
		return testutil.Fixture(b, "models/stories260K")
	}
	dir := b.TempDir()
	if err := testmodel.Write(dir, testmodel.SmolLM2_135M(), 1); err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchTrainStep measures one optimizer step (forward, backward, Adam) of a rank-8 LoRA
// on all seven projections.
func benchTrainStep(b *testing.B, big bool, batch, n int) {
	ctx := context.Background()
	m, err := inference.Load(ctx, benchModelDir(b, big), inference.Options{Backend: "go"})
	if err != nil {
		b.Fatal(err)
	}
	a, err := newTrainAdapter(m.Config(), TrainOptions{Rank: 8, Alpha: 16, Targets: Projections()})
	if err != nil {
		b.Fatal(err)
	}
	seqs := benchSeqs(batch, n, m.Config().VocabSize)
	tr := inference.NewLoRATrainer(m)
	opt := newAdam(1e-3)
	step := func() {
		_, _, grads, err := tr.LossAndGrads(ctx, seqs, a.AdapterSet())
		if err != nil {
			b.Fatal(err)
		}
		opt.next()
		for name, g := range grads {
			opt.update(name+".A", a.Modules[name].A, g.A)
			opt.update(name+".B", a.Modules[name].B, g.B)
		}
	}
	step() // compile
	b.ResetTimer()
	for b.Loop() {
		step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
	b.ReportMetric(float64(b.N*batch*n)/b.Elapsed().Seconds(), "tokens/s")
}

// benchTuneStep measures one CAT-weight step over two rank-16 adapters on all projections.
func benchTuneStep(b *testing.B, big bool, batch, n int) {
	ctx := context.Background()
	m, err := inference.Load(ctx, benchModelDir(b, big), inference.Options{Backend: "go"})
	if err != nil {
		b.Fatal(err)
	}
	var inputs []*Adapter
	for i := range 2 {
		a, err := newTrainAdapter(m.Config(), TrainOptions{Rank: 16, Alpha: 32, Targets: Projections(), Seed: uint64(i)})
		if err != nil {
			b.Fatal(err)
		}
		a.Name = string(rune('a' + i))
		for _, f := range a.Modules {
			for j := range f.B {
				f.B[j] = 0.01
			}
		}
		inputs = append(inputs, a)
	}
	st := tuneState{Logits: map[string][]float32{}, Opt: newAdam(0.05)}
	for name := range inputs[0].Modules {
		st.Logits[name] = make([]float32, 2)
	}
	seqs := benchSeqs(batch, n, m.Config().VocabSize)
	tr := inference.NewLoRATrainer(m)
	if _, err := tuneStep(ctx, tr, inputs, &st, seqs, "bench"); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := tuneStep(ctx, tr, inputs, &st, seqs, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

func BenchmarkTrainStepStories(b *testing.B) { benchTrainStep(b, false, 4, 64) }
func BenchmarkTuneStepStories(b *testing.B)  { benchTuneStep(b, false, 4, 64) }

// The 135M shapes are measured with one short sequence: a step is seconds on 2 cores.
func BenchmarkTrainStep135M(b *testing.B) { benchTrainStep(b, true, 1, 32) }
func BenchmarkTuneStep135M(b *testing.B)  { benchTuneStep(b, true, 1, 32) }
