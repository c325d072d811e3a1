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
	pacedLoop

	mu     sync.Mutex
	latest renderedMessage
	sent   string
}

func newStreamer(b *Bot, channel, ts string, interval time.Duration) *streamer {
	return &streamer{b: b, channel: channel, ts: ts, interval: interval, pacedLoop: newPacedLoop()}
}

// update records the answer so far and never blocks.
func (s *streamer) update(text string) { s.show(previewMessage(text)) }

// show records a message to display (a queue position) and never blocks.
func (s *streamer) show(rm renderedMessage) {
	s.mu.Lock()
	s.latest = rm
	s.mu.Unlock()
	s.poke()
}

// run sends the newest message whenever there is one, waiting both for the interval since
// this answer's last write (the placeholder counts as one) and for the channel's pace.
func (s *streamer) run(ctx context.Context) {
	s.pacedLoop.run(ctx, s.interval, func() time.Duration { return s.b.pace.reserve(s.channel) }, func() bool {
		s.mu.Lock()
		rm := s.latest
		s.mu.Unlock()
		if rm.Text == s.sent {
			return false
		}
		_ = s.b.updateMessage(ctx, s.channel, s.ts, rm)
		s.sent = rm.Text
		return true
	})
}
