package qa

import "manualbot/adapters"

// CompositionInfo says what answered: the composition's name and folder (empty for adapters
// composed on the fly by `use domain=… qa=…`), its adapters, whether its weights were
// learned, and the weights per module kind and per layer (one per adapter, in order).
type CompositionInfo struct {
	Name     string                  `json:"name"`
	Path     string                  `json:"path"`
	Adapters []string                `json:"adapters"`
	Method   string                  `json:"method"`
	Learned  bool                    `json:"learned"`
	Weights  adapters.WeightsSummary `json:"weights"`
}

func compositionInfo(c *adapters.Composition) *CompositionInfo {
	return &CompositionInfo{
		Name: c.Name, Path: c.Dir, Adapters: c.SourceNames(), Method: string(c.Method),
		Learned: c.Learned(), Weights: c.Summary(),
	}
}
