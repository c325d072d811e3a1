package mini

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// TestSmokeRun runs `run.sh --smoke` end to end through the real binary (which it builds):
// data, three trainings, CAT tuning and every eval method in both modes on stories260K.
// It proves the published command still works; the scores of a few steps mean nothing,
// so it checks that every method answered every question, not how well.
func TestSmokeRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and trains three small adapters (about a minute)")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("run.sh needs bash")
	}
	model := testutil.Fixture(t, "models/stories260K")
	work := t.TempDir()
	out := filepath.Join(work, "results")
	cmd := exec.Command("bash", "run.sh", "--smoke", "--model", model, "--work", work, "--out", out)
	cmd.Dir = filepath.Join(testutil.RepoRoot(t), "benchmarks", "mini")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run.sh --smoke: %v\n%s", err, b)
	}
	for _, f := range []string{"results.txt", "report.json", "answers.jsonl", "chart.svg", "run.log", "cat_weights.json",
		"cloze/results.txt", "cloze/report.json", "prior.txt", "skill/results.txt", "merges-at-1/results.txt"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("results lack %s: %v", f, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Results []struct {
			Method string `json:"method"`
			Mode   string `json:"mode"`
			N      int    `json:"n"`
			Errors int    `json:"errors"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rep.Results {
		if r.N == 0 || r.Errors != 0 {
			t.Errorf("%s %s: %d answers, %d errors", r.Method, r.Mode, r.N, r.Errors)
		}
		seen[r.Method+" "+r.Mode] = true
	}
	methods := []string{"none", "domain", "qa", "mix", "linear", "ties", "dare_ties", "cat", "cat_learned"}
	for _, m := range methods {
		for _, mode := range []string{"closed-book", "open-book"} {
			if !seen[m+" "+mode] {
				t.Errorf("no result for %s %s", m, mode)
			}
		}
	}
	log, _ := os.ReadFile(filepath.Join(out, "run.log"))
	for _, want := range []string{"adapters train", "adapters tune", "eval", "--prompt raw", "# total"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("run.log lacks %q", want)
		}
	}
}
