package mini

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/eval"
)

// smallConfig keeps the tests fast; the published sizes are checked once in
// TestDefaultIsStable.
func smallConfig() Config {
	return Config{Seed: 3, Gadgets: 12, Test: 40, Tune: 8, QA: 120, ClosedQA: 12}
}

func TestRegenerateIsIdentical(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		bm, err := Generate(smallConfig())
		if err != nil {
			t.Fatal(err)
		}
		if err := bm.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{ManualFile, TestFile, TuneFile, QAFile, DomainFile, MixFile} {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed (or is empty)", f)
		}
	}
	other := smallConfig()
	other.Seed++
	bm, _ := Generate(other)
	x, _ := os.ReadFile(filepath.Join(a, ManualFile))
	if bm.Manual == string(x) {
		t.Error("a different seed gave the same manual")
	}
}

// TestDefaultIsStable pins the published data's hashes, so that a change to the
// generator (or to Go's random streams) that alters the benchmark is noticed: update the
// hashes only together with the published results.
func TestDefaultIsStable(t *testing.T) {
	bm, err := Generate(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := bm.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		ManualFile: "dea7a3f977b2b7dd", TestFile: "e5a182410add7173", TuneFile: "ed3841740bf8f384",
		QAFile: "fb14f6e5e86778d9", DomainFile: "a5f132da76e9263b", MixFile: "a44353e0f09cb600",
	}
	for f, h := range want {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:8]); got != h {
			t.Errorf("%s: sha256 prefix %s, want %s", f, got, h)
		}
	}
	if len(bm.Test) != 160 || len(bm.Tune) != 16 || len(bm.QA) != 1760 || len(bm.Gadgets) != 48 {
		t.Errorf("sizes: %d test, %d tune, %d qa, %d gadgets", len(bm.Test), len(bm.Tune), len(bm.QA), len(bm.Gadgets))
	}
}

func TestQuestionsAreAnswerableAndDisjoint(t *testing.T) {
	bm, err := Generate(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for set, qs := range map[string][]eval.Question{"test": bm.Test, "tune": bm.Tune} {
		for _, q := range qs {
			if prev, dup := ids[q.ID]; dup {
				t.Errorf("question %s in both %s and %s", q.ID, prev, set)
			}
			ids[q.ID] = set
			if !strings.Contains(eval.Normalize(q.Context), eval.Normalize(q.Answers[0])) {
				t.Errorf("%s: answer %q not in its context %q", q.ID, q.Answers[0], q.Context)
			}
			if !strings.Contains(bm.Manual, "## "+q.SourceSection+"\n\n"+q.Context[:20]) {
				t.Errorf("%s: section %q with its context is not in the manual", q.ID, q.SourceSection)
			}
		}
	}
	if len(bm.Test) != 40 || len(bm.Tune) != 8 {
		t.Errorf("sizes %d/%d", len(bm.Test), len(bm.Tune))
	}
	// The written questions load with the evaluator's reader.
	data, _ := jsonl(bm.Test)
	qs, err := eval.ReadQuestions(bytes.NewReader(data))
	if err != nil || len(qs) != len(bm.Test) {
		t.Fatalf("eval cannot read test.jsonl: %v", err)
	}
}

func TestGadgetNames(t *testing.T) {
	bm, err := Generate(Config{Seed: 9, Gadgets: 100, Test: 10, QA: 0})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, g := range bm.Gadgets {
		l := strings.ToLower(g.Name)
		if seen[l] || notNames[l] || notNames[l[:3]] || len(l) < 5 {
			t.Errorf("bad or repeated name %q", g.Name)
		}
		seen[l] = true
		if g.ButtonCol == g.Colour {
			t.Errorf("%s: buttons the same colour as the body", g.Name)
		}
	}
}

func TestQASkill(t *testing.T) {
	bm, err := Generate(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	closed := 0
	for _, r := range bm.QA {
		if r.Context == "" {
			closed++
		} else if !strings.Contains(r.Context, r.Answer) {
			t.Errorf("%s: answer %q not in context %q", r.ID, r.Answer, r.Context)
		}
		if r.Prompt != Prompt(r.Question, r.Context) || r.Completion != Completion(r.Answer) {
			t.Errorf("%s: prompt/completion drift from Prompt and Completion", r.ID)
		}
		for _, g := range bm.Gadgets {
			if strings.Contains(r.Context+r.Question, g.Name) {
				t.Errorf("%s mentions gadget %s: the skill set must not teach the manual", r.ID, g.Name)
			}
		}
	}
	if closed != 12 || len(bm.QA) != 132 {
		t.Errorf("%d records, %d closed-book", len(bm.QA), closed)
	}
	if len(bm.Mix()) != len(bm.QA)+len(bm.Domain) || len(bm.Domain) != 13 {
		t.Errorf("mix %d, domain %d", len(bm.Mix()), len(bm.Domain))
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []Config{
		{Gadgets: 0, Test: 1},
		{Gadgets: 2, Test: 0},
		{Gadgets: 2, Test: 15, Tune: 4}, // 18 facts only
		{Gadgets: 2, Test: 1, QA: -1},
		{Gadgets: 500, Test: 1}, // more than there are names
	}
	for _, c := range tests {
		if _, err := Generate(c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
