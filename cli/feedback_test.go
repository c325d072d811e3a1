package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/bot"
	"manualbot/qa"
)

func TestFeedbackExport(t *testing.T) {
	data := t.TempDir()
	t.Setenv("MANUALBOT_DATA_DIR", data)
	store, err := bot.OpenFeedbackStore(filepath.Join(data, bot.FeedbackFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"helpful", "not_helpful"} {
		if err := store.Record(bot.Feedback{Rating: r, Question: "reset?", Answer: "Hold it [1].",
			Citations: []qa.Citation{{N: 1, DocID: "pump"}}, Adapters: []string{"pumps", "qa"}}); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (string, string) {
		t.Helper()
		var out, errOut bytes.Buffer
		root := NewRoot(strings.NewReader(""), &out, &errOut)
		root.SetArgs(args)
		if err := root.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String(), errOut.String()
	}
	cases := []struct {
		name string
		args []string
		file string
	}{
		{"stdout", []string{"feedback", "export"}, ""},
		{"--out", []string{"feedback", "export", "--out", filepath.Join(t.TempDir(), "fb.jsonl")}, "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut := run(c.args...)
			if c.file != "" {
				b, err := os.ReadFile(c.args[len(c.args)-1])
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(errOut, "exported 2 feedback records") {
					t.Errorf("stderr %q", errOut)
				}
				out = string(b)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 {
				t.Fatalf("%d lines:\n%s", len(lines), out)
			}
			var fb bot.Feedback
			if err := json.Unmarshal([]byte(lines[1]), &fb); err != nil || fb.Rating != "not_helpful" || fb.Adapters[1] != "qa" || fb.Citations[0].DocID != "pump" {
				t.Errorf("line 2 = %s (%v)", lines[1], err)
			}
		})
	}
}
