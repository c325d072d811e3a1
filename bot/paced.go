package bot

import (
	"context"
	"sync"
	"time"
)

// pacedLoop is what both ways of showing progress share: wake on news, wait for the
// interval since this answer's last write and for the channel's pace (Slack allows about
// one write per second per channel, and the model produces tokens far faster), then write
// the newest state. Intermediate states are skipped, and nothing here ever blocks the
// model: news only pokes the loop.
type pacedLoop struct {
	wake chan struct{}
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func newPacedLoop() pacedLoop {
	return pacedLoop{wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// poke tells the loop there is something new to show; it never blocks.
func (p *pacedLoop) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run calls write whenever there is news, paced by interval and by reserve (the
// channel's next free slot, asked for only when a write is due). write reports whether it
// sent anything: a skipped write does not restart the interval.
func (p *pacedLoop) run(ctx context.Context, interval time.Duration, reserve func() time.Duration, write func() bool) {
	defer close(p.done)
	last := time.Now()
	for {
		select {
		case <-p.wake:
		case <-p.quit:
			return
		case <-ctx.Done():
			return
		}
		if !sleepUnless(ctx, p.quit, interval-time.Since(last)) || !sleepUnless(ctx, p.quit, reserve()) {
			return
		}
		if write() {
			last = time.Now()
		}
	}
}

// stop ends the loop and waits for the write in flight, so no late write can overwrite
// the final answer.
func (p *pacedLoop) stop() {
	p.once.Do(func() { close(p.quit) })
	<-p.done
}

// sleepUnless waits d and reports false if quit closed or ctx ended meanwhile.
func sleepUnless(ctx context.Context, quit <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-quit:
		return false
	case <-ctx.Done():
		return false
	}
}
