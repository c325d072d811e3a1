package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// exampleQuestions writes the example manual's questions (examples/qa/questions.jsonl)
// to a file, giving question i the gold context ctx(i) when it returns one; n counts them
// all, sourced those that name their source passage (the last one is uncovered).
func exampleQuestions(t *testing.T, ctx func(i int) string) (path string, n, sourced int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "examples", "qa", "questions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var q map[string]any
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			t.Fatal(err)
		}
		if c := ctx(i); c != "" {
			q["context"] = c
		}
		if q["source_doc"] != nil {
			sourced++
		}
		out, _ := json.Marshal(q)
		lines = append(lines, string(out))
	}
	path = filepath.Join(t.TempDir(), "questions.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, len(lines), sourced
}

// TestEvalCommand ingests the example manual and scores retrieval on its questions, the
// open-book floor every model method must beat.
func TestEvalCommand(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	data := t.TempDir()
	if _, stderr, err := runCLI(t, "--data-dir", data, "ingest", filepath.Join(testutil.RepoRoot(t), "examples", "manuals")); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	questions, nq, ns := exampleQuestions(t, func(int) string { return "" })
	badFile := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(badFile, []byte("{\"question\":\"q\",\"answer\":\"a\"}\n{\"question\":\"no answer\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report")

	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, stdout string)
	}{
		{
			name: "retrieval JSON and files",
			args: []string{"--data-dir", data, "eval", "--questions", questions, "--json", "--out", out, "-k", "3"},
			check: func(t *testing.T, stdout string) {
				var rep struct {
					K       int `json:"k"`
					Results []struct {
						Method    string  `json:"method"`
						Mode      string  `json:"mode"`
						N         int     `json:"n"`
						Recall    float64 `json:"recall_at_k"`
						RecallN   int     `json:"recall_n"`
						Citations float64 `json:"citation_accuracy"`
					} `json:"results"`
				}
				if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
					t.Fatalf("%v: %q", err, stdout)
				}
				if rep.K != 3 || len(rep.Results) != 1 {
					t.Fatalf("report %+v", rep)
				}
				r := rep.Results[0]
				// Every question uses its section's words, so BM25 finds it in the top 3.
				if r.Method != "retrieval" || r.Mode != "open-book" || r.N != nq || r.RecallN != ns || r.Recall < 0.8 || r.Citations < 0.8 {
					t.Errorf("retrieval result %+v", r)
				}
				for _, f := range []string{"report.json", "results.txt", "chart.svg"} {
					if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
						t.Errorf("--out lacks %s: %v", f, err)
					}
				}
			},
		},
		{
			name: "text table",
			args: []string{"--data-dir", data, "eval", "--questions", questions, "--methods", "retrieval", "--open-book"},
			check: func(t *testing.T, stdout string) {
				if !strings.Contains(stdout, "recall@5") || !strings.Contains(stdout, "retrieval") {
					t.Errorf("table:\n%s", stdout)
				}
			},
		},
		{name: "model method without a model", args: []string{"--data-dir", data, "eval", "--questions", questions, "--methods", "retrieval,cat"},
			wantErr: "method cat needs --model and adapters"},
		{name: "unknown method", args: []string{"--data-dir", data, "eval", "--questions", questions, "--methods", "magic"},
			wantErr: `unknown method "magic"`},
		{name: "retrieval closed-book", args: []string{"--data-dir", data, "eval", "--questions", questions, "--closed-book"},
			wantErr: "retrieval answers only open-book"},
		{name: "bad questions file", args: []string{"--data-dir", data, "eval", "--questions", badFile},
			wantErr: "line 2: no reference answer"},
		{name: "no questions flag", args: []string{"--data-dir", data, "eval"}, wantErr: "questions"},
		{name: "bad metric", args: []string{"--data-dir", data, "eval", "--questions", questions, "--metric", "bleu"},
			wantErr: "unknown metric"},
		{name: "no index", args: []string{"--data-dir", t.TempDir(), "eval", "--questions", questions},
			wantErr: "run `manualbot ingest"},
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
