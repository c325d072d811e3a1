package bot_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
)

const (
	plainChannel  = "C0SUPPORT"
	deniedChannel = "C0RANDOM"
)

// Per-channel behaviour: a plain question in a listed channel is answered without a
// mention, elsewhere it is not; a follow-up in a thread the bot answered needs no mention;
// a denied channel is never answered, even when mentioned.
func TestChannelBehaviour(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) {
				o.PlainChannels = []string{plainChannel}
				o.DenyChannels = []string{deniedChannel}
			})
			// Plain question where the bot listens: answered.
			ts := h.post(plainChannel, someone, "how do I reset the pump?", "")
			h.waitFinal(plainChannel, ts)
			// Plain question elsewhere: ignored.
			other := h.post(channel, someone, "lunch anyone?", "")
			// A follow-up without a mention in the answered thread: answered with history.
			h.post(plainChannel, someone, "and if it stays red?", ts)
			h.slack.WaitFor(wait, "the follow-up asked", func() bool { return len(h.ans.asked()) == 2 })
			if q := h.ans.asked()[1]; q.Text != "and if it stays red?" || len(q.History) != 2 {
				t.Errorf("follow-up reached the pipeline as %+v", q)
			}
			// A mention in a denied channel: ignored.
			full := "<@" + fakeslack.BotUserID + "> reset?"
			dts := h.slack.UserMessage(deniedChannel, someone, full, "")
			h.deliver(h.nextEventID(), fakeslack.Mention(deniedChannel, someone, full, dts, ""), 0)
			// A mention where the bot is allowed still works, and it is answered after the
			// messages above: had they been taken, they would have been asked first.
			h.waitFinal(channel, h.mention(someone, "reset? last", ""))
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			if n := len(h.ans.asked()); n != 3 {
				t.Errorf("%d questions asked, want 3 (plain, follow-up, mention): %+v", n, h.ans.asked())
			}
			if len(h.slack.BotMessages(channel, other)) != 0 || len(h.slack.BotMessages(deniedChannel, dts)) != 0 {
				t.Errorf("the bot answered where it should not")
			}
		})
	}
}

// When allow_channels is set the bot answers only there (and in DMs).
func TestAllowList(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) { o.AllowChannels = []string{plainChannel} })
			h.mention(someone, "reset? [ignored]", "")
			ts := h.slack.UserMessage(dm, someone, "reset?", "")
			h.deliver(h.nextEventID(), fakeslack.DM(dm, someone, "reset?", ts, ""), 0)
			h.waitFinal(dm, ts)
			id := h.slash(someone, "ask reset?")
			if r := h.waitResponse(id); !strings.Contains(r, "don't answer questions in this channel") {
				t.Errorf("private ask outside the allowed channels: %q", r)
			}
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			if n := len(h.ans.asked()); n != 1 {
				t.Errorf("%d questions asked, want only the DM", n)
			}
		})
	}
}

// `/manualbot ask QUESTION` answers privately through the response_url: progress first,
// then the answer with its sources and buttons; nothing is posted in the channel.
func TestPrivateAsk(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			id := h.slash(someone, "ask how do I reset the pump?")
			h.slack.WaitFor(wait, "two private replies", func() bool { return len(h.slack.ResponseTexts(id)) == 2 })
			texts := h.slack.ResponseTexts(id)
			if texts[0] != "Looking in the manuals…" || !strings.Contains(texts[1], "Hold the reset button") {
				t.Errorf("private replies = %q", texts)
			}
			var body string
			for _, c := range h.slack.Calls("response") {
				body += string(c.Body)
			}
			if !strings.Contains(body, `"response_type":"ephemeral"`) || !strings.Contains(body, "feedback_helpful") || !strings.Contains(body, "Sources") {
				t.Errorf("the private answer is not ephemeral with sources and buttons: %s", body)
			}
			if q := h.ans.asked(); len(q) != 1 || q[0].Text != "how do I reset the pump?" || q[0].Product != "pump" {
				t.Errorf("asked %+v", q)
			}
			if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
				t.Errorf("a private question posted %d messages in the channel", n)
			}
		})
	}
}

// A manual shared with `ingest` in a channel tied to a product is filed under it; an
// explicit product= wins; a zip archive's manuals are each ingested, and archives that
// escape their folder or expand like a bomb are refused with nothing ingested.
func TestUploadsLandInTheirProduct(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			share := func(id, name string, content []byte, text string) string {
				f := fakeslack.File{ID: id, Name: name, Content: content}
				h.slack.AddFile(f)
				full := "<@" + fakeslack.BotUserID + "> " + text
				ts := h.slack.UserMessage(channel, admin, full, "")
				h.deliver(h.nextEventID(), fakeslack.WithFiles(fakeslack.Mention(channel, admin, full, ts, ""), f), 0)
				var reply string
				h.slack.WaitFor(wait, "the ingest reply", func() bool {
					if m := h.slack.BotMessages(channel, ts); len(m) > 0 {
						reply = m[0].Text
						return true
					}
					return false
				})
				return reply
			}
			share("F1", "reset.md", []byte("# Reset\nHold it.\n"), "ingest")
			share("F2", "other.md", []byte("# Other\n"), "ingest product=valves")
			good := zipOf(t, map[string]string{"manuals/a.md": "# A\n", "manuals/b.txt": "B", "__MACOSX/._a.md": "junk", "nested.zip": "PK"})
			if r := share("F3", "manuals.zip", good, "ingest"); !strings.Contains(r, "2 of 2 manuals in the archive ingested under product pump") {
				t.Errorf("zip reply %q", r)
			}
			if r := share("F4", "evil.zip", zipOf(t, map[string]string{"../../etc/cron.d/x": "boom"}), "ingest"); !strings.Contains(r, "points outside the archive") {
				t.Errorf("path escape reply %q", r)
			}
			bomb := zipOf(t, map[string]string{"bomb.txt": strings.Repeat("0", 10<<20)})
			if r := share("F5", "bomb.zip", bomb, "ingest"); !strings.Contains(r, "zip bomb") {
				t.Errorf("zip bomb reply %q", r)
			}
			_, ingests := h.admin.snapshot()
			got := map[string]string{}
			for _, in := range ingests {
				got[in.Name] = in.Product
			}
			want := map[string]string{"reset.md": "pump", "other.md": "valves", "manuals/a.md": "pump", "manuals/b.txt": "pump"}
			if len(got) != len(want) {
				t.Fatalf("ingested %v, want %v", got, want)
			}
			for n, p := range want {
				if got[n] != p {
					t.Errorf("%s ingested under %q, want %q", n, got[n], p)
				}
			}
		})
	}
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A slash command delivered twice (a retry carries the same trigger id) runs once.
func TestSlashRetryRunsOnce(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			rid := "slash-retry"
			for range 2 {
				if mode == "socket" {
					env := h.slack.Envelope("slash_commands", fakeslack.SlashPayload(someone, channel, "ask reset?", h.slack.ResponseURL(rid)), 0)
					h.slack.WaitFor(wait, "ack", func() bool { return h.slack.Acked(env) })
				} else {
					h.do(fakeslack.FormRequest(h.events, fakeslack.SlashCommand(someone, channel, "ask reset?", h.slack.ResponseURL(rid)), fakeslack.SigningSecret, time.Now()))
				}
			}
			h.slack.WaitFor(wait, "the private answer", func() bool { return len(h.slack.ResponseTexts(rid)) >= 2 })
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			if n := len(h.ans.asked()); n != 1 {
				t.Errorf("the retried command ran %d times", n)
			}
		})
	}
}
