package adapters

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Entry is one adapter the registry found: what `adapters list` shows, read from the config
// and manifest only (the tensors are read by Load).
type Entry struct {
	Name string
	// Path is the adapter's folder.
	Path string
	// Skill comes from manualbot.json, else from the config's adapters.domain / adapters.qa.
	Skill    Skill
	Config   Config
	Manifest Manifest
	// Composition is set when the folder is a composition (composition.json beside the
	// exported CAT merge); its products are those of its domain sources.
	Composition *Composition
	// Problem is why the folder is not a usable adapter (bad config, bad manifest); it is
	// listed rather than hidden so that a user sees why an adapter is missing.
	Problem string

	// outside marks a folder that is a link leading out of its adapters folder.
	outside bool
}

// Registry is the set of adapters in the configured folders: one sub-folder per adapter, the
// folder's name being the adapter's name. It is built once by Scan and never changes; a
// rescan builds a new one.
type Registry struct {
	entries map[string]Entry
}

// ScanOptions are the registry's settings from the config.
type ScanOptions struct {
	// Skills gives a skill to adapters whose manifest names none (from adapters.domain/qa).
	Skills map[string]Skill
	Log    *slog.Logger
}

// Scan reads every adapter folder under dirs. A configured folder that does not exist is an
// error (it is a typo more often than not), as are two adapters with the same name.
func Scan(ctx context.Context, dirs []string, opts ScanOptions) (*Registry, error) {
	log := orDiscard(opts.Log)
	r := &Registry{entries: map[string]Entry{}}
	seen := map[string]bool{}
	for _, dir := range dirs {
		root, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("adapters folder %s: %w", dir, err)
		}
		if root, err = filepath.EvalSymlinks(root); err != nil {
			return nil, fmt.Errorf("adapters folder %s: %w", dir, err)
		}
		if seen[root] {
			continue
		}
		seen[root] = true
		items, err := os.ReadDir(root)
		if err != nil {
			return nil, fmt.Errorf("adapters folder %s: %w", dir, err)
		}
		for _, it := range items {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			name := it.Name()
			if strings.HasPrefix(name, ".") {
				continue // temporary folders of an export in progress, editor files
			}
			path := filepath.Join(root, name)
			st, err := os.Stat(path)
			if err != nil || !st.IsDir() {
				continue
			}
			if _, err := os.Stat(filepath.Join(path, ConfigFile)); err != nil {
				log.Debug("skipping a folder without adapter_config.json", "path", path)
				continue
			}
			e := readEntry(name, path, opts.Skills)
			if resolved, err := filepath.EvalSymlinks(path); err != nil || !within(root, resolved) {
				e.outside = true
				e.Problem = "the folder is a link that leads outside " + root
			}
			if prev, dup := r.entries[name]; dup {
				return nil, fmt.Errorf("two adapters are named %q: %s and %s; rename one folder", name, prev.Path, path)
			}
			r.entries[name] = e
		}
	}
	return r, nil
}

// readEntry reads what list needs; a broken config becomes the entry's Problem.
func readEntry(name, path string, skills map[string]Skill) Entry {
	e := Entry{Name: name, Path: path}
	data, err := os.ReadFile(filepath.Join(path, ConfigFile))
	if err == nil {
		e.Config, err = ParseConfig(data)
	}
	if err != nil {
		e.Problem = err.Error()
		return e
	}
	if e.Manifest, err = readManifest(path); err != nil {
		e.Problem = err.Error()
		return e
	}
	e.Skill = e.Manifest.Skill
	if IsComposition(path) {
		c, err := ReadComposition(path)
		if err != nil {
			e.Problem = err.Error()
			return e
		}
		if c.Name != name {
			e.Problem = fmt.Sprintf("%s names the composition %q but its folder is %q; rename one", CompositionFile, c.Name, name)
			return e
		}
		e.Composition = c
		e.Manifest.Products = c.Products()
		return e
	}
	if e.Skill == "" {
		e.Skill = skills[name]
	}
	return e
}

// within reports whether path is root or inside it (both cleaned and absolute).
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && filepath.IsLocal(rel)
}

// List returns every adapter, sorted by name.
func (r *Registry) List() []Entry {
	out := make([]Entry, 0, len(r.entries))
	for _, e := range r.entries {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Compositions returns the usable compositions, sorted by name.
func (r *Registry) Compositions() []Entry {
	var out []Entry
	for _, e := range r.List() {
		if e.Composition != nil && e.Problem == "" && !e.outside {
			out = append(out, e)
		}
	}
	return out
}

// Composition returns the composition called name, refusing names that are not plain
// folder names (they come from Slack) and adapters that are not compositions.
func (r *Registry) Composition(name string) (*Composition, error) {
	e, err := r.Get(name)
	if err != nil {
		return nil, fmt.Errorf("composition %q: %w", name, err)
	}
	if e.Problem != "" {
		return nil, fmt.Errorf("composition %q: %s", name, e.Problem)
	}
	if e.Composition == nil {
		return nil, fmt.Errorf("%q is a plain adapter, not a composition (made by adapters tune)", name)
	}
	return e.Composition, nil
}

// ErrNotFound is returned (wrapped) by Get for a well-formed name no adapter has.
var ErrNotFound = errors.New("no such adapter")

// Get returns the adapter called name. Names come from Slack users, so anything that is not a
// plain folder name (a path separator, "..", an absolute path, a hidden name) is refused
// before any lookup, and an adapter folder that links outside its adapters folder is refused.
func (r *Registry) Get(name string) (Entry, error) {
	if err := CheckName(name); err != nil {
		return Entry{}, err
	}
	e, ok := r.entries[name]
	if !ok {
		return Entry{}, fmt.Errorf("adapter %q: %w", name, ErrNotFound)
	}
	if e.outside {
		return Entry{}, fmt.Errorf("adapter %q: %s", name, e.Problem)
	}
	return e, nil
}

// Load reads the named adapter's tensors.
func (r *Registry) Load(ctx context.Context, name string, log *slog.Logger) (*Adapter, error) {
	e, err := r.Get(name)
	if err != nil {
		return nil, err
	}
	if e.Problem != "" {
		return nil, fmt.Errorf("adapter %q: %s", name, e.Problem)
	}
	a, err := Load(ctx, e.Path, log)
	if err != nil {
		return nil, err
	}
	a.Name = e.Name
	if a.Manifest.Skill == "" {
		a.Manifest.Skill = e.Skill
	}
	return a, nil
}

// CheckName refuses adapter names that are not a single, visible folder name.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("adapter name is empty")
	case strings.ContainsAny(name, `/\`+"\x00"):
		return fmt.Errorf("adapter name %q: a name may not contain a path separator", name)
	case name == "." || name == ".." || strings.HasPrefix(name, "."):
		return fmt.Errorf("adapter name %q: a name may not start with a dot", name)
	case !filepath.IsLocal(name) || filepath.Base(name) != name:
		return fmt.Errorf("adapter name %q: not a plain folder name", name)
	}
	return nil
}
