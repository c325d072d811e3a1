package bot

import (
	"context"
	"sync"
	"time"
)

// progress is where an answer in progress is shown: a placeholder edited with chat.update
// (streamer) or a native Slack stream (nativeStream). Both are paced and never block the
// model.
type progress interface {
	// update is the Answerer's onPartial: the whole answer so far.
	update(text string)
	// stop ends the updates and waits for the last one, so no late write can overwrite the
	// final answer.
	stop()
}

// streamer shows a streaming answer in its placeholder with chat.update, at most once per
// interval: Slack allows about one write per second per channel, and the model produces
// tokens far faster. Only the newest text is sent; intermediate ones are skipped. It also
// shows the question's place in the queue while it waits.
type streamer struct {
	b        *Bot
	channel  string
	ts       string
	interval time.Duration

	mu     sync.Mutex
	latest renderedMessage
	sent   string

	wake chan struct{}
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func newStreamer(b *Bot, channel, ts string, interval time.Duration) *streamer {
	return &streamer{b: b, channel: channel, ts: ts, interval: interval,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// update records the answer so far and never blocks.
func (s *streamer) update(text string) { s.show(previewMessage(text)) }

// show records a message to display (a queue position) and never blocks.
func (s *streamer) show(rm renderedMessage) {
	s.mu.Lock()
	s.latest = rm
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run sends the newest message whenever there is one, waiting both for the interval since
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
		if !sleepUnless(ctx, s.quit, s.interval-time.Since(last)) || !sleepUnless(ctx, s.quit, s.b.pace.reserve(s.channel)) {
			return
		}
		s.mu.Lock()
		rm := s.latest
		s.mu.Unlock()
		if rm.Text == s.sent {
			continue
		}
		_ = s.b.updateMessage(ctx, s.channel, s.ts, rm)
		s.sent = rm.Text
		last = time.Now()
	}
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

func (s *streamer) stop() {
	s.once.Do(func() { close(s.quit) })
	<-s.done
}
