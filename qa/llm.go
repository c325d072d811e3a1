package qa

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"manualbot/inference"
	"manualbot/inference/tokenizer"
)

// LLMOptions configure NewLLM.
type LLMOptions struct {
	// Dir is a Hugging Face checkpoint folder (config.json, safetensors, tokenizer.json).
	Dir string
	// Backend is "go" or "xla:/path/to/pjrt_plugin.so".
	Backend     string
	MaxContext  int
	Temperature float64
	TopP        float64
	Seed        int64
	// RepetitionPenalty > 1 discourages repeats; 0 or 1 turns it off.
	RepetitionPenalty float64
	// MaxBatch, MaxQueue and PrefillChunk configure the model's scheduler (how many
	// answers generate together, how many may wait, the prefill chunk); 0 takes
	// inference's defaults.
	MaxBatch, MaxQueue, PrefillChunk int
	// OnCacheBytes is passed to the model (inference.Options.OnCacheBytes).
	OnCacheBytes func(n int64)
	// Composer, when set, chooses and merges the adapters for each answer.
	Composer *Composer
	Log      *slog.Logger
}

// LLM is the Generator backed by the in-process model: tokenizer, chat template, the
// model and the adapters the Composer picks.
type LLM struct {
	*Renderer
	model    *inference.Model
	opts     LLMOptions
	composer *Composer
	// genMu makes "pick adapters, then take the model's snapshot" one step, so a
	// concurrent answer cannot swap the adapters between the two; the generation itself
	// runs outside it, batched with the others by the model's scheduler.
	genMu sync.Mutex
}

// NewLLM loads the model, tokenizer and chat template from opts.Dir.
func NewLLM(ctx context.Context, opts LLMOptions) (*LLM, error) {
	r, err := NewRenderer(opts.Dir, 0)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", opts.Dir, err)
	}
	m, err := inference.Load(ctx, opts.Dir, inference.Options{
		Backend: opts.Backend, MaxContext: opts.MaxContext, Logger: opts.Log,
		MaxBatch: opts.MaxBatch, MaxQueue: opts.MaxQueue, PrefillChunk: opts.PrefillChunk,
		OnCacheBytes: opts.OnCacheBytes,
	})
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", opts.Dir, err)
	}
	r.window = m.MaxContext()
	l := &LLM{Renderer: r, model: m, opts: opts, composer: opts.Composer}
	if l.composer != nil {
		l.composer.bind(m, opts.Dir)
	}
	return l, nil
}

// Model is the loaded model (for status and benchmarks).
func (l *LLM) Model() *inference.Model { return l.model }

// Composer is the adapter composer, or nil.
func (l *LLM) Composer() *Composer { return l.composer }

// Generate picks and merges the adapters for the passages' products (before taking the
// generation lock, so a slow merge does not hold up other answers), then installs them and
// streams the answer.
func (l *LLM) Generate(ctx context.Context, in GenerateInput, onText func(string) error) (GenerateOutput, error) {
	ids, err := l.Encode(in.Prompt)
	if err != nil {
		return GenerateOutput{}, fmt.Errorf("tokenize prompt: %w", err)
	}
	var p plan
	if l.composer != nil {
		if p, err = l.composer.prepare(ctx, in.Products); err != nil {
			return GenerateOutput{}, err
		}
	}
	l.genMu.Lock()
	var used []string
	var comp *CompositionInfo
	if l.composer != nil {
		if used, comp, err = l.composer.install(p); err != nil {
			l.genMu.Unlock()
			return GenerateOutput{}, err
		}
	}
	snap := l.model.Snapshot()
	l.genMu.Unlock()
	dec := l.tok.NewStreamDecoder(true)
	var text strings.Builder
	emit := func(s string) error {
		if s == "" {
			return nil
		}
		text.WriteString(s)
		return onText(s)
	}
	res, err := l.model.Generate(ctx, inference.GenerateRequest{
		PromptIDs: ids, MaxTokens: in.MaxTokens, Temperature: l.opts.Temperature, TopP: l.opts.TopP,
		Seed: l.opts.Seed, RepetitionPenalty: l.opts.RepetitionPenalty, Snapshot: snap, OnQueue: in.OnQueue,
	}, func(id int) error {
		s, err := dec.Push(id)
		if err != nil {
			return err
		}
		return emit(s)
	})
	if err != nil {
		return GenerateOutput{}, err
	}
	if err := emit(dec.Flush()); err != nil {
		return GenerateOutput{}, err
	}
	return GenerateOutput{Text: text.String(), PromptTokens: res.PromptTokens, GeneratedTokens: len(res.IDs),
		Adapters: used, Composition: comp, IDs: append(slices.Clone(ids), res.IDs...)}, nil
}

// specialTokens lists the text of every special token, longest first so that removing
// them from text never leaves a shorter one's remains.
func specialTokens(tok *tokenizer.Tokenizer) []string {
	var out []string
	for id := 0; id < tok.VocabSize(); id++ {
		if tok.IsSpecial(id) {
			if s, ok := tok.Token(id); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
