package inference

import (
	"fmt"
	"strings"
	"testing"
)

// TestLayerWeightsBindEveryLayerTensor: the forward's tagged layer struct and the loading
// layout agree, with and without the Qwen2 biases: every tensor the layout loads for a
// layer is bound to a field (none loaded and silently unused), and every required field
// names a tensor the layout has.
func TestLayerWeightsBindEveryLayerTensor(t *testing.T) {
	for _, bias := range []bool{false, true} {
		cfg := Config{HiddenSize: 8, IntermediateSize: 12, NumLayers: 3, NumHeads: 2, NumKVHeads: 1, HeadDim: 4,
			VocabSize: 10, AttentionBias: bias}
		lay := cfg.layout()
		tags := map[string]bool{}
		for _, f := range layerFields() {
			tags[f.name] = true
			if _, ok := lay.byName["model.layers.2."+f.name]; !ok && !f.optional {
				t.Errorf("bias=%v: field for %q has no tensor in the layout", bias, f.name)
			}
		}
		for _, spec := range lay.specs {
			rest, ok := strings.CutPrefix(spec.Name, "model.layers.")
			if !ok {
				continue
			}
			var layer int
			var name string
			if _, err := fmt.Sscanf(strings.Replace(rest, ".", " ", 1), "%d %s", &layer, &name); err != nil {
				t.Fatalf("layout name %q: %v", spec.Name, err)
			}
			if !tags[name] {
				t.Errorf("bias=%v: the layout loads %s but no layerWeights field binds it", bias, spec.Name)
			}
		}
	}
}
