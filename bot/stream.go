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

// run sends the newest text whenever there is some, waiting both for the interval since
// this answer's last write (the placeholder counts as one) and for the channel's pace.
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
		if !s.sleep(ctx, s.interval-time.Since(last)) || !s.sleep(ctx, s.b.pace.reserve(s.channel)) {
			return
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

// sleep waits d and reports false if the stream was stopped meanwhile.
func (s *streamer) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.quit:
		return false
	case <-ctx.Done():
		return false
	}
}

// stop ends run and waits for it, so no late preview can overwrite the final answer.
func (s *streamer) stop() {
	close(s.quit)
	<-s.done
}
