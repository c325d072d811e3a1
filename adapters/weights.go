package adapters

import (
	"fmt"
	"math"
	"strings"
)

// Weights are the per-adapter merge weights w_i. CAT's point is that they may differ per layer
// and per module (and be learned), so a global vector can be overridden for a layer or for a
// module; each vector has one weight per merged adapter, in the order the adapters are given.
type Weights struct {
	// Default applies wherever no override does; nil means 1 for every adapter.
	Default []float64 `json:"default,omitempty"`
	// Layers overrides Default for every module of a layer.
	Layers map[int][]float64 `json:"layers,omitempty"`
	// Modules overrides Layers and Default. A key is a full module name
	// ("model.layers.3.self_attn.q_proj") or a dotted suffix of one ("q_proj",
	// "mlp.down_proj"); the longest matching key wins, so a full name beats a projection type.
	Modules map[string][]float64 `json:"modules,omitempty"`
}

// UniformWeights is w_i = w for n adapters.
func UniformWeights(n int, w float64) Weights {
	d := make([]float64, n)
	for i := range d {
		d[i] = w
	}
	return Weights{Default: d}
}

// For returns the weights of module, one per adapter.
func (w Weights) For(module string, n int) []float64 {
	best, bestLen := []float64(nil), -1
	for key, v := range w.Modules {
		if (module == key || strings.HasSuffix(module, "."+key)) && len(key) > bestLen {
			best, bestLen = v, len(key)
		}
	}
	if best != nil {
		return best
	}
	if layer, _, ok := SplitModuleName(module); ok {
		if v, ok := w.Layers[layer]; ok {
			return v
		}
	}
	if w.Default != nil {
		return w.Default
	}
	return UniformWeights(n, 1).Default
}

// check verifies that every vector has one finite weight per adapter.
func (w Weights) check(n int) error {
	chk := func(where string, v []float64) error {
		if len(v) != n {
			return fmt.Errorf("weights %s: %d weights for %d adapters", where, len(v), n)
		}
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("weights %s: %v is not a finite number", where, x)
			}
		}
		return nil
	}
	if w.Default != nil {
		if err := chk("(default)", w.Default); err != nil {
			return err
		}
	}
	for l, v := range w.Layers {
		if err := chk(fmt.Sprintf("for layer %d", l), v); err != nil {
			return err
		}
	}
	for k, v := range w.Modules {
		if err := chk("for "+k, v); err != nil {
			return err
		}
	}
	return nil
}
