package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"manualbot/qa"
)

const rateLimitedText = "You're asking faster than I can read the manuals. Please wait a minute and ask again."

// busyText turns a question away when the queue is full: said at once, never silence.
const busyText = "I'm answering as many questions as I can hold right now. Please ask again in a few minutes."

// queuedText is the placeholder of a question waiting its turn.
func queuedText(ahead int) string {
	if ahead == 1 {
		return "Queued: 1 question ahead of yours. I'll start on it as soon as I can."
	}
	return fmt.Sprintf("Queued: %d questions ahead of yours. I'll start on it as soon as I can.", ahead)
}

// timeoutText is the answer to a question that could not be answered in time.
func timeoutText(d time.Duration) string {
	return fmt.Sprintf("Sorry, I couldn't answer this within %s (many questions at once, or a long answer). Please ask again in a little while.", d.Round(time.Second))
}

// answerQuestion takes a place in the queue, posts a placeholder in the thread at once
// (with that place when it must wait), streams the answer (natively where Slack allows,
// else by editing the placeholder), then shows the final answer, its sources and feedback
// buttons; if that final write fails it posts the whole answer as a new message. Every
// way out tells the asker something.
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
	ticket, err := b.queue.Enter()
	if err != nil {
		b.metrics.errors.WithLabelValues("queue_full").Inc()
		b.replyInThread(ctx, m, busyText)
		return
	}
	defer ticket.Release()
	b.markThread(m)
	ctx, cancel := context.WithTimeout(ctx, b.opts.AnswerTimeout)
	defer cancel()

	placeholderTS, st, ok := b.waitTurn(ctx, m, ticket, arrived)
	if !ok {
		return
	}
	b.metrics.inflight.Inc()
	defer b.metrics.inflight.Dec()
	ans, msgTS, native, err := b.write(ctx, m, text, placeholderTS, st)
	if err != nil {
		b.answerFailed(ctx, m, msgTS, err)
		return
	}
	if uncited(ans) && b.opts.Uncited == "decline" {
		b.metrics.errors.WithLabelValues("uncited_declined").Inc()
		ans = &qa.Answer{Text: declinedText, Citations: []qa.Citation{}, Adapters: ans.Adapters, Timings: ans.Timings}
	}
	id := m.Channel + "/" + msgTS
	// Remembered before it is shown, so that a quick click finds it.
	b.answers.put(id, answered{Question: text, Asker: m.User, ThreadTS: m.threadTS(), Answer: ans})
	b.deliver(context.WithoutCancel(ctx), m, msgTS, native, answerMessages(ans, id), answerTail(ans, id))
	b.metrics.observeAnswer(ans)
	if ans.Timings.GeneratedTokens > 0 {
		// The gauge names what answers are written with, not what was last asked for.
		b.metrics.setAdapters(ans.Adapters)
	}
	b.metrics.answerLatency.Observe(time.Since(arrived).Seconds())
	b.log.Info("answered", "channel", m.Channel, "user", m.User, "citations", len(ans.Citations),
		"adapters", ans.Adapters, "native_stream", native != nil, "seconds", time.Since(arrived).Seconds())
}

// waitTurn posts the placeholder — the question's place in the queue when it must wait —
// and waits for its turn, showing each move of its place. It reports false when there is
// nothing more to do: the placeholder could not be posted, or the wait ended (timeout,
// shutdown), which the placeholder then says.
func (b *Bot) waitTurn(ctx context.Context, m incoming, ticket Ticket, arrived time.Time) (string, *streamer, bool) {
	first := placeholderText
	ahead := ticket.Ahead()
	if ahead > 0 {
		first = queuedText(ahead)
	}
	_, placeholderTS, err := b.api.PostMessageContext(ctx, m.Channel,
		slack.MsgOptionText(first, false), slack.MsgOptionTS(m.threadTS()))
	if err != nil {
		b.metrics.errors.WithLabelValues("slack_api").Inc()
		b.log.Error("posting the placeholder failed", "channel", m.Channel, "err", err)
		return "", nil, false
	}
	b.metrics.placeholderLatency.Observe(time.Since(arrived).Seconds())
	st := newStreamer(b, m.Channel, placeholderTS, b.opts.UpdateInterval)
	go st.run(ctx)
	if ahead > 0 {
		b.metrics.queued.Inc()
		err := ticket.Wait(ctx, func(n int) { st.show(textMessage(queuedText(n))) })
		b.metrics.queued.Dec()
		if err != nil {
			st.stop()
			b.answerFailed(ctx, m, placeholderTS, err)
			return "", nil, false
		}
		st.show(textMessage(placeholderText))
	}
	return placeholderTS, st, true
}

// write has the answer written: the thread's history, a native stream where Slack allows
// (replacing the placeholder), else the placeholder's edits, and the assistant pane's
// status. It returns the answer, the message it is shown in, and the stream if any.
func (b *Bot) write(ctx context.Context, m incoming, text, placeholderTS string, st *streamer) (*qa.Answer, string, *nativeStream, error) {
	b.setStatus(ctx, m, "is searching the manuals…")
	q := qa.Question{Text: text, Product: b.opts.ChannelProducts[m.Channel], User: m.User, Channel: m.Channel}
	if m.ThreadTS != "" {
		q.History = b.threadHistory(ctx, m, placeholderTS)
		if len(q.History) == 0 {
			b.setTitle(ctx, m, text)
		}
	}
	var prog progress = st
	msgTS := placeholderTS
	native := b.startNative(ctx, m)
	if native != nil {
		st.stop()
		b.deleteMessage(ctx, m.Channel, placeholderTS)
		prog, msgTS = native, native.ts
	}
	var writing atomic.Bool
	var status sync.WaitGroup
	ans, err := b.answerer.Ask(ctx, q, func(s string) {
		// onPartial must not block the model: the status goes out on its own, and is
		// waited for below so that it cannot land after the answer (which clears it).
		if !writing.Swap(true) && m.IM && m.ThreadTS != "" {
			status.Go(func() { b.setStatus(ctx, m, "is writing an answer…") })
		}
		prog.update(s)
	})
	status.Wait()
	prog.stop()
	if err != nil && native != nil {
		_ = native.finish(context.WithoutCancel(ctx), nil)
	}
	return ans, msgTS, native, err
}

// deliver shows the final answer in the message at ts (the placeholder, or the native
// stream, which is stopped with the sources and buttons first), and posts the rest of a
// long answer after it. When the final write fails the asker would keep a cut-off preview,
// so the whole answer goes into the thread as new messages instead.
func (b *Bot) deliver(ctx context.Context, m incoming, ts string, native *nativeStream, msgs []renderedMessage, tail []slack.Block) {
	rest := msgs[1:]
	if native != nil {
		if err := native.finish(ctx, tail); err != nil {
			b.postAll(ctx, m, msgs)
			return
		}
	}
	if err := b.updateMessage(ctx, m.Channel, ts, msgs[0]); err != nil {
		if native == nil {
			b.log.Warn("final chat.update failed; posting the answer as a new message", "channel", m.Channel, "ts", ts)
			b.metrics.errors.WithLabelValues("final_update_fallback").Inc()
			rest = msgs
		} else if len(msgs) == 1 {
			// The stopped stream already shows the text, sources and buttons.
			return
		}
	}
	b.postAll(ctx, m, rest)
}

// postAll posts messages in the thread, in order.
func (b *Bot) postAll(ctx context.Context, m incoming, msgs []renderedMessage) {
	for _, rm := range msgs {
		if _, _, err := b.api.PostMessageContext(ctx, m.Channel, slack.MsgOptionText(rm.Text, false),
			slack.MsgOptionBlocks(rm.Blocks...), slack.MsgOptionTS(m.threadTS())); err != nil {
			b.metrics.errors.WithLabelValues("slack_api").Inc()
			b.log.Error("posting an answer's message failed", "channel", m.Channel, "err", err)
		}
	}
}

// answerFailed replaces the placeholder with why there is no answer (or posts it anew when
// that fails): a timeout says so, shutdown says so, anything else apologises.
func (b *Bot) answerFailed(ctx context.Context, m incoming, ts string, err error) {
	msg := "Sorry, I couldn't answer that because something went wrong on my side. Please try again in a moment."
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		b.metrics.errors.WithLabelValues("answer_timeout").Inc()
		msg = timeoutText(b.opts.AnswerTimeout)
	case errors.Is(err, context.Canceled):
		b.metrics.errors.WithLabelValues("answer").Inc()
		msg = "Sorry, I was stopped before I could finish this answer. Please ask again."
	case errors.Is(err, qa.ErrModelUnavailable):
		b.metrics.errors.WithLabelValues("answer").Inc()
		msg = "Sorry, the answering model is unavailable right now. Please try again later; an admin can check `status`."
	default:
		b.metrics.errors.WithLabelValues("answer").Inc()
	}
	b.log.Error("no answer", "channel", m.Channel, "user", m.User, "err", err)
	// The context may be the cancelled one; the apology must still get through.
	ctx = context.WithoutCancel(ctx)
	if b.updateMessage(ctx, m.Channel, ts, textMessage(msg)) != nil {
		b.replyInThread(ctx, m, msg)
	}
}

// textMessage is a plain message with one section.
func textMessage(text string) renderedMessage {
	return renderedMessage{Text: text, Blocks: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)}}
}

// updateMessage replaces a message's content, logging and counting failures.
func (b *Bot) updateMessage(ctx context.Context, channel, ts string, rm renderedMessage) error {
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
		return err
	}
	return nil
}

// deleteMessage removes the placeholder a native stream replaces.
func (b *Bot) deleteMessage(ctx context.Context, channel, ts string) {
	if _, _, err := b.api.DeleteMessageContext(ctx, channel, ts); err != nil {
		b.metrics.errors.WithLabelValues("slack_api").Inc()
		b.log.Warn("chat.delete of the placeholder failed", "channel", channel, "ts", ts, "err", err)
	}
}

// setStatus shows the assistant pane's "thinking" line; only assistant threads (threads
// in the bot's DM) have one, and a failure costs nothing but the line.
func (b *Bot) setStatus(ctx context.Context, m incoming, status string) {
	if !m.IM || m.ThreadTS == "" {
		return
	}
	err := b.api.SetAssistantThreadsStatusContext(ctx, slack.AssistantThreadsSetStatusParameters{
		ChannelID: m.Channel, ThreadTS: m.ThreadTS, Status: status})
	if err != nil {
		b.log.Debug("assistant.threads.setStatus failed", "err", err)
	}
}

// setTitle names an assistant thread after its first question, as the pane's history
// lists threads by title.
func (b *Bot) setTitle(ctx context.Context, m incoming, question string) {
	if !m.IM || m.ThreadTS == "" {
		return
	}
	err := b.api.SetAssistantThreadsTitleContext(ctx, slack.AssistantThreadsSetTitleParameters{
		ChannelID: m.Channel, ThreadTS: m.ThreadTS, Title: truncateText(question, 80)})
	if err != nil {
		b.log.Debug("assistant.threads.setTitle failed", "err", err)
	}
}
