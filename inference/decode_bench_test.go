package inference

import (
	"context"
	"sync"
	"testing"
)

// BenchmarkDecodeBatch135M runs 8 requests at once on the 135M shapes: each iteration is
// about one batched decode step of 8 rows. It reports the rate inside the decode steps
// (DecodeStats: prefills and queueing excluded) and the mean step width, so a profile
// (-cpuprofile) shows what bounds a batched step:
//
//	go test -run XXX -bench DecodeBatch135M -benchtime 40x -cpuprofile cpu.prof ./inference/
func BenchmarkDecodeBatch135M(b *testing.B) {
	m := benchModel(b)
	const streams = 8
	ctx := context.Background()
	run := func(tokens int) {
		var wg sync.WaitGroup
		errs := make([]error, streams)
		for i := range streams {
			wg.Go(func() {
				req := GenerateRequest{PromptIDs: benchPrompt(16+i, m.cfg.VocabSize), MaxTokens: tokens, IgnoreEOS: true}
				_, errs[i] = m.Generate(ctx, req, nil)
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	run(b.N + 1) // compile the decode graphs of every width at the same cache capacity
	before := m.DecodeStats()
	b.ResetTimer()
	run(b.N + 1)
	b.StopTimer()
	after := m.DecodeStats()
	steps, tokens, busy := after.Steps-before.Steps, after.Tokens-before.Tokens, after.Busy-before.Busy
	b.ReportMetric(float64(tokens)/busy.Seconds(), "step_tokens/s")
	b.ReportMetric(float64(tokens)/float64(steps), "mean_width")
	b.ReportMetric(busy.Seconds()*1e3/float64(steps), "ms/step")
}
