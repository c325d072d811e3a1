package inference

import (
	"context"
	"math"
	"testing"

	"manualbot/inference/testmodel"
)

// TestLongPromptChunksMatchTheFullForward: a prompt longer than longPromptChunk is
// prefilled alone in chunks through the chunk graph; its next-token logits and every
// greedy step must equal the whole-sequence forward (no cache, one causal pass).
func TestLongPromptChunksMatchTheFullForward(t *testing.T) {
	c := testmodel.Tiny()
	c.MaxPositions = 2048
	m := loadModel(t, writeModel(t, c, 5))
	ctx := context.Background()
	for _, n := range []int{longPromptChunk + 1, 2*longPromptChunk + 37} {
		prompt := benchPrompt(n, c.VocabSize)
		res, err := m.Generate(ctx, GenerateRequest{PromptIDs: prompt, MaxTokens: 6, IgnoreEOS: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		full, err := m.Logits(ctx, append(prompt, res.IDs[:len(res.IDs)-1]...))
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range res.IDs {
			row := full[n-1+i]
			if a := argmax(row); a != id {
				t.Fatalf("%d-token prompt, step %d: generated %d, full-forward argmax %d", n, i, id, a)
			}
		}
		// The chunked prefill's own logits against the full forward's last prompt row.
		tok := make([]int32, n)
		for i, id := range prompt {
			tok[i] = int32(id)
		}
		st := m.state.Load()
		logits, caches, err := m.prefill(st, tok[:longPromptChunk], longPromptChunk-1, bucket(n+8, 64, m.maxCtx))
		for off := longPromptChunk; err == nil && off < n; off += longPromptChunk {
			end := min(off+longPromptChunk, n)
			logits, caches, err = m.chunk(st, tok[off:end], off, end-off-1, caches)
		}
		if err != nil {
			t.Fatal(err)
		}
		finalizeAll(caches)
		var worst float64
		for j, v := range logits {
			worst = max(worst, math.Abs(float64(v-full[n-1][j])))
		}
		if worst > 1e-4 {
			t.Errorf("%d-token prompt: chunked prefill logits differ from the full forward by %g", n, worst)
		}
	}
}
