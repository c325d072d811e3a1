package inference

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"manualbot/inference/testmodel"
	"manualbot/internal/testutil"
)

// storiesPrompts are prompts of different lengths (so requests sit at different positions
// in one batch) from the trained stories260K vocabulary.
func storiesPrompts() [][]int {
	return [][]int{
		{1},
		{1, 403, 407, 261, 378},
		{1, 365, 1641 % 512, 430, 271, 348, 2, 66, 300, 417, 299, 280},
		{1, 74, 84, 33},
		{1, 403, 407, 261, 378, 280, 29, 8, 92, 115, 44, 291, 17, 300, 12, 9, 1, 82, 35, 230, 101, 64},
		{1, 299},
	}
}

// aloneIDs runs each request by itself, one after another, on a fresh model.
func aloneIDs(t *testing.T, dir string, reqs []GenerateRequest) [][]int {
	t.Helper()
	m, err := Load(context.Background(), dir, Options{MaxBatch: 1})
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]int, len(reqs))
	for i, r := range reqs {
		res, err := m.Generate(context.Background(), r, nil)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = res.IDs
	}
	return out
}

// runConcurrently starts every request at once and returns each one's ids and error.
func runConcurrently(m *Model, ctx context.Context, reqs []GenerateRequest) ([][]int, []error) {
	ids := make([][]int, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, r := range reqs {
		wg.Go(func() {
			res, err := m.Generate(ctx, r, nil)
			if res != nil {
				ids[i] = res.IDs
			}
			errs[i] = err
		})
	}
	wg.Wait()
	return ids, errs
}

// TestBatchedGreedyMatchesUnbatched: the trained stories260K model's greedy ids are the
// same whether each request runs alone or batched with the others (different prompt
// lengths, so different positions and cache contents in one step), with chunked
// prefill interleaved with the decodes, and the requests did share decode steps.
func TestBatchedGreedyMatchesUnbatched(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	var reqs []GenerateRequest
	for _, p := range storiesPrompts() {
		reqs = append(reqs, GenerateRequest{PromptIDs: p, MaxTokens: 40, IgnoreEOS: true})
	}
	want := aloneIDs(t, dir, reqs)
	for _, chunk := range []int{16, 256} {
		t.Run(fmt.Sprintf("prefill chunk %d", chunk), func(t *testing.T) {
			m, err := Load(context.Background(), dir, Options{MaxBatch: 8, PrefillChunk: chunk})
			if err != nil {
				t.Fatal(err)
			}
			got, errs := runConcurrently(m, context.Background(), reqs)
			for i := range reqs {
				if errs[i] != nil {
					t.Fatalf("request %d: %v", i, errs[i])
				}
				if !slices.Equal(got[i], want[i]) {
					t.Errorf("request %d: batched %v\nalone %v", i, got[i], want[i])
				}
			}
			if b := m.sched.widest.Load(); b < 2 {
				t.Errorf("widest decode step had %d requests; the concurrent requests never shared a step", b)
			}
		})
	}
}

// TestSchedulerBadInputLeavesOthersUnharmed: a request cancelled mid-batch, a prompt past
// the window and a callback failing, all while others run, end only themselves.
func TestSchedulerBadInputLeavesOthersUnharmed(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	var reqs []GenerateRequest
	for _, p := range storiesPrompts()[:4] {
		reqs = append(reqs, GenerateRequest{PromptIDs: p, MaxTokens: 30, IgnoreEOS: true})
	}
	want := aloneIDs(t, dir, reqs)
	m, err := Load(context.Background(), dir, Options{MaxBatch: 8, MaxContext: 128})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([][]int, len(reqs))
	errs := make([]error, len(reqs))
	for i, r := range reqs {
		wg.Go(func() {
			res, err := m.Generate(ctx, r, nil)
			if err == nil {
				got[i] = res.IDs
			}
			errs[i] = err
		})
	}
	// Cancelled after its third token, while the others decode.
	cctx, cancel := context.WithCancel(ctx)
	var cancelled []int
	var cancelErr error
	wg.Go(func() {
		res, err := m.Generate(cctx, GenerateRequest{PromptIDs: []int{1, 403}, MaxTokens: 100, IgnoreEOS: true}, func(id int) error {
			if len(cancelled) == 2 {
				cancel()
			}
			cancelled = append(cancelled, id)
			return nil
		})
		cancelErr = err
		if res != nil && !slices.Equal(res.IDs, cancelled) {
			t.Errorf("cancelled request's result %v, streamed %v", res.IDs, cancelled)
		}
	})
	// A callback that fails stops its own request only.
	boom := errors.New("client went away")
	var boomErr error
	wg.Go(func() {
		_, boomErr = m.Generate(ctx, GenerateRequest{PromptIDs: []int{1, 74}, MaxTokens: 100, IgnoreEOS: true}, func(int) error { return boom })
	})
	// A prompt that leaves no room in the 128-token window.
	long := make([]int, 128)
	for i := range long {
		long[i] = 1 + i%500
	}
	var longErr error
	wg.Go(func() { _, longErr = m.Generate(ctx, GenerateRequest{PromptIDs: long}, nil) })
	wg.Wait()
	cancel()
	if !errors.Is(cancelErr, context.Canceled) || len(cancelled) != 3 {
		t.Errorf("cancelled request: err %v after %d tokens, want context.Canceled after 3", cancelErr, len(cancelled))
	}
	if !errors.Is(boomErr, boom) {
		t.Errorf("failing callback: err %v, want its own error", boomErr)
	}
	if longErr == nil || !strings.Contains(longErr.Error(), "context window of 128") {
		t.Errorf("prompt past the window: err %v", longErr)
	}
	for i := range reqs {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("request %d next to the bad ones: %v\nalone %v", i, got[i], want[i])
		}
	}
	// Every slot was given back: a fresh request runs, alone again.
	res, err := m.Generate(ctx, reqs[0], nil)
	if err != nil || !slices.Equal(res.IDs, want[0]) {
		t.Fatalf("after the bad requests: %v, %v; want %v", res, err, want[0])
	}
	// A finished or abandoned request gives its slot back at the loop's next iteration,
	// which may come just after its Generate returned: wait for it, boundedly.
	deadline := time.Now().Add(10 * time.Second)
	for m.sched.activeCount() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := m.sched.activeCount(); n != 0 {
		t.Errorf("%d requests still hold a slot 10 s after all returned", n)
	}
}

// TestSchedulerQueuesAndRefusesBeyondTheQueue sends 100 requests at once to a model that
// batches 2 and queues 50: exactly 48 are refused with ErrQueueFull, the 52 others finish
// with the output they have alone, and the queued ones hear positions that only fall,
// ending with 0 when they start.
func TestSchedulerQueuesAndRefusesBeyondTheQueue(t *testing.T) {
	cfg := testmodel.Tiny()
	cfg.MaxPositions = 64
	dir := writeModel(t, cfg, 11)
	req := func(i int) GenerateRequest {
		return GenerateRequest{PromptIDs: []int{1, 1 + i%90}, MaxTokens: 5, Temperature: 0.8, Seed: int64(i), IgnoreEOS: true}
	}
	const n = 100
	var reqs []GenerateRequest
	for i := range n {
		reqs = append(reqs, req(i))
	}
	want := aloneIDs(t, dir, reqs)
	m, err := Load(context.Background(), dir, Options{MaxBatch: 2, MaxQueue: 50})
	if err != nil {
		t.Fatal(err)
	}
	// Hold the backend so that nothing finishes while the 100 arrive: admission is then
	// decided by counts alone.
	m.queue <- struct{}{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := make([][]int, n)
	errs := make([]error, n)
	positions := make([][]int, n)
	for i := range n {
		r := reqs[i]
		r.OnQueue = func(p int) { positions[i] = append(positions[i], p) }
		wg.Go(func() {
			res, err := m.Generate(context.Background(), r, nil)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ids[i] = res.IDs
			}
			errs[i] = err
		})
	}
	// Refusals return at once; wait for them before letting the backend go.
	for {
		refused := 0
		for i := range n {
			mu.Lock()
			if errs[i] != nil {
				refused++
			}
			mu.Unlock()
		}
		if m.sched.waitingCount()+m.sched.activeCount()+refused == n {
			break
		}
		time.Sleep(time.Millisecond)
	}
	m.release()
	wg.Wait()
	refused := 0
	for i := range n {
		if errs[i] != nil {
			if !errors.Is(errs[i], ErrQueueFull) || !strings.Contains(errs[i].Error(), "max_queue") {
				t.Fatalf("request %d: %v, want ErrQueueFull naming model.max_queue", i, errs[i])
			}
			refused++
			continue
		}
		if !slices.Equal(ids[i], want[i]) {
			t.Errorf("request %d: %v, alone %v", i, ids[i], want[i])
		}
		p := positions[i]
		if len(p) > 0 && (p[len(p)-1] != 0 || !slices.IsSortedFunc(p, func(a, b int) int { return b - a })) {
			t.Errorf("request %d heard queue positions %v; want falling to 0", i, p)
		}
	}
	if refused != n-2-50 {
		t.Errorf("%d refused, want %d (100 - 2 batched - 50 queued)", refused, n-2-50)
	}
}

// TestAdapterCompositionsBatchInGroups: requests pinned to different adapter sets (by
// Snapshot) run concurrently, each group in its own decode steps, and each gets what it
// gets alone with its adapters; a swap while they run changes none of them.
func TestAdapterCompositionsBatchInGroups(t *testing.T) {
	cfg := testmodel.Tiny()
	cfg.MaxPositions = 64
	m := loadModel(t, writeModel(t, cfg, 11))
	ctx := context.Background()
	base := m.Snapshot()
	if err := m.SetAdapters(randomAdapters(cfg, 5), false); err != nil {
		t.Fatal(err)
	}
	unfused := m.Snapshot()
	if err := m.SetAdapters(randomAdapters(cfg, 6), true); err != nil {
		t.Fatal(err)
	}
	fused := m.Snapshot()
	var reqs []GenerateRequest
	for i, snap := range []Snapshot{base, unfused, fused, base, unfused, fused} {
		reqs = append(reqs, GenerateRequest{PromptIDs: []int{1, 3 + i}, MaxTokens: 12, IgnoreEOS: true, Snapshot: snap})
	}
	want := make([][]int, len(reqs))
	for i, r := range reqs {
		res, err := m.Generate(ctx, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = res.IDs
	}
	if slices.Equal(want[0], want[1]) && slices.Equal(want[0], want[2]) {
		t.Fatal("the adapters change nothing: the test would prove nothing")
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := m.SetAdapters(nil, false); err != nil {
			t.Error(err)
		}
	})
	got, errs := runConcurrently(m, ctx, reqs)
	wg.Wait()
	for i := range reqs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("request %d: concurrent %v, alone %v", i, got[i], want[i])
		}
	}
}

func TestCapacityBucket(t *testing.T) {
	cases := []struct{ n, limit, want int }{
		{1, 8192, 64}, {65, 8192, 128}, {1000, 8192, 1024}, {1024, 8192, 1024},
		{1025, 8192, 1536}, {2052, 8192, 2560}, {2560, 8192, 2560}, {8000, 8192, 8192},
		{300, 200, 300},                        // never below n (Generate refuses what does not fit before this)
		{3000, 3100, 3072}, {3090, 3100, 3100}, // capped at the window
	}
	for _, c := range cases {
		if got := capacityBucket(c.n, c.limit); got != c.want {
			t.Errorf("capacityBucket(%d, %d) = %d, want %d", c.n, c.limit, got, c.want)
		}
	}
}
