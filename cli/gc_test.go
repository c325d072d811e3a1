package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestMemoryBudgetFollowsTheCaches: the limit is the runtime's memory at load plus the
// caches in use plus the slack, and follows the caches as they come and go.
func TestMemoryBudgetFollowsTheCaches(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetMemoryLimit(math.MaxInt64)
	b := newMemoryBudget()
	b.cacheBytes(1 << 30) // before load: nothing set
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("limit %d set before the model was loaded", got)
	}
	b.loaded(1 << 30)
	base, slack := b.base, b.slack
	if base <= 0 || slack != (1<<30)/8 {
		t.Fatalf("base %d, slack %d; want base > 0 and slack weights/8", base, slack)
	}
	for _, caches := range []int64{0, 300 << 20, 0} {
		b.cacheBytes(caches)
		if got, want := debug.SetMemoryLimit(-1), base+caches+slack; got != want {
			t.Errorf("caches %d: limit %d, want %d", caches, got, want)
		}
	}
	small := newMemoryBudget()
	small.loaded(1 << 20)
	if small.slack != gcSlackMin {
		t.Errorf("small model's slack %d, want the minimum %d", small.slack, gcSlackMin)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if newMemoryBudget() != nil {
		t.Error("GOMEMLIMIT set, yet a budget was made")
	}
}
