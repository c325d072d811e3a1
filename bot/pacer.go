package bot

import (
	"sync"
	"time"
)

// pacer spaces the streamed edits written to one channel: Slack allows about one message
// write per second per channel, so twenty answers streaming in one channel must share
// that pace rather than each take it. Each caller reserves the channel's next free slot.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	now      func() time.Time
	next     map[string]time.Time
}

func newPacer(interval time.Duration, now func() time.Time) *pacer {
	return &pacer{interval: interval, now: now, next: map[string]time.Time{}}
}

// reserve books the channel's next write slot and returns how long to wait for it.
func (p *pacer) reserve(channel string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if len(p.next) > 1000 {
		for ch, t := range p.next {
			if t.Before(now) {
				delete(p.next, ch)
			}
		}
	}
	slot := now
	if t, ok := p.next[channel]; ok && t.After(now) {
		slot = t
	}
	p.next[channel] = slot.Add(p.interval)
	return slot.Sub(now)
}
