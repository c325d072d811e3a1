package inference

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Stop reasons reported in GenerateResult.StopReason.
const (
	StopEOS     = "eos"     // a stop id (the model's EOS or one in StopIDs) was generated
	StopString  = "stop"    // the output contains one of StopStrings
	StopLength  = "length"  // MaxTokens were generated
	StopContext = "context" // the context window is full
)

// GenerateRequest is one completion to run.
type GenerateRequest struct {
	// PromptIDs are the token ids to continue (BOS included if the model wants one).
	// Prompts that do not leave room for one generated token in the context window are
	// refused with an error, never truncated silently: the caller (which knows what the
	// prompt is made of) decides what to drop.
	PromptIDs []int
	// MaxTokens caps generated tokens; 0 means until a stop or the context is full.
	MaxTokens int
	// Temperature 0 is greedy decoding; otherwise logits are divided by it.
	Temperature float64
	// TopP keeps the smallest set of tokens whose probability reaches it (0 or 1: off).
	TopP float64
	// TopK keeps the K most likely tokens (0: off).
	TopK int
	// RepetitionPenalty > 1 discourages tokens already in the prompt or output (0 or 1: off).
	RepetitionPenalty float64
	// Seed makes sampling reproducible per request.
	Seed int64
	// StopIDs end generation when generated, in addition to the model's EOS ids.
	StopIDs []int
	// IgnoreEOS keeps generating past the model's EOS ids (StopIDs still apply).
	IgnoreEOS bool
	// StopStrings end generation once the decoded output contains one; they need Decode.
	StopStrings []string
	// Decode turns generated ids into text, for StopStrings.
	Decode func(ids []int) string
}

// GenerateResult is what a finished (or interrupted) generation produced.
type GenerateResult struct {
	IDs          []int  // generated ids only, the stopping token included
	StopReason   string // one of the Stop* constants; "" when interrupted by an error
	PromptTokens int
	Prefill      time.Duration // time to the first token's logits
	Decode       time.Duration // time spent in decode steps
}

func (r GenerateRequest) validate(vocab int) error {
	var errs []error
	if r.MaxTokens < 0 {
		errs = append(errs, fmt.Errorf("max tokens %d is negative", r.MaxTokens))
	}
	if r.Temperature < 0 || math.IsNaN(r.Temperature) || math.IsInf(r.Temperature, 0) {
		errs = append(errs, fmt.Errorf("temperature %v must be finite and >= 0", r.Temperature))
	}
	if r.TopP < 0 || r.TopP > 1 || math.IsNaN(r.TopP) {
		errs = append(errs, fmt.Errorf("top-p %v must be within [0, 1]", r.TopP))
	}
	if r.TopK < 0 {
		errs = append(errs, fmt.Errorf("top-k %d is negative", r.TopK))
	}
	if r.RepetitionPenalty < 0 || math.IsNaN(r.RepetitionPenalty) || math.IsInf(r.RepetitionPenalty, 0) {
		errs = append(errs, fmt.Errorf("repetition penalty %v must be finite and >= 0", r.RepetitionPenalty))
	}
	for _, id := range r.StopIDs {
		if id < 0 || id >= vocab {
			errs = append(errs, fmt.Errorf("stop id %d is outside the vocabulary [0, %d)", id, vocab))
		}
	}
	if len(r.StopStrings) > 0 && r.Decode == nil {
		errs = append(errs, errors.New("stop strings need a Decode function"))
	}
	return errors.Join(errs...)
}

// Generate continues req.PromptIDs token by token, calling onToken (if not nil) with each
// id as soon as it is chosen; an error from onToken stops generation and is returned.
// Cancelling ctx stops between steps and returns the partial result with ctx's error.
// Concurrent calls queue: one generation runs on the backend at a time.
func (m *Model) Generate(ctx context.Context, req GenerateRequest, onToken func(id int) error) (*GenerateResult, error) {
	if err := m.checkIDs(req.PromptIDs); err != nil {
		return nil, err
	}
	if err := req.validate(m.cfg.VocabSize); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	n := len(req.PromptIDs)
	if n >= m.maxCtx {
		return nil, fmt.Errorf("prompt of %d tokens leaves no room in the context window of %d tokens", n, m.maxCtx)
	}
	room := m.maxCtx - n
	maxNew := room
	if req.MaxTokens > 0 {
		maxNew = min(req.MaxTokens, room)
	}
	res := &GenerateResult{PromptTokens: n}
	if err := m.acquire(ctx); err != nil {
		return nil, err
	}
	defer m.release()
	st := m.state.Load()

	stops := slices.Clone(req.StopIDs)
	if !req.IgnoreEOS {
		stops = append(stops, m.cfg.EOSTokenIDs...)
	}
	seen := make(map[int]bool, n+maxNew)
	for _, id := range req.PromptIDs {
		seen[id] = true
	}
	smp := newSampler(req)

	// Prefill: prompt padded to a bucket, cache capacity a bucket holding the whole request.
	padded := bucket(n, 16, m.maxCtx)
	capacity := max(bucket(n+maxNew, 64, m.maxCtx), padded)
	tok := make([]int32, padded)
	for i, id := range req.PromptIDs {
		tok[i] = int32(id)
	}
	t0 := time.Now()
	logits, caches, err := m.prefill(st, tok, n-1, capacity)
	if err != nil {
		return nil, err
	}
	defer func() { finalizeAll(caches) }()
	res.Prefill = time.Since(t0)

	t1 := time.Now()
	defer func() { res.Decode = time.Since(t1) }()
	for {
		id := smp.next(logits, seen)
		res.IDs = append(res.IDs, id)
		seen[id] = true
		if onToken != nil {
			if err := onToken(id); err != nil {
				return res, err
			}
		}
		switch {
		case slices.Contains(stops, id):
			res.StopReason = StopEOS
		case len(req.StopStrings) > 0 && containsAny(req.Decode(res.IDs), req.StopStrings):
			res.StopReason = StopString
		case len(res.IDs) >= maxNew && maxNew == req.MaxTokens:
			res.StopReason = StopLength
		case len(res.IDs) >= maxNew:
			res.StopReason = StopContext
		}
		if res.StopReason != "" {
			return res, nil
		}
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("generation interrupted after %d tokens: %w", len(res.IDs), err)
		}
		logits, caches, err = m.step(st, []int32{int32(id)}, n+len(res.IDs)-1, 0, caches)
		if err != nil {
			return res, err
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// prefill runs a padded prompt from position 0 and returns row last's logits and new
// caches of the given capacity: K [kvHeads, capacity, headDim] and V transposed,
// [kvHeads, headDim, capacity] (see graphSpec.build for why).
func (m *Model) prefill(st *weightState, tokens []int32, last, capacity int) ([]float32, []*tensors.Tensor, error) {
	marker := make([]int8, capacity) // only its shape matters
	return m.forwardStep(modePrefill, st, tokens, 0, last, marker)
}

// step runs tokens at positions start.. against the caches (which it consumes: their
// buffers are donated so the backend updates them in place) and returns row last's
// logits and the updated caches.
func (m *Model) step(st *weightState, tokens []int32, start, last int, caches []*tensors.Tensor) ([]float32, []*tensors.Tensor, error) {
	args := make([]any, 0, len(caches))
	for _, c := range caches {
		d, err := graph.DonateTensorBuffer(c, m.backend, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("kv cache: %w", err)
		}
		args = append(args, d)
	}
	return m.forwardStep(modeStep, st, tokens, start, last, args...)
}

// forwardStep runs a step or prefill graph and splits its outputs into row last's logits
// and the caches.
func (m *Model) forwardStep(mode graphMode, st *weightState, tokens []int32, start, last int, caches ...any) ([]float32, []*tensors.Tensor, error) {
	lead := append([]any{tokens, int32(start), int32(last)}, caches...)
	out, err := m.run(mode, st, lead...)
	if err != nil {
		return nil, nil, err
	}
	logits, err := tensors.CopyFlatData[float32](out[0])
	out[0].FinalizeAll()
	if err != nil {
		return nil, nil, fmt.Errorf("reading logits: %w", err)
	}
	return logits, out[1:], nil
}
