package bot_test

import (
	"fmt"
	"strings"
	"testing"

	"manualbot/bot"
)

// A follow-up in a thread longer than one conversations.replies page (the bot asks for
// 200) carries the newest turns, HistoryTurns of them, read across the pages; the bot's
// status lines are not turns.
func TestLongThreadHistory(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) { o.HistoryTurns = 6 })
			root := h.slack.UserMessage(channel, someone, "<@UBOT> first question", "")
			for i := range 125 {
				h.slack.BotMessage(channel, fmt.Sprintf("answer %d", i), root)
				h.slack.UserMessage(channel, someone, fmt.Sprintf("question %d", i), root)
			}
			h.slack.BotMessage(channel, "Queued: 2 questions ahead of yours. I'll start on it as soon as I can.", root)
			h.mention(someone, "and now?", root)
			h.slack.WaitFor(wait, "the follow-up asked", func() bool { return len(h.ans.asked()) == 1 })
			hist := h.ans.asked()[0].History
			var got []string
			for _, turn := range hist {
				got = append(got, turn.Role+":"+turn.Text)
			}
			want := "assistant:answer 122|user:question 122|assistant:answer 123|user:question 123|assistant:answer 124|user:question 124"
			if strings.Join(got, "|") != want {
				t.Errorf("history\n got %s\nwant %s", strings.Join(got, "|"), want)
			}
			if n := len(h.slack.Calls("conversations.replies")); n < 2 {
				t.Errorf("%d conversations.replies calls: the thread's second page was not read", n)
			}
		})
	}
}
