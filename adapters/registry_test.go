package adapters

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The registry lists every adapter folder with its skill, takes skills from the config when
// a manifest names none, and loads adapters by name.
func TestRegistryListAndLoad(t *testing.T) {
	shape := storiesShape(t)
	root := t.TempDir()
	one, two := filepath.Join(root, "one"), filepath.Join(root, "two")
	writeSpec(t, filepath.Join(one, "manual-x"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 1, skill: SkillDomain})
	writeSpec(t, filepath.Join(one, "answering"), shape, spec{rank: 4, alpha: 4, projs: []string{"v_proj"}, seed: 2})
	writeSpec(t, filepath.Join(two, "broken"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 3, extra: map[string]string{"r": ""}})
	os.MkdirAll(filepath.Join(two, "not-an-adapter"), 0o755)
	os.MkdirAll(filepath.Join(two, ".soup.tmp-123"), 0o755)
	r, err := Scan(context.Background(), []string{one, two, one}, ScanOptions{Skills: map[string]Skill{"answering": SkillQA}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range r.List() {
		names = append(names, e.Name+":"+string(e.Skill))
	}
	if got := strings.Join(names, ","); got != "answering:qa,broken:,manual-x:domain" {
		t.Errorf("list = %s", got)
	}
	e, err := r.Get("broken")
	if err != nil || !strings.Contains(e.Problem, `missing field "r"`) {
		t.Errorf("broken adapter: entry %+v, err %v", e, err)
	}
	if _, err := r.Load(context.Background(), "broken", nil); err == nil {
		t.Error("loading a broken adapter gave no error")
	}
	a, err := r.Load(context.Background(), "answering", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "answering" || a.Manifest.Skill != SkillQA || len(a.Modules) != 5 {
		t.Errorf("loaded %s skill %q with %d modules", a.Name, a.Manifest.Skill, len(a.Modules))
	}
	if _, err := r.Get("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown name: err = %v", err)
	}
}

// Names come from Slack: anything that is not a plain folder name is refused before any file
// is touched, and so is a folder that links out of the adapters folder.
func TestRegistryRefusesEscapes(t *testing.T) {
	shape := storiesShape(t)
	root := t.TempDir()
	dir := filepath.Join(root, "adapters")
	writeSpec(t, filepath.Join(dir, "good"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 1})
	// An adapter outside the folder, and inside it a link to it and a sub-folder path.
	writeSpec(t, filepath.Join(root, "x"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 2})
	writeSpec(t, filepath.Join(dir, "a", "b"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 3})
	if err := os.Symlink(filepath.Join(root, "x"), filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)
	r, err := Scan(context.Background(), []string{dir}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../x", "/etc", "a/b", "..", ".", "", `a\b`, ".hidden", "linked", filepath.Join(root, "x"), "good/../../x"} {
		t.Run(name, func(t *testing.T) {
			if _, err := r.Get(name); err == nil {
				t.Errorf("Get(%q) succeeded", name)
			}
			if _, err := r.Load(context.Background(), name, nil); err == nil {
				t.Errorf("Load(%q) succeeded", name)
			}
		})
	}
	if _, err := r.Get("good"); err != nil {
		t.Errorf("good: %v", err)
	}
	if !sameSnapshot(before, snapshot(t, root)) {
		t.Error("the registry changed files")
	}
}

// Two folders holding adapters of the same name are an error naming both paths; a configured
// folder that does not exist is an error naming it.
func TestRegistryRefusesDuplicatesAndMissingDirs(t *testing.T) {
	shape := storiesShape(t)
	root := t.TempDir()
	one, two := filepath.Join(root, "one"), filepath.Join(root, "two")
	writeSpec(t, filepath.Join(one, "same"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 1})
	writeSpec(t, filepath.Join(two, "same"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 2})
	_, err := Scan(context.Background(), []string{one, two}, ScanOptions{})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(one, "same")) || !strings.Contains(err.Error(), filepath.Join(two, "same")) {
		t.Fatalf("err = %v, want both paths", err)
	}
	missing := filepath.Join(root, "nope")
	if _, err := Scan(context.Background(), []string{missing}, ScanOptions{}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("err = %v, want the missing folder named", err)
	}
}

// Writing over a non-empty folder is refused and leaves it as it was; a successful write
// leaves no temporary folder behind.
func TestWriteDirIsAtomic(t *testing.T) {
	shape := storiesShape(t)
	root := t.TempDir()
	writeSpec(t, filepath.Join(root, "src"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, seed: 1})
	a, err := Load(context.Background(), filepath.Join(root, "src"), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)
	if err := a.WriteDir(filepath.Join(root, "src")); err == nil {
		t.Fatal("overwrote a non-empty folder")
	}
	if !sameSnapshot(before, snapshot(t, root)) {
		t.Fatal("a refused write changed files")
	}
	if err := a.WriteDir(filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	items, _ := os.ReadDir(root)
	if len(items) != 2 {
		t.Errorf("%d entries in the parent, want src and out only", len(items))
	}
}
