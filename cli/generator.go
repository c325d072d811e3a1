package cli

import (
	"context"
	"fmt"

	"manualbot/adapters"
	"manualbot/qa"
)

// generator loads the configured model, with the configured adapters, as the pipeline's
// Generator. The returned func releases nothing today but keeps callers honest.
func (a *App) generator(ctx context.Context) (*qa.LLM, func(), error) {
	c := a.Config
	comp, err := a.composer(ctx)
	if err != nil {
		return nil, nil, err
	}
	lowerGCHeadroom()
	budget := newMemoryBudget()
	llm, err := qa.NewLLM(ctx, qa.LLMOptions{
		OnCacheBytes: budget.cacheBytes,
		Dir:          c.Model.Path, Backend: c.Model.Backend, Temperature: c.Model.Temperature,
		TopP: c.Model.TopP, Seed: c.Model.Seed, RepetitionPenalty: c.Model.RepetitionPenalty, Composer: comp, Log: a.Log,
		MaxBatch: c.Model.MaxBatch, MaxQueue: c.Model.MaxQueue, PrefillChunk: c.Model.PrefillChunk,
	})
	if err != nil {
		return nil, nil, err
	}
	budget.loaded(llm.Model().WeightBytes())
	if comp != nil {
		if err := comp.Use(ctx, comp.Current()); err != nil {
			return nil, nil, fmt.Errorf("configured adapters: %w", err)
		}
	}
	return llm, func() {}, nil
}

// composer builds the adapter registry and the starting selection from the config; nil
// when no adapter folders are configured.
func (a *App) composer(ctx context.Context) (*qa.Composer, error) {
	c := a.Config.Adapters
	dirs := a.adapterDirs()
	compName, parent, err := compositionArg(c.Composition)
	if err != nil {
		return nil, err
	}
	if parent != "" {
		dirs = append(dirs, parent)
	}
	if len(dirs) == 0 {
		if c.Composition != "" {
			return nil, fmt.Errorf("composition %s: no adapters folder (adapters.dirs, or %s) holds it", c.Composition, a.dataAdaptersDir())
		}
		return nil, nil
	}
	reg, err := adapters.Scan(ctx, dirs, adapters.ScanOptions{Skills: a.adapterSkills(), Log: a.Log})
	if err != nil {
		return nil, fmt.Errorf("adapters: %w", err)
	}
	sel := qa.Selection{Domain: c.Domain, QA: c.QA, Method: c.Method, Weights: c.Weights, Composition: compName}
	return qa.NewComposer(reg, sel, c.Fused, a.Log), nil
}
