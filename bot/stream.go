package bot

import (
	"context"
	"sync"
	"time"
)

// streamer shows a streaming answer in its placeholder with chat.update, at most once per
// interval: Slack allows about one write per second per channel, and the model produces
// tokens far faster. Only the newest text is sent; intermediate ones are skipped.
type streamer struct {
	b        *Bot
	channel  string
	ts       string
	interval time.Duration

	mu     sync.Mutex
	latest string
	sent   string

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
}

func newStreamer(b *Bot, channel, ts string, interval time.Duration) *streamer {
	return &streamer{b: b, channel: channel, ts: ts, interval: interval,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// update is the Answerer's onPartial: it records the text and never blocks.
func (s *streamer) update(text string) {
	s.mu.Lock()
	s.latest = text
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run sends the newest text whenever there is some and the interval since the last write
// (the placeholder counts as one) has passed, until stop.
func (s *streamer) run(ctx context.Context) {
	defer close(s.done)
	last := time.Now()
	for {
		select {
		case <-s.wake:
		case <-s.quit:
			return
		case <-ctx.Done():
			return
		}
		if wait := s.interval - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-s.quit:
				t.Stop()
				return
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		s.mu.Lock()
		text := s.latest
		s.mu.Unlock()
		if text == s.sent {
			continue
		}
		s.b.updateMessage(ctx, s.channel, s.ts, previewMessage(text))
		s.sent = text
		last = time.Now()
	}
}

// stop ends run and waits for it, so no late preview can overwrite the final answer.
func (s *streamer) stop() {
	close(s.quit)
	<-s.done
}
