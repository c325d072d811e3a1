package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// TestEvalRetrievalRealManuals ingests five real manuals from Debian (PostgreSQL's HTML,
// bash's PDF and HTML, gnuplot's PDF, Node.js's Markdown, Apache httpd's HTML in ten
// languages) and scores retrieval on the project's two question sets, as the README's
// tables do (scripts/retrieval_eval.sh): on each, manualbot must do at least as well as
// the plain BM25 baseline on every ranking figure; on the main set it must refuse at
// least 90% of the questions no manual answers and wrongly refuse at most 5% of the
// others. httpd.jsonl is a manual the main set never saw, a check that ranking and the
// refusal rule were not fitted to the main set.
func TestEvalRetrievalRealManuals(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("ingests 21,000 chunks of real manuals (not under -short or the race detector)")
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
		{"httpd", []string{"/usr/share/doc/apache2-doc/manual"}, "apache2-doc"},
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
		args := append([]string{"--data-dir", data, "ingest", "--json", "--product", m.product}, m.paths...)
		out, stderr, err := runCLI(t, args...)
		if err != nil {
			t.Fatalf("ingest %s: %v\n%s", m.product, err, stderr)
		}
		if m.product == "httpd" {
			// The folder holds the manual in ten languages: one is read.
			if !strings.Contains(out, "manual/fr\",\"reason\":\"the manual in another language (fr)") {
				t.Errorf("ingest of the httpd manual folder did not leave out its French copy: %.2000s", out)
			}
		}
	}
	for _, set := range []struct {
		file string
		main bool
	}{{"questions.jsonl", true}, {"httpd.jsonl", false}} {
		questions := filepath.Join(testutil.RepoRoot(t), "testdata", "retrieval", set.file)
		out, stderr, err := runCLI(t, "--data-dir", data, "eval", "--retrieval", questions, "--baseline", "--json")
		if err != nil {
			t.Fatalf("eval %s: %v\n%s", set.file, err, stderr)
		}
		var rep struct {
			Systems []struct {
				System         string
				Recall1        float64 `json:"recall_at_1"`
				Recall5        float64 `json:"recall_at_5"`
				Recall10       float64 `json:"recall_at_10"`
				MRR10          float64 `json:"mrr_at_10"`
				NDCG10         float64 `json:"ndcg_at_10"`
				Refused        float64 `json:"refused_uncovered"`
				CoveredRefused float64 `json:"refused_covered"`
			} `json:"systems"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if len(rep.Systems) != 2 {
			t.Fatalf("systems %+v", rep.Systems)
		}
		mb, base := rep.Systems[0], rep.Systems[1]
		t.Logf("%s:\nmanualbot %+v\nbaseline  %+v", set.file, mb, base)
		for _, f := range []struct {
			name      string
			got, want float64
		}{
			{"recall@1", mb.Recall1, base.Recall1}, {"recall@5", mb.Recall5, base.Recall5}, {"recall@10", mb.Recall10, base.Recall10},
			{"MRR@10", mb.MRR10, base.MRR10}, {"nDCG@10", mb.NDCG10, base.NDCG10},
		} {
			if f.got < f.want {
				t.Errorf("%s: %s %.3f below the plain BM25 baseline's %.3f", set.file, f.name, f.got, f.want)
			}
		}
		if !set.main {
			continue
		}
		if mb.Refused < 0.9 {
			t.Errorf("%s: refused %.0f%% of uncovered questions, want at least 90%%", set.file, 100*mb.Refused)
		}
		if mb.CoveredRefused > 0.05 {
			t.Errorf("%s: refused %.1f%% of covered questions, want at most 5%%", set.file, 100*mb.CoveredRefused)
		}
	}
}
