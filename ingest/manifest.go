package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// ManifestFile is the manifest's name inside an index generation folder. Living in the
// generation, it is published by the same atomic commit as the chunks it describes.
const ManifestFile = "ingest-manifest.json"

// Manifest records what the index holds per document, so a re-ingest can tell unchanged,
// changed and vanished manuals apart without searching the index.
type Manifest struct {
	Version int                    `json:"version"`
	Docs    map[string]ManifestDoc `json:"docs"` // by doc id
}

// ManifestDoc is one ingested document.
type ManifestDoc struct {
	Hash    string    `json:"hash"`   // contentHash of the file and the ingest settings
	Source  string    `json:"source"` // absolute path it was read from
	Title   string    `json:"title"`
	Format  string    `json:"format"`
	Chunks  int       `json:"chunks"`
	Product string    `json:"product,omitempty"`
	Version string    `json:"version,omitempty"`
	Size    int64     `json:"size"`
	MTime   time.Time `json:"mtime"`
}

// manifestVersion is the manifest's own format version.
const manifestVersion = 1

// ReadManifest reads the manifest of an index generation folder; a folder without one
// (a new index) gives an empty manifest.
func ReadManifest(dir string) (*Manifest, error) {
	m := newManifest()
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read ingest manifest: %w", err)
	}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("read ingest manifest %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	if m.Docs == nil {
		m.Docs = map[string]ManifestDoc{}
	}
	return m, nil
}

// newManifest is the manifest of an empty index.
func newManifest() *Manifest {
	return &Manifest{Version: manifestVersion, Docs: map[string]ManifestDoc{}}
}

// write stores the manifest in dir (a new generation; its commit fsyncs it).
func (m *Manifest) write(dir string) error {
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("encode ingest manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), data, 0o644); err != nil {
		return fmt.Errorf("write ingest manifest: %w", err)
	}
	return nil
}
