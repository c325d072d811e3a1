package cli

import (
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// TestIngestCommand runs `ingest` on the example manuals the project ships, then searches
// them, as the README's first command does.
func TestIngestCommand(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	data := t.TempDir()
	manuals := filepath.Join(testutil.RepoRoot(t), "examples", "manuals")
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "empty.md"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, stdout string)
	}{
		{
			name: "first ingest, JSON summary",
			args: []string{"--data-dir", data, "ingest", manuals, "--product", "brewmaster", "--version", "3000", "--json"},
			check: func(t *testing.T, stdout string) {
				var sum struct{ Added, Chunks, Skipped int }
				if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.Added < 3 || sum.Chunks == 0 {
					t.Fatalf("summary %q: %v", stdout, err)
				}
			},
		},
		{
			name: "re-ingest changes nothing",
			args: []string{"--data-dir", data, "ingest", manuals, "--product", "brewmaster", "--version", "3000"},
			check: func(t *testing.T, stdout string) {
				if !strings.Contains(stdout, "0 added, 0 updated, 3 unchanged") {
					t.Fatalf("summary %q", stdout)
				}
			},
		},
		{
			name: "search cites the example manual",
			args: []string{"--data-dir", data, "search", "heating timeout limescale", "--product", "brewmaster"},
			check: func(t *testing.T, stdout string) {
				if !strings.Contains(stdout, "Troubleshooting") || !strings.Contains(stdout, "E04 Heating timeout") {
					t.Fatalf("search output %q", stdout)
				}
			},
		},
		{name: "nothing ingestable fails", args: []string{"--data-dir", data, "ingest", bad}, wantErr: "nothing ingested"},
		{name: "no path and no sources fails", args: []string{"--data-dir", data, "ingest"}, wantErr: "ingest.sources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runCLI(t, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			tt.check(t, stdout)
		})
	}
}

// TestIngestBadSources: a path that is not there is a one-line error naming it, with the
// index as it was (none on a fresh data dir); a folder with no manuals is a warning; and
// --prune does not empty the index because a folder came up empty, unless --allow-empty.
func TestIngestBadSources(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	tests := []struct {
		name     string
		existing bool // dir/manuals (one manual) was ingested first
		args     func(dir string) []string
		wantErr  string // part of the one-line error; "" for success
		wantOut  string // part of stdout on success
		changed  bool   // a new generation is published
	}{
		{name: "missing path, fresh data dir",
			args:    func(dir string) []string { return []string{filepath.Join(dir, "nope")} },
			wantErr: "ingest: %DIR%/nope: no such file or folder"},
		{name: "missing path, existing index", existing: true,
			args:    func(dir string) []string { return []string{filepath.Join(dir, "nope"), "--prune"} },
			wantErr: "ingest: %DIR%/nope: no such file or folder"},
		{name: "not a file or folder",
			args:    func(dir string) []string { return []string{"/dev/null"} },
			wantErr: "ingest: /dev/null: not a file or folder"},
		{name: "empty folder, fresh data dir",
			args:    func(dir string) []string { return []string{testutil.Mkdir(t, dir, "empty")} },
			wantOut: "; warning: no manuals in %DIR%/empty"},
		{name: "emptied folder, --prune", existing: true,
			args:    func(dir string) []string { return []string{testutil.EmptyDir(t, dir, "manuals"), "--prune"} },
			wantErr: "refusing to prune %DIR%/manuals: it holds no manuals now, and pruning would remove the 1 document ingested from it (unmounted or emptied by mistake?); nothing was changed (add --allow-empty to prune it anyway)"},
		{name: "emptied folder, --prune --allow-empty", existing: true,
			args: func(dir string) []string {
				return []string{testutil.EmptyDir(t, dir, "manuals"), "--prune", "--allow-empty"}
			},
			wantOut: "1 removed", changed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, data := t.TempDir(), t.TempDir()
			idx := filepath.Join(data, "index")
			if err := os.MkdirAll(filepath.Join(dir, "manuals"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "manuals", "walrus.md"), []byte("# Walrus\n\nDescale the walrus boiler.\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.existing {
				if _, stderr, err := runCLI(t, "--data-dir", data, "ingest", filepath.Join(dir, "manuals")); err != nil {
					t.Fatalf("first ingest: %v\n%s", err, stderr)
				}
			}
			current := func() string {
				b, err := os.ReadFile(filepath.Join(idx, "CURRENT"))
				if err != nil {
					return err.Error()
				}
				return string(b)
			}
			before := current()
			stdout, stderr, err := runCLI(t, append([]string{"--data-dir", data, "ingest"}, tt.args(dir)...)...)
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "%DIR%", dir)
				if err == nil || !strings.Contains(oneLine(err), want) {
					t.Fatalf("err %v, want one containing %q", err, want)
				}
				if oneLine(err) != err.Error() {
					t.Errorf("error is not one line: %q", err)
				}
			} else if want := strings.ReplaceAll(tt.wantOut, "%DIR%", dir); err != nil || !strings.Contains(stdout, want) {
				t.Fatalf("err %v, stdout %q, want %q\n%s", err, stdout, want, stderr)
			}
			switch after := current(); {
			case !tt.existing:
				if _, err := os.Stat(idx); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s was created: %v", idx, err)
				}
			case tt.changed && after == before:
				t.Errorf("CURRENT still %q, want a new generation", after)
			case !tt.changed && after != before:
				t.Errorf("CURRENT moved from %q to %q", before, after)
			}
		})
	}
}

// TestIngestRelabel: ingesting the example manuals again under another --product moves
// them there (one copy, the same chunk ids), as a user correcting a label expects.
func TestIngestRelabel(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	data := t.TempDir()
	manuals := filepath.Join(testutil.RepoRoot(t), "examples", "manuals")
	search := func(t *testing.T) (products map[string]int, chunks []string) {
		t.Helper()
		stdout, stderr, err := runCLI(t, "--data-dir", data, "search", "descale limescale heating", "-k", "50", "--json")
		if err != nil {
			t.Fatalf("search: %v\n%s", err, stderr)
		}
		var res searchJSON
		if err := json.Unmarshal([]byte(stdout), &res); err != nil {
			t.Fatal(err)
		}
		products = map[string]int{}
		for _, h := range res.Hits {
			products[h.Product]++
			chunks = append(chunks, h.ChunkID)
		}
		slices.Sort(chunks)
		return products, chunks
	}
	_, _, err := runCLI(t, "--data-dir", data, "ingest", manuals, "--product", "brewmaster")
	if err != nil {
		t.Fatal(err)
	}
	first, firstChunks := search(t)
	n := first["brewmaster"]
	if n == 0 || len(first) != 1 {
		t.Fatalf("first ingest: hits by product %v", first)
	}
	tests := []struct {
		name, product, wantOut string
	}{
		{"relabel", "brewmaster-3000", "0 added, 3 updated, 0 unchanged, 0 removed"},
		{"same label again", "brewmaster-3000", "0 added, 0 updated, 3 unchanged, 0 removed"},
		{"back", "brewmaster", "0 added, 3 updated, 0 unchanged, 0 removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runCLI(t, "--data-dir", data, "ingest", manuals, "--product", tt.product)
			if err != nil || !strings.Contains(stdout, tt.wantOut) {
				t.Fatalf("err %v, stdout %q, want %q\n%s", err, stdout, tt.wantOut, stderr)
			}
			products, chunks := search(t)
			if want := map[string]int{tt.product: n}; !maps.Equal(products, want) {
				t.Errorf("hits by product %v, want %v (one copy, under the new product)", products, want)
			}
			if !slices.Equal(chunks, firstChunks) {
				t.Errorf("chunk ids %v, want the first ingest's %v", chunks, firstChunks)
			}
		})
	}
}
