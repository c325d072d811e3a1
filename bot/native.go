package bot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// nativeRetry is how long the bot keeps to chat.update after Slack refused a native
// stream, before trying chat.startStream again (an admin may enable it meanwhile).
const nativeRetry = 10 * time.Minute

// nativeStream streams an answer with Slack's chat.startStream / appendStream /
// stopStream: Slack renders the text as it grows, and the feedback buttons come with the
// stop. Appends are deltas, so only text that extends what was sent can be appended;
// citation markers are held back (they are validated only at the end) and the final
// answer replaces the streamed text once stopped.
type nativeStream struct {
	b       *Bot
	channel string
	ts      string

	pacedLoop

	mu     sync.Mutex
	latest string
	sent   string
}

// startNative opens a native stream in m's thread, or returns nil when native streaming
// is off, recently refused, or refused now (then it is remembered for nativeRetry).
func (b *Bot) startNative(ctx context.Context, m incoming) *nativeStream {
	if b.opts.Streaming != "native" {
		return nil
	}
	if at := b.nativeRefused.Load(); at != 0 && time.Since(time.Unix(0, at)) < nativeRetry {
		return nil
	}
	opts := []slack.MsgOption{slack.MsgOptionTS(m.threadTS())}
	if !m.IM {
		// Outside DMs Slack needs to know whom the stream is for.
		opts = append(opts, slack.MsgOptionRecipientUserID(m.User), slack.MsgOptionRecipientTeamID(b.self.TeamID))
	}
	_, ts, err := b.api.StartStreamContext(ctx, m.Channel, opts...)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			b.nativeRefused.Store(time.Now().UnixNano())
			b.log.Info("Slack refused a native stream; editing placeholders instead", "error", se.Err,
				"retry_after", nativeRetry)
		} else {
			b.log.Warn("chat.startStream failed; editing the placeholder instead", "err", err)
		}
		b.metrics.errors.WithLabelValues("stream_refused").Inc()
		return nil
	}
	s := &nativeStream{b: b, channel: m.Channel, ts: ts, pacedLoop: newPacedLoop()}
	go s.run(ctx)
	return s
}

func (s *nativeStream) update(text string) {
	s.mu.Lock()
	s.latest = text
	s.mu.Unlock()
	s.poke()
}

// run appends what the answer grew by, paced like chat.update.
func (s *nativeStream) run(ctx context.Context) {
	s.pacedLoop.run(ctx, s.b.opts.UpdateInterval, func() time.Duration { return s.b.pace.reserve(s.channel) }, func() bool {
		s.mu.Lock()
		text := strings.TrimRight(neutralizeMentions(stripMarkers(s.latest)), " ")
		s.mu.Unlock()
		delta, ok := strings.CutPrefix(text, s.sent)
		if !ok || delta == "" {
			// The model's text changed behind what was sent: the final answer will fix it.
			return false
		}
		if _, _, err := s.b.api.AppendStreamContext(ctx, s.channel, s.ts, slack.MsgOptionMarkdownText(delta)); err != nil {
			s.b.metrics.errors.WithLabelValues("slack_api").Inc()
			s.b.log.Warn("chat.appendStream failed", "channel", s.channel, "err", err)
			return false
		}
		s.sent = text
		return true
	})
}

// finish stops the stream, with blocks (the sources and feedback buttons) under it when
// there are any.
func (s *nativeStream) finish(ctx context.Context, blocks []slack.Block) error {
	s.stop()
	var opts []slack.MsgOption
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	_, _, err := s.b.api.StopStreamContext(ctx, s.channel, s.ts, opts...)
	if err != nil {
		s.b.metrics.errors.WithLabelValues("slack_api").Inc()
		s.b.log.Error("chat.stopStream failed", "channel", s.channel, "ts", s.ts, "err", err)
	}
	return err
}

// mentionOpeners are how Slack text opens a ping or a link: <@U…>, <!channel>, <#C…>.
var mentionOpeners = strings.NewReplacer("<@", "<\u200b@", "<!", "<\u200b!", "<#", "<\u200b#")

// neutralizeMentions keeps a streamed answer (Markdown, not escaped like mrkdwn) from
// pinging anyone or a channel: a zero-width space breaks each opener. The final answer,
// escaped, replaces the streamed text once the stream stops.
func neutralizeMentions(s string) string { return mentionOpeners.Replace(s) }
