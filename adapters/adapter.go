package adapters

import (
	"fmt"
	"math"
	"sort"
)

// Factors is the LoRA of one module: delta W = Scale * B A, with A [Rank, In] and B [Out, Rank]
// row-major, exactly as PEFT stores lora_A.weight and lora_B.weight.
type Factors struct {
	A, B    []float32
	Rank    int
	In, Out int
	// Alpha is the module's lora_alpha after alpha_pattern; Scale is derived from it.
	Alpha float64
	Scale float64
}

// Adapter is one LoRA adapter in memory: its PEFT config, its manualbot manifest and the
// factors of every module it adapts, keyed by Hugging Face module name
// (e.g. "model.layers.3.self_attn.q_proj").
type Adapter struct {
	// Name is the folder name in the registry, or what the caller chose.
	Name     string
	Dir      string
	Config   Config
	Manifest Manifest
	Modules  map[string]*Factors
}

// ModuleNames lists the adapted modules in a stable order (layer, then projection name).
func (a *Adapter) ModuleNames() []string { return sortedModules(a.Modules) }

// sortedModules returns a map's module names in moduleLess order, so that every loop over
// modules (errors, writes, random draws) is deterministic.
func sortedModules[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return moduleLess(names[i], names[j]) })
	return names
}

// moduleLess orders decoder modules by layer number, then name; others come last by name.
func moduleLess(a, b string) bool {
	la, pa, oka := SplitModuleName(a)
	lb, pb, okb := SplitModuleName(b)
	switch {
	case oka && okb:
		if la != lb {
			return la < lb
		}
		return pa < pb
	case oka != okb:
		return oka
	}
	return a < b
}

// Delta returns the module's dense update Scale * B A as [Out, In] in float64: the reference
// every merge is checked against, and the input of the svd merge.
func (f *Factors) Delta() []float64 {
	d := make([]float64, f.Out*f.In)
	for o := 0; o < f.Out; o++ {
		row := d[o*f.In : (o+1)*f.In]
		for k := 0; k < f.Rank; k++ {
			b := float64(f.B[o*f.Rank+k]) * f.Scale
			if b == 0 {
				continue
			}
			a := f.A[k*f.In : (k+1)*f.In]
			for i, av := range a {
				row[i] += b * float64(av)
			}
		}
	}
	return d
}

// check verifies the factors' sizes and values; module names the module in the error.
func (f *Factors) check(module string) error {
	if f.Rank <= 0 || f.In <= 0 || f.Out <= 0 {
		return fmt.Errorf("module %s: bad LoRA shape rank %d, in %d, out %d", module, f.Rank, f.In, f.Out)
	}
	if len(f.A) != f.Rank*f.In {
		return fmt.Errorf("module %s: lora_A has %d values, want %d x %d", module, len(f.A), f.Rank, f.In)
	}
	if len(f.B) != f.Out*f.Rank {
		return fmt.Errorf("module %s: lora_B has %d values, want %d x %d", module, len(f.B), f.Out, f.Rank)
	}
	if i := firstNonFinite(f.A); i >= 0 {
		return fmt.Errorf("module %s: lora_A holds %v at index %d", module, f.A[i], i)
	}
	if i := firstNonFinite(f.B); i >= 0 {
		return fmt.Errorf("module %s: lora_B holds %v at index %d", module, f.B[i], i)
	}
	return nil
}

func firstNonFinite(v []float32) int {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i
		}
	}
	return -1
}

// MaxRank is the largest rank of any module (the r a reader of the config would quote).
func (a *Adapter) MaxRank() int {
	r := 0
	for _, f := range a.Modules {
		r = max(r, f.Rank)
	}
	return r
}
