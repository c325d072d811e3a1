package bot

import (
	"context"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"manualbot/qa"
)

// askPrivately answers `/manualbot ask QUESTION` with ephemeral messages only the asker
// sees, through the command's response_url: first the place in the queue (or "Looking in
// the manuals…"), then the whole answer with its sources and feedback buttons, or why
// there is none. Slack accepts five posts to one response_url in 30 minutes; this uses two.
func (b *Bot) askPrivately(ctx context.Context, sc slack.SlashCommand, text string) {
	arrived := time.Now()
	if text == "" {
		b.respond(ctx, sc.ResponseURL, "Usage: `/manualbot ask QUESTION`: I answer privately, only you see it.")
		return
	}
	if !strings.HasPrefix(sc.ChannelID, "D") && !b.channelAllowed(sc.ChannelID) {
		b.respond(ctx, sc.ResponseURL, "I don't answer questions in this channel (slack.allow_channels / deny_channels). Ask me in a direct message.")
		return
	}
	if !b.limiter.allow(sc.UserID) {
		b.metrics.errors.WithLabelValues("rate_limited").Inc()
		b.respond(ctx, sc.ResponseURL, rateLimitedText)
		return
	}
	b.metrics.questions.Inc()
	ticket, err := b.queue.Enter()
	if err != nil {
		b.metrics.errors.WithLabelValues("queue_full").Inc()
		b.respond(ctx, sc.ResponseURL, busyText)
		return
	}
	defer ticket.Release()
	ctx, cancel := context.WithTimeout(ctx, b.opts.AnswerTimeout)
	defer cancel()
	first := placeholderText
	if n := ticket.Ahead(); n > 0 {
		first = queuedText(n)
	}
	b.respond(ctx, sc.ResponseURL, first)
	b.metrics.placeholderLatency.Observe(time.Since(arrived).Seconds())
	if err := ticket.Wait(ctx, nil); err != nil {
		b.respond(context.WithoutCancel(ctx), sc.ResponseURL, timeoutText(b.opts.AnswerTimeout))
		return
	}
	b.metrics.inflight.Inc()
	defer b.metrics.inflight.Dec()
	q := qa.Question{Text: text, Product: b.opts.ChannelProducts[sc.ChannelID], User: sc.UserID, Channel: sc.ChannelID}
	ans, err := b.answerer.Ask(ctx, q, func(string) {})
	if err != nil {
		msg := "Sorry, I couldn't answer that because something went wrong on my side. Please try again in a moment."
		if ctx.Err() != nil {
			msg = timeoutText(b.opts.AnswerTimeout)
		}
		b.metrics.errors.WithLabelValues("answer").Inc()
		b.log.Error("no private answer", "user", sc.UserID, "err", err)
		b.respond(context.WithoutCancel(ctx), sc.ResponseURL, msg)
		return
	}
	if uncited(ans) && b.opts.Uncited == "decline" {
		ans = &qa.Answer{Text: declinedText, Citations: []qa.Citation{}, Adapters: ans.Adapters, Timings: ans.Timings}
	}
	id := "private/" + sc.ChannelID + "/" + sc.TriggerID
	b.answers.put(id, answered{Question: text, Asker: sc.UserID, Answer: ans})
	for _, rm := range answerMessages(ans, id) {
		b.respondBlocks(context.WithoutCancel(ctx), sc.ResponseURL, rm)
	}
	b.metrics.observeAnswer(ans)
	b.metrics.answerLatency.Observe(time.Since(arrived).Seconds())
}

// respondBlocks posts an ephemeral message with blocks to a response_url.
func (b *Bot) respondBlocks(ctx context.Context, responseURL string, rm renderedMessage) {
	err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, b.hc, &slack.WebhookMessage{
		Text: rm.Text, Blocks: &slack.Blocks{BlockSet: rm.Blocks}, ResponseType: slack.ResponseTypeEphemeral,
	})
	if err != nil {
		b.metrics.errors.WithLabelValues("slack_api").Inc()
		b.log.Error("response_url post failed", "err", err)
	}
}

// slashQuestion returns the question of `/manualbot ask QUESTION`.
func slashQuestion(text string) (string, bool) {
	words := strings.Fields(text)
	if len(words) == 0 || !strings.EqualFold(words[0], "ask") {
		return "", false
	}
	return strings.TrimSpace(strings.TrimSpace(text)[len(words[0]):]), true
}
