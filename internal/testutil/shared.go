// Package testutil finds the shared fixtures (../shared beside the repository) for tests,
// wherever the clone lives: CI clones elsewhere with a copy of shared/ beside it.
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot walks up from the test's working directory to the folder holding go.mod.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Shared returns the path of a fixture under ../shared (e.g. "models/stories260K"),
// failing the test if it is missing: the fixtures are part of the test set-up.
func Shared(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(RepoRoot(tb), "..", "shared", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("shared fixture %s: %v", rel, err)
	}
	return p
}
