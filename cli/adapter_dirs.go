package cli

import (
	"os"
	"path/filepath"
	"slices"

	"manualbot/adapters"
)

// dataAdaptersDir is where train and tune write by default: under the data dir, never
// into the source tree, and always part of the registry.
func (a *App) dataAdaptersDir() string { return filepath.Join(a.Config.DataDir, "adapters") }

// adapterDirs are the registry's folders: adapters.dirs, then DATA_DIR/adapters when it
// exists (so what train and tune wrote is found by name).
func (a *App) adapterDirs() []string {
	dirs := slices.Clone(a.Config.Adapters.Dirs)
	own := a.dataAdaptersDir()
	if st, err := os.Stat(own); err == nil && st.IsDir() {
		for _, d := range dirs {
			if sameDir(d, own) {
				return dirs
			}
		}
		dirs = append(dirs, own)
	}
	return dirs
}

// adapterSkills gives skills to adapters whose manifest names none (adapters.domain/qa).
func (a *App) adapterSkills() map[string]adapters.Skill {
	skills := map[string]adapters.Skill{}
	for _, n := range a.Config.Adapters.Domain {
		skills[n] = adapters.SkillDomain
	}
	if a.Config.Adapters.QA != "" {
		skills[a.Config.Adapters.QA] = adapters.SkillQA
	}
	return skills
}
