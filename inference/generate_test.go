package inference

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"manualbot/inference/testmodel"
)

func tinyModel(t testing.TB) *Model {
	t.Helper()
	c := testmodel.Tiny()
	c.MaxPositions = 64
	return loadModel(t, writeModel(t, c, 11))
}

func TestGenerateRejectsBadRequests(t *testing.T) {
	m := tinyModel(t)
	long := make([]int, 64)
	for i := range long {
		long[i] = 5
	}
	cases := []struct {
		name string
		req  GenerateRequest
		want string
	}{
		{"empty prompt", GenerateRequest{}, "empty prompt"},
		{"id past vocabulary", GenerateRequest{PromptIDs: []int{1, 97}}, "outside the vocabulary"},
		{"negative id", GenerateRequest{PromptIDs: []int{-1}}, "outside the vocabulary"},
		{"prompt fills the context", GenerateRequest{PromptIDs: long}, "context window of 64"},
		{"prompt longer than the context", GenerateRequest{PromptIDs: append(long, 1)}, "context window"},
		{"negative temperature", GenerateRequest{PromptIDs: []int{1}, Temperature: -1}, "temperature"},
		{"top-p above 1", GenerateRequest{PromptIDs: []int{1}, TopP: 1.5}, "top-p"},
		{"negative top-k", GenerateRequest{PromptIDs: []int{1}, TopK: -2}, "top-k"},
		{"stop strings without decode", GenerateRequest{PromptIDs: []int{1}, StopStrings: []string{"x"}}, "Decode"},
		{"negative max tokens", GenerateRequest{PromptIDs: []int{1}, MaxTokens: -1}, "max tokens"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := m.Generate(context.Background(), c.req, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Generate = %+v, %v; want an error containing %q", res, err, c.want)
			}
		})
	}
	if _, err := m.Logits(context.Background(), nil); err == nil {
		t.Error("Logits(nil) succeeded")
	}
	if _, err := m.Logits(context.Background(), append(long, 1)); err == nil {
		t.Error("Logits past the context succeeded")
	}
}

func TestGenerateStopsAndLimits(t *testing.T) {
	m := tinyModel(t)
	ctx := context.Background()
	greedy, err := m.Generate(ctx, GenerateRequest{PromptIDs: []int{1, 5, 9}, MaxTokens: 12, IgnoreEOS: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(greedy.IDs) != 12 || greedy.StopReason != StopLength {
		t.Fatalf("max tokens: got %d ids, reason %q", len(greedy.IDs), greedy.StopReason)
	}
	// Greedy ids must be the argmax of the full forward at every step.
	full, err := m.Logits(ctx, append([]int{1, 5, 9}, greedy.IDs[:11]...))
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range greedy.IDs {
		if a := argmax(full[2+i]); a != id {
			t.Fatalf("step %d: generated %d, full-forward argmax %d", i, id, a)
		}
	}
	// A stop id ends generation at its first occurrence, included in the output.
	stopAt := greedy.IDs[4]
	first := slices.Index(greedy.IDs, stopAt)
	res, err := m.Generate(ctx, GenerateRequest{PromptIDs: []int{1, 5, 9}, MaxTokens: 12, IgnoreEOS: true, StopIDs: []int{stopAt}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason != StopEOS || !slices.Equal(res.IDs, greedy.IDs[:first+1]) {
		t.Fatalf("stop id: %+v, want %v", res, greedy.IDs[:first+1])
	}
	// Stop strings are checked on the decoded output.
	decode := func(ids []int) string { return fmt.Sprint(ids) }
	want := fmt.Sprint(greedy.IDs[:3])
	want = want[1 : len(want)-1] // "a b c"
	res, err = m.Generate(ctx, GenerateRequest{PromptIDs: []int{1, 5, 9}, MaxTokens: 12, IgnoreEOS: true,
		StopStrings: []string{want}, Decode: decode}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason != StopString || len(res.IDs) > 3 {
		t.Fatalf("stop string %q: %+v", want, res)
	}
	// Without MaxTokens, generation runs to the end of the context window.
	res, err = m.Generate(ctx, GenerateRequest{PromptIDs: []int{1, 5, 9}, IgnoreEOS: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StopReason != StopContext || len(res.IDs) != 64-3 {
		t.Fatalf("context: %d ids, reason %q", len(res.IDs), res.StopReason)
	}
}

func TestSamplingIsSeededAndRespectsFilters(t *testing.T) {
	m := tinyModel(t)
	ctx := context.Background()
	run := func(req GenerateRequest) []int {
		t.Helper()
		req.PromptIDs, req.MaxTokens, req.IgnoreEOS = []int{1, 3}, 16, true
		res, err := m.Generate(ctx, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.IDs
	}
	greedy := run(GenerateRequest{})
	hot := GenerateRequest{Temperature: 5, Seed: 42}
	a, b := run(hot), run(hot)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different output: %v vs %v", a, b)
	}
	hot.Seed = 43
	if c := run(hot); slices.Equal(a, c) {
		t.Errorf("different seeds gave the same high-temperature output %v", a)
	}
	if got := run(GenerateRequest{Temperature: 5, TopK: 1, Seed: 1}); !slices.Equal(got, greedy) {
		t.Errorf("top-k 1 = %v, want greedy %v", got, greedy)
	}
	if got := run(GenerateRequest{Temperature: 5, TopP: 1e-9, Seed: 1}); !slices.Equal(got, greedy) {
		t.Errorf("tiny top-p = %v, want greedy %v", got, greedy)
	}
	// A huge repetition penalty forbids repeating any token while others remain.
	pen := run(GenerateRequest{RepetitionPenalty: 1e6})
	seen := map[int]bool{1: true, 3: true}
	for _, id := range pen {
		if seen[id] {
			t.Fatalf("repetition penalty let %d repeat: %v", id, pen)
		}
		seen[id] = true
	}
}

func TestGenerateStreamsAndCancels(t *testing.T) {
	m := tinyModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var streamed []int
	res, err := m.Generate(ctx, GenerateRequest{PromptIDs: []int{1}, MaxTokens: 30, IgnoreEOS: true}, func(id int) error {
		streamed = append(streamed, id)
		if len(streamed) == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(res.IDs) != 3 || !slices.Equal(res.IDs, streamed) {
		t.Fatalf("partial result %v, streamed %v", res.IDs, streamed)
	}
	boom := errors.New("client went away")
	_, err = m.Generate(context.Background(), GenerateRequest{PromptIDs: []int{1}, MaxTokens: 30}, func(int) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the callback's error", err)
	}
	// A cancelled context while queued returns promptly.
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := m.Generate(done, GenerateRequest{PromptIDs: []int{1}}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("queued with a dead context: %v", err)
	}
}

// TestConcurrentGenerations runs sampled generations from many goroutines (with an
// adapter swap in the middle) on the default go backend: no deadlock on 2 cores, no data
// race under -race, and each request's output equals the same request run alone.
func TestConcurrentGenerations(t *testing.T) {
	cfg := testmodel.Tiny()
	cfg.MaxPositions = 64
	m := loadModel(t, writeModel(t, cfg, 11))
	ctx := context.Background()
	req := func(seed int64) GenerateRequest {
		return GenerateRequest{PromptIDs: []int{1, int(seed % 90)}, MaxTokens: 10, Temperature: 0.9, TopP: 0.9, Seed: seed, IgnoreEOS: true}
	}
	const n = 8
	want := make([][]int, n)
	for i := range n {
		res, err := m.Generate(ctx, req(int64(i)), nil)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = res.IDs
	}
	var wg sync.WaitGroup
	got := make([][]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			res, err := m.Generate(ctx, req(int64(i)), nil)
			if err == nil {
				got[i] = res.IDs
			}
			errs[i] = err
		})
	}
	wg.Go(func() { _, errs[0] = m.Logits(ctx, []int{1, 2, 3}) })
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("request %d: concurrent output %v, alone %v", i, got[i], want[i])
		}
	}
	// Swapping adapters while requests run must neither race nor break them.
	set := randomAdapters(cfg, 5)
	for i := range n {
		wg.Go(func() { _, errs[i] = m.Generate(ctx, req(int64(i)), nil) })
	}
	wg.Go(func() {
		for j := range 4 {
			if err := m.SetAdapters(set, j%2 == 0); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
