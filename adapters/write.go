package adapters

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"manualbot/inference/safetensors"
)

// peftMetadata is the safetensors metadata PEFT writes (torch's save_file marks the format).
func peftMetadata() map[string]string { return map[string]string{"format": "pt"} }

// WriteFiles writes the adapter into dir (created if needed) as a PEFT adapter: the config,
// the factors as float32 under PEFT's tensor names, and manualbot.json when the manifest has
// anything to say. The same Adapter always produces the same bytes.
func (a *Adapter) WriteFiles(dir string) error {
	if err := a.checkAll(); err != nil {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	cfg, err := a.Config.Marshal()
	if err != nil {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), cfg, 0o644); err != nil {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	tensors := make([]safetensors.Tensor, 0, 2*len(a.Modules))
	for _, m := range a.ModuleNames() {
		f := a.Modules[m]
		tensors = append(tensors,
			safetensors.F32Tensor(factorKey(m, "A"), []int{f.Rank, f.In}, f.A),
			safetensors.F32Tensor(factorKey(m, "B"), []int{f.Out, f.Rank}, f.B))
	}
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), tensors, peftMetadata()); err != nil {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	if !a.Manifest.empty() {
		man, err := a.Manifest.marshal()
		if err != nil {
			return fmt.Errorf("write adapter %s: %w", dir, err)
		}
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), man, 0o644); err != nil {
			return fmt.Errorf("write adapter %s: %w", dir, err)
		}
	}
	return nil
}

// WriteDir writes the adapter to a new folder atomically: everything goes into a temporary
// sibling folder that is renamed to dir at the end, so a reader (or the registry) never sees
// half an adapter. An existing non-empty dir is refused rather than overwritten.
func (a *Adapter) WriteDir(dir string) error {
	return writeDirWith(dir, a.WriteFiles)
}

// writeDirWith fills a temporary sibling of dir with fill and renames it to dir, refusing
// an existing non-empty dir.
func writeDirWith(dir string, fill func(tmp string) error) error {
	dir = filepath.Clean(dir)
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("write adapter %s: the folder exists and is not empty", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	if err := fill(tmp); err != nil {
		return err
	}
	// rename(2) replaces an empty directory but never a full one.
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("write adapter %s: %w", dir, err)
	}
	done = true
	return nil
}

// checkAll verifies every module's factors before anything is written.
func (a *Adapter) checkAll() error {
	if len(a.Modules) == 0 {
		return errors.New("the adapter has no modules")
	}
	for _, m := range a.ModuleNames() {
		if err := a.Modules[m].check(m); err != nil {
			return err
		}
	}
	return nil
}
