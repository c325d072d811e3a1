package bot

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// incoming is a message addressed to the bot, from either an app_mention or a DM.
type incoming struct {
	Channel  string
	User     string
	Text     string
	TS       string
	ThreadTS string
	Files    []slack.File
	IM       bool
}

// threadTS is where replies go: the thread the message is in, or a new one under it.
func (m incoming) threadTS() string {
	if m.ThreadTS != "" {
		return m.ThreadTS
	}
	return m.TS
}

// onEventsAPI handles an Events API envelope (from either transport) after it was
// acknowledged: it drops duplicates and messages the bot must not answer, and starts the
// work for the rest. It never blocks on Slack or the model.
func (b *Bot) onEventsAPI(ev slackevents.EventsAPIEvent) {
	if ev.Type != slackevents.CallbackEvent {
		b.metrics.events.WithLabelValues(ev.Type, "ignored").Inc()
		return
	}
	eventKey := ""
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
		// Kept in memory for every event, written to the log only for events acted on:
		// with message.channels every message in the bot's channels arrives here.
		eventKey = "event:" + cb.EventID
		if !b.seen.firstTime(eventKey) {
			b.metrics.events.WithLabelValues(ev.InnerEvent.Type, "duplicate").Inc()
			b.log.Debug("duplicate event dropped", "event_id", cb.EventID)
			return
		}
	}
	if e, ok := ev.InnerEvent.Data.(*slackevents.AssistantThreadStartedEvent); ok {
		b.persistSeen(eventKey)
		b.metrics.events.WithLabelValues(ev.InnerEvent.Type, "accepted").Inc()
		b.work.goWork(func(ctx context.Context) { b.suggestPrompts(ctx, e.AssistantThread) })
		return
	}
	m, ok := b.toIncoming(ev.InnerEvent)
	if !ok {
		b.metrics.events.WithLabelValues(ev.InnerEvent.Type, "ignored").Inc()
		return
	}
	// One message can arrive as both `message` and `app_mention` with different event ids.
	if !b.firstSeen("msg:" + m.Channel + ":" + m.TS) {
		b.metrics.events.WithLabelValues(ev.InnerEvent.Type, "duplicate").Inc()
		return
	}
	b.persistSeen(eventKey)
	b.metrics.events.WithLabelValues(ev.InnerEvent.Type, "accepted").Inc()
	if !b.work.goWork(func(ctx context.Context) { b.handleMessage(ctx, m) }) {
		b.metrics.events.WithLabelValues(ev.InnerEvent.Type, "refused_shutdown").Inc()
	}
}

// toIncoming keeps app_mentions and DMs from people; it drops the bot's own messages,
// other bots', edits, deletions and other subtypes, and channel messages without a mention.
func (b *Bot) toIncoming(inner slackevents.EventsAPIInnerEvent) (incoming, bool) {
	var m incoming
	switch e := inner.Data.(type) {
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.Edited != nil {
			return m, false
		}
		m = incoming{Channel: e.Channel, User: e.User, Text: e.Text, TS: e.TimeStamp, ThreadTS: e.ThreadTimeStamp, Files: e.Files}
		m.IM = strings.HasPrefix(e.Channel, "D")
	case *slackevents.MessageEvent:
		if e.BotID != "" {
			return m, false
		}
		switch e.SubType {
		case "", "file_share":
		default: // bot_message, message_changed, message_deleted, channel_join, …
			return m, false
		}
		m = incoming{Channel: e.Channel, User: e.User, Text: e.Text, TS: e.TimeStamp, ThreadTS: e.ThreadTimeStamp, IM: e.IsIM()}
		if e.Message != nil {
			m.Files = e.Message.Files
		}
		if !m.IM && !b.takesPlain(m) {
			return m, false
		}
	default:
		return m, false
	}
	if m.User == "" || m.User == b.self.UserID || m.TS == "" {
		return m, false
	}
	if !m.IM && !b.channelAllowed(m.Channel) {
		return m, false
	}
	return m, true
}

// takesPlain reports whether a channel message without a mention is the bot's to answer:
// a follow-up in a thread the bot answered in, or a top-level question in one of the
// plain channels. A message that mentions the bot is left to its app_mention event.
func (b *Bot) takesPlain(m incoming) bool {
	if strings.Contains(m.Text, "<@"+b.self.UserID) {
		return false
	}
	if m.ThreadTS != "" {
		return b.answeredIn(m.Channel, m.ThreadTS)
	}
	return slices.Contains(b.opts.PlainChannels, m.Channel)
}

// channelAllowed applies slack.allow_channels and slack.deny_channels.
func (b *Bot) channelAllowed(ch string) bool {
	if slices.Contains(b.opts.DenyChannels, ch) {
		return false
	}
	return len(b.opts.AllowChannels) == 0 || slices.Contains(b.opts.AllowChannels, ch)
}

// suggestPrompts answers assistant_thread_started: the pane opens with starter prompts.
func (b *Bot) suggestPrompts(ctx context.Context, t slackevents.AssistantThread) {
	prompts := make([]slack.AssistantThreadsPrompt, 0, len(b.opts.SuggestedPrompts))
	for _, p := range b.opts.SuggestedPrompts {
		title := p
		if len(title) > 40 {
			title = truncateText(title, 40)
		}
		prompts = append(prompts, slack.AssistantThreadsPrompt{Title: title, Message: p})
	}
	err := b.api.SetAssistantThreadsSuggestedPromptsContext(ctx, slack.AssistantThreadsSetSuggestedPromptsParameters{
		Title: "Ask me about the manuals", ChannelID: t.ChannelID, ThreadTS: t.ThreadTimeStamp, Prompts: prompts})
	if err != nil {
		b.metrics.errors.WithLabelValues("slack_api").Inc()
		b.log.Warn("assistant.threads.setSuggestedPrompts failed", "channel", t.ChannelID, "err", err)
	}
}

// mentionRE matches user mentions as Slack encodes them: <@U123> or <@U123|name>.
var mentionRE = regexp.MustCompile(`<@[UW][A-Z0-9]+(?:\|[^>]*)?>`)

// stripMentions removes user mentions and tidies the space they leave.
func stripMentions(s string) string {
	return strings.Join(strings.Fields(mentionRE.ReplaceAllString(s, " ")), " ")
}

// handleMessage runs an admin command or answers the question.
func (b *Bot) handleMessage(ctx context.Context, m incoming) {
	text := unescapeText(stripMentions(m.Text))
	if cmd, ok := parseMentionCommand(text, len(m.Files) > 0); ok {
		reply := b.runCommand(ctx, m.User, m.Channel, cmd, m.Files)
		b.replyInThread(ctx, m, reply)
		return
	}
	b.answerQuestion(ctx, m, text)
}

// replyInThread posts a short text reply in the message's thread.
func (b *Bot) replyInThread(ctx context.Context, m incoming, text string) {
	_, _, err := b.api.PostMessageContext(ctx, m.Channel,
		slack.MsgOptionText(text, false), slack.MsgOptionTS(m.threadTS()))
	if err != nil {
		b.metrics.errors.WithLabelValues("slack_api").Inc()
		b.log.Error("chat.postMessage failed", "channel", m.Channel, "err", err)
	}
}
