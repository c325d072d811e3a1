package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/benchmarks/mini"
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
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	model := testutil.Fixture(t, "models/stories260K")
	ads := testutil.PEFTAdapters(t)
	bm, err := mini.Generate(mini.Config{Seed: 2, Gadgets: 6, Test: 4, Tune: 1})
	if err != nil {
		t.Fatal(err)
	}
	manuals := t.TempDir()
	if err := os.WriteFile(filepath.Join(manuals, mini.ManualFile), []byte(bm.Manual), 0o644); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	if _, stderr, err := runCLI(t, "--data-dir", data, "ingest", manuals); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	// Half the questions lose their gold context, so open-book retrieves for them.
	var lines []string
	for i, q := range bm.Test {
		if i%2 == 1 {
			q.Context = ""
		}
		b, _ := json.Marshal(q)
		lines = append(lines, string(b))
	}
	questions := filepath.Join(t.TempDir(), "q.jsonl")
	if err := os.WriteFile(questions, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// widget and gizmo have rank 4, answering rank 8: cat merges unequal ranks, linear would not.
	base := []string{"--data-dir", data, "eval", "--questions", questions, "--model", model,
		"--domain", filepath.Join(ads, "widget"), "--qa-adapter", filepath.Join(ads, "answering"),
		"--mix", filepath.Join(ads, "gizmo"), "--answer-tokens", "4", "-k", "2"}
	t.Run("both modes", func(t *testing.T) {
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
			if r.N != 4 || r.Errors != 0 || r.Latency <= 0 {
				t.Errorf("%+v", r)
			}
			// recall is scored only where the method retrieved: open-book without gold context.
			if want := map[string]int{"closed-book": 0, "open-book": 2}[r.Mode]; r.RecallN != want {
				t.Errorf("%s %s: recall over %d questions, want %d", r.Method, r.Mode, r.RecallN, want)
			}
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
