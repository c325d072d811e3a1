package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/index"
)

// seedIndex writes a small committed index where `search` looks for it under dataDir.
func seedIndex(t *testing.T, dataDir string) {
	t.Helper()
	ctx := context.Background()
	s, err := index.Open(ctx, filepath.Join(dataDir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Abort()
	err = u.Put(ctx, []index.Chunk{
		{ID: "r#0", DocID: "router", Title: "Router guide", Section: []string{"Installation", "Linux"}, Page: 3,
			Product: "router", Version: "2.0", URL: "https://docs.example/router",
			Text: "To install the router software on Linux, run the installer as root."},
		{ID: "s#0", DocID: "switch", Title: "Switch guide", Section: []string{"Setup"},
			Product: "switch", Version: "5.1", Text: "No installation of software is needed for the switch."},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewRoot(strings.NewReader(""), &out, &errb)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func TestSearchCommand(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	data := t.TempDir()
	seedIndex(t, data)

	tests := []struct {
		name    string
		args    []string
		want    []string // substrings of stdout
		notWant []string
	}{
		{name: "plain", args: []string{"search", "install", "linux"},
			want: []string{"1. [", "Router guide — Installation > Linux (p. 3)", "doc: router", "chunk: r#0", "**install**", "https://docs.example/router"}},
		{name: "k", args: []string{"search", "installation", "-k", "1"},
			want: []string{"1. ["}, notWant: []string{"2. ["}},
		{name: "product", args: []string{"search", "installation", "--product", "switch"},
			want: []string{"Switch guide — Setup"}, notWant: []string{"Router guide"}},
		{name: "version", args: []string{"search", "installation", "--version", "2.0"},
			want: []string{"Router guide"}, notWant: []string{"Switch guide"}},
		{name: "typo", args: []string{"search", "sotware"},
			want: []string{"**software**"}},
		{name: "no hits", args: []string{"search", "kayak"},
			want: []string{`No passages match "kayak"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runCLI(t, append(tc.args, "--data-dir", data)...)
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestSearchCommandJSON(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	data := t.TempDir()
	seedIndex(t, data)
	out, _, err := runCLI(t, "search", "install linux", "--json", "--data-dir", data)
	if err != nil {
		t.Fatal(err)
	}
	var got searchJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("JSON output spans lines:\n%s", out)
	}
	if got.Query != "install linux" || len(got.Hits) == 0 {
		t.Fatalf("got %+v", got)
	}
	h := got.Hits[0]
	want := searchHitJSON{Doc: "router", Title: "Router guide", Section: "Installation > Linux", Page: 3, ChunkID: "r#0",
		Score: h.Score, Relevance: h.Relevance, Snippet: h.Snippet, Product: "router", Version: "2.0", URL: "https://docs.example/router"}
	if h != want || h.Score <= 0 || !strings.Contains(h.Snippet, "**") {
		t.Errorf("first hit = %+v", h)
	}

	out, _, err = runCLI(t, "search", "kayak", "--json", "--data-dir", data)
	if err != nil || !strings.Contains(out, `"hits":[]`) {
		t.Errorf("no hits: %q, %v; want an empty hits array", out, err)
	}
}

func TestSearchCommandErrors(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	empty := t.TempDir()
	_, _, err := runCLI(t, "search", "anything", "--data-dir", empty)
	if err == nil || !strings.Contains(err.Error(), "manualbot ingest") {
		t.Errorf("search without an index = %v, want advice to run ingest", err)
	}
	if m, _ := filepath.Glob(filepath.Join(empty, "*")); len(m) != 0 {
		t.Errorf("search created %v", m)
	}

	data := t.TempDir()
	seedIndex(t, data)
	for _, args := range [][]string{
		{"search"},
		{"search", "   "},
		{"search", "x", "--fuzziness", "5"},
	} {
		if _, _, err := runCLI(t, append(args, "--data-dir", data)...); err == nil {
			t.Errorf("%v succeeded, want an error", args)
		}
	}
}
