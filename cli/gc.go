package cli

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// modelGCPercent is the garbage collector's growth target while a model is loaded.
const modelGCPercent = 20

// lowerGCHeadroom makes the garbage collector run when the heap has grown by 20% rather
// than Go's default 100%. A loaded model is one large live heap (its weights, pointer-free
// so cheap to mark), and the default lets a long prefill's transient tensors pile up to
// the weights' size again before a collection: peak RSS 1.73x the weights for a 1,024-token
// prompt on the 135M shapes at GOGC=100, 1.58x at 20. GOGC, when set, wins.
func lowerGCHeadroom() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(modelGCPercent)
	}
}

// gcSlackMin is the least room the memory limit leaves above the weights and the KV
// caches: the forward's transient tensors and the backend's pooled buffers behind them
// (about 50 MiB live for a 512-token chunk on the 135M shapes; at 60 MiB of room the
// collector ran back to back).
const gcSlackMin = 128 << 20

// memoryBudget sets the process's soft memory limit to what the model needs: the Go
// runtime's memory once the weights are loaded, plus the KV caches the running
// generations hold (inference.Options.OnCacheBytes), plus a slack for transients. A
// percentage alone cannot bound memory near the weights: the go backend rounds every
// buffer up to a size bucket (the 135M weights take 605 MiB of heap for 513 MiB of
// tensors), which the collector counts as live, and freed pages stay resident until the
// scavenger returns them, which only a limit makes it do promptly. Measured on the 135M
// shapes, 2,048-token prompt: peak RSS 1.72x the weights at GOGC=20, 1.55x at GOGC=5,
// 1.46x with this limit. GOMEMLIMIT, when set, wins.
type memoryBudget struct {
	mu     sync.Mutex
	base   int64 // runtime memory after load; 0 until loaded
	slack  int64
	caches int64
}

// newMemoryBudget returns a budget that changes nothing until loaded is called, and
// nothing at all when GOMEMLIMIT is set.
func newMemoryBudget() *memoryBudget {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	return &memoryBudget{}
}

// loaded records the runtime's memory with the model loaded (weights bytes sizes the slack).
func (b *memoryBudget) loaded(weights int64) {
	if b == nil {
		return
	}
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.base = int64(s[0].Value.Uint64() - s[1].Value.Uint64())
	b.slack = max(gcSlackMin, weights/8)
	b.apply()
}

// cacheBytes is inference.Options.OnCacheBytes.
func (b *memoryBudget) cacheBytes(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.caches = n
	b.apply()
}

func (b *memoryBudget) apply() {
	if b.base == 0 {
		return
	}
	debug.SetMemoryLimit(min(b.base+b.caches+b.slack, math.MaxInt64))
}
