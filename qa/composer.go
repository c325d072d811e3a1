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
}

// Composer picks and merges the adapters for each answer and keeps the model's adapters in
// step with that choice. Merged sets are cached, so switching back is instant.
type Composer struct {
	reg   *adapters.Registry
	fused bool
	log   *slog.Logger

	swap sync.Mutex // held while Use builds and checks a new selection

	mu     sync.Mutex
	model  *inference.Model
	sel    Selection
	active string // key of the set on the model; "" means none applied yet
	used   []string
	cache  map[string]*inference.AdapterSet
}

// NewComposer starts with sel (from the config); it is checked when the model is bound.
func NewComposer(reg *adapters.Registry, sel Selection, fused bool, log *slog.Logger) *Composer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Composer{reg: reg, sel: sel, fused: fused, log: log, cache: map[string]*inference.AdapterSet{}}
}

func (c *Composer) bind(m *inference.Model) {
	c.mu.Lock()
	c.model = m
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

// apply makes the model carry the adapters for an answer about products and returns their
// names. The caller holds the LLM's generation lock.
func (c *Composer) apply(ctx context.Context, products []string) ([]string, error) {
	c.mu.Lock()
	sel, model := c.sel, c.model
	c.mu.Unlock()
	names := c.choose(sel, products)
	key := selectionKey(names, sel)
	c.mu.Lock()
	same := key == c.active
	c.mu.Unlock()
	if same {
		return names, nil
	}
	var set *inference.AdapterSet
	if len(names) > 0 {
		var err error
		if set, err = c.build(ctx, names, sel); err != nil {
			return nil, err
		}
	}
	if err := model.SetAdapters(set, c.fused); err != nil {
		return nil, fmt.Errorf("apply adapters %s: %w", strings.Join(names, "+"), err)
	}
	c.mu.Lock()
	c.active, c.used = key, names
	c.mu.Unlock()
	return names, nil
}

// choose lists the adapters for products: the selection's domain adapters, or the
// registry's domain adapters covering those products, then the QA adapter.
func (c *Composer) choose(sel Selection, products []string) []string {
	names := slices.Clone(sel.Domain)
	if len(names) == 0 && c.reg != nil {
		for _, e := range c.reg.List() {
			if e.Problem == "" && e.Skill == adapters.SkillDomain && covers(e.Manifest.Products, products) {
				names = append(names, e.Name)
			}
		}
	}
	return append(names, nonEmpty(sel.QA)...)
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

// build loads, validates and merges names into one adapter set (cached by selection).
func (c *Composer) build(ctx context.Context, names []string, sel Selection) (*inference.AdapterSet, error) {
	key := selectionKey(names, sel)
	c.mu.Lock()
	set, ok := c.cache[key]
	model := c.model
	c.mu.Unlock()
	if ok {
		return set, nil
	}
	var shape *adapters.ModelShape
	if model != nil {
		s := adapters.ShapeOf(model.Config(), "")
		shape = &s
	}
	loaded := make([]*adapters.Adapter, 0, len(names))
	for _, n := range names {
		a, err := c.reg.Load(ctx, n, c.log)
		if err != nil {
			return nil, err
		}
		if shape != nil {
			if err := adapters.Validate(a, *shape, c.log); err != nil {
				return nil, fmt.Errorf("adapter %s does not fit the model: %w", n, err)
			}
		}
		loaded = append(loaded, a)
	}
	merged := loaded[0]
	if len(loaded) > 1 || len(sel.Weights) > 0 {
		var err error
		merged, err = adapters.Merge(ctx, loaded, adapters.MergeOptions{
			Method: adapters.Method(sel.Method), Weights: adapters.Weights{Default: weightsFor(sel, len(names))},
			Density: 0.5, Name: strings.Join(names, "+"),
		})
		if err != nil {
			return nil, err
		}
	}
	set = merged.AdapterSet()
	set.Name = strings.Join(names, "+")
	c.mu.Lock()
	if len(c.cache) >= 8 {
		clear(c.cache)
	}
	c.cache[key] = set
	c.mu.Unlock()
	return set, nil
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
	return sel.Method + "|" + strings.Join(names, ",") + "|" + strings.Join(ws, ",")
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
