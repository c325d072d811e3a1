package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"manualbot/adapters"
	"manualbot/inference"
)

// adapterSpec is one --adapter DIR[:WEIGHT].
type adapterSpec struct {
	dir    string
	weight float64
}

// parseAdapterSpec splits DIR[:WEIGHT]. A colon followed by something that is not a
// number stays part of the path, unless that path does not exist while the part before
// the colon does: then the weight is what is wrong.
func parseAdapterSpec(s string) (adapterSpec, error) {
	if i := strings.LastIndexByte(s, ':'); i > 0 {
		if w, err := strconv.ParseFloat(s[i+1:], 64); err == nil {
			return adapterSpec{dir: s[:i], weight: w}, nil
		}
		if _, err := os.Stat(s); err != nil {
			if _, err := os.Stat(s[:i]); err == nil {
				return adapterSpec{}, fmt.Errorf("--adapter %s: weight %q is not a number", s, s[i+1:])
			}
		}
	}
	if s == "" {
		return adapterSpec{}, fmt.Errorf("empty --adapter")
	}
	return adapterSpec{dir: s, weight: 1}, nil
}

// mergeMethod maps --merge to a method; "dare" is DARE with TIES' sign election, the
// common choice, and an empty value is cat.
func mergeMethod(s string) (adapters.Method, error) {
	switch s {
	case "", "cat":
		return adapters.MethodCat, nil
	case "dare":
		return adapters.Method("dare_ties"), nil
	}
	for _, m := range adapters.Methods() {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown --merge %q (want cat, linear, ties, dare_linear, dare_ties, dare, svd)", s)
}

// applyAdapters loads, validates and merges the --adapter folders and puts the result on
// the model, fused or unfused. Nothing touches the model until all of it succeeded.
func applyAdapters(ctx context.Context, app *App, m *inference.Model, specs []string, merge string, fused bool) ([]string, error) {
	method, err := mergeMethod(merge)
	if err != nil {
		return nil, err
	}
	shape := adapters.ShapeOf(m.Config(), app.Config.Model.Path)
	var loaded []*adapters.Adapter
	var weights []float64
	var names []string
	for _, s := range specs {
		spec, err := parseAdapterSpec(s)
		if err != nil {
			return nil, err
		}
		dir := spec.dir
		if st, err := os.Stat(dir); (err != nil || !st.IsDir()) && adapters.CheckName(dir) == nil {
			// Not a folder: a name in the registry (adapters.dirs, DATA_DIR/adapters).
			reg, rerr := adapters.Scan(ctx, app.adapterDirs(), adapters.ScanOptions{Skills: app.adapterSkills(), Log: app.Log})
			if rerr != nil {
				return nil, fmt.Errorf("--adapter %s is not a folder, and the registry failed: %w", spec.dir, rerr)
			}
			e, gerr := reg.Get(spec.dir)
			if gerr != nil {
				return nil, fmt.Errorf("--adapter %s: not a folder, nor a registry name: %w", spec.dir, gerr)
			}
			dir = e.Path
		}
		a, err := adapters.Load(ctx, dir, app.Log)
		if err != nil {
			return nil, err
		}
		if err := adapters.Validate(a, shape, app.Log); err != nil {
			return nil, fmt.Errorf("adapter %s: %w", spec.dir, err)
		}
		loaded = append(loaded, a)
		weights = append(weights, spec.weight)
		names = append(names, filepath.Base(filepath.Clean(spec.dir)))
	}
	merged := loaded[0]
	if len(loaded) > 1 || weights[0] != 1 {
		merged, err = adapters.Merge(ctx, loaded, adapters.MergeOptions{
			Method: method, Weights: adapters.Weights{Default: weights}, Density: 0.5, Name: strings.Join(names, "+"),
		})
		if err != nil {
			return nil, err
		}
	}
	set := merged.AdapterSet()
	set.Name = strings.Join(names, "+")
	if err := m.SetAdapters(set, fused); err != nil {
		return nil, err
	}
	return names, nil
}
