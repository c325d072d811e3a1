package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"manualbot/inference"
)

// concurrencyOutput is bench --concurrency's part of the --json object: N requests sent
// at once, each a greedy generation of the same lengths as the single-stream run.
type concurrencyOutput struct {
	Concurrency int `json:"concurrency"`
	// AggregateTokensPerS is every generated token over the wall time from sending the
	// requests to the last answer (prefills included).
	AggregateTokensPerS float64 `json:"aggregate_tokens_per_s"`
	// AggregateDecodeTokensPerS is the decode tokens (all but each request's first) over
	// the time from the first request's first token to the last answer: the streams'
	// combined decode rate, with the later prefills that interleave counted against it.
	AggregateDecodeTokensPerS float64 `json:"aggregate_decode_tokens_per_s"`
	// DecodeSpeedup is AggregateDecodeTokensPerS over the single stream's decode rate.
	DecodeSpeedup float64 `json:"decode_speedup"`
	LatencyP50S   float64 `json:"latency_p50_s"`
	LatencyMaxS   float64 `json:"latency_max_s"`
	TTFTP50S      float64 `json:"ttft_p50_s"`
	TTFTMaxS      float64 `json:"ttft_max_s"`
	WallS         float64 `json:"wall_s"`
	// StepDecodeTokensPerS is the tokens the batched decode steps produced over the time
	// spent in them (prefills and queueing excluded), and MeanStepWidth how many requests
	// a step carried on average, in the timed round.
	StepDecodeTokensPerS float64 `json:"step_decode_tokens_per_s"`
	MeanStepWidth        float64 `json:"mean_step_width"`
	StepDecodeSpeedup    float64 `json:"step_decode_speedup"`
}

// benchConcurrent sends n greedy generations at once (distinct seeded random prompts of
// promptTokens, genTokens each) after an untimed round that compiles the batched graphs.
func benchConcurrent(ctx context.Context, m *inference.Model, n, promptTokens, genTokens int, single float64) (concurrencyOutput, error) {
	rng := rand.New(rand.NewPCG(3, 4))
	reqs := make([]inference.GenerateRequest, n)
	for i := range reqs {
		prompt := make([]int, promptTokens)
		for j := range prompt {
			prompt[j] = rng.IntN(m.Config().VocabSize)
		}
		reqs[i] = inference.GenerateRequest{PromptIDs: prompt, MaxTokens: genTokens, IgnoreEOS: true}
	}
	if _, err := runAll(ctx, m, reqs); err != nil {
		return concurrencyOutput{}, fmt.Errorf("warm-up: %w", err)
	}
	before := m.DecodeStats()
	t0 := time.Now()
	runs, err := runAll(ctx, m, reqs)
	if err != nil {
		return concurrencyOutput{}, err
	}
	wall := time.Since(t0)
	after := m.DecodeStats()
	out := concurrencyOutput{Concurrency: n, WallS: wall.Seconds()}
	if steps := after.Steps - before.Steps; steps > 0 {
		tok := float64(after.Tokens - before.Tokens)
		out.StepDecodeTokensPerS = tok / (after.Busy - before.Busy).Seconds()
		out.MeanStepWidth = tok / float64(steps)
		if single > 0 {
			out.StepDecodeSpeedup = out.StepDecodeTokensPerS / single
		}
	}
	var tokens, decodeTokens int
	firstTok, lastEnd := runs[0].first, runs[0].end
	var lat, ttft []float64
	for _, r := range runs {
		tokens += r.tokens
		decodeTokens += r.tokens - 1
		if r.first.Before(firstTok) {
			firstTok = r.first
		}
		if r.end.After(lastEnd) {
			lastEnd = r.end
		}
		lat = append(lat, r.end.Sub(t0).Seconds())
		ttft = append(ttft, r.first.Sub(t0).Seconds())
	}
	out.AggregateTokensPerS = float64(tokens) / wall.Seconds()
	out.AggregateDecodeTokensPerS = float64(decodeTokens) / lastEnd.Sub(firstTok).Seconds()
	if single > 0 {
		out.DecodeSpeedup = out.AggregateDecodeTokensPerS / single
	}
	out.LatencyP50S, out.LatencyMaxS = median(lat), slices.Max(lat)
	out.TTFTP50S, out.TTFTMaxS = median(ttft), slices.Max(ttft)
	return out, nil
}

type streamRun struct {
	first, end time.Time
	tokens     int
}

// runAll runs reqs concurrently and reports when each one's first token came and when it
// ended; the first error stops the benchmark.
func runAll(ctx context.Context, m *inference.Model, reqs []inference.GenerateRequest) ([]streamRun, error) {
	runs := make([]streamRun, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			r := &runs[i]
			res, err := m.Generate(ctx, req, func(int) error {
				if r.first.IsZero() {
					r.first = time.Now()
				}
				return nil
			})
			r.end = time.Now()
			if err == nil {
				r.tokens = len(res.IDs)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("request %d of %d: %w", i+1, len(reqs), err)
		}
	}
	return runs, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
