package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// Mkdir makes dir/name (and its parents) and returns its path.
func Mkdir(tb testing.TB, dir, name string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(p, 0o755); err != nil {
		tb.Fatal(err)
	}
	return p
}

// EmptyDir empties dir/name, as an unmounted share leaves its mount point, and returns
// its path.
func EmptyDir(tb testing.TB, dir, name string) string {
	tb.Helper()
	if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
		tb.Fatal(err)
	}
	return Mkdir(tb, dir, name)
}
