package inference

import (
	"fmt"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// longPromptChunk is the most prompt tokens one forward takes when a request is alone:
// a longer prompt is prefilled in chunks of this size through the chunk graph, so the
// forward's transient tensors (the [T, ffn] activations, attention's per-block scores
// and the backend's pooled buffers behind them) stay those of this many rows whatever
// the prompt's length. On the 135M shapes, a 2,048-token prompt's
// peak RSS fell from 1.76x to 1.58x the weights at GOGC=20 (cli/gc.go's limit does the rest).
const longPromptChunk = 512

// chunk runs tokens at the static positions start.. (start > 0) against the caches,
// which it consumes (donated, updated in place), with exact causal attention over the
// cache's first start+len(tokens) rows; it returns row last's logits and the caches.
func (m *Model) chunk(st *weightState, tokens []int32, start, last int, caches []*tensors.Tensor) ([]float32, []*tensors.Tensor, error) {
	args := make([]any, 0, 1+len(caches))
	args = append(args, make([]int8, start)) // the offset marker: only its length matters
	for _, c := range caches {
		d, err := graph.DonateTensorBuffer(c, m.backend, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("kv cache: %w", err)
		}
		args = append(args, d)
	}
	return m.forwardStep(modeChunk, st, tokens, start, last, args...)
}
