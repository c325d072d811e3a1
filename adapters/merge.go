package adapters

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
)

// Method is a merge method, named as PEFT's add_weighted_adapter combination_type.
type Method string

// The merge methods.
const (
	// MethodCat concatenates the LoRAs: rank sum r_i, delta exactly sum_i w_i s_i B_i A_i.
	MethodCat Method = "cat"
	// MethodLinear, MethodTies, MethodDareLinear and MethodDareTies combine the A factors and
	// the B factors separately (which creates cross terms B_i A_j), so they need equal ranks.
	MethodLinear     Method = "linear"
	MethodTies       Method = "ties"
	MethodDareLinear Method = "dare_linear"
	MethodDareTies   Method = "dare_ties"
	// MethodSVD sums the dense deltas and re-factorises them to a target rank.
	MethodSVD Method = "svd"
)

// Methods lists every merge method, for help texts and errors.
func Methods() []Method {
	return []Method{MethodCat, MethodLinear, MethodTies, MethodDareLinear, MethodDareTies, MethodSVD}
}

// MajoritySign is how TIES elects each entry's sign.
type MajoritySign string

// The sign election methods of PEFT.
const (
	SignTotal     MajoritySign = "total"
	SignFrequency MajoritySign = "frequency"
)

// MergeOptions says how to merge.
type MergeOptions struct {
	Method  Method
	Weights Weights
	// Density is the fraction of entries ties and dare keep, in (0, 1].
	Density float64
	// MajoritySign is ties' sign election; empty means total.
	MajoritySign MajoritySign
	// Seed fixes DARE's random drops: the same inputs and seed give the same adapter.
	Seed uint64
	// Rank is svd's target rank; 0 means the largest input rank, as in PEFT.
	Rank int
	// Name names the result (its folder name when written to a registry).
	Name string
}

// Merge combines adapters into one new adapter; the inputs are not modified. Every module
// adapted by at least one input is in the result, merged over the inputs that adapt it (as
// PEFT skips adapters that lack a module). The result has lora_alpha = r and use_rslora off,
// so every module's scale is 1 and all the weighting lives in the factors, and modules whose
// rank differs from r are listed in rank_pattern/alpha_pattern: it loads in PEFT as it is.
func Merge(ctx context.Context, inputs []*Adapter, opts MergeOptions) (*Adapter, error) {
	if err := checkMerge(inputs, &opts); err != nil {
		return nil, fmt.Errorf("merge %s: %w", opts.Method, err)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	svdRank := opts.Rank
	if svdRank == 0 {
		// PEFT's default: the largest rank among the inputs, for every module.
		for _, a := range inputs {
			svdRank = max(svdRank, a.MaxRank())
		}
	}
	modules := mergedModules(inputs)
	out := make(map[string]*Factors, len(modules))
	for _, m := range modules {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("merge %s: %w", opts.Method, err)
		}
		var parts []*Factors
		var w []float64
		all := opts.Weights.For(m, len(inputs))
		for i, a := range inputs {
			if f, ok := a.Modules[m]; ok {
				parts = append(parts, f)
				w = append(w, all[i])
			}
		}
		var f *Factors
		var err error
		switch opts.Method {
		case MethodCat:
			f = catModule(parts, w)
		case MethodSVD:
			f, err = svdModule(parts, w, svdRank)
		default:
			f = taskModule(parts, w, opts, rng)
		}
		if err != nil {
			return nil, fmt.Errorf("merge %s: module %s: %w", opts.Method, m, err)
		}
		f.Alpha, f.Scale = float64(f.Rank), 1
		out[m] = f
	}
	res := &Adapter{Name: opts.Name, Modules: out}
	res.Config = mergedConfig(inputs, out)
	res.Manifest = mergedManifest(inputs, opts)
	return res, nil
}

// checkMerge refuses inputs a method cannot merge, before any work is done.
func checkMerge(inputs []*Adapter, opts *MergeOptions) error {
	if len(inputs) == 0 {
		return errors.New("no adapters to merge")
	}
	if !slices.Contains(Methods(), opts.Method) {
		return fmt.Errorf("unknown method %q (want one of %v)", opts.Method, Methods())
	}
	if err := opts.Weights.check(len(inputs)); err != nil {
		return err
	}
	if opts.MajoritySign == "" {
		opts.MajoritySign = SignTotal
	}
	if opts.MajoritySign != SignTotal && opts.MajoritySign != SignFrequency {
		return fmt.Errorf("majority sign method %q: want total or frequency", opts.MajoritySign)
	}
	switch opts.Method {
	case MethodTies, MethodDareLinear, MethodDareTies:
		if !(opts.Density > 0 && opts.Density <= 1) {
			return fmt.Errorf("density %v: %s needs the fraction of entries to keep, in (0, 1]", opts.Density, opts.Method)
		}
	}
	if opts.Rank < 0 {
		return fmt.Errorf("rank %d: want >= 0", opts.Rank)
	}
	for _, m := range mergedModules(inputs) {
		var first *Factors
		var firstName string
		for _, a := range inputs {
			f, ok := a.Modules[m]
			if !ok {
				continue
			}
			if err := f.check(m); err != nil {
				return fmt.Errorf("adapter %s: %w", a.Name, err)
			}
			if first == nil {
				first, firstName = f, a.Name
				continue
			}
			if f.In != first.In || f.Out != first.Out {
				return fmt.Errorf("module %s: adapter %s is [%d->%d] but %s is [%d->%d]: they are for different models",
					m, firstName, first.In, first.Out, a.Name, f.In, f.Out)
			}
			if f.Rank != first.Rank && needsEqualRanks(opts.Method) {
				return fmt.Errorf("module %s: adapter %s has rank %d and %s rank %d, but %s combines A and B factors separately and needs equal ranks; use method cat, which merges adapters of different ranks exactly",
					m, firstName, first.Rank, a.Name, f.Rank, opts.Method)
			}
		}
	}
	return nil
}

func needsEqualRanks(m Method) bool {
	return m == MethodLinear || m == MethodTies || m == MethodDareLinear || m == MethodDareTies
}

// mergedModules is the union of the inputs' modules, in order.
func mergedModules(inputs []*Adapter) []string {
	set := map[string]bool{}
	for _, a := range inputs {
		for m := range a.Modules {
			set[m] = true
		}
	}
	return sortedModules(set)
}

// catModule builds A = concat_rows(w_i s_i A_i) and B = concat_cols(B_i). PEFT's cat puts
// weight * scaling on A as it is (no square root, unlike linear), so B' A' is exactly
// sum_i w_i s_i B_i A_i and the merged scale is 1.
func catModule(parts []*Factors, w []float64) *Factors {
	in, out := parts[0].In, parts[0].Out
	rank := 0
	for _, p := range parts {
		rank += p.Rank
	}
	f := &Factors{Rank: rank, In: in, Out: out, A: make([]float32, rank*in), B: make([]float32, out*rank)}
	row := 0
	for i, p := range parts {
		c := w[i] * p.Scale
		for j, v := range p.A {
			f.A[row*in+j] = float32(c * float64(v))
		}
		for o := 0; o < out; o++ {
			copy(f.B[o*rank+row:o*rank+row+p.Rank], p.B[o*p.Rank:(o+1)*p.Rank])
		}
		row += p.Rank
	}
	return f
}

// taskModule is PEFT's _generalized_task_arithmetic_weighted_adapter: with c_i = w_i s_i, the
// A factors are combined with weights sign(c_i) sqrt(|c_i|) and the B factors with sqrt(|c_i|)
// (the sign on A only, as PEFT does since it accepted negative weights), each by the method.
func taskModule(parts []*Factors, w []float64, opts MergeOptions, rng *rand.Rand) *Factors {
	wa := make([]float64, len(parts))
	wb := make([]float64, len(parts))
	as := make([][]float64, len(parts))
	bs := make([][]float64, len(parts))
	for i, p := range parts {
		c := w[i] * p.Scale
		wb[i] = math.Sqrt(math.Abs(c))
		wa[i] = wb[i]
		if c < 0 {
			wa[i] = -wa[i]
		}
		as[i] = toFloat64(p.A)
		bs[i] = toFloat64(p.B)
	}
	combine := func(ts [][]float64, wt []float64) []float64 {
		switch opts.Method {
		case MethodTies:
			return ties(ts, wt, opts.Density, opts.MajoritySign)
		case MethodDareLinear:
			return dareLinear(ts, wt, opts.Density, rng)
		case MethodDareTies:
			return dareTies(ts, wt, opts.Density, opts.MajoritySign, rng)
		}
		return taskArithmetic(ts, wt)
	}
	a := combine(as, wa)
	b := combine(bs, wb)
	p := parts[0]
	return &Factors{Rank: p.Rank, In: p.In, Out: p.Out, A: toFloat32(a), B: toFloat32(b)}
}

func toFloat64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// mergedConfig derives the result's config from the first input's, as PEFT does, with
// r = the most common module rank, lora_alpha = r, use_rslora off, fan_in_fan_out off (the
// factors are standard), explicit rank/alpha patterns for the other ranks, and
// target_modules covering every input's targets.
func mergedConfig(inputs []*Adapter, mods map[string]*Factors) Config {
	c := inputs[0].Config.clone()
	counts := map[int]int{}
	for _, f := range mods {
		counts[f.Rank]++
	}
	r := 0
	for rank, n := range counts {
		if n > counts[r] || (n == counts[r] && rank > r) {
			r = rank
		}
	}
	c.R, c.Alpha = r, float64(r)
	c.UseRSLoRA, c.FanInFanOut, c.UseDoRA = false, false, false
	c.RankPattern, c.AlphaPattern = nil, nil
	for _, m := range sortedModules(mods) {
		if f := mods[m]; f.Rank != r {
			key := regexp.QuoteMeta(m)
			c.RankPattern = append(c.RankPattern, Pattern{Key: key, Value: float64(f.Rank)})
			c.AlphaPattern = append(c.AlphaPattern, Pattern{Key: key, Value: float64(f.Rank)})
		}
	}
	c.Targets, c.LayersToTransform, c.LayersPattern = mergedTargets(inputs)
	return c
}

// mergedTargets unites the inputs' target_modules. Lists unite as lists (PEFT's set union)
// keeping layers_to_transform when every input has the same; otherwise each input's rule
// becomes a regex alternative, which PEFT's string form accepts. A target that selects a
// module without tensors is harmless: PEFT initialises lora_B to zero there.
func mergedTargets(inputs []*Adapter) (Targets, []int, []string) {
	allList, sameLayers := true, true
	for _, a := range inputs {
		c := a.Config
		allList = allList && !c.Targets.IsRegex
		sameLayers = sameLayers && slices.Equal(c.LayersToTransform, inputs[0].Config.LayersToTransform) &&
			slices.Equal(c.LayersPattern, inputs[0].Config.LayersPattern) &&
			(c.LayersToTransform == nil) == (inputs[0].Config.LayersToTransform == nil)
	}
	if allList && sameLayers {
		var names []string
		for _, a := range inputs {
			for _, n := range a.Config.Targets.Names {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
		c := inputs[0].Config
		return Targets{Names: nonNil(names)}, c.LayersToTransform, c.LayersPattern
	}
	var alts []string
	for _, a := range inputs {
		t := a.Config.Targets
		var alt string
		switch {
		case t.IsRegex && t.Regex == "all-linear":
			var ps []string
			for _, p := range Projections() {
				ps = append(ps, regexp.QuoteMeta(p))
			}
			alt = `.*\.(?:` + strings.Join(ps, "|") + `)`
		case t.IsRegex:
			alt = t.Regex
		default:
			var ns []string
			for _, n := range t.Names {
				ns = append(ns, regexp.QuoteMeta(n))
			}
			alt = `(?:.*\.)?(?:` + strings.Join(ns, "|") + `)`
		}
		if !slices.Contains(alts, "("+alt+")") {
			alts = append(alts, "("+alt+")")
		}
	}
	return Targets{Regex: strings.Join(alts, "|"), IsRegex: true}, nil, nil
}

// mergedManifest records the recipe and unites what the inputs cover.
func mergedManifest(inputs []*Adapter, opts MergeOptions) Manifest {
	var m Manifest
	skill := inputs[0].Manifest.Skill
	for _, a := range inputs {
		if a.Manifest.Skill != skill {
			skill = ""
		}
		for _, p := range a.Manifest.Products {
			if !slices.Contains(m.Products, p) {
				m.Products = append(m.Products, p)
			}
		}
		for _, p := range a.Manifest.Manuals {
			if !slices.Contains(m.Manuals, p) {
				m.Manuals = append(m.Manuals, p)
			}
		}
	}
	m.Skill = skill
	rec := &MergeRecord{Method: string(opts.Method), Weights: opts.Weights.For("", len(inputs)),
		Rank: opts.Rank, ModuleWeights: opts.Weights.Modules, LayerWeights: opts.Weights.Layers}
	if opts.Method != MethodCat && opts.Method != MethodLinear && opts.Method != MethodSVD {
		rec.Density, rec.Seed = opts.Density, opts.Seed
	}
	for _, a := range inputs {
		rec.Sources = append(rec.Sources, a.Name)
	}
	m.Merge = rec
	return m
}
