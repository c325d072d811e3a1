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
	// OnQueue, when set, hears the request's place in the scheduler's queue (1 is next)
	// each time it changes, and 0 when it starts; a request that starts at once never
	// hears of the queue.
	OnQueue func(position int)
	// Snapshot fixes the weights and adapters the request runs with (Model.Snapshot);
	// the zero value means those in use when Generate is called.
	Snapshot Snapshot
}

// Snapshot is the model's weights and adapters at one moment (Model.Snapshot): a caller
// that sets adapters and then generates takes one, so a concurrent SetAdapters between
// the two cannot change what its request runs with.
type Snapshot struct{ st *weightState }

// Snapshot returns the weights and adapters in use now.
func (m *Model) Snapshot() Snapshot { return Snapshot{st: m.state.Load()} }

// GenerateResult is what a finished (or interrupted) generation produced.
type GenerateResult struct {
	IDs          []int  // generated ids only, the stopping token included
	StopReason   string // one of the Stop* constants; "" when interrupted by an error
	PromptTokens int
	Prefill      time.Duration // time to the first token's logits, from leaving the queue
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
// Cancelling ctx stops the request (between steps) and returns the partial result with
// ctx's error. Concurrent calls are batched by the model's scheduler (scheduler.go): up
// to Options.MaxBatch generate together, later ones wait their turn (req.OnQueue hears
// their position), and past Options.MaxQueue waiting ones Generate fails with
// ErrQueueFull. onToken and OnQueue run on the caller's goroutine, so a slow callback
// delays only its own request.
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
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("waiting for the model: %w", err)
	}
	room := m.maxCtx - n
	maxNew := room
	if req.MaxTokens > 0 {
		maxNew = min(req.MaxTokens, room)
	}
	st := req.Snapshot.st
	if st == nil {
		st = m.state.Load()
	}
	r := &request{
		ctx: ctx, st: st, prompt: slices.Clone(req.PromptIDs), maxNew: maxNew, limited: maxNew == req.MaxTokens,
		stops: slices.Clone(req.StopIDs), seen: make(map[int]bool, n+maxNew), smp: newSampler(req),
		notify: make(chan struct{}, 1),
	}
	if !req.IgnoreEOS {
		r.stops = append(r.stops, m.cfg.EOSTokenIDs...)
	}
	for _, id := range req.PromptIDs {
		r.seen[id] = true
	}
	if err := m.sched.submit(r); err != nil {
		return nil, err
	}
	defer r.abandoned.Store(true) // whatever ends the call, the scheduler drops the request
	res := &GenerateResult{PromptTokens: n}
	started := false
	for {
		select {
		case <-r.notify:
		case <-ctx.Done():
			if !started {
				return nil, fmt.Errorf("waiting for the model: %w", ctx.Err())
			}
			return res, fmt.Errorf("generation interrupted after %d tokens: %w", len(res.IDs), ctx.Err())
		}
		u := r.take()
		res.Prefill, res.Decode = u.prefill, u.decode
		if u.posNews && req.OnQueue != nil {
			req.OnQueue(u.queuePos)
		}
		for i, id := range u.ids {
			started = true
			res.IDs = append(res.IDs, id)
			if onToken != nil {
				if err := onToken(id); err != nil {
					return res, err
				}
			}
			if len(req.StopStrings) > 0 && containsAny(req.Decode(res.IDs), req.StopStrings) {
				res.StopReason = StopString
				return res, nil
			}
			if u.finished && u.err == nil && i == len(u.ids)-1 {
				res.StopReason = u.stop
				return res, nil
			}
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("generation interrupted after %d tokens: %w", len(res.IDs), err)
			}
		}
		if u.finished {
			if u.err == nil { // finished with no new ids: cannot happen, but never hang
				u.err = errors.New("generation ended without a token")
			}
			if !started && ctx.Err() != nil {
				return nil, fmt.Errorf("waiting for the model: %w", u.err)
			}
			return res, u.err
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
