package bot_test

import (
	"encoding/json"
	"strings"
	"testing"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
)

// Native streaming: the answer streams with chat.startStream/appendStream into the
// thread (the placeholder removed), stops with the sources and feedback buttons, and the
// final text carries the validated citation markers.
func TestNativeStreaming(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) { o.Streaming = "native" })
			ts := h.mention(someone, "reset? [hold]", "")
			h.slack.WaitFor(wait, "the stream's first text", func() bool {
				for _, m := range h.slack.BotMessages(channel, ts) {
					if m.Streaming && m.Text == "Hold the reset" {
						return true
					}
				}
				return false
			})
			close(h.ans.release)
			h.slack.WaitFor(wait, "the final answer in the stream's message", func() bool {
				msgs := h.slack.BotMessages(channel, ts)
				return len(msgs) == 1 && !msgs[0].Streaming && msgs[0].Updates > 0
			})
			start := h.slack.Calls("chat.startStream")
			if len(start) != 1 || start[0].Form.Get("thread_ts") != ts || start[0].Form.Get("recipient_user_id") != someone ||
				start[0].Form.Get("recipient_team_id") != fakeslack.TeamID {
				t.Fatalf("chat.startStream calls: %+v", start)
			}
			for _, a := range h.slack.Calls("chat.appendStream") {
				if strings.Contains(a.Form.Get("markdown_text"), "[") {
					t.Errorf("an append streamed an unvalidated marker: %q", a.Form.Get("markdown_text"))
				}
			}
			stop := h.slack.Calls("chat.stopStream")
			if len(stop) != 1 || !strings.Contains(stop[0].Form.Get("blocks"), "feedback_helpful") || !strings.Contains(stop[0].Form.Get("blocks"), "Sources") {
				t.Fatalf("chat.stopStream did not attach sources and buttons: %+v", stop)
			}
			if d := h.slack.Deleted(); len(d) != 1 || d[0].Text != "Looking in the manuals…" {
				t.Errorf("the placeholder was not replaced by the stream: deleted %+v", d)
			}
			msg := h.slack.BotMessages(channel, ts)[0]
			all := strings.Join(blockTexts(t, msg.Blocks), "\n")
			for _, w := range []string{"Hold the reset button for five seconds [1]", "*Sources*", ":+1: Helpful"} {
				if !strings.Contains(all, w) {
					t.Errorf("final streamed answer lacks %q:\n%s", w, all)
				}
			}
		})
	}
}

// A workspace that refuses streaming gets the chat.update path, and the bot does not ask
// again for every answer.
func TestNativeStreamingRefused(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) { o.Streaming = "native" })
			h.slack.RefuseStreaming()
			for range 2 {
				ts := h.mention(someone, "reset?", "")
				msgs := h.waitFinal(channel, ts)
				if len(msgs) != 1 || msgs[0].Updates == 0 || !strings.Contains(strings.Join(blockTexts(t, msgs[0].Blocks), "\n"), "Hold the reset button for five seconds [1]") {
					t.Fatalf("refused stream: the placeholder did not become the answer: %+v", msgs)
				}
			}
			if n := len(h.slack.Calls("chat.startStream")); n != 1 {
				t.Errorf("chat.startStream tried %d times; a refusal should be remembered", n)
			}
			if len(h.slack.Deleted()) != 0 {
				t.Errorf("a placeholder was deleted though no stream replaced it")
			}
		})
	}
}

// The assistant pane: opening it gets the suggested prompts, and a question in its thread
// titles the thread and shows "searching" then "writing" while the answer is made.
func TestAssistantThread(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) {
				o.SuggestedPrompts = []string{"How do I reset the pump?", "What does error E4 mean?"}
			})
			thread := h.slack.NextTS()
			h.deliver(h.nextEventID(), map[string]any{"type": "assistant_thread_started", "event_ts": thread,
				"assistant_thread": map[string]any{"user_id": someone, "channel_id": dm, "thread_ts": thread,
					"context": map[string]any{"channel_id": channel}}}, 0)
			h.slack.WaitFor(wait, "suggested prompts", func() bool { return len(h.slack.Calls("assistant.threads.setSuggestedPrompts")) == 1 })
			c := h.slack.Calls("assistant.threads.setSuggestedPrompts")[0]
			var prompts []map[string]string
			if err := json.Unmarshal([]byte(c.Form.Get("prompts")), &prompts); err != nil || len(prompts) != 2 ||
				prompts[0]["message"] != "How do I reset the pump?" || c.Form.Get("channel_id") != dm || c.Form.Get("thread_ts") != thread {
				t.Fatalf("setSuggestedPrompts: %v %v", c.Form, err)
			}

			ts := h.slack.UserMessage(dm, someone, "How do I reset the pump?", thread)
			h.deliver(h.nextEventID(), fakeslack.DM(dm, someone, "How do I reset the pump?", ts, thread), 0)
			h.waitFinal(dm, thread)
			var statuses []string
			for _, c := range h.slack.Calls("assistant.threads.setStatus") {
				if c.Form.Get("thread_ts") == thread {
					statuses = append(statuses, c.Form.Get("status"))
				}
			}
			if strings.Join(statuses, "|") != "is searching the manuals…|is writing an answer…" {
				t.Errorf("statuses = %q", statuses)
			}
			if c := h.slack.Calls("assistant.threads.setTitle"); len(c) != 1 || c[0].Form.Get("title") != "How do I reset the pump?" {
				t.Errorf("the thread was not titled after its first question: %+v", c)
			}
		})
	}
}
