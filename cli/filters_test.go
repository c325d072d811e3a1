package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A --product or --version the index does not hold (a typo, or a manual ingested without
// the label) is an error naming what the index does hold, not "No passages match": the
// user would otherwise conclude the manuals do not cover the question.
func TestUnknownProductOrVersionFilter(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	data := t.TempDir()
	seedIndex(t, data) // products router 2.0 and switch 5.1

	tests := []struct {
		name    string
		args    []string
		wantErr []string // substrings; none means success
	}{
		{"search, known product", []string{"search", "install", "--product", "router"}, nil},
		{"search, known product, no match", []string{"search", "kayak", "--product", "router"}, nil},
		{"search, misspelt product", []string{"search", "install", "--product", "routr"}, []string{`"routr"`, "router, switch"}},
		{"search, unknown version", []string{"search", "install", "--product", "router", "--version", "9"}, []string{`version "9"`, "2.0, 5.1"}},
		{"search --json, misspelt product", []string{"search", "install", "--json", "--product", "routr"}, []string{`"routr"`}},
		{"ask, known product", []string{"ask", "how do I install it?", "--product", "router"}, nil},
		{"ask, misspelt product", []string{"ask", "how do I install it?", "--product", "routr"}, []string{`"routr"`, "router, switch"}},
	}
	// An index whose manuals were ingested without labels (the README's first command).
	plain := t.TempDir()
	manual := filepath.Join(t.TempDir(), "guide.md")
	if err := os.WriteFile(manual, []byte("# Guide\n\nInstall the kettle.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, "ingest", manual, "--data-dir", plain); err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		name    string
		args    []string
		wantErr []string
	}{"unlabelled index", []string{"search", "kettle", "--product", "kettle", "--data-dir", plain}, []string{"none was ingested with --product"}})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !slices.Contains(args, "--data-dir") {
				args = append(args, "--data-dir", data)
			}
			out, _, err := runCLI(t, args...)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("succeeded with stdout %q; want an error", out)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if out != "" {
				t.Errorf("stdout %q alongside the error", out)
			}
		})
	}
}
