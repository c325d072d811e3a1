package bot

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// onSlashCommand queues `/manualbot …` (its acknowledgement follows) and sends the result to
// the command's response_url, visible only to the person who typed it.
func (b *Bot) onSlashCommand(sc slack.SlashCommand) {
	// A retried delivery carries the same trigger id: run the command once.
	if sc.TriggerID != "" && !b.firstSeen("slash:"+sc.TriggerID) {
		b.metrics.events.WithLabelValues("slash_command", "duplicate").Inc()
		return
	}
	b.metrics.events.WithLabelValues("slash_command", "accepted").Inc()
	if q, ok := slashQuestion(sc.Text); ok {
		b.work.goWork(func(ctx context.Context) { b.askPrivately(ctx, sc, q) })
		return
	}
	b.work.goWork(func(ctx context.Context) {
		reply := b.runCommand(ctx, sc.UserID, sc.ChannelID, parseSlashCommand(sc.Text), nil)
		b.respond(ctx, sc.ResponseURL, reply)
	})
}

// respond posts an ephemeral reply to a response_url. The URL needs no token, and it came
// in a request whose signature (or Socket Mode connection) proved it is Slack's.
func (b *Bot) respond(ctx context.Context, responseURL, text string) {
	if responseURL == "" {
		return
	}
	err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, b.hc, &slack.WebhookMessage{
		Text: text, ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: false,
	})
	if err != nil {
		b.metrics.errors.WithLabelValues("slack_api").Inc()
		b.log.Error("response_url post failed", "err", err)
	}
}

// onInteraction records feedback button clicks; other interactions are ignored.
func (b *Bot) onInteraction(cb slack.InteractionCallback) {
	if cb.Type != slack.InteractionTypeBlockActions {
		b.metrics.events.WithLabelValues("interaction_"+string(cb.Type), "ignored").Inc()
		return
	}
	for _, act := range cb.ActionCallback.BlockActions {
		var rating string
		switch act.ActionID {
		case actionHelpful:
			rating = "helpful"
		case actionNotHelpful:
			rating = "not_helpful"
		default:
			continue
		}
		b.metrics.events.WithLabelValues("feedback", "accepted").Inc()
		fb := b.feedbackFor(cb, act.Value, rating)
		b.work.goWork(func(ctx context.Context) {
			err := b.feedback.Record(fb)
			switch {
			case errors.Is(err, ErrAlreadyRated):
				b.metrics.events.WithLabelValues("feedback", "duplicate").Inc()
				b.respond(ctx, cb.ResponseURL, "You already rated this answer; your first vote counts.")
				return
			case err != nil:
				b.metrics.errors.WithLabelValues("feedback").Inc()
				b.log.Error("recording feedback failed", "err", err)
				b.respond(ctx, cb.ResponseURL, "Sorry, I couldn't save your feedback.")
				return
			}
			b.metrics.feedback.WithLabelValues(rating).Inc()
			b.showTally(ctx, cb, fb.AnswerID)
			b.respond(ctx, cb.ResponseURL, "Thanks for the feedback! It helps tune my answers.")
		})
	}
}

// feedbackFor builds the record: from the remembered answer when the bot still has it,
// else from the message text in the click's payload.
func (b *Bot) feedbackFor(cb slack.InteractionCallback, id, rating string) Feedback {
	fb := Feedback{
		Time:      time.Now().UTC(),
		AnswerID:  id,
		Rating:    rating,
		User:      cb.User.ID,
		Channel:   cb.Channel.ID,
		MessageTS: cb.Message.Timestamp,
		ThreadTS:  cb.Message.ThreadTimestamp,
	}
	if a, ok := b.answers.get(id); ok {
		fb.Question = a.Question
		fb.Asker = a.Asker
		fb.ThreadTS = a.ThreadTS
		fb.Answer = a.Answer.Text
		fb.Citations = a.Answer.Citations
		fb.Adapters = a.Answer.Adapters
		fb.Composition = a.Answer.Composition
		return fb
	}
	fb.Answer = unescapeText(cb.Message.Text)
	return fb
}

// showTally updates the rated message's buttons to show the votes so far, so the click
// visibly took. Private answers (ephemeral) cannot be edited with chat.update.
func (b *Bot) showTally(ctx context.Context, cb slack.InteractionCallback, id string) {
	if cb.Channel.ID == "" || cb.Message.Timestamp == "" || strings.HasPrefix(id, "private/") || len(cb.Message.Blocks.BlockSet) == 0 {
		return
	}
	up, down := b.feedback.Tally(id)
	blocks := make([]slack.Block, 0, len(cb.Message.Blocks.BlockSet))
	for _, bl := range cb.Message.Blocks.BlockSet {
		if a, ok := bl.(*slack.ActionBlock); ok && a.BlockID == feedbackBlockID {
			bl = tallyBlock(id, up, down)
		}
		blocks = append(blocks, bl)
	}
	_ = b.updateMessage(ctx, cb.Channel.ID, cb.Message.Timestamp, renderedMessage{Text: cb.Message.Text, Blocks: blocks})
}
