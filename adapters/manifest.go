package adapters

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ManifestFile sits beside adapter_config.json and says what the adapter is for; PEFT and other
// servers ignore it, so an adapter folder stays a valid PEFT adapter.
const ManifestFile = "manualbot.json"

// Skill is what an adapter teaches the model.
type Skill string

// The two skills the product composes.
const (
	// SkillDomain adapters carry knowledge of some products' manuals.
	SkillDomain Skill = "domain"
	// SkillQA adapters carry the skill of answering questions from retrieved passages.
	SkillQA Skill = "qa"
)

// Manifest is manualbot.json.
type Manifest struct {
	Skill Skill `json:"skill,omitempty"`
	// Products and Manuals are what a domain adapter covers (used to pick it for a question).
	Products    []string `json:"products,omitempty"`
	Manuals     []string `json:"manuals,omitempty"`
	Description string   `json:"description,omitempty"`
	// Merge records how a merged adapter was made, so it can be reproduced.
	Merge *MergeRecord `json:"merge,omitempty"`
}

// MergeRecord is the recipe of a merged adapter.
type MergeRecord struct {
	Method  string    `json:"method"`
	Sources []string  `json:"sources"`
	Weights []float64 `json:"weights"`
	Density float64   `json:"density,omitempty"`
	Seed    uint64    `json:"seed,omitempty"`
	Rank    int       `json:"rank,omitempty"`
	// ModuleWeights are per-module weight overrides (e.g. learned CAT weights).
	ModuleWeights map[string][]float64 `json:"module_weights,omitempty"`
	LayerWeights  map[int][]float64    `json:"layer_weights,omitempty"`
}

// readManifest returns the folder's manifest, or a zero one when the file is absent (a plain
// PEFT adapter whose skill may still come from the config).
func readManifest(dir string) (Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, nil
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("read %s: %w", ManifestFile, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("parse %s in %s: %w", ManifestFile, dir, err)
	}
	if err := m.Skill.check(); err != nil {
		return Manifest{}, fmt.Errorf("%s in %s: %w", ManifestFile, dir, err)
	}
	return m, nil
}

func (s Skill) check() error {
	switch s {
	case "", SkillDomain, SkillQA:
		return nil
	}
	return fmt.Errorf("skill %q: want %q or %q", s, SkillDomain, SkillQA)
}

// empty reports whether there is nothing worth writing.
func (m Manifest) empty() bool {
	return m.Skill == "" && len(m.Products) == 0 && len(m.Manuals) == 0 && m.Description == "" && m.Merge == nil
}

func (m Manifest) marshal() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", ManifestFile, err)
	}
	return append(b, '\n'), nil
}
