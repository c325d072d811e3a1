package inference

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// ErrQueueFull is returned (wrapped) by Generate when MaxQueue requests already wait for
// a batch slot: the caller should retry later or tell its user the model is busy.
var ErrQueueFull = errors.New("the model's queue is full")

// Scheduler defaults (Options.MaxBatch, MaxQueue, PrefillChunk).
const (
	DefaultMaxBatch     = 8
	DefaultMaxQueue     = 256
	DefaultPrefillChunk = 256
)

// scheduler runs every generation of a Model: continuous batching. It owns the requests'
// KV caches (one per admitted request, its slot) and loops over decode steps in which all
// admitted requests with the same weights advance by one token together (the batched
// decode graph). Requests join and leave between steps; a newcomer's prompt is
// prefilled in chunks interleaved with the running decodes, so one long prompt does not
// freeze the others' streams. Beyond maxBatch admitted requests, newcomers wait in
// arrival order and are told their position.
//
// Requests with different adapter compositions (weight states) are grouped: each group
// runs its own decode step in every loop iteration, so they share the backend in turn
// rather than in one product (unfused per-request LoRA factors would need a gather of
// factors per row, and fused compositions have different weights altogether).
//
// The loop runs in one goroutine that exists only while there is work: the first request
// starts it and it ends when nothing is admitted or waiting, so an idle model holds no
// goroutine and needs no Close.
type scheduler struct {
	m        *Model
	maxBatch int
	maxQueue int
	chunk    int
	// onCacheBytes hears cacheBytes on change (Options.OnCacheBytes); guarded by mu.
	onCacheBytes func(int64)
	cacheBytes   int64

	mu      sync.Mutex
	waiting []*request
	active  int // admitted requests, owned by the loop, mirrored here for admission
	running bool

	// widest is the most requests one decode step has carried; steps, tokens and busy
	// count the decode steps, the tokens they produced and the time they took.
	widest, steps, tokens, busy atomic.Int64
}

// DecodeStats are the scheduler's cumulative decode-step counts since Load.
type DecodeStats struct {
	Steps  int64         // batched decode steps run
	Tokens int64         // tokens they produced (the sum of the steps' widths)
	Busy   time.Duration // time spent in them, sampling included
	Widest int           // the most requests one step carried
}

// DecodeStats reports the decode steps so far: Tokens/Busy is the batched decode rate,
// free of the prefills and queueing around it.
func (m *Model) DecodeStats() DecodeStats {
	s := m.sched
	return DecodeStats{Steps: s.steps.Load(), Tokens: s.tokens.Load(), Busy: time.Duration(s.busy.Load()), Widest: int(s.widest.Load())}
}

// activeCount is how many requests hold a slot; waitingCount how many wait for one.
func (s *scheduler) activeCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

func (s *scheduler) waitingCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.waiting)
}

// request is one generation as the scheduler sees it. The loop owns the fields above mu;
// the caller and the loop share the ones below it.
type request struct {
	ctx      context.Context
	st       *weightState
	prompt   []int
	maxNew   int
	limited  bool // maxNew came from MaxTokens (StopLength), not the window (StopContext)
	stops    []int
	seen     map[int]bool
	smp      *sampler
	capacity int

	caches    []*tensors.Tensor // 2 per layer once prefill starts
	done      int               // prompt tokens already in the cache
	next      int               // the last generated id, fed to the next decode step
	generated int
	admitted  time.Time
	firstTok  time.Time

	abandoned atomic.Bool   // the caller stopped listening (cancelled, callback error, stop string)
	notify    chan struct{} // capacity 1: something below changed

	mu       sync.Mutex
	ids      []int // generated, not yet taken by the caller
	queuePos int   // latest queue position (0: admitted)
	posNews  bool  // queuePos changed since the caller last looked
	finished bool
	stop     string
	err      error
	prefill  time.Duration
	decode   time.Duration
}

func newScheduler(m *Model, maxBatch, maxQueue, chunk int) *scheduler {
	if maxBatch <= 0 {
		maxBatch = DefaultMaxBatch
	}
	if maxQueue <= 0 {
		maxQueue = DefaultMaxQueue
	}
	if chunk <= 0 {
		chunk = DefaultPrefillChunk
	}
	chunk = max(16, chunk/16*16) // a multiple of the padding bucket, so chunks need no padding
	return &scheduler{m: m, maxBatch: maxBatch, maxQueue: maxQueue, chunk: chunk}
}

// submit queues r for admission, starting the loop if it is idle. It refuses r when
// maxQueue requests already wait beyond the free slots.
func (s *scheduler) submit(r *request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if waiting := len(s.waiting) - max(0, s.maxBatch-s.active); waiting >= s.maxQueue {
		return fmt.Errorf("%w: %d requests are waiting (model.max_queue is %d); try again shortly", ErrQueueFull, waiting, s.maxQueue)
	}
	s.waiting = append(s.waiting, r)
	if !s.running {
		s.running = true
		go s.loop()
	}
	return nil
}

// loop is the scheduler: admit, drop the abandoned, advance one prefill chunk, run one
// decode step per weight group; until there is nothing left.
func (s *scheduler) loop() {
	var active []*request
	for {
		active = s.admit(active)
		if len(active) == 0 {
			return
		}
		active = slices.DeleteFunc(active, func(r *request) bool {
			if r.abandoned.Load() || r.ctx.Err() != nil {
				r.finish("", context.Cause(r.ctx))
				return true
			}
			return false
		})
		var decoding []*request
		var filling *request
		for _, r := range active {
			switch {
			case r.done == len(r.prompt):
				decoding = append(decoding, r)
			case filling == nil:
				filling = r
			}
		}
		if filling != nil {
			s.prefillChunk(filling, len(decoding) > 0)
		}
		for _, g := range decodeGroups(decoding) {
			s.decodeStep(g)
		}
		active = slices.DeleteFunc(active, func(r *request) bool { return r.isFinished() })
		s.mu.Lock()
		s.reportCacheBytes(active)
		s.mu.Unlock()
	}
}

// admit moves waiting requests into free slots (choosing their cache capacity) and tells
// the rest their queue position. With nothing admitted and nothing waiting it marks the
// loop stopped and returns nil.
func (s *scheduler) admit(active []*request) []*request {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiting = slices.DeleteFunc(s.waiting, func(r *request) bool {
		if r.abandoned.Load() || r.ctx.Err() != nil {
			r.finish("", context.Cause(r.ctx))
			return true
		}
		return false
	})
	for len(s.waiting) > 0 && len(active) < s.maxBatch {
		r := s.waiting[0]
		s.waiting = s.waiting[1:]
		r.capacity = joinCapacity(r, active, s.m.maxCtx)
		r.admitted = time.Now()
		r.setQueuePos(0)
		active = append(active, r)
	}
	for i, r := range s.waiting {
		r.setQueuePos(i + 1)
	}
	s.active = len(active)
	// Under mu: the loop that is about to end and the one a new request starts would
	// otherwise both report.
	s.reportCacheBytes(active)
	if len(active) == 0 {
		s.running = false
		return nil
	}
	return active
}

// joinCapacity is the cache capacity for r: the smallest bucket holding its prompt and
// answer, raised to that of a running request with the same weights when that is larger,
// so r joins that request's decode step instead of starting a group of its own.
func joinCapacity(r *request, active []*request, maxCtx int) int {
	n := len(r.prompt)
	own := max(capacityBucket(n+r.maxNew, maxCtx), bucket(n, 16, maxCtx))
	best := own
	for _, o := range active {
		if o.st == r.st && o.capacity > own && (best == own || o.capacity < best) {
			best = o.capacity
		}
	}
	return best
}

// capacityBucket is the KV cache capacity for n tokens: a power of two up to 1,024, then a
// multiple of 512, capped at limit. Powers of two all the way would nearly double a long
// prompt's cache (2,048 prompt + 64 answer tokens: 4,096 rows, 189 MB on the 135M shapes,
// 0.35x the weights; 2,560 here), while a few shapes keep the compiled graphs few.
func capacityBucket(n, limit int) int {
	if n <= 1024 {
		return bucket(n, 64, limit)
	}
	return max(min((n+511)/512*512, limit), n)
}

// decodeGroups splits the decoding requests into groups that can share a decode step:
// the same weights and the same cache capacity, in admission order.
func decodeGroups(rs []*request) [][]*request {
	type key struct {
		st  *weightState
		cap int
	}
	var order []key
	groups := map[key][]*request{}
	for _, r := range rs {
		k := key{r.st, r.capacity}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([][]*request, len(order))
	for i, k := range order {
		out[i] = groups[k]
	}
	return out
}

// prefillChunk advances r's prompt by one chunk: up to longPromptChunk tokens when
// nothing else is decoding (bounded memory, still large matrix products), up to the
// scheduler's chunk otherwise, so the running decodes wait at most a chunk's time for
// their next token. Chunks after the first run through the chunk graph: exact causal
// blocks over the cache's filled rows only.
func (s *scheduler) prefillChunk(r *request, others bool) {
	n := len(r.prompt)
	take := min(n-r.done, longPromptChunk)
	if others {
		take = min(take, s.chunk)
	}
	tok := make([]int32, 0, take)
	for _, id := range r.prompt[r.done : r.done+take] {
		tok = append(tok, int32(id))
	}
	var logits []float32
	var caches []*tensors.Tensor
	err := s.m.withBackend(func() error {
		var err error
		if r.done == 0 {
			// From position 0: the prefill graph makes the caches. Pad to a bucket (within
			// the capacity); rows past the chunk are zeroed in the cache.
			padded := min(bucket(take, 16, s.m.maxCtx), r.capacity)
			logits, caches, err = s.m.prefill(r.st, padTo(tok, padded), take-1, r.capacity)
			return err
		}
		padded := min(bucket(take, 16, s.m.maxCtx), r.capacity-r.done)
		logits, caches, err = s.m.chunk(r.st, padTo(tok, padded), r.done, take-1, r.caches)
		r.caches = nil // donated
		return err
	})
	if err != nil {
		r.finish("", err)
		return
	}
	r.caches = caches
	r.done += take
	if r.done == n {
		r.firstTok = time.Now()
		r.setPrefill(r.firstTok.Sub(r.admitted))
		r.accept(logits)
	}
}

// padTo returns tok extended with zeros to length n.
func padTo(tok []int32, n int) []int32 {
	for len(tok) < n {
		tok = append(tok, 0)
	}
	return tok[:n]
}

// decodeStep feeds each request of g its last generated token in one batched step and
// samples each one's next token from its row of the logits.
func (s *scheduler) decodeStep(g []*request) {
	B := len(g)
	if int64(B) > s.widest.Load() {
		s.widest.Store(int64(B))
	}
	t0 := time.Now()
	defer func() {
		s.steps.Add(1)
		s.tokens.Add(int64(B))
		s.busy.Add(int64(time.Since(t0)))
	}()
	tokens := make([]int32, B)
	positions := make([]int32, B)
	lead := []any{tokens, positions}
	for i, r := range g {
		tokens[i] = int32(r.next)
		positions[i] = int32(len(r.prompt) + r.generated - 1)
	}
	var out []*tensors.Tensor
	err := s.m.withBackend(func() error {
		for _, r := range g {
			for _, c := range r.caches {
				d, err := graph.DonateTensorBuffer(c, s.m.backend, 0)
				if err != nil {
					return fmt.Errorf("kv cache: %w", err)
				}
				lead = append(lead, d)
			}
			r.caches = nil // donated
		}
		var err error
		out, err = s.m.run(modeDecode, g[0].st, lead...)
		return err
	})
	var logits []float32
	if err == nil {
		logits, err = tensors.CopyFlatData[float32](out[0])
		out[0].FinalizeAll()
		if err != nil {
			err = fmt.Errorf("reading logits: %w", err)
		}
	}
	if err != nil {
		if out != nil {
			finalizeAll(out[1:])
		}
		for _, r := range g {
			r.finish("", err)
		}
		return
	}
	per := 2 * s.m.cfg.NumLayers
	V := s.m.cfg.VocabSize
	for i, r := range g {
		r.caches = out[1+i*per : 1+(i+1)*per]
		r.accept(logits[i*V : (i+1)*V])
	}
}

// withBackend runs f holding the model's backend turn, which Logits and training take
// too, so the backend runs one execution at a time. A panic in f (GoMLX reports some
// failures by panicking) becomes the error of the requests in that step: it must not
// take down the scheduler's goroutine, and with it the process.
func (m *Model) withBackend(f func() error) (err error) {
	m.queue <- struct{}{}
	defer m.release()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("model forward panicked: %v", p)
		}
	}()
	return f()
}

// accept samples r's next token from logits, hands it to the caller and ends r on a
// stop id or when its budget is spent.
func (r *request) accept(logits []float32) {
	id := r.smp.next(logits, r.seen)
	r.seen[id] = true
	r.generated++
	r.next = id
	r.mu.Lock()
	r.ids = append(r.ids, id)
	r.mu.Unlock()
	switch {
	case slices.Contains(r.stops, id):
		r.finish(StopEOS, nil)
	case r.generated >= r.maxNew && r.limited:
		r.finish(StopLength, nil)
	case r.generated >= r.maxNew:
		r.finish(StopContext, nil)
	default:
		r.signal()
	}
}

// finish ends r (with a stop reason, or an error) and frees its cache.
func (r *request) finish(stop string, err error) {
	finalizeAll(r.caches)
	r.caches = nil
	r.mu.Lock()
	if !r.finished {
		r.finished, r.stop, r.err = true, stop, err
		if !r.firstTok.IsZero() {
			r.decode = time.Since(r.firstTok)
		}
	}
	r.mu.Unlock()
	r.signal()
}

func (r *request) isFinished() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.finished
}

// setQueuePos records r's place in the queue (0: admitted); only changes are reported,
// so a request admitted at once never hears of the queue.
func (r *request) setQueuePos(p int) {
	r.mu.Lock()
	changed := r.queuePos != p
	if changed {
		r.queuePos, r.posNews = p, true
	}
	r.mu.Unlock()
	if changed {
		r.signal()
	}
}

func (r *request) setPrefill(d time.Duration) {
	r.mu.Lock()
	r.prefill = d
	r.mu.Unlock()
}

func (r *request) signal() {
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// update is what the caller takes from a request at one look.
type update struct {
	ids      []int
	queuePos int
	posNews  bool
	finished bool
	stop     string
	err      error
	prefill  time.Duration
	decode   time.Duration
}

func (r *request) take() update {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := update{ids: r.ids, queuePos: r.queuePos, posNews: r.posNews, finished: r.finished, stop: r.stop,
		err: r.err, prefill: r.prefill, decode: r.decode}
	r.ids, r.posNews = nil, false
	return u
}
