package adapters

import "slices"

// KindOrder lists the projection names in Hugging Face's order, for tables.
func KindOrder() []string {
	out := make([]string, 0, len(Projections()))
	for _, p := range Projections() {
		out = append(out, ModuleKind(p))
	}
	return out
}

// WeightsSummary is a composition's weights in a readable form: averaged over the layers for
// each module kind, and per layer and kind. Each vector has one weight per source adapter.
type WeightsSummary struct {
	PerKind  map[string][]float64         `json:"per_kind"`
	PerLayer map[int]map[string][]float64 `json:"per_layer,omitempty"`
}

// Summarize resolves w on every module in modules (n adapters) and summarises it.
func Summarize(w Weights, modules []string, n int) WeightsSummary {
	s := WeightsSummary{PerKind: map[string][]float64{}, PerLayer: map[int]map[string][]float64{}}
	count := map[string]int{}
	for _, m := range modules {
		v := w.For(m, n)
		kind := ModuleKind(m)
		if layer, _, ok := SplitModuleName(m); ok {
			if s.PerLayer[layer] == nil {
				s.PerLayer[layer] = map[string][]float64{}
			}
			s.PerLayer[layer][kind] = slices.Clone(v)
		}
		acc := s.PerKind[kind]
		if acc == nil {
			acc = make([]float64, n)
		}
		for i := range acc {
			acc[i] += v[i]
		}
		s.PerKind[kind] = acc
		count[kind]++
	}
	for k, v := range s.PerKind {
		for i := range v {
			v[i] /= float64(count[k])
		}
	}
	return s
}

// Layers lists the summary's layers in order.
func (s WeightsSummary) Layers() []int {
	out := make([]int, 0, len(s.PerLayer))
	for l := range s.PerLayer {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}
