package ingest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"manualbot/internal/testutil"

	"manualbot/index"
)

// TestBadSourceChangesNothing: a path that does not exist or is neither a file nor a
// folder fails the run with an error naming it, and the index is left exactly as it was
// (on a fresh data dir: no index at all). A folder with no manuals is a warning that
// publishes nothing, and --prune refuses to empty such a folder's documents unless told.
func TestBadSourceChangesNothing(t *testing.T) {
	const manual = "# Walrus\n\nDescale the walrus boiler monthly.\n"
	tests := []struct {
		name     string
		existing bool // the folder "manuals" (one manual) was ingested before
		// setup makes the paths to ingest in dir (where "manuals" is).
		setup      func(t *testing.T, dir string) []string
		prune      bool
		allowEmpty bool
		wantErr    error  // nil: the run succeeds
		wantText   string // part of the error message
		wantEmpty  int    // folders reported as holding no manuals
		wantRemove int    // documents removed (then a new generation is published)
	}{
		{name: "missing path, fresh index",
			setup:   func(t *testing.T, dir string) []string { return []string{filepath.Join(dir, "nope")} },
			wantErr: ErrBadSource, wantText: "/nope: no such file or folder"},
		{name: "missing path, existing index", existing: true,
			setup:   func(t *testing.T, dir string) []string { return []string{filepath.Join(dir, "nope")} },
			wantErr: ErrBadSource, wantText: "/nope: no such file or folder"},
		{name: "missing path, with --prune", existing: true, prune: true,
			setup:   func(t *testing.T, dir string) []string { return []string{filepath.Join(dir, "nope")} },
			wantErr: ErrBadSource, wantText: "/nope: no such file or folder"},
		{name: "missing path beside a good one: nothing is ingested", existing: true,
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "new/fresh.md", []byte("# Fresh\n\nThe narwhal grinder.\n")), filepath.Join(dir, "nope")}
			},
			wantErr: ErrBadSource, wantText: "/nope: no such file or folder"},
		{name: "ingested folder removed, with --prune", existing: true, prune: true,
			setup: func(t *testing.T, dir string) []string {
				if err := os.RemoveAll(filepath.Join(dir, "manuals")); err != nil {
					t.Fatal(err)
				}
				return []string{filepath.Join(dir, "manuals")}
			},
			wantErr: ErrBadSource, wantText: "/manuals: no such file or folder"},
		{name: "broken symlink", existing: true,
			setup: func(t *testing.T, dir string) []string {
				link := filepath.Join(dir, "link")
				mustSymlink(t, filepath.Join(dir, "gone"), link)
				return []string{link}
			},
			wantErr: ErrBadSource, wantText: "/link: broken symlink"},
		{name: "named pipe", existing: true,
			setup: func(t *testing.T, dir string) []string {
				p := filepath.Join(dir, "pipe.md")
				if err := syscall.Mkfifo(p, 0o644); err != nil {
					t.Fatal(err)
				}
				return []string{p}
			},
			wantErr: ErrBadSource, wantText: "/pipe.md: not a file or folder (named pipe)"},
		{name: "device",
			setup:   func(t *testing.T, dir string) []string { return []string{"/dev/null"} },
			wantErr: ErrBadSource, wantText: "/dev/null: not a file or folder (device)"},
		{name: "two bad paths are both named", existing: true,
			setup: func(t *testing.T, dir string) []string {
				return []string{filepath.Join(dir, "nope1"), "/dev/null", filepath.Join(dir, "nope2")}
			},
			wantErr: ErrBadSource, wantText: "/nope2: no such file or folder"},
		{name: "empty folder, fresh index",
			setup:     func(t *testing.T, dir string) []string { return []string{testutil.Mkdir(t, dir, "empty")} },
			wantEmpty: 1},
		{name: "folder of other files, existing index", existing: true,
			setup: func(t *testing.T, dir string) []string {
				writeFile(t, dir, "other/photo.jpg", []byte("\xff\xd8\xff"))
				writeFile(t, dir, "other/.notes.md", []byte("# Hidden\n\nhidden\n"))
				return []string{filepath.Join(dir, "other")}
			},
			wantEmpty: 1},
		{name: "empty folder, --prune, nothing ingested from it", existing: true, prune: true,
			setup:     func(t *testing.T, dir string) []string { return []string{testutil.Mkdir(t, dir, "empty")} },
			wantEmpty: 1},
		{name: "emptied folder, --prune refuses", existing: true, prune: true,
			setup:   func(t *testing.T, dir string) []string { return []string{testutil.EmptyDir(t, dir, "manuals")} },
			wantErr: ErrPruneEmpty, wantText: "refusing to prune " + "%DIR%/manuals: it holds no manuals now, and pruning would remove the 1 document ingested from it"},
		{name: "emptied folder beside a good one, --prune refuses all", existing: true, prune: true,
			setup: func(t *testing.T, dir string) []string {
				return []string{writeFile(t, dir, "new/fresh.md", []byte("# Fresh\n\nThe narwhal grinder.\n")), testutil.EmptyDir(t, dir, "manuals")}
			},
			wantErr: ErrPruneEmpty, wantText: "/manuals: it holds no manuals now"},
		{name: "emptied folder, --prune --allow-empty", existing: true, prune: true, allowEmpty: true,
			setup:     func(t *testing.T, dir string) []string { return []string{testutil.EmptyDir(t, dir, "manuals")} },
			wantEmpty: 1, wantRemove: 1},
		{name: "emptied folder without --prune", existing: true,
			setup:     func(t *testing.T, dir string) []string { return []string{testutil.EmptyDir(t, dir, "manuals")} },
			wantEmpty: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			idx := filepath.Join(t.TempDir(), "index")
			writeFile(t, dir, "manuals/walrus.md", []byte(manual))
			if tt.existing {
				s := openStore(t, idx)
				runIngest(t, s, Options{Paths: []string{filepath.Join(dir, "manuals")}})
				s.Close()
			}
			before := snapshot(t, idx)
			paths := tt.setup(t, dir)

			s, err := index.Open(ctx, idx, index.WithLogger(quietLog()), index.CreateOnCommit())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			sum, err := Run(ctx, s, Options{Paths: paths, Prune: tt.prune, AllowEmpty: tt.allowEmpty, Log: quietLog()})
			after := snapshot(t, idx)

			if tt.wantErr != nil {
				want := strings.ReplaceAll(tt.wantText, "%DIR%", dir)
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.wantErr, want)
				}
				if strings.Contains(oneLineErr(err), "\n") {
					t.Errorf("error is not one line: %q", err)
				}
				if !reflect.DeepEqual(after, before) {
					t.Errorf("a failed run changed the index folder:\nbefore %v\nafter  %v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(sum.Empty) != tt.wantEmpty || sum.Removed != tt.wantRemove || sum.Ingested() != 0 {
				t.Errorf("summary %s (empty %v), want %d empty folders, %d removed", sum, sum.Empty, tt.wantEmpty, tt.wantRemove)
			}
			if tt.wantEmpty > 0 && !strings.Contains(sum.String(), "warning: no manuals in") {
				t.Errorf("summary %q does not warn about the empty folder", sum)
			}
			if tt.wantRemove == 0 {
				if sum.Generation != "" || !reflect.DeepEqual(after, before) {
					t.Errorf("a run with nothing to do published %q or changed the index folder:\nbefore %v\nafter  %v", sum.Generation, before, after)
				}
				return
			}
			if sum.Generation == "" || after["CURRENT"] == before["CURRENT"] {
				t.Errorf("pruning published no new generation: %q, %v", sum.Generation, after)
			}
			if hits := search(t, s, "walrus"); len(hits) != 0 {
				t.Errorf("pruned manual still found: %+v", hits)
			}
		})
	}
}

// snapshot records what a run could change in an index folder: its entries, CURRENT,
// and the live generation's manifest. A missing folder gives nil.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	snap := map[string]string{}
	for _, e := range entries {
		snap["entry "+e.Name()] = e.Type().String()
	}
	cur, err := os.ReadFile(filepath.Join(dir, "CURRENT"))
	if err == nil {
		snap["CURRENT"] = string(cur)
		m, err := os.ReadFile(filepath.Join(dir, strings.TrimSpace(string(cur)), ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		snap["manifest"] = string(m)
	}
	return snap
}
