package inference

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
)

// DefaultBackend is the pure-Go backend: no cgo, nothing downloaded. ops_sequential runs
// a graph's ops one after another on the calling goroutine (matmuls still use every
// core): per-op goroutines cost more than they gain on small decode steps (stories260K
// decode 570 -> 1,250 tokens/s on 2 cores) and make no difference on large ones.
// Generations are queued (one execution at a time); the concurrency tests prove it does
// not deadlock on 2 cores, under -race. ops_sequential is also what keeps the row-split
// decode products (storedShape) safe: under the parallel executor, ops holding the worker
// slots wait for the slots their own batched matmul asks for, and the 135M prefill
// deadlocks on 2 cores (compute v0.1.6). Plain "go" means this configuration.
const DefaultBackend = "go:ops_sequential"

// newBackend turns Options.Backend into a backend without ever letting GoMLX fall back
// to its auto-install path: "go[:config]" or "xla:/abs/path/to/pjrt_plugin.so[,options]".
func newBackend(spec string) (compute.Backend, error) {
	if spec == "" {
		spec = DefaultBackend
	}
	name, cfg, _ := strings.Cut(spec, ":")
	switch name {
	case "go":
		if cfg == "" { // plain "go" (the CLI's default) means the tuned configuration
			_, cfg, _ = strings.Cut(DefaultBackend, ":")
		}
		b, err := gobackend.New(cfg)
		if err != nil {
			return nil, fmt.Errorf("backend %q: %w", spec, err)
		}
		return b, nil
	case "xla":
		plugin, _, _ := strings.Cut(cfg, ",")
		if plugin == "" {
			return nil, errors.New(`backend "xla" needs the PJRT plugin's absolute path: xla:/path/to/pjrt_plugin.so`)
		}
		if !filepath.IsAbs(plugin) {
			return nil, fmt.Errorf("backend %q: the PJRT plugin path must be absolute (relative names would make GoMLX search or download plugins)", spec)
		}
		if _, err := os.Stat(plugin); err != nil {
			return nil, fmt.Errorf("backend %q: PJRT plugin: %w", spec, err)
		}
		if !slices.Contains(compute.List(), "xla") {
			return nil, fmt.Errorf("backend %q: this binary was built without the XLA backend (rebuild with -tags xla and cgo)", spec)
		}
		b, err := compute.NewWithConfig(spec)
		if err != nil {
			return nil, fmt.Errorf("backend %q: %w", spec, err)
		}
		return b, nil
	default:
		return nil, fmt.Errorf("unknown backend %q (want \"go\" or \"xla:/abs/path/pjrt_plugin.so\")", spec)
	}
}
