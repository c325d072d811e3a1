package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"manualbot/adapters"
	"manualbot/inference"
)

// compositionArg splits --composition NAME|DIR into the registry name and, for a folder,
// the adapters folder that holds it (added to the registry, so its sources are still found
// by name). A name is any value without a path separator that is not an existing folder.
func compositionArg(v string) (name, parent string, err error) {
	if v == "" {
		return "", "", nil
	}
	st, statErr := os.Stat(v)
	if statErr == nil && st.IsDir() {
		abs, err := filepath.Abs(v)
		if err != nil {
			return "", "", err
		}
		if !adapters.IsComposition(abs) {
			return "", "", fmt.Errorf("composition %s: the folder has no %s (make one with adapters tune)", v, adapters.CompositionFile)
		}
		return filepath.Base(abs), filepath.Dir(abs), nil
	}
	if strings.ContainsAny(v, `/\`) {
		return "", "", fmt.Errorf("composition %s: no such folder", v)
	}
	return v, "", nil
}

// applyComposition puts the composition named by v (a name in the registry or a folder) on
// m, after every check Resolve makes; it returns the composition.
func applyComposition(ctx context.Context, app *App, m *inference.Model, v string, fused bool) (*adapters.Composition, error) {
	name, parent, err := compositionArg(v)
	if err != nil {
		return nil, err
	}
	dirs := app.adapterDirs()
	if parent != "" {
		dirs = append(dirs, parent)
	}
	reg, err := adapters.Scan(ctx, dirs, adapters.ScanOptions{Skills: app.adapterSkills(), Log: app.Log})
	if err != nil {
		return nil, fmt.Errorf("adapters: %w", err)
	}
	comp, err := reg.Composition(name)
	if err != nil {
		return nil, err
	}
	merged, err := comp.Resolve(ctx, reg, adapters.ShapeOf(m.Config(), app.Config.Model.Path), app.Log)
	if err != nil {
		return nil, err
	}
	set := merged.AdapterSet()
	set.Name = comp.Name
	if err := m.SetAdapters(set, fused); err != nil {
		return nil, err
	}
	return comp, nil
}
