package qa

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"manualbot/adapters"
	"manualbot/inference"
)

// ErrSwapBusy is returned when an adapter swap is asked for while another is being built.
var ErrSwapBusy = errors.New("another adapter swap is in progress; try again when it finishes")

// Selection says which adapters answers use and how they are merged.
type Selection struct {
	// Domain names the domain adapters; empty means "pick by the products of the
	// retrieved passages" from the registry's domain adapters.
	Domain []string
	// QA names the QA adapter; empty means none.
	QA string
	// Method is the merge method (cat by default).
	Method string
	// Weights are per adapter, domain first then QA; empty means 1 each.
	Weights []float64
	// Composition names a saved composition (made by adapters tune) to answer with; it
	// replaces Domain, QA, Method and Weights. When another composition covers the
	// retrieved products and this one does not, that one answers.
	Composition string
}

// Composer picks and merges the adapters for each answer and keeps the model's adapters in
// step with that choice. Merged sets are cached, so switching back is instant.
type Composer struct {
	reg   *adapters.Registry
	fused bool
	log   *slog.Logger

	swap sync.Mutex // held while Use builds and checks a new selection

	mu        sync.Mutex
	model     *inference.Model
	modelName string
	sel       Selection
	active    string // key of the set on the model; "" means none applied yet
	used      []string
	usedComp  *CompositionInfo
	cache     map[string]built
}

// built is a merged adapter set ready to apply, with the description answers carry.
type built struct {
	set  *inference.AdapterSet
	info *CompositionInfo
}

// plan is what one answer will be generated with: the adapters chosen for its products,
// merged (outside the generation lock), waiting to be installed on the model.
type plan struct {
	key   string
	names []string
	built built
}

// NewComposer starts with sel (from the config); it is checked when the model is bound.
func NewComposer(reg *adapters.Registry, sel Selection, fused bool, log *slog.Logger) *Composer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Composer{reg: reg, sel: sel, fused: fused, log: log, cache: map[string]built{}}
}

// bind attaches the model; name (its folder) is the base model compositions must match.
func (c *Composer) bind(m *inference.Model, name string) {
	c.mu.Lock()
	c.model, c.modelName = m, name
	c.mu.Unlock()
}

// Registry is the adapters the composer picks from.
func (c *Composer) Registry() *adapters.Registry { return c.reg }

// Current is the selection answers use now.
func (c *Composer) Current() Selection {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sel
}

// InUse names the adapters merged into the model for the latest answer.
func (c *Composer) InUse() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.used)
}

// InUseComposition describes the composition of the latest answer (nil before any).
func (c *Composer) InUseComposition() *CompositionInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usedComp
}

// Use checks sel completely (names, skills, shapes, the merge itself) and only then makes
// it the selection for answers that start afterwards; answers in flight keep theirs. A bad
// selection changes nothing.
func (c *Composer) Use(ctx context.Context, sel Selection) error {
	if !c.swap.TryLock() {
		return ErrSwapBusy
	}
	defer c.swap.Unlock()
	if sel.Method == "" {
		sel.Method = string(adapters.MethodCat)
	}
	if sel.Composition != "" {
		if len(sel.Domain) > 0 || sel.QA != "" || len(sel.Weights) > 0 {
			return errors.New("a composition carries its own adapters and weights: give composition= alone, or domain=/qa=/weights= without it")
		}
		if c.reg == nil {
			return errors.New("no adapters are configured (adapters.dirs)")
		}
		if _, err := c.reg.Composition(sel.Composition); err != nil {
			return err
		}
		if _, err := c.build(ctx, []string{sel.Composition}, sel); err != nil {
			return err
		}
		c.mu.Lock()
		c.sel = sel
		c.mu.Unlock()
		c.log.Info("composition selected", "composition", sel.Composition)
		return nil
	}
	for _, name := range sel.Domain {
		if err := c.checkSkill(name, adapters.SkillDomain); err != nil {
			return err
		}
	}
	if sel.QA != "" {
		if err := c.checkSkill(sel.QA, adapters.SkillQA); err != nil {
			return err
		}
	}
	if len(sel.Domain) > 0 || sel.QA != "" {
		names := append(slices.Clone(sel.Domain), nonEmpty(sel.QA)...)
		if len(sel.Weights) > 0 && len(sel.Weights) != len(names) {
			return fmt.Errorf("%d weights for %d adapters (%s)", len(sel.Weights), len(names), strings.Join(names, ", "))
		}
		if _, err := c.build(ctx, names, sel); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.sel = sel
	c.mu.Unlock()
	c.log.Info("adapter selection changed", "domain", sel.Domain, "qa", sel.QA, "method", sel.Method, "weights", sel.Weights)
	return nil
}

func (c *Composer) checkSkill(name string, want adapters.Skill) error {
	if c.reg == nil {
		return errors.New("no adapters are configured (adapters.dirs)")
	}
	e, err := c.reg.Get(name)
	if err != nil {
		return err
	}
	if e.Problem != "" {
		return fmt.Errorf("adapter %s: %s", name, e.Problem)
	}
	if e.Skill != want {
		return fmt.Errorf("adapter %s is a %q adapter, not %q", name, e.Skill, want)
	}
	return nil
}

// prepare chooses and merges the adapters for an answer about products. Merging can take
// a while (a composition hashes and loads its sources), so it runs before the generation
// lock is taken; merges are cached, so switching back is instant.
func (c *Composer) prepare(ctx context.Context, products []string) (plan, error) {
	c.mu.Lock()
	sel := c.sel
	c.mu.Unlock()
	names, sel := c.choose(sel, products)
	p := plan{key: selectionKey(names, sel), names: names}
	if len(names) > 0 {
		b, err := c.build(ctx, names, sel)
		if err != nil {
			return plan{}, err
		}
		p.built = b
	}
	return p, nil
}

// install puts a prepared plan on the model unless it is there already and returns the
// names and composition answers report. The caller holds the LLM's generation lock.
func (c *Composer) install(p plan) ([]string, *CompositionInfo, error) {
	c.mu.Lock()
	same, model := p.key == c.active, c.model
	c.mu.Unlock()
	used := p.names
	if p.built.info != nil && len(p.built.info.Adapters) > 0 {
		used = p.built.info.Adapters
	}
	if !same {
		if err := model.SetAdapters(p.built.set, c.fused); err != nil {
			return nil, nil, fmt.Errorf("apply adapters %s: %w", strings.Join(p.names, "+"), err)
		}
		c.mu.Lock()
		c.active, c.used, c.usedComp = p.key, used, p.built.info
		c.mu.Unlock()
	}
	return used, p.built.info, nil
}

// apply is prepare then install, for callers that hold the generation lock already.
func (c *Composer) apply(ctx context.Context, products []string) ([]string, error) {
	p, err := c.prepare(ctx, products)
	if err != nil {
		return nil, err
	}
	names, _, err := c.install(p)
	return names, err
}

// choose lists the adapters for products and the selection they are merged by: a
// composition (the selected one, or another that covers the products when the selected one
// does not), else the selection's domain adapters or the registry's domain adapters
// covering the products, then the QA adapter.
func (c *Composer) choose(sel Selection, products []string) ([]string, Selection) {
	if sel.Composition != "" {
		if alt := c.coveringComposition(sel.Composition, products); alt != "" {
			sel.Composition = alt
		}
		return []string{sel.Composition}, sel
	}
	names := slices.Clone(sel.Domain)
	if len(names) == 0 && c.reg != nil {
		for _, e := range c.reg.List() {
			if e.Problem == "" && e.Skill == adapters.SkillDomain && covers(e.Manifest.Products, products) {
				names = append(names, e.Name)
			}
		}
	}
	return append(names, nonEmpty(sel.QA)...), sel
}

// coveringComposition returns another composition covering products when current does not
// cover them; "" keeps current.
func (c *Composer) coveringComposition(current string, products []string) string {
	if c.reg == nil || len(products) == 0 {
		return ""
	}
	if cur, err := c.reg.Composition(current); err == nil && (len(cur.Products()) == 0 || covers(cur.Products(), products)) {
		return ""
	}
	for _, e := range c.reg.Compositions() {
		if e.Name != current && covers(e.Composition.Products(), products) {
			return e.Name
		}
	}
	return ""
}

func covers(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if strings.EqualFold(h, w) {
				return true
			}
		}
	}
	return false
}

// build loads, validates and merges names into one adapter set (cached by selection). A
// selection with a composition resolves it: its sources checked by hash, its base model
// and weights checked, merged at its weights.
func (c *Composer) build(ctx context.Context, names []string, sel Selection) (built, error) {
	key := selectionKey(names, sel)
	c.mu.Lock()
	b, ok := c.cache[key]
	model, modelName := c.model, c.modelName
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	var shape *adapters.ModelShape
	if model != nil {
		s := adapters.ShapeOf(model.Config(), modelName)
		shape = &s
	}
	var err error
	if sel.Composition != "" {
		b, err = c.buildComposition(ctx, sel.Composition, shape)
	} else {
		b, err = c.buildSelection(ctx, names, sel, shape)
	}
	if err != nil {
		return built{}, err
	}
	c.mu.Lock()
	if len(c.cache) >= 8 {
		clear(c.cache)
	}
	c.cache[key] = b
	c.mu.Unlock()
	return b, nil
}

func (c *Composer) buildComposition(ctx context.Context, name string, shape *adapters.ModelShape) (built, error) {
	comp, err := c.reg.Composition(name)
	if err != nil {
		return built{}, err
	}
	if shape == nil {
		return built{}, fmt.Errorf("composition %s: no model to check it against", name)
	}
	merged, err := comp.Resolve(ctx, c.reg, *shape, c.log)
	if err != nil {
		return built{}, err
	}
	set := merged.AdapterSet()
	set.Name = name
	return built{set: set, info: compositionInfo(comp)}, nil
}

func (c *Composer) buildSelection(ctx context.Context, names []string, sel Selection, shape *adapters.ModelShape) (built, error) {
	loaded := make([]*adapters.Adapter, 0, len(names))
	for _, n := range names {
		a, err := c.reg.Load(ctx, n, c.log)
		if err != nil {
			return built{}, err
		}
		if shape != nil {
			if err := adapters.Validate(a, *shape, c.log); err != nil {
				return built{}, fmt.Errorf("adapter %s does not fit the model: %w", n, err)
			}
		}
		loaded = append(loaded, a)
	}
	merged := loaded[0]
	w := weightsFor(sel, len(names))
	if len(loaded) > 1 || len(sel.Weights) > 0 {
		var err error
		merged, err = adapters.Merge(ctx, loaded, adapters.MergeOptions{
			Method: adapters.Method(sel.Method), Weights: adapters.Weights{Default: w},
			Density: 0.5, Name: strings.Join(names, "+"),
		})
		if err != nil {
			return built{}, err
		}
	}
	set := merged.AdapterSet()
	set.Name = strings.Join(names, "+")
	info := &CompositionInfo{
		Name: set.Name, Adapters: slices.Clone(names), Method: sel.Method,
		Weights: adapters.Summarize(adapters.Weights{Default: w}, merged.ModuleNames(), len(names)),
	}
	return built{set: set, info: info}, nil
}

func weightsFor(sel Selection, n int) []float64 {
	if len(sel.Weights) == n {
		return sel.Weights
	}
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func selectionKey(names []string, sel Selection) string {
	ws := make([]string, 0, len(sel.Weights))
	for _, w := range sel.Weights {
		ws = append(ws, strconv.FormatFloat(w, 'g', -1, 64))
	}
	return sel.Composition + "|" + sel.Method + "|" + strings.Join(names, ",") + "|" + strings.Join(ws, ",")
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
