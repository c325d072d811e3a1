package adapters

import (
	"manualbot/inference"
)

// AdapterSet converts the adapter to the model's hook: module name -> LoRA{A, B, Rank, Scale}.
// The factor slices are shared, not copied: an Adapter is not modified after it is loaded or
// merged, and the model copies what it keeps.
func (a *Adapter) AdapterSet() *inference.AdapterSet {
	set := &inference.AdapterSet{Name: a.Name, Modules: make(map[string]inference.LoRA, len(a.Modules))}
	for m, f := range a.Modules {
		set.Modules[m] = inference.LoRA{A: f.A, B: f.B, Rank: f.Rank, Scale: float32(f.Scale)}
	}
	return set
}

// ShapeOf is the ModelShape of a loaded model, for Validate; name is the model's path or
// hub id, compared with the adapter's base_model_name_or_path only to warn.
func ShapeOf(c inference.Config, name string) ModelShape {
	return ModelShape{
		Name: name, HiddenSize: c.HiddenSize, IntermediateSize: c.IntermediateSize, NumLayers: c.NumLayers,
		NumHeads: c.NumHeads, NumKVHeads: c.NumKVHeads, HeadDim: c.HeadDim,
	}
}
