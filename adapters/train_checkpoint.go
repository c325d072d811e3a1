package adapters

import (
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A checkpoint is a folder (a PEFT adapter plus state.json and optimizer.gob for
// training, tune.json and optimizer.gob for tuning) replaced atomically: the new one is
// written to a temporary sibling, the old one renamed aside, the new one renamed in,
// the old one removed. An interruption at any point leaves a complete checkpoint under
// the name or, between the two renames, under the ".old" name, which resume also reads.
const (
	checkpointName = "checkpoint"
	checkpointOld  = "checkpoint.old"
	optimizerFile  = "optimizer.gob"
)

// writeCheckpoint writes a checkpoint into dir by calling fill on an empty temporary folder.
func writeCheckpoint(dir string, fill func(tmp string) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(dir, ".checkpoint.tmp-*")
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	if err := fill(tmp); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	cur, old := filepath.Join(dir, checkpointName), filepath.Join(dir, checkpointOld)
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if err := os.Rename(cur, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if err := os.Rename(tmp, cur); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return os.RemoveAll(old)
}

// latestCheckpoint returns the folder of the checkpoint in dir, or "" when there is none.
func latestCheckpoint(dir string) string {
	for _, name := range []string{checkpointName, checkpointOld} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
	}
	return ""
}

func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	return nil
}

func writeGob(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := gob.NewEncoder(f).Encode(v); err != nil {
		f.Close()
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

func readGob(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := gob.NewDecoder(f).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}
