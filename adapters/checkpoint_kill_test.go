package adapters

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"manualbot/inference"
	"manualbot/inference/tokenizer"
	"manualbot/internal/testutil"
)

// killChildEnv makes the test binary a training or tuning process that a test kills.
const killChildEnv = "MANUALBOT_ADAPTERS_KILL_CHILD"

// killAtCheckpoints runs the test named test as a child process writing checkpoints into
// dir, and kills it with SIGKILL rounds times: each time once a checkpoint exists and a
// little later at a moment that moves from round to round, so kills land in checkpoint
// writes as well as in steps. Each child resumes from what the last one left.
func killAtCheckpoints(t *testing.T, test, dir string, rounds int) {
	t.Helper()
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
		cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(time.Minute)
		for latestCheckpoint(dir) == "" || modified(dir) < round+1 {
			select {
			case err := <-exited:
				t.Fatalf("round %d: the child ended before it was killed: %v", round, err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: no checkpoint after a minute", round)
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(round*7%23) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-exited
		if latestCheckpoint(dir) == "" {
			t.Fatalf("round %d: the kill left no checkpoint", round)
		}
	}
}

// modified counts the checkpoints written so far, from a counter file the child bumps.
func modified(dir string) int {
	b, _ := os.ReadFile(filepath.Join(dir, "steps-seen"))
	return len(b)
}

// bump is the child's OnStep hook: one byte per step, so the parent can wait for progress.
func bump(dir string) {
	f, err := os.OpenFile(filepath.Join(dir, "steps-seen"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		f.Write([]byte{'.'})
		f.Close()
	}
}

// TestTrainCheckpointSurvivesKill kills `Train` in a real process four times while it
// checkpoints every step; resuming what the kills left gives the uninterrupted run's
// adapter bit for bit, so no checkpoint was half-written or stale.
func TestTrainCheckpointSurvivesKill(t *testing.T) {
	m, train, val := storiesTrainSetup(t)
	opts := func(ck string, resume bool) TrainOptions {
		return TrainOptions{Rank: 2, Targets: []string{"q_proj", "v_proj"}, Steps: 24, Batch: 2, LR: 3e-3,
			Seed: 3, EvalEvery: 1, CheckpointDir: ck, Resume: resume}
	}
	ctx := context.Background()
	if dir := os.Getenv(killChildEnv); dir != "" {
		o := opts(dir, true)
		o.OnStep = func(TrainStep) { bump(dir) }
		if _, _, err := Train(ctx, m, train, val, o); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	killAtCheckpoints(t, "TestTrainCheckpointSurvivesKill", dir, 4)
	resumed, rep, err := Train(ctx, m, train, val, opts(dir, true))
	if err != nil {
		t.Fatalf("resume after the kills: %v", err)
	}
	if rep.ResumedFrom == 0 {
		t.Fatal("the resume started from scratch")
	}
	whole, _, err := Train(ctx, m, train, val, opts("", false))
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range whole.Modules {
		g := resumed.Modules[name]
		if !slices.Equal(f.A, g.A) || !slices.Equal(f.B, g.B) {
			t.Fatalf("module %s: resumed after kills differs from the uninterrupted run", name)
		}
	}
}

// TestTuneCheckpointSurvivesKill is the same for learning CAT weights (adapters tune).
func TestTuneCheckpointSurvivesKill(t *testing.T) {
	fx := lightTuneFixture(t)
	ctx := context.Background()
	opts := func(ck string, resume bool) TuneOptions {
		return TuneOptions{Steps: 16, LR: 0.05, Seed: 1, CheckpointDir: ck, CheckpointEvery: 1, Resume: resume}
	}
	inputs := fx.inputs
	if dir := os.Getenv(killChildEnv); dir != "" {
		o := opts(dir, true)
		o.OnStep = func(TuneStep) { bump(dir) }
		if _, _, err := Tune(ctx, fx.model, inputs, fx.data, o); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	killAtCheckpoints(t, "TestTuneCheckpointSurvivesKill", dir, 3)
	_, rep, err := Tune(ctx, fx.model, inputs, fx.data, opts(dir, true))
	if err != nil {
		t.Fatalf("resume after the kills: %v", err)
	}
	if rep.ResumedFrom == 0 {
		t.Fatal("the resume started from scratch")
	}
	_, whole, err := Tune(ctx, fx.model, inputs, fx.data, opts("", false))
	if err != nil {
		t.Fatal(err)
	}
	for mod, w := range whole.Weights.Modules {
		if !slices.Equal(w, rep.Weights.Modules[mod]) {
			t.Fatalf("module %s: weights %v after kills, %v uninterrupted", mod, rep.Weights.Modules[mod], w)
		}
	}
	if len(whole.Weights.Modules) == 0 {
		t.Fatal("tuning learnt no per-module weights: nothing compared")
	}
}

// tuneKillFixture is what tuning needs, without training an adapter first (each killed
// child builds it again): stories260K, QA sequences, and PEFT's own adapters a and c.
type tuneKillFixture struct {
	model  *inference.Model
	data   []inference.TrainSeq
	inputs []*Adapter
}

func lightTuneFixture(t *testing.T) tuneKillFixture {
	t.Helper()
	ctx := context.Background()
	dir := testutil.Fixture(t, "models/stories260K")
	m, err := inference.Load(ctx, dir, inference.Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	prompts, answers := storyQA(2, 8)
	data, err := qaTrainSeqs(tok, prompts, answers)
	if err != nil {
		t.Fatal(err)
	}
	var inputs []*Adapter
	for _, name := range []string{"adapter_a", "adapter_c"} {
		a, err := Load(ctx, filepath.Join(testutil.RepoRoot(t), "testdata", "hfref", name), nil)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, a)
	}
	return tuneKillFixture{model: m, data: data, inputs: inputs}
}
