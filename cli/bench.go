package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"manualbot/inference"
)

// benchOutput is bench's --json object; the first three keys are DESIGN.md's contract.
type benchOutput struct {
	PrefillTokensPerS   float64 `json:"prefill_tokens_per_s"`
	DecodeTokensPerS    float64 `json:"decode_tokens_per_s"`
	PeakRSSBytes        int64   `json:"peak_rss_bytes"`
	TimeToFirstTokenS   float64 `json:"time_to_first_token_s"`
	ColdTimeToFirstTokS float64 `json:"cold_time_to_first_token_s"`
	LoadSeconds         float64 `json:"load_seconds"`
	WeightsBytes        int64   `json:"weights_bytes"`
	PeakRSSOverWeights  float64 `json:"peak_rss_over_weights"`
	PromptTokens        int     `json:"prompt_tokens"`
	GeneratedTokens     int     `json:"generated_tokens"`
	Backend             string  `json:"backend"`
	// Concurrent is the --concurrency run, when asked for.
	Concurrent *concurrencyOutput `json:"concurrent,omitempty"`
	// Kernels says which matmul kernels ran and the weights' dtype (Model.Kernels).
	Kernels     string `json:"kernels"`
	WeightDType string `json:"weight_dtype"`
}

func newBenchCmd(app *App) *cobra.Command {
	var promptTokens, genTokens, concurrency int
	var jsonOut bool
	var random, randomDType, keepRandom string
	cmd := &cobra.Command{
		Use:   "bench --model DIR [--prompt-tokens 256] [--gen-tokens 64] [--json]",
		Short: "Measure prefill and decode speed and peak memory of a model",
		Long: "Loads the model, runs one untimed generation to compile the graphs (reported as the cold\n" +
			"time to first token), then times a greedy generation of --gen-tokens after a prompt of\n" +
			"--prompt-tokens random ids (seeded). Peak memory is the process's VmHWM. --concurrency N then\n" +
			"sends N such requests at once (after an untimed round) and reports their aggregate\n" +
			"tokens/s, aggregate decode tokens/s (and its ratio to the single stream) and latencies.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mc := app.Config.Model
			if promptTokens < 1 || genTokens < 2 {
				return errors.New("bench: --prompt-tokens must be >= 1 and --gen-tokens >= 2")
			}
			if concurrency < 0 {
				return errors.New("bench: --concurrency must be >= 0")
			}
			ctx := cmd.Context()
			if random != "" {
				return benchRandom(ctx, app, random, randomDType, keepRandom, promptTokens, genTokens, concurrency, jsonOut)
			}
			if mc.Path == "" {
				return errors.New("bench: no model: pass --model DIR, --random smollm2-135m, or set model.path")
			}
			lowerGCHeadroom()
			budget := newMemoryBudget()
			t0 := time.Now()
			m, err := inference.Load(ctx, mc.Path, inference.Options{
				Backend: mc.Backend, Logger: app.Log, MaxBatch: max(mc.MaxBatch, concurrency), MaxQueue: mc.MaxQueue,
				PrefillChunk: mc.PrefillChunk, OnCacheBytes: budget.cacheBytes,
			})
			if err != nil {
				return fmt.Errorf("bench: %w", err)
			}
			budget.loaded(m.WeightBytes())
			load := time.Since(t0)
			cfg := m.Config()
			rng := rand.New(rand.NewPCG(1, 2))
			prompt := make([]int, promptTokens)
			for i := range prompt {
				prompt[i] = rng.IntN(cfg.VocabSize)
			}
			req := inference.GenerateRequest{PromptIDs: prompt, MaxTokens: genTokens, IgnoreEOS: true}
			cold, err := m.Generate(ctx, req, nil)
			if err != nil {
				return fmt.Errorf("bench: warm-up: %w", err)
			}
			res, err := m.Generate(ctx, req, nil)
			if err != nil {
				return fmt.Errorf("bench: %w", err)
			}
			out := benchOutput{
				PrefillTokensPerS:   float64(promptTokens) / res.Prefill.Seconds(),
				DecodeTokensPerS:    float64(len(res.IDs)-1) / res.Decode.Seconds(),
				TimeToFirstTokenS:   res.Prefill.Seconds(),
				ColdTimeToFirstTokS: cold.Prefill.Seconds(),
				LoadSeconds:         load.Seconds(),
				WeightsBytes:        m.WeightBytes(),
				PromptTokens:        promptTokens,
				GeneratedTokens:     len(res.IDs),
				Backend:             m.BackendName(),
				Kernels:             m.Kernels(),
				WeightDType:         m.WeightDType(),
			}
			if concurrency > 0 {
				c, err := benchConcurrent(ctx, m, concurrency, promptTokens, genTokens, out.DecodeTokensPerS)
				if err != nil {
					return fmt.Errorf("bench: --concurrency %d: %w", concurrency, err)
				}
				out.Concurrent = &c
			}
			out.PeakRSSBytes, err = peakRSS()
			if err != nil {
				app.Log.Warn("peak memory unavailable", "err", err)
			}
			out.PeakRSSOverWeights = float64(out.PeakRSSBytes) / float64(out.WeightsBytes)
			if jsonOut {
				return json.NewEncoder(app.Stdout).Encode(out)
			}
			_, err = fmt.Fprintf(app.Stdout,
				"backend %s, prompt %d tokens, generated %d\nkernels: %s\nprefill %.1f tokens/s (time to first token %.3f s, cold %.3f s)\ndecode %.1f tokens/s\npeak memory %.1f MiB (%.2fx the %.1f MiB of %s weights), load %.2f s\n",
				out.Backend, out.PromptTokens, out.GeneratedTokens, out.Kernels, out.PrefillTokensPerS, out.TimeToFirstTokenS,
				out.ColdTimeToFirstTokS, out.DecodeTokensPerS, float64(out.PeakRSSBytes)/(1<<20), out.PeakRSSOverWeights,
				float64(out.WeightsBytes)/(1<<20), out.WeightDType, out.LoadSeconds)
			if err != nil || out.Concurrent == nil {
				return err
			}
			c := out.Concurrent
			_, err = fmt.Fprintf(app.Stdout,
				"%d concurrent: aggregate %.1f tokens/s, aggregate decode %.1f tokens/s (%.2fx one stream)\n"+
					"inside decode steps %.1f tokens/s (%.2fx one stream, %.1f requests a step on average)\n"+
					"latency p50 %.2f s, max %.2f s; time to first token p50 %.2f s, max %.2f s\n",
				c.Concurrency, c.AggregateTokensPerS, c.AggregateDecodeTokensPerS, c.DecodeSpeedup,
				c.StepDecodeTokensPerS, c.StepDecodeSpeedup, c.MeanStepWidth, c.LatencyP50S, c.LatencyMaxS, c.TTFTP50S, c.TTFTMaxS)
			return err
		},
	}
	fl := cmd.Flags()
	fl.String("model", "", "model folder (config model.path)")
	fl.IntVar(&promptTokens, "prompt-tokens", 256, "prompt length in tokens")
	fl.IntVar(&genTokens, "gen-tokens", 64, "tokens to generate")
	fl.IntVar(&concurrency, "concurrency", 0, "also send this many requests at once and report aggregate tokens/s and latencies")
	fl.BoolVar(&jsonOut, "json", false, "print one JSON object")
	fl.StringVar(&random, "random", "", "benchmark random weights of these shapes instead: smollm2-135m or tiny")
	fl.StringVar(&randomDType, "random-dtype", "f32", "dtype of the --random weights: f32, bf16 or f16")
	fl.StringVar(&keepRandom, "keep-random", "", "write the --random model into this folder and keep it (e.g. to run llama.cpp on the same weights)")
	app.BindFlag("model.path", fl.Lookup("model"))
	return cmd
}

// peakRSS reads the process's peak resident set size (VmHWM) from /proc.
func peakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmHWM %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}
