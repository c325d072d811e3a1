package bot

import (
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"

	"manualbot/qa"
)

const rateLimitedText = "You're asking faster than I can read the manuals. Please wait a minute and ask again."

// answerQuestion posts a placeholder in the thread at once, streams the answer into it,
// then replaces it with the final answer (split over several messages when long), its
// sources and feedback buttons.
func (b *Bot) answerQuestion(ctx context.Context, m incoming, text string) {
	arrived := time.Now()
	if text == "" {
		b.replyInThread(ctx, m, "Ask me anything about the manuals, e.g. `@manualbot how do I reset the device?` ("+"`help` lists what else I can do).")
		return
	}
	if !b.limiter.allow(m.User) {
		b.metrics.errors.WithLabelValues("rate_limited").Inc()
		b.replyInThread(ctx, m, rateLimitedText)
		return
	}
	b.metrics.questions.Inc()
	b.metrics.inflight.Inc()
	defer b.metrics.inflight.Dec()

	_, placeholderTS, err := b.api.PostMessageContext(ctx, m.Channel,
		slack.MsgOptionText(placeholderText, false), slack.MsgOptionTS(m.threadTS()))
	if err != nil {
		b.metrics.errors.WithLabelValues("slack_api").Inc()
		b.log.Error("posting the placeholder failed", "channel", m.Channel, "err", err)
		return
	}
	b.metrics.placeholderLatency.Observe(time.Since(arrived).Seconds())

	q := qa.Question{Text: text, Product: b.opts.ChannelProducts[m.Channel], User: m.User, Channel: m.Channel}
	if m.ThreadTS != "" {
		q.History = b.threadHistory(ctx, m, placeholderTS)
	}

	st := newStreamer(b, m.Channel, placeholderTS, b.opts.UpdateInterval)
	go st.run(ctx)
	ans, err := b.answerer.Ask(ctx, q, st.update)
	st.stop()

	if err != nil {
		b.metrics.errors.WithLabelValues("answer").Inc()
		b.log.Error("answering failed", "channel", m.Channel, "user", m.User, "err", err)
		msg := "Sorry, I couldn't answer that because something went wrong on my side. Please try again in a moment."
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			msg = "Sorry, I was stopped before I could finish this answer. Please ask again."
		} else if errors.Is(err, qa.ErrModelUnavailable) {
			msg = "Sorry, the answering model is unavailable right now. Please try again later; an admin can check `status`."
		}
		// The context may be the cancelled one; the apology must still get through.
		b.updateMessage(context.WithoutCancel(ctx), m.Channel, placeholderTS, renderedMessage{Text: msg})
		return
	}
	id := m.Channel + "/" + placeholderTS
	// Remembered before it is shown, so that a quick click finds it.
	b.answers.put(id, answered{Question: text, Asker: m.User, ThreadTS: m.threadTS(), Answer: ans})
	msgs := answerMessages(ans, id)
	b.updateMessage(ctx, m.Channel, placeholderTS, msgs[0])
	for _, rm := range msgs[1:] {
		if _, _, err := b.api.PostMessageContext(ctx, m.Channel, slack.MsgOptionText(rm.Text, false),
			slack.MsgOptionBlocks(rm.Blocks...), slack.MsgOptionTS(m.threadTS())); err != nil {
			b.metrics.errors.WithLabelValues("slack_api").Inc()
			b.log.Error("posting an answer's continuation failed", "channel", m.Channel, "err", err)
		}
	}
	b.metrics.observeAnswer(ans)
	b.metrics.answerLatency.Observe(time.Since(arrived).Seconds())
	b.log.Info("answered", "channel", m.Channel, "user", m.User, "citations", len(ans.Citations),
		"adapters", ans.Adapters, "seconds", time.Since(arrived).Seconds())
}

// updateMessage replaces a message's content, logging and counting failures.
func (b *Bot) updateMessage(ctx context.Context, channel, ts string, rm renderedMessage) {
	opts := []slack.MsgOption{slack.MsgOptionText(rm.Text, false)}
	if len(rm.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(rm.Blocks...))
	} else {
		// Without blocks, Slack would keep the old ones and hide the new text.
		opts = append(opts, slack.MsgOptionBlocks())
	}
	if _, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, opts...); err != nil {
		b.metrics.errors.WithLabelValues("slack_api").Inc()
		b.log.Error("chat.update failed", "channel", channel, "ts", ts, "err", err)
	}
}
