package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
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
