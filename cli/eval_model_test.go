package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

func TestParseCatWeights(t *testing.T) {
	tests := []struct {
		in      string
		want    [2]float64
		wantErr string
	}{
		{in: "0.5,0.5", want: [2]float64{0.5, 0.5}},
		{in: " 1 , 2 ", want: [2]float64{1, 2}},
		{in: "1", wantErr: "want two numbers"},
		{in: "1,2,3", wantErr: "want two numbers"},
		{in: "a,1", wantErr: "invalid syntax"},
	}
	for _, tt := range tests {
		got, err := parseCatWeights(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got[0] != tt.want[0] || got[1] != tt.want[1] {
			t.Errorf("%q: %v %v, want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestAdapterDir(t *testing.T) {
	tests := []struct {
		fl       evalModelFlags
		explicit string
		want     string
	}{
		{fl: evalModelFlags{}, want: ""},
		{fl: evalModelFlags{adaptersDir: "/a"}, want: "/a/domain"},
		{fl: evalModelFlags{adaptersDir: "/a"}, explicit: "/x", want: "/x"},
		{fl: evalModelFlags{}, explicit: "/x", want: "/x"},
	}
	for _, tt := range tests {
		if got := tt.fl.adapterDir(tt.explicit, subDomain); got != tt.want {
			t.Errorf("%+v %q: %q, want %q", tt.fl, tt.explicit, got, tt.want)
		}
	}
}

// TestEvalModelMethods scores model methods on stories260K with real PEFT adapters, in
// both modes: open-book uses a question's gold context when it has one and retrieves
// from the index (and cites) when it has none. The tiny model cannot answer; the test
// checks that every method answers every question, not how well.
func TestEvalModelMethods(t *testing.T) {
	if raceEnabled {
		t.Skip("generates with every method in turn, one at a time: the race run keeps to the concurrent paths")
	}
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	model := testutil.Fixture(t, "models/stories260K")
	ads := testutil.PEFTAdapters(t)
	data := t.TempDir()
	if _, stderr, err := runCLI(t, "--data-dir", data, "ingest", filepath.Join(testutil.RepoRoot(t), "examples", "manuals")); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	// Half the questions have a gold context: the plain mode reads it, and retrieves for
	// the others; the served pipeline always retrieves.
	questions, nq, ns := exampleQuestions(t, func(i int) string {
		if i%2 == 0 {
			return "The program takes 25 minutes and rinses twice with fresh water."
		}
		return ""
	})
	// widget and gizmo have rank 4, answering rank 8: cat merges unequal ranks, linear would not.
	base := []string{"--data-dir", data, "eval", "--questions", questions, "--model", model,
		"--domain", filepath.Join(ads, "widget"), "--qa-adapter", filepath.Join(ads, "answering"),
		"--mix", filepath.Join(ads, "gizmo"), "--answer-tokens", "4", "-k", "2"}
	t.Run("both modes", func(t *testing.T) {
		base := append(base, "--prompt", "plain") // the gold-passage diagnosis mode
		stdout, stderr, err := runCLI(t, append(base, "--methods", "none,domain,qa,mix,cat", "--closed-book", "--open-book", "--json")...)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		var rep struct {
			Results []struct {
				Method  string  `json:"method"`
				Mode    string  `json:"mode"`
				N       int     `json:"n"`
				Errors  int     `json:"errors"`
				RecallN int     `json:"recall_n"`
				Latency float64 `json:"mean_latency_ns"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%v: %q", err, stdout)
		}
		if len(rep.Results) != 10 {
			t.Fatalf("%d results, want 5 methods x 2 modes", len(rep.Results))
		}
		for _, r := range rep.Results {
			if r.N != nq || r.Errors != 0 || r.Latency <= 0 {
				t.Errorf("%+v", r)
			}
			// recall is scored only where the method retrieved: open-book without gold context.
			if want := map[string]int{"closed-book": 0, "open-book": ns / 2}[r.Mode]; r.RecallN != want {
				t.Errorf("%s %s: recall over %d questions, want %d", r.Method, r.Mode, r.RecallN, want)
			}
		}
	})
	// The served pipeline retrieves for every open-book question (gold contexts are not
	// used), cites through the pipeline's [N] mapping, and skips a method whose adapter is
	// missing instead of failing the run; retrieval runs open-book only, also skipped
	// closed-book rather than failing.
	t.Run("served pipeline", func(t *testing.T) {
		stdout, stderr, err := runCLI(t, append(base, "--methods", "retrieval,none,cat,cat_learned", "--closed-book", "--open-book", "--json")...)
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		var rep struct {
			Results []struct {
				Method    string `json:"method"`
				Mode      string `json:"mode"`
				N         int    `json:"n"`
				Errors    int    `json:"errors"`
				RecallN   int    `json:"recall_n"`
				CitationN int    `json:"citation_n"`
			} `json:"results"`
			Skipped []struct {
				Method, Mode, Reason string
			} `json:"skipped"`
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%v: %q", err, stdout)
		}
		got := map[string]int{}
		for _, r := range rep.Results {
			got[r.Method+" "+r.Mode] = r.RecallN
			if r.N != nq || r.Errors != 0 {
				t.Errorf("%+v", r)
			}
		}
		want := map[string]int{"retrieval open-book": ns, "none open-book": ns, "cat open-book": ns, "none closed-book": 0, "cat closed-book": 0}
		if len(got) != len(want) {
			t.Errorf("results %v, want %v", got, want)
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s: recall over %d questions (present %v), want %d", k, g, ok, v)
			}
		}
		var skipped []string
		for _, s := range rep.Skipped {
			skipped = append(skipped, s.Method+" "+s.Mode)
		}
		if strings.Join(skipped, ",") != "cat_learned ,retrieval closed-book" {
			t.Errorf("skipped %v (%+v)", skipped, rep.Skipped)
		}
	})
	t.Run("missing adapter", func(t *testing.T) {
		_, _, err := runCLI(t, "--data-dir", data, "eval", "--questions", questions, "--model", model, "--methods", "cat_learned")
		if err == nil || !strings.Contains(err.Error(), "needs --cat-learned DIR") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("adapters folder", func(t *testing.T) {
		_, _, err := runCLI(t, "--data-dir", data, "eval", "--questions", questions, "--model", model,
			"--adapters", ads, "--methods", "qa")
		if err == nil || !strings.Contains(err.Error(), filepath.Join(ads, "qa")) {
			t.Fatalf("err %v, want it to name %s", err, filepath.Join(ads, "qa"))
		}
	})
}
