package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"manualbot/internal/testutil"
)

// TestRetrievalEvalRealManuals ingests four real manuals from Debian (PostgreSQL's HTML,
// bash's PDF and HTML, gnuplot's PDF, Node.js's Markdown) and scores retrieval on the
// project's question set: manualbot must do at least as well as the plain BM25 baseline
// on every figure and refuse at least 90% of the questions no manual answers.
func TestRetrievalEvalRealManuals(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("ingests 16,000 chunks of real manuals (not under -short or the race detector)")
	}
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	node, _ := filepath.Glob("/usr/share/doc/nodejs/api/*.md.gz")
	manuals := []struct {
		product string
		paths   []string
		pkg     string
	}{
		{"postgresql", []string{"/usr/share/doc/postgresql-doc-15/html"}, "postgresql-doc-15"},
		{"bash", []string{"/usr/share/doc/bash/bashref.pdf", "/usr/share/doc/bash/bashref.html"}, "bash-doc"},
		{"gnuplot", []string{"/usr/share/doc/gnuplot/gnuplot.pdf"}, "gnuplot-doc"},
		{"node", node, "nodejs-doc"},
	}
	data := t.TempDir()
	for _, m := range manuals {
		if len(m.paths) == 0 {
			t.Fatalf("no %s manual: apt-get install %s (bash .ci/run installs it)", m.product, m.pkg)
		}
		for _, p := range m.paths {
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("%s missing: apt-get install %s (bash .ci/run installs it)", p, m.pkg)
			}
		}
		args := append([]string{"--data-dir", data, "ingest", "--product", m.product}, m.paths...)
		if _, stderr, err := runCLI(t, args...); err != nil {
			t.Fatalf("ingest %s: %v\n%s", m.product, err, stderr)
		}
	}
	questions := filepath.Join(testutil.RepoRoot(t), "testdata", "retrieval", "questions.jsonl")
	out, stderr, err := runCLI(t, "--data-dir", data, "eval", "--retrieval", questions, "--baseline", "--json")
	if err != nil {
		t.Fatalf("eval: %v\n%s", err, stderr)
	}
	var rep struct {
		Systems []struct {
			System                                    string
			Recall1, Recall5, Recall10, MRR10, NDCG10 float64
			Refused                                   float64 `json:"refused_uncovered"`
		} `json:"systems"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(rep.Systems) != 2 {
		t.Fatalf("systems %+v", rep.Systems)
	}
	mb, base := rep.Systems[0], rep.Systems[1]
	t.Logf("manualbot %+v\nbaseline  %+v", mb, base)
	for _, f := range []struct {
		name      string
		got, want float64
	}{
		{"recall@1", mb.Recall1, base.Recall1}, {"recall@5", mb.Recall5, base.Recall5}, {"recall@10", mb.Recall10, base.Recall10},
		{"MRR@10", mb.MRR10, base.MRR10}, {"nDCG@10", mb.NDCG10, base.NDCG10},
	} {
		if f.got < f.want {
			t.Errorf("%s %.3f below the plain BM25 baseline's %.3f", f.name, f.got, f.want)
		}
	}
	if mb.Refused < 0.9 {
		t.Errorf("refused %.0f%% of uncovered questions, want at least 90%%", 100*mb.Refused)
	}
}
