package inference

import (
	"context"
	"math"
	"testing"

	"manualbot/inference/testmodel"
	"manualbot/internal/testutil"
)

// benchModel loads a random-weight model of SmolLM2-135M's shapes (f32, 540 MB).
func benchModel(b *testing.B) *Model {
	b.Helper()
	dir := b.TempDir()
	if err := testmodel.Write(dir, testmodel.SmolLM2_135M(), 1); err != nil {
		b.Fatal(err)
	}
	return loadModel(b, dir)
}

func benchPrompt(n, vocab int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = (i*7919 + 13) % vocab
	}
	return ids
}

// benchDecode reports decode tokens/s: each iteration is one decode step, timed by
// Generate itself (prefill excluded).
func benchDecode(b *testing.B, m *Model, prompt int) {
	ctx := context.Background()
	req := GenerateRequest{PromptIDs: benchPrompt(prompt, m.cfg.VocabSize), MaxTokens: 8, IgnoreEOS: true}
	if _, err := m.Generate(ctx, req, nil); err != nil { // compile
		b.Fatal(err)
	}
	req.MaxTokens = b.N + 1
	b.ResetTimer()
	res, err := m.Generate(ctx, req, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(res.IDs)-1)/res.Decode.Seconds(), "tokens/s")
	b.ReportMetric(res.Decode.Seconds()*1e3/float64(len(res.IDs)-1), "ms/token")
}

func BenchmarkDecode135M(b *testing.B) { benchDecode(b, benchModel(b), 32) }

func BenchmarkDecodeStories(b *testing.B) {
	benchDecode(b, loadModel(b, testutil.Fixture(b, "models/stories260K")), 16)
}

// BenchmarkPrefill135M times a 256-token prompt to its first token (TTFT).
func BenchmarkPrefill135M(b *testing.B) {
	m := benchModel(b)
	ctx := context.Background()
	req := GenerateRequest{PromptIDs: benchPrompt(256, m.cfg.VocabSize), MaxTokens: 1, IgnoreEOS: true}
	if _, err := m.Generate(ctx, req, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var total float64
	fastest := math.Inf(1)
	for range b.N {
		res, err := m.Generate(ctx, req, nil)
		if err != nil {
			b.Fatal(err)
		}
		total += res.Prefill.Seconds()
		fastest = min(fastest, res.Prefill.Seconds())
	}
	b.ReportMetric(256*float64(b.N)/total, "tokens/s")
	b.ReportMetric(total/float64(b.N), "ttft_s")
	// The fastest run is the one least disturbed by other work on a shared 2-core machine.
	b.ReportMetric(fastest, "min_ttft_s")
}
