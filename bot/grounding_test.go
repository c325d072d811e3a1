package bot_test

import (
	"strings"
	"testing"
	"time"

	"manualbot/bot"
)

// An answer that cites no passage says so under it, or with uncited=decline is replaced
// by a refusal; the model's Markdown reaches Slack as mrkdwn; and no streamed preview shows
// a citation marker before the pipeline has validated it.
func TestGroundingVisible(t *testing.T) {
	tests := []struct {
		name, question, uncited string
		want, notWant           []string
	}{
		{name: "uncited marked", question: "reset? [uncited]",
			want:    []string{"Probably unplug it", "No sources cited — this answer may not come from the manuals"},
			notWant: []string{"*Sources*"}},
		{name: "uncited declined", question: "reset? [uncited]", uncited: "decline",
			want:    []string{"I couldn't find this in the manuals, so I won't guess"},
			notWant: []string{"Probably unplug it", "No sources cited", "retrieval only"}},
		{name: "cited not marked", question: "reset?",
			want:    []string{"*Sources*", "[1]"},
			notWant: []string{"No sources cited"}},
		{name: "markdown as mrkdwn", question: "reset? [markdown]",
			want:    []string{"*Reset*\n*Hold* the button [1]:\n• press _firmly_\n• wait\n```\nreset --hard\n```"},
			notWant: []string{"**Hold**", "## Reset", "- press"}},
	}
	for _, mode := range modes {
		for _, tc := range tests {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) { o.Uncited = tc.uncited })
				ts := h.mention(someone, tc.question, "")
				msgs := h.waitFinal(channel, ts)
				all := strings.Join(blockTexts(t, msgs[len(msgs)-1].Blocks), "\n")
				for _, w := range tc.want {
					if !strings.Contains(all, w) {
						t.Errorf("final answer lacks %q:\n%s", w, all)
					}
				}
				for _, w := range tc.notWant {
					if strings.Contains(all, w) {
						t.Errorf("final answer shows %q:\n%s", w, all)
					}
				}
				updates := h.slack.Calls("chat.update")
				for _, u := range updates[:len(updates)-1] {
					if strings.Contains(u.Form.Get("text"), "[1]") {
						t.Errorf("a preview showed an unvalidated marker: %q", u.Form.Get("text"))
					}
				}
			})
		}
	}
}

// A question that cannot be answered within slack.answer_timeout gets a message saying
// so, never silence.
func TestAnswerTimeout(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) { o.AnswerTimeout = 300 * time.Millisecond })
			ts := h.mention(someone, "reset? [hold]", "")
			h.slack.WaitFor(wait, "the timeout message", func() bool {
				msgs := h.slack.BotMessages(channel, ts)
				return len(msgs) == 1 && strings.Contains(msgs[0].Text, "couldn't answer this within")
			})
		})
	}
}

// With one answer at a time, questions that arrive meanwhile are told their place at once
// ("N questions ahead of yours"), the place is updated as the queue moves, a full queue
// turns a question away with a message, and every queued question is answered in the end.
func TestQueuePositions(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) {
				o.MaxConcurrent, o.QueueSize = 1, 3
			})
			first := h.mention(someone, "reset? [hold]", "")
			<-h.ans.started
			var queued []string
			for i, want := range []string{"Queued: 1 question ahead of yours", "Queued: 2 questions ahead of yours", "Queued: 3 questions ahead of yours"} {
				q := "reset? number " + string(rune('a'+i))
				if i == 0 {
					q += " [hold2]"
				}
				ts := h.mention(someone, q, "")
				h.waitReply(channel, ts, want)
				queued = append(queued, ts)
			}
			full := h.mention(someone, "one too many?", "")
			h.waitReply(channel, full, "Please ask again in a few minutes")

			// The first answer done, the second starts (and holds): the others move up.
			close(h.ans.release)
			h.waitFinal(channel, first)
			h.waitReply(channel, queued[1], "Queued: 1 question ahead of yours")
			h.waitReply(channel, queued[2], "Queued: 2 questions ahead of yours")
			close(h.ans.release2)
			for _, ts := range queued {
				h.waitFinal(channel, ts)
			}
		})
	}
}

// If the final chat.update fails, the asker is not left with a cut-off preview: the whole
// answer, its sources and buttons arrive as a new message in the thread.
func TestFinalUpdateFailsPostsAnew(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			// No streamed edits (a long interval), so the one chat.update is the final one.
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) { o.UpdateInterval = time.Hour })
			h.slack.Fail("chat.update", "msg_too_long")
			ts := h.mention(someone, "reset?", "")
			msgs := h.waitFinal(channel, ts)
			if len(msgs) != 2 {
				t.Fatalf("want the placeholder and a new message, got %d messages", len(msgs))
			}
			all := strings.Join(blockTexts(t, msgs[1].Blocks), "\n")
			for _, w := range []string{"Hold the reset button for five seconds [1]", "*Sources*", ":+1: Helpful"} {
				if !strings.Contains(all, w) {
					t.Errorf("the re-posted answer lacks %q:\n%s", w, all)
				}
			}
		})
	}
}
