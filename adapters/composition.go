package adapters

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CompositionFile sits beside the exported PEFT adapter of a composition and says what it
// was composed from; PEFT and other servers ignore it.
const CompositionFile = "composition.json"

// CompositionWeightsFile holds a composition's per-layer, per-module CAT weights, in the
// format `adapters merge --weights-file` reads.
const CompositionWeightsFile = "cat_weights.json"

// Composition is a named, saved CAT of adapters: the adapters it is made from (by name and
// content hash), the per-module weights (learned by Tune, or given), the base model it was
// made for and what it was tuned on. Its folder also holds the CAT merge exported as a
// standard PEFT adapter, so another server can load what manualbot serves.
type Composition struct {
	Name      string      `json:"name"`
	Method    Method      `json:"method"`
	Sources   []Source    `json:"sources"`
	BaseModel BaseModel   `json:"base_model"`
	Tuned     *TuneRecord `json:"tuned,omitempty"`
	Weights   Weights     `json:"-"`
	Dir       string      `json:"-"`
}

// Source is one adapter a composition is made from.
type Source struct {
	Name string `json:"name"`
	// Path is where the adapter was when the composition was made; Resolve looks the name
	// up in the registry first and falls back to it.
	Path string `json:"path"`
	// Hash is HashAdapter of the folder: a changed adapter no longer matches the weights.
	Hash     string   `json:"sha256"`
	Skill    Skill    `json:"skill,omitempty"`
	Products []string `json:"products,omitempty"`
}

// BaseModel identifies the model a composition was tuned for.
type BaseModel struct {
	Name  string     `json:"name"`
	Shape ModelShape `json:"shape"`
}

// TuneRecord says what the weights were learned on, and how well.
type TuneRecord struct {
	Data          string  `json:"data"`
	Examples      int     `json:"examples"`
	Validation    int     `json:"validation_examples"`
	Steps         int     `json:"steps"`
	BestStep      int     `json:"best_step"`
	ValLossBefore float64 `json:"validation_loss_before"`
	ValLossAfter  float64 `json:"validation_loss_after"`
	// Prompt names the prompt format the examples were rendered in.
	Prompt string `json:"prompt"`
}

// Learned reports whether the weights came from tuning.
func (c *Composition) Learned() bool { return c.Tuned != nil }

// SourceNames lists the source adapters' names in order.
func (c *Composition) SourceNames() []string {
	out := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		out[i] = s.Name
	}
	return out
}

// Products are the products the composition's domain adapters cover.
func (c *Composition) Products() []string {
	var out []string
	for _, s := range c.Sources {
		for _, p := range s.Products {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// HashAdapter is the SHA-256 of an adapter folder's config and tensors: what a composition
// records of each source so that a source changed on disk is noticed.
func HashAdapter(dir string) (string, error) {
	h := sha256.New()
	for _, name := range []string{ConfigFile, WeightsFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("hash adapter %s: %w", dir, err)
		}
		fmt.Fprintf(h, "%s\x00", name)
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("hash adapter %s: %w", dir, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// NewComposition describes the CAT of sources (loaded from their folders) at weights w.
func NewComposition(name string, sources []*Adapter, w Weights, base BaseModel) (*Composition, error) {
	if err := CheckName(name); err != nil {
		return nil, fmt.Errorf("composition: %w", err)
	}
	c := &Composition{Name: name, Method: MethodCat, BaseModel: base, Weights: w}
	for _, a := range sources {
		if a.Dir == "" {
			return nil, fmt.Errorf("composition %s: adapter %s has no folder to hash", name, a.Name)
		}
		hash, err := HashAdapter(a.Dir)
		if err != nil {
			return nil, fmt.Errorf("composition %s: %w", name, err)
		}
		abs, err := filepath.Abs(a.Dir)
		if err != nil {
			return nil, fmt.Errorf("composition %s: %w", name, err)
		}
		c.Sources = append(c.Sources, Source{Name: a.Name, Path: abs, Hash: hash, Skill: a.Manifest.Skill, Products: a.Manifest.Products})
	}
	return c, nil
}

// WriteComposition writes c and its exported merge into a new folder dir atomically (as
// WriteDir does): the PEFT adapter, composition.json and cat_weights.json.
func WriteComposition(dir string, c *Composition, merged *Adapter) error {
	return writeDirWith(dir, func(tmp string) error {
		if err := merged.WriteFiles(tmp); err != nil {
			return err
		}
		if err := writeJSONFile(filepath.Join(tmp, CompositionFile), c); err != nil {
			return err
		}
		return writeJSONFile(filepath.Join(tmp, CompositionWeightsFile), c.Weights)
	})
}

// IsComposition reports whether dir holds a composition.
func IsComposition(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, CompositionFile))
	return err == nil
}

// ReadComposition reads a composition folder: composition.json and its weights, checked for
// everything that needs neither the sources nor the model (name, method, finite weights
// with one per source).
func ReadComposition(dir string) (*Composition, error) {
	data, err := os.ReadFile(filepath.Join(dir, CompositionFile))
	if err != nil {
		return nil, fmt.Errorf("composition %s: %w", dir, err)
	}
	var c Composition
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("composition %s: parse %s: %w", dir, CompositionFile, err)
	}
	c.Dir = dir
	if err := CheckName(c.Name); err != nil {
		return nil, fmt.Errorf("composition %s: %w", dir, err)
	}
	if c.Method != MethodCat {
		return nil, fmt.Errorf("composition %s: method %q: only cat compositions are supported", c.Name, c.Method)
	}
	if len(c.Sources) == 0 {
		return nil, fmt.Errorf("composition %s: no source adapters", c.Name)
	}
	wdata, err := os.ReadFile(filepath.Join(dir, CompositionWeightsFile))
	if err != nil {
		return nil, fmt.Errorf("composition %s: weights: %w", c.Name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(wdata))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c.Weights); err != nil {
		if bytes.Contains(wdata, []byte("NaN")) {
			return nil, fmt.Errorf("composition %s: weights file %s holds NaN, not a finite number", c.Name, CompositionWeightsFile)
		}
		return nil, fmt.Errorf("composition %s: weights file %s: %w", c.Name, CompositionWeightsFile, err)
	}
	if err := checkFiniteWeights(c.Weights, len(c.Sources)); err != nil {
		return nil, fmt.Errorf("composition %s: %s: %w", c.Name, CompositionWeightsFile, err)
	}
	return &c, nil
}

// checkFiniteWeights is Weights.check with NaN named as such (json cannot hold NaN, but a
// hand-edited file may hold 1e999, which decodes to +Inf and fails the same way).
func checkFiniteWeights(w Weights, n int) error {
	for k, v := range w.Modules {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("module %s: weight %v is not a finite number", k, x)
			}
		}
	}
	return w.check(n)
}

// SourceLocator finds a source adapter's folder by name; the registry is one.
type SourceLocator interface {
	Get(name string) (Entry, error)
}

// Resolve loads the composition's sources and returns its CAT merge, after checking
// everything that would make it something other than what was composed: every source
// present with the content hash recorded, the base model the same (name and shapes), the
// weights covering exactly the sources' modules. reg may be nil (recorded paths only).
// Nothing is applied to a model here, so a refusal leaves the running model untouched.
func (c *Composition) Resolve(ctx context.Context, reg SourceLocator, shape ModelShape, log *slog.Logger) (*Adapter, error) {
	if err := c.checkBase(shape); err != nil {
		return nil, err
	}
	inputs := make([]*Adapter, 0, len(c.Sources))
	for _, s := range c.Sources {
		dir, err := c.locate(s, reg)
		if err != nil {
			return nil, err
		}
		hash, err := HashAdapter(dir)
		if err != nil {
			return nil, fmt.Errorf("composition %s: source adapter %s: %w", c.Name, s.Name, err)
		}
		if hash != s.Hash {
			return nil, fmt.Errorf("composition %s: source adapter %s in %s changed on disk (sha256 %s…, recorded %s…): tune the composition again", c.Name, s.Name, dir, hash[:12], shortHash(s.Hash))
		}
		a, err := Load(ctx, dir, log)
		if err != nil {
			return nil, fmt.Errorf("composition %s: %w", c.Name, err)
		}
		a.Name = s.Name
		if err := Validate(a, shape, log); err != nil {
			return nil, fmt.Errorf("composition %s: %w", c.Name, err)
		}
		inputs = append(inputs, a)
	}
	if err := c.checkModules(inputs); err != nil {
		return nil, err
	}
	merged, err := Merge(ctx, inputs, MergeOptions{Method: MethodCat, Weights: c.Weights, Name: c.Name})
	if err != nil {
		return nil, fmt.Errorf("composition %s: %w", c.Name, err)
	}
	return merged, nil
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// locate finds a source: by name in the registry, else at its recorded path.
func (c *Composition) locate(s Source, reg SourceLocator) (string, error) {
	if reg != nil {
		if e, err := reg.Get(s.Name); err == nil && e.Composition == nil {
			return e.Path, nil
		}
	}
	if st, err := os.Stat(s.Path); err == nil && st.IsDir() {
		return s.Path, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("composition %s: source adapter %s: %w", c.Name, s.Name, err)
	}
	return "", fmt.Errorf("composition %s: source adapter %s is gone (not in the registry, nor at %s)", c.Name, s.Name, s.Path)
}

// checkBase refuses a composition made for another model: other shapes, or another name.
func (c *Composition) checkBase(shape ModelShape) error {
	b := c.BaseModel.Shape
	want := shape
	b.Name, want.Name = "", ""
	if b != want {
		return fmt.Errorf("composition %s was tuned for another base model (%s: %s), not this one (%s)", c.Name, orUnknown(c.BaseModel.Name), shapeText(c.BaseModel.Shape), shapeText(shape))
	}
	if c.BaseModel.Name != "" && shape.Name != "" && !sameModelName(c.BaseModel.Name, shape.Name) {
		return fmt.Errorf("composition %s was tuned for base model %s, not %s", c.Name, c.BaseModel.Name, shape.Name)
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unnamed"
	}
	return s
}

func shapeText(s ModelShape) string {
	return fmt.Sprintf("hidden %d, ffn %d, %d layers, %d/%d heads", s.HiddenSize, s.IntermediateSize, s.NumLayers, s.NumHeads, s.NumKVHeads)
}

// checkModules requires the weights to name exactly the modules the sources adapt: a
// weights file for other adapters would otherwise silently fall back to defaults.
func (c *Composition) checkModules(inputs []*Adapter) error {
	want := mergedModules(inputs)
	if c.Weights.Default != nil || len(c.Weights.Layers) > 0 {
		return fmt.Errorf("composition %s: %s must give weights per module, not defaults or per layer", c.Name, CompositionWeightsFile)
	}
	var missing, extra []string
	for _, m := range want {
		if _, ok := c.Weights.Modules[m]; !ok {
			missing = append(missing, m)
		}
	}
	for m := range c.Weights.Modules {
		if !slices.Contains(want, m) {
			extra = append(extra, m)
		}
	}
	slices.Sort(extra)
	switch {
	case len(missing) > 0:
		return fmt.Errorf("composition %s: %s lacks the weights of %d modules the adapters adapt (first %s)", c.Name, CompositionWeightsFile, len(missing), missing[0])
	case len(extra) > 0:
		return fmt.Errorf("composition %s: %s weighs %d modules the adapters do not adapt (first %s)", c.Name, CompositionWeightsFile, len(extra), extra[0])
	}
	return nil
}

// ModuleKind is the projection name of a module ("q_proj" of "model.layers.3.self_attn.q_proj").
func ModuleKind(module string) string {
	if i := strings.LastIndexByte(module, '.'); i >= 0 {
		return module[i+1:]
	}
	return module
}

// Summary is the composition's weights per module kind and per layer.
func (c *Composition) Summary() WeightsSummary {
	return Summarize(c.Weights, sortedModules(c.Weights.Modules), len(c.Sources))
}
