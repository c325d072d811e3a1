package inference

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"manualbot/inference/safetensors"
)

// Options configure Load.
type Options struct {
	// Backend is "go" (default, pure Go on CPU) or "xla:/abs/path/pjrt_plugin.so".
	Backend string
	// MaxContext caps prompt plus generated tokens; 0 means the checkpoint's
	// max_position_embeddings, and larger values are reduced to it.
	MaxContext int
	// Logger receives load and generation logs; nil discards them.
	Logger *slog.Logger
	// MaxBatch is how many generations run together, each with its own KV cache (0:
	// DefaultMaxBatch); more wait in a queue.
	MaxBatch int
	// MaxQueue is how many generations may wait for a batch slot before Generate refuses
	// more with ErrQueueFull (0: DefaultMaxQueue).
	MaxQueue int
	// PrefillChunk is how many prompt tokens a newcomer's prefill advances between two
	// decode steps of the running generations (0: DefaultPrefillChunk); a prompt runs in
	// chunks of up to 512 tokens when nothing else is generating (prefill_chunk.go).
	PrefillChunk int
	// OnCacheBytes, when set, hears the bytes of KV cache the admitted generations hold
	// whenever that changes, on the scheduler's goroutine (it must not block): a process
	// can size its garbage collector's memory limit from it (cli/gc.go).
	OnCacheBytes func(n int64)
}

// Model is a loaded checkpoint ready to generate. It is safe for concurrent use:
// concurrent Generate calls are batched by its scheduler, Logits calls take turns with
// the scheduler's steps on the backend, and SetAdapters swaps weights atomically without
// waiting for them.
type Model struct {
	cfg     Config
	lay     *layout
	backend compute.Backend
	log     *slog.Logger
	maxCtx  int

	// base holds the checkpoint's weights on the backend, in layout order; fused adapters
	// make copies of the targeted ones, so removing adapters never reloads from disk.
	base  []*tensors.Tensor
	state atomic.Pointer[weightState]
	// head is the LM head split by rows (Config.headChunks); nil when the head is small.
	// It replaces the whole head on the backend (base holds a placeholder in its slot), so
	// one-row products stay on the backend's direct kernel with no second copy (head.go).
	head []*tensors.Tensor

	// split is how many row blocks large linear weights are stored as (storedShape).
	split int

	// queue admits one backend execution (a scheduler step, a Logits call, a training
	// batch) at a time.
	queue chan struct{}
	// sched batches the generations (continuous batching, scheduler.go).
	sched *scheduler
	// swapMu serialises SetAdapters so two swaps cannot interleave validation and publish.
	swapMu sync.Mutex

	execMu sync.Mutex
	execs  map[execKey]*graph.Exec
}

// weightState is one immutable set of weights a request runs with from start to end.
type weightState struct {
	weights  []*tensors.Tensor // layout order
	loras    []loraSlot        // unfused adapters: which weights they modify
	loraArgs []*tensors.Tensor // A, B per slot
	sig      string            // identifies the graph structure loras imply
	adapter  string            // adapter set name, "" for none
	fused    bool
}

type execKey struct {
	mode graphMode
	sig  string
}

// Load reads config.json and the safetensors weights in dir and places them on the
// backend. It checks every tensor the config implies is present with the right shape
// and finite values, and that nothing unexpected is there, so a damaged or mismatched
// checkpoint fails here rather than generating nonsense.
func Load(ctx context.Context, dir string, opts Options) (*Model, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	backend, err := newBackend(opts.Backend)
	if err != nil {
		return nil, err
	}
	maxCtx := cfg.MaxPositionEmbeddings
	if opts.MaxContext > 0 && opts.MaxContext < maxCtx {
		maxCtx = opts.MaxContext
	}
	m := &Model{
		cfg:     cfg,
		lay:     cfg.layout(),
		backend: backend,
		log:     log,
		maxCtx:  maxCtx,
		split:   rowSplit(opts.Backend),
		queue:   make(chan struct{}, 1),
		execs:   map[execKey]*graph.Exec{},
	}
	if w := buildWarning(); w != "" && !strings.HasPrefix(opts.Backend, "xla") {
		log.Warn(w) // the go backend's speed depends on the build; XLA's does not
	}
	m.sched = newScheduler(m, opts.MaxBatch, opts.MaxQueue, opts.PrefillChunk)
	m.sched.onCacheBytes = opts.OnCacheBytes
	start := time.Now()
	if err := m.loadWeights(ctx, dir); err != nil {
		return nil, err
	}
	m.state.Store(&weightState{weights: m.base})
	log.Info("model loaded", "dir", dir, "architecture", cfg.Architecture, "layers", cfg.NumLayers,
		"params", cfg.NumParams(), "backend", backend.Name(), "max_context", maxCtx, "kernels", m.Kernels(), "took", time.Since(start))
	return m, nil
}

// loadWeights converts each tensor straight from the file mapping into its backend
// buffer (shared with the host where the backend allows), so peak memory stays near one
// f32 copy of the weights.
func (m *Model) loadWeights(ctx context.Context, dir string) error {
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("model weights: %w", err)
	}
	defer set.Close()
	if err := m.cfg.checkTensorNames(set.Names()); err != nil {
		return err
	}
	m.base = make([]*tensors.Tensor, len(m.lay.specs))
	for i, spec := range m.lay.specs {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("loading weights: %w", err)
		}
		info, _ := set.Info(spec.Name)
		if !sameDims(info.Shape, spec.Shape) {
			return fmt.Errorf("tensor %s has shape %v, config.json implies %v", spec.Name, info.Shape, spec.Shape)
		}
		switch info.DType {
		case safetensors.F32, safetensors.F16, safetensors.BF16, safetensors.F64:
		default:
			return fmt.Errorf("tensor %s has dtype %s, which the model cannot compute with: want F32, BF16, F16 (or F64, converted to F32)", spec.Name, info.DType)
		}
		if i == m.lay.lmHead && m.cfg.headChunks() != nil {
			continue // loaded as chunks below
		}
		stored := spec
		if i != m.lay.embed {
			stored.Shape = m.storedShape(spec.Shape)
		}
		raw, err := set.Bytes(spec.Name)
		if err != nil {
			return fmt.Errorf("tensor %s: %w", spec.Name, err)
		}
		var t *tensors.Tensor
		if dt := m.storedDType(info.DType, spec.Shape); dt != dtypes.Float32 {
			t, err = m.newHalfWeight(stored, dt, raw)
		} else {
			t, err = m.newWeight(stored, func(dst []float32) error { return set.Float32Into(spec.Name, dst) })
		}
		if err != nil {
			return err
		}
		m.base[i] = t
		releasePages(raw)
	}
	return m.loadHeadChunks(set)
}

// loadHeadChunks converts the LM head's rows chunk by chunk from the file mapping.
func (m *Model) loadHeadChunks(set *safetensors.Set) error {
	rows := m.cfg.headChunks()
	if rows == nil {
		return nil
	}
	name := m.lay.specs[m.lay.lmHead].Name
	ph, err := m.newWeight(weightSpec{Name: name + "[placeholder]", Shape: headPlaceholder}, func([]float32) error { return nil })
	if err != nil {
		return err
	}
	m.base[m.lay.lmHead] = ph
	raw, err := set.Bytes(name)
	if err != nil {
		return fmt.Errorf("tensor %s: %w", name, err)
	}
	info, _ := set.Info(name)
	rowBytes := len(raw) / m.cfg.VocabSize
	off := 0
	for i, r := range rows {
		src := raw[off*rowBytes : (off+r)*rowBytes]
		spec := weightSpec{Name: fmt.Sprintf("%s[chunk %d]", name, i), Shape: m.storedShape([]int{r, m.cfg.HiddenSize})}
		var t *tensors.Tensor
		if dt := m.storedDType(info.DType, []int{r, m.cfg.HiddenSize}); dt != dtypes.Float32 {
			t, err = m.newHalfWeight(spec, dt, src)
		} else {
			t, err = m.newWeight(spec, func(dst []float32) error { return safetensors.ToFloat32(dst, info.DType, src) })
		}
		if err != nil {
			return err
		}
		m.head = append(m.head, t)
		off += r
	}
	releasePages(raw)
	return nil
}

// newWeight allocates a backend buffer for spec, lets fill write its values, refuses
// non-finite values, and returns it as a tensor living on the backend.
func (m *Model) newWeight(spec weightSpec, fill func(dst []float32) error) (*tensors.Tensor, error) {
	shape := shapes.Make(dtypes.Float32, spec.Shape...)
	check := func(v []float32) error {
		if err := fill(v); err != nil {
			return fmt.Errorf("tensor %s: %w", spec.Name, err)
		}
		if idx, bad := safetensors.HasNonFinite(v); bad {
			return fmt.Errorf("tensor %s has a non-finite value (%v) at flat index %d", spec.Name, v[idx], idx)
		}
		return nil
	}
	var buf compute.Buffer
	if m.backend.HasSharedBuffers() {
		b, flat, err := m.backend.NewSharedBuffer(0, shape)
		if err != nil {
			return nil, fmt.Errorf("tensor %s: allocating on the backend: %w", spec.Name, err)
		}
		if err := check(flat.([]float32)); err != nil {
			_ = b.Finalize()
			return nil, err
		}
		buf = b
	} else {
		host := make([]float32, spec.numElements())
		if err := check(host); err != nil {
			return nil, err
		}
		b, err := m.backend.BufferFromFlatData(0, host, shape)
		if err != nil {
			return nil, fmt.Errorf("tensor %s: copying to the backend: %w", spec.Name, err)
		}
		buf = b
	}
	t, err := tensors.FromBuffer(buf)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", spec.Name, err)
	}
	return t, nil
}

func sameDims(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Config is the checkpoint's parsed config.json.
func (m *Model) Config() Config { return m.cfg }

// MaxContext is the most tokens (prompt plus generated) one request may hold.
func (m *Model) MaxContext() int { return m.maxCtx }

// Adapter names the adapter set in use ("" for none) and whether it is fused.
func (m *Model) Adapter() (name string, fused bool) {
	st := m.state.Load()
	return st.adapter, st.fused
}

// BackendName says which backend runs the model, for logs and benchmarks.
func (m *Model) BackendName() string { return m.backend.Name() }

// acquire waits for the backend queue or the context.
func (m *Model) acquire(ctx context.Context) error {
	select {
	case m.queue <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the model: %w", ctx.Err())
	}
}

func (m *Model) release() { <-m.queue }

// exec returns the compiled-graph cache for a mode and LoRA structure, creating it once.
func (m *Model) exec(mode graphMode, st *weightState) (*graph.Exec, error) {
	key := execKey{mode: mode, sig: st.sig}
	m.execMu.Lock()
	defer m.execMu.Unlock()
	if e, ok := m.execs[key]; ok {
		return e, nil
	}
	spec := &graphSpec{cfg: m.cfg, lay: m.lay, mode: mode, loras: st.loras, headRows: m.cfg.headChunks()}
	e, err := graph.NewExec(m.backend, spec.build)
	if err != nil {
		return nil, fmt.Errorf("building the model graph: %w", err)
	}
	name := [...]string{modeStep: "step", modePrefill: "prefill", modeFull: "full", modeDecode: "decode", modeChunk: "chunk"}[mode]
	e = e.WithName("llama-" + name + st.sig).SetMaxCache(64)
	m.execs[key] = e
	return e, nil
}

// run executes a graph with the leading per-call arguments followed by the state's
// weights and LoRA factors.
func (m *Model) run(mode graphMode, st *weightState, lead ...any) ([]*tensors.Tensor, error) {
	e, err := m.exec(mode, st)
	if err != nil {
		return nil, err
	}
	args := make([]any, 0, len(lead)+len(st.weights)+len(st.loraArgs))
	args = append(args, lead...)
	for _, w := range st.weights {
		args = append(args, w)
	}
	for _, w := range m.head {
		args = append(args, w)
	}
	for _, a := range st.loraArgs {
		args = append(args, a)
	}
	out, err := e.Call(args...)
	if err != nil {
		return nil, fmt.Errorf("model forward: %w", err)
	}
	return out, nil
}

// checkIDs refuses empty prompts and ids outside the vocabulary.
func (m *Model) checkIDs(ids []int) error {
	if len(ids) == 0 {
		return errors.New("empty prompt: at least one token id is needed")
	}
	for i, id := range ids {
		if id < 0 || id >= m.cfg.VocabSize {
			return fmt.Errorf("prompt token %d has id %d, outside the vocabulary [0, %d)", i, id, m.cfg.VocabSize)
		}
	}
	return nil
}

// Logits runs the whole sequence through the model at once (no cache) and returns one
// row of vocabulary logits per input token. Sequences longer than the context window
// are refused.
func (m *Model) Logits(ctx context.Context, ids []int) ([][]float32, error) {
	if err := m.checkIDs(ids); err != nil {
		return nil, err
	}
	if len(ids) > m.maxCtx {
		return nil, fmt.Errorf("sequence of %d tokens exceeds the context window of %d", len(ids), m.maxCtx)
	}
	if err := m.acquire(ctx); err != nil {
		return nil, err
	}
	defer m.release()
	st := m.state.Load()
	n := len(ids)
	padded := bucket(n, 16, m.maxCtx)
	tok := make([]int32, padded)
	for i, id := range ids {
		tok[i] = int32(id)
	}
	out, err := m.run(modeFull, st, tok)
	if err != nil {
		return nil, err
	}
	defer finalizeAll(out)
	flat, err := tensors.CopyFlatData[float32](out[0])
	if err != nil {
		return nil, fmt.Errorf("reading logits: %w", err)
	}
	v := m.cfg.VocabSize
	rows := make([][]float32, n)
	for i := range rows {
		rows[i] = flat[i*v : (i+1)*v : (i+1)*v]
	}
	return rows, nil
}

// bucket rounds n up to a power of two no smaller than minimum, capped at limit (but
// never below n): padding sequence lengths to few shapes keeps compiled graphs few.
func bucket(n, minimum, limit int) int {
	b := minimum
	for b < n {
		b *= 2
	}
	if b > limit {
		b = max(limit, n)
	}
	return b
}

func finalizeAll(ts []*tensors.Tensor) {
	for _, t := range ts {
		if t != nil {
			t.FinalizeAll()
		}
	}
}

// describeSig makes a short, stable graph name suffix from LoRA targets.
func describeSig(slots []loraSlot, lay *layout) string {
	if len(slots) == 0 {
		return ""
	}
	var b strings.Builder
	for _, s := range slots {
		fmt.Fprintf(&b, "|%s", lay.specs[s.weight].Name)
	}
	return b.String()
}
