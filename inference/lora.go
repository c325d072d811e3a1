package inference

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"manualbot/inference/safetensors"
)

// LoRA is one low-rank delta for one linear module: y += Scale * B(A x). A is [r, in],
// B is [out, r], row-major.
type LoRA struct {
	A, B  []float32
	Rank  int
	Scale float32
}

// AdapterSet maps HF module names without ".weight" (e.g.
// "model.layers.3.self_attn.q_proj", "model.layers.0.mlp.down_proj") to the LoRA applied
// there.
type AdapterSet struct {
	Name    string
	Modules map[string]LoRA
}

// LoRATargets lists the module kinds (the part after "model.layers.N.") adapters may
// modify, so adapter loaders can validate target_modules early.
func LoRATargets() []string { return slices.Clone(loraTargets) }

// preparedLoRA is one validated module of an AdapterSet, resolved to a weight index.
type preparedLoRA struct {
	weight int
	lora   LoRA
	out    int
	in     int
}

// SetAdapters validates set against the model and then swaps it in atomically:
// generations already running finish on the weights they started with, later ones use
// the new set. A set that fails validation leaves the model untouched. nil removes
// adapters. Unfused adapters run as low-rank factors inside the graph (instant to swap,
// a little slower per token); fused ones are merged into copies of the targeted weights
// (W' = W + Scale·B·A), keeping the base weights so the next swap needs no disk.
func (m *Model) SetAdapters(set *AdapterSet, fused bool) error {
	m.swapMu.Lock()
	defer m.swapMu.Unlock()
	if set == nil {
		m.state.Store(&weightState{weights: m.base})
		m.log.Info("adapters removed")
		return nil
	}
	mods, err := m.prepareAdapters(set)
	if err != nil {
		return err
	}
	var st *weightState
	if fused {
		st, err = m.fuse(mods)
	} else {
		st, err = m.unfused(mods)
	}
	if err != nil {
		return fmt.Errorf("adapter set %q: %w", set.Name, err)
	}
	st.adapter, st.fused = set.Name, fused
	m.state.Store(st)
	m.log.Info("adapters set", "name", set.Name, "modules", len(mods), "fused", fused)
	return nil
}

// prepareAdapters checks every module of set and returns them ordered by weight index;
// zero-rank modules are dropped since they change nothing.
func (m *Model) prepareAdapters(set *AdapterSet) ([]preparedLoRA, error) {
	var errs []error
	var out []preparedLoRA
	for name, l := range set.Modules {
		p, err := m.prepareModule(name, l)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if l.Rank > 0 {
			out = append(out, p)
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return nil, fmt.Errorf("adapter set %q: %w", set.Name, errors.Join(errs...))
	}
	slices.SortFunc(out, func(a, b preparedLoRA) int { return a.weight - b.weight })
	return out, nil
}

func (m *Model) prepareModule(name string, l LoRA) (preparedLoRA, error) {
	rest, ok := strings.CutPrefix(name, "model.layers.")
	layerStr, target, ok2 := strings.Cut(rest, ".")
	layer, err := strconv.Atoi(layerStr)
	if !ok || !ok2 || err != nil || !slices.Contains(loraTargets, target) {
		return preparedLoRA{}, fmt.Errorf("module %q: not a LoRA target (want model.layers.N.{%s})", name, strings.Join(loraTargets, ","))
	}
	if layer < 0 || layer >= m.cfg.NumLayers {
		return preparedLoRA{}, fmt.Errorf("module %q: layer %d does not exist (model has %d)", name, layer, m.cfg.NumLayers)
	}
	idx := m.lay.byName[name+".weight"]
	shape := m.lay.specs[idx].Shape
	p := preparedLoRA{weight: idx, lora: l, out: shape[0], in: shape[1]}
	if l.Rank < 0 {
		return p, fmt.Errorf("module %q: negative rank %d", name, l.Rank)
	}
	if l.Rank == 0 {
		return p, nil
	}
	if len(l.A) != l.Rank*p.in {
		return p, fmt.Errorf("module %q: A has %d values, want rank %d × in %d", name, len(l.A), l.Rank, p.in)
	}
	if len(l.B) != p.out*l.Rank {
		return p, fmt.Errorf("module %q: B has %d values, want out %d × rank %d", name, len(l.B), p.out, l.Rank)
	}
	if math.IsNaN(float64(l.Scale)) || math.IsInf(float64(l.Scale), 0) {
		return p, fmt.Errorf("module %q: scale %v is not finite", name, l.Scale)
	}
	if i, bad := safetensors.HasNonFinite(l.A); bad {
		return p, fmt.Errorf("module %q: A has a non-finite value at %d", name, i)
	}
	if i, bad := safetensors.HasNonFinite(l.B); bad {
		return p, fmt.Errorf("module %q: B has a non-finite value at %d", name, i)
	}
	return p, nil
}

// scaledB returns Scale·B, so the graph and the merge need no separate scale input.
func scaledB(l LoRA) []float32 {
	b := make([]float32, len(l.B))
	for i, v := range l.B {
		b[i] = v * l.Scale
	}
	return b
}

// unfused places each module's A [r, in] and (Scale·B)ᵀ [r, out] on the backend as extra
// graph inputs. B is stored transposed because a one-token product that contracts an
// axis as short as a LoRA rank is the go backend's slow case: out dot products of length
// r each (210 rank-32 pairs of the 135M shapes took 8.6 ms a token as [out, r] and 5.5 ms
// as [r, out] in a chain benchmark; rank 2: 2.4 ms and 1.0 ms).
func (m *Model) unfused(mods []preparedLoRA) (*weightState, error) {
	st := &weightState{weights: m.base}
	for _, p := range mods {
		name := m.lay.specs[p.weight].Name
		a, err := m.newWeight(weightSpec{Name: name + ".lora_A", Shape: []int{p.lora.Rank, p.in}},
			func(dst []float32) error { copy(dst, p.lora.A); return nil })
		if err != nil {
			return nil, err
		}
		b, err := m.newWeight(weightSpec{Name: name + ".lora_B^T", Shape: []int{p.lora.Rank, p.out}},
			func(dst []float32) error { scaledBT(dst, p.lora, p.out); return nil })
		if err != nil {
			return nil, err
		}
		st.loras = append(st.loras, loraSlot{weight: p.weight})
		st.loraArgs = append(st.loraArgs, a, b)
	}
	st.sig = describeSig(st.loras, m.lay)
	return st, nil
}

// scaledBT writes (Scale·B)ᵀ [r, out] into dst, a row at a time: the reads stride
// through B's rows, which stay in cache from one row of dst to the next.
func scaledBT(dst []float32, l LoRA, out int) {
	r := l.Rank
	for j := range r {
		row := dst[j*out : (j+1)*out]
		for i := range row {
			row[i] = l.B[i*r+j] * l.Scale
		}
	}
}

// fuse computes W + Scale·B·A on the backend into new buffers for the targeted weights;
// the rest of the weights are shared with the base.
func (m *Model) fuse(mods []preparedLoRA) (*weightState, error) {
	merge, err := graph.NewExec(m.backend, func(w, a, b *graph.Node) *graph.Node {
		// w may be stored split in row blocks ([S, out/S, in], Model.rowSplit).
		// Half-precision weights are merged in f32 and rounded once.
		delta := graph.Reshape(graph.DotGeneral(b, []int{1}, nil, a, []int{0}, nil), w.Shape().Dimensions...)
		return graph.ConvertDType(graph.Add(graph.ConvertDType(w, dtypes.Float32), delta), w.DType())
	})
	if err != nil {
		return nil, fmt.Errorf("building the merge graph: %w", err)
	}
	defer merge.Finalize()
	weights := slices.Clone(m.base)
	for _, p := range mods {
		a := tensors.FromFlatDataAndDimensions(p.lora.A, p.lora.Rank, p.in)
		b := tensors.FromFlatDataAndDimensions(scaledB(p.lora), p.out, p.lora.Rank)
		merged, err := merge.Call1(m.base[p.weight], a, b)
		if err != nil {
			return nil, fmt.Errorf("merging into %s: %w", m.lay.specs[p.weight].Name, err)
		}
		weights[p.weight] = merged
	}
	return &weightState{weights: weights}, nil
}
