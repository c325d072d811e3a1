package adapters

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"manualbot/inference"
	"manualbot/inference/tokenizer"
	"manualbot/internal/testutil"
)

// storiesTrainSetup loads stories260K, its tokenizer and the text cut into sequences.
func storiesTrainSetup(t testing.TB) (*inference.Model, []inference.TrainSeq, []inference.TrainSeq) {
	t.Helper()
	dir := testutil.Fixture(t, "models/stories260K")
	m, err := inference.Load(context.Background(), dir, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The domain corpus: short story pages, in the
	// simple English stories260K reads; validation windows come from unseen pages.
	docs := storyPages(1, 16)
	seqs, err := TextSeqs(tok, docs, 32)
	if err != nil {
		t.Fatal(err)
	}
	train, val := SplitValidation(seqs, 0.2, 1)
	return m, train, val
}

// TestTrainLowersValidationLossAndRoundTrips is the evidence: a few hundred steps
// on a small text lower the validation loss clearly, and the adapter written, read and
// written again gives identical bytes.
func TestTrainLowersValidationLossAndRoundTrips(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	m, train, val := storiesTrainSetup(t)
	a, rep, err := Train(context.Background(), m, train, val, TrainOptions{
		Skill: SkillDomain, Rank: 4, Steps: 200, Batch: 4, LR: 2e-3, Seed: 7, EvalEvery: 50, Name: "zib",
		BaseModel: "stories260K", Products: []string{"zib"},
	})
	if err != nil {
		t.Fatal(err)
	}
	first, last := rep.History[0].ValLoss, rep.History[len(rep.History)-1].ValLoss
	t.Logf("validation loss %.4f -> %.4f over %d steps (%d tokens, %.1fs); history %+v",
		first, last, 200, rep.Tokens, rep.Seconds, rep.History)
	if last > first-0.3 {
		t.Fatalf("validation loss went from %.4f to %.4f: want a drop of at least 0.3 nats", first, last)
	}
	if a.Manifest.Skill != SkillDomain || len(a.Modules) != 5*7 {
		t.Fatalf("adapter has skill %q and %d modules, want domain and 35", a.Manifest.Skill, len(a.Modules))
	}

	tmp := t.TempDir()
	d1, d2 := filepath.Join(tmp, "one"), filepath.Join(tmp, "two")
	if err := a.WriteDir(d1); err != nil {
		t.Fatal(err)
	}
	back, err := Load(context.Background(), d1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(back, ShapeOf(m.Config(), "stories260K"), nil); err != nil {
		t.Fatal(err)
	}
	if err := back.WriteDir(d2); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ConfigFile, WeightsFile, ManifestFile} {
		b1, err1 := os.ReadFile(filepath.Join(d1, f))
		b2, err2 := os.ReadFile(filepath.Join(d2, f))
		if err1 != nil || err2 != nil || !bytes.Equal(b1, b2) {
			t.Errorf("%s differs after a round trip (%v, %v)", f, err1, err2)
		}
	}
	// The loaded adapter is the trained one, value for value.
	for name, f := range a.Modules {
		g := back.Modules[name]
		if g == nil || !slices.Equal(f.A, g.A) || !slices.Equal(f.B, g.B) || f.Scale != g.Scale {
			t.Fatalf("module %s changed in the round trip", name)
		}
	}
}

// TestTrainResumeContinuesTheSameRun interrupts a run at a checkpoint and resumes it:
// the result equals the uninterrupted run bit for bit.
func TestTrainResumeContinuesTheSameRun(t *testing.T) {
	m, train, val := storiesTrainSetup(t)
	ctx := context.Background()
	opts := func(steps int, ck string, resume bool) TrainOptions {
		return TrainOptions{Rank: 2, Targets: []string{"q_proj", "v_proj"}, Steps: steps, Batch: 2, LR: 3e-3,
			Seed: 3, EvalEvery: 5, CheckpointDir: ck, Resume: resume}
	}
	whole, _, err := Train(ctx, m, train, val, opts(10, "", false))
	if err != nil {
		t.Fatal(err)
	}
	ck := t.TempDir()
	if _, _, err := Train(ctx, m, train, val, opts(5, ck, false)); err != nil {
		t.Fatal(err)
	}
	resumed, rep, err := Train(ctx, m, train, val, opts(10, ck, true))
	if err != nil {
		t.Fatal(err)
	}
	if rep.ResumedFrom != 5 {
		t.Fatalf("resumed from step %d, want 5", rep.ResumedFrom)
	}
	if steps := []int{rep.History[0].Step, rep.History[len(rep.History)-1].Step}; steps[0] != 0 || steps[1] != 10 {
		t.Fatalf("history runs over steps %v, want 0..10 kept across the resume", steps)
	}
	for name, f := range whole.Modules {
		g := resumed.Modules[name]
		if !slices.Equal(f.A, g.A) || !slices.Equal(f.B, g.B) {
			t.Fatalf("module %s differs between the resumed and the uninterrupted run", name)
		}
	}
	// A checkpoint of another run is refused rather than silently mixed in.
	other := opts(10, ck, true)
	other.Rank = 3
	if _, _, err := Train(ctx, m, train, val, other); err == nil || !strings.Contains(err.Error(), "another run") {
		t.Fatalf("resume with another rank: error %v, want one saying the checkpoint is of another run", err)
	}
}

func TestTrainRejectsBadOptions(t *testing.T) {
	seqs := []inference.TrainSeq{{IDs: []int{1, 2, 3}}}
	cases := []struct {
		name string
		opts TrainOptions
		want string
	}{
		{"unknown target", TrainOptions{Targets: []string{"wq"}}, `target "wq"`},
		{"negative rank", TrainOptions{Rank: -1}, "must be positive"},
		{"bad skill", TrainOptions{Skill: "chat"}, `skill "chat"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Train(context.Background(), nil, seqs, seqs, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}
