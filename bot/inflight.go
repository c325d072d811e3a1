package bot

import (
	"context"
	"sync"
	"time"
)

// inflight runs the bot's work (answers, commands) in goroutines that outlive the event
// that started them, and lets shutdown stop new work and wait for the old with a bound.
// The work's context is not cancelled by shutdown; only the bound's expiry cancels it.
type inflight struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

func newInflight(parent context.Context) *inflight {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	return &inflight{ctx: ctx, cancel: cancel}
}

// goWork starts fn unless shutdown has begun, and reports whether it did.
func (f *inflight) goWork(fn func(ctx context.Context)) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		fn(f.ctx)
	}()
	return true
}

// drain refuses new work and waits up to timeout for the running work; past it the
// work's context is cancelled and drain waits a little longer for it to notice. It reports whether
// everything finished in time.
func (f *inflight) drain(timeout time.Duration) bool {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	done := make(chan struct{})
	go func() {
		f.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
		f.cancel()
		return true
	case <-timer.C:
		f.cancel()
		// Work that ignores its context must not hold the process forever either.
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		return false
	}
}
