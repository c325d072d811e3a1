package ingest

import (
	"fmt"
	"strings"
)

// Summary is what one ingest run did; the CLI prints it (as JSON with --json).
type Summary struct {
	Added     int     `json:"added"`     // documents new to the index
	Updated   int     `json:"updated"`   // documents whose chunks were replaced
	Unchanged int     `json:"unchanged"` // documents left as they were (same content hash)
	Removed   int     `json:"removed"`   // documents pruned because their file is gone
	Chunks    int     `json:"chunks"`    // chunks written by this run
	Skipped   int     `json:"skipped"`   // files and folders left out, each with a reason
	Errors    int     `json:"errors"`    // files that failed to read for other reasons
	Ignored   int     `json:"ignored"`   // files that are not manuals (other extensions, hidden)
	Seconds   float64 `json:"seconds"`
	// Generation is the index generation this run published; empty when nothing changed.
	Generation string `json:"generation,omitempty"`
	Skips      []Skip `json:"skips,omitempty"`
	// Empty lists the folders given that hold no manuals (a warning, not an error).
	Empty []string `json:"empty_folders,omitempty"`
}

// Ingested counts the documents the index now holds from this run's files.
func (s Summary) Ingested() int { return s.Added + s.Updated + s.Unchanged }

// String is the one-line summary for people.
func (s Summary) String() string {
	line := fmt.Sprintf("%d added, %d updated, %d unchanged, %d removed; %d chunks written; %d skipped, %d errors; %.1fs",
		s.Added, s.Updated, s.Unchanged, s.Removed, s.Chunks, s.Skipped, s.Errors, s.Seconds)
	if len(s.Empty) > 0 {
		line += "; warning: no manuals in " + strings.Join(s.Empty, ", ")
	}
	return line
}
