package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"manualbot/qa"
)

// threadHistory reads the thread a follow-up question is in (conversations.replies) and
// turns it into the earlier turns of the conversation: people's messages as user turns,
// the bot's as assistant turns, other bots and the bot's status messages left out. It
// stops before the question itself. A failure costs only the context, not the answer.
func (b *Bot) threadHistory(ctx context.Context, m incoming, placeholderTS string) []qa.Turn {
	var turns []qa.Turn
	params := &slack.GetConversationRepliesParameters{ChannelID: m.Channel, Timestamp: m.ThreadTS, Limit: 200}
	for page := 0; page < 5; page++ {
		msgs, more, cursor, err := b.api.GetConversationRepliesContext(ctx, params)
		if err != nil {
			b.metrics.errors.WithLabelValues("slack_api").Inc()
			b.log.Warn("conversations.replies failed; answering without the thread", "channel", m.Channel, "err", err)
			return nil
		}
		for _, msg := range msgs {
			if msg.Timestamp == m.TS || msg.Timestamp == placeholderTS || !tsBefore(msg.Timestamp, m.TS) {
				continue
			}
			t, ok := b.turnOf(msg)
			switch {
			case !ok:
			case len(turns) > 0 && turns[len(turns)-1].Role == "assistant" && t.Role == "assistant":
				// A long answer spans several messages: one turn.
				turns[len(turns)-1].Text += "\n\n" + t.Text
			default:
				turns = append(turns, t)
			}
		}
		if !more || cursor == "" {
			break
		}
		params.Cursor = cursor
	}
	if n := b.opts.HistoryTurns; len(turns) > n {
		turns = turns[len(turns)-n:]
	}
	return turns
}

func (b *Bot) turnOf(msg slack.Message) (qa.Turn, bool) {
	own := msg.User == b.self.UserID || (b.self.BotID != "" && msg.BotID == b.self.BotID)
	if !own && (msg.BotID != "" || msg.SubType != "" && msg.SubType != "file_share" && msg.SubType != "thread_broadcast") {
		return qa.Turn{}, false
	}
	text := strings.TrimSpace(unescapeText(stripMentions(msg.Text)))
	if text == "" {
		return qa.Turn{}, false
	}
	if own {
		// The bot's status lines are not part of the conversation.
		if text == placeholderText || text == rateLimitedText || text == busyText || text == "Sources" ||
			strings.HasPrefix(text, "Queued: ") || strings.HasPrefix(text, "Sorry, I couldn't answer") {
			return qa.Turn{}, false
		}
		return qa.Turn{Role: "assistant", Text: text}, true
	}
	return qa.Turn{Role: "user", Text: text}, true
}

// tsBefore compares Slack timestamps ("1700000000.000100"): equal-length integer and
// fraction parts compare as strings, which avoids float rounding.
func tsBefore(a, b string) bool {
	ai, af, _ := strings.Cut(a, ".")
	bi, bf, _ := strings.Cut(b, ".")
	if len(ai) != len(bi) {
		return len(ai) < len(bi)
	}
	if ai != bi {
		return ai < bi
	}
	for len(af) < len(bf) {
		af += "0"
	}
	for len(bf) < len(af) {
		bf += "0"
	}
	return af < bf
}

// markThread remembers that the bot answers in m's thread, so a follow-up there needs no
// new mention.
func (b *Bot) markThread(m incoming) {
	key := m.Channel + ":" + m.threadTS()
	if b.threads.firstTime(key) && b.threadLog != nil {
		b.threadLog.add(key, b.threads.now())
	}
}

// answeredIn reports whether the bot answered in the thread ts of channel.
func (b *Bot) answeredIn(channel, ts string) bool {
	return ts != "" && b.threads.has(channel+":"+ts)
}
