package bot_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
)

// An event answered before a restart and retried by Slack after it is answered once, and
// the thread it was answered in still takes follow-ups without a mention: both are kept
// under the data dir.
func TestRetryAcrossRestartAnsweredOnce(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), bot.SeenFile)
			h := start(t, mode, func(o *bot.Options, _ *fakeAnswerer) { o.StatePath = state })
			full := "<@" + fakeslack.BotUserID + "> reset?"
			ts := h.slack.UserMessage(channel, someone, full, "")
			ev := fakeslack.Mention(channel, someone, full, ts, "")
			h.deliver("EvRestart", ev, 0)
			h.waitFinal(channel, ts)
			h.restart()
			h.deliver("EvRestart", ev, 1)
			// A follow-up without a mention in the thread answered before the restart is
			// still taken; it is asked after the retry was handled (and dropped).
			h.post(channel, someone, "and then?", ts)
			h.slack.WaitFor(wait, "the follow-up asked", func() bool { return len(h.ans.asked()) == 2 })
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			if q := h.ans.asked(); len(q) != 2 || q[1].Text != "and then?" {
				t.Errorf("asked %+v, want the question and the follow-up: the retry was answered again?", q)
			}
			if n := len(h.slack.BotMessages(channel, ts)); n != 2 {
				t.Errorf("%d bot messages in the thread, want 2 (the answer and the follow-up's)", n)
			}
		})
	}
}

// Feedback counts once per user per answer, across restarts too, and the buttons show the
// votes after a click.
func TestFeedbackOncePerUser(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			ts := h.mention(someone, "reset?", "")
			msg := h.waitFinal(channel, ts)[0]
			h.click(someone, msg, "feedback_helpful", "fb1")
			if got := h.waitResponse("fb1"); !strings.Contains(got, "Thanks") {
				t.Errorf("first click: %q", got)
			}
			h.slack.WaitFor(wait, "the tally on the buttons", func() bool {
				m := h.slack.BotMessages(channel, ts)[0]
				return strings.Contains(strings.Join(blockTexts(t, m.Blocks), "\n"), ":+1: Helpful · 1")
			})
			h.restart()
			h.click(someone, msg, "feedback_not_helpful", "fb2")
			if got := h.waitResponse("fb2"); !strings.Contains(got, "already rated") {
				t.Errorf("second click by the same user: %q", got)
			}
			h.click(admin, h.slack.BotMessages(channel, ts)[0], "feedback_not_helpful", "fb3")
			h.slack.WaitFor(wait, "the second user's vote on the buttons", func() bool {
				all := strings.Join(blockTexts(t, h.slack.BotMessages(channel, ts)[0].Blocks), "\n")
				return strings.Contains(all, ":+1: Helpful · 1") && strings.Contains(all, ":-1: Not helpful · 1")
			})
		})
	}
}

// /healthz follows the Socket Mode connection: 503 while it cannot be reopened, 200 again
// once it is.
func TestHealthFollowsConnection(t *testing.T) {
	h := start(t, "socket", nil)
	health := func() int {
		resp, err := http.Get(h.metrics + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	waitHealth := func(want int) {
		t.Helper()
		deadline := time.Now().Add(wait)
		for health() != want {
			if time.Now().After(deadline) {
				t.Fatalf("/healthz never answered %d", want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitHealth(http.StatusOK)
	h.slack.Fail("apps.connections.open", "internal_error", "internal_error", "internal_error")
	h.slack.DropConnections()
	waitHealth(http.StatusServiceUnavailable)
	waitHealth(http.StatusOK)
	h.waitFinal(channel, h.mention(someone, "reset?", ""))
}

// The adapter gauge names what answers are written with: a swap shows up with the next
// answer, not before.
func TestAdapterGaugeFollowsAnswers(t *testing.T) {
	h := start(t, "http", nil)
	scrape := func() string {
		resp, err := http.Get(h.metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(body)
	}
	id := h.slash(admin, "use domain=pumps-v2 qa=qa-v2")
	if r := h.waitResponse(id); !strings.Contains(r, "Now answering with") {
		t.Fatalf("use: %q", r)
	}
	if body := scrape(); !strings.Contains(body, `manualbot_adapter_in_use{adapter="pumps-v1"} 1`) {
		t.Errorf("before any answer the gauge should still show the set answers used")
	}
	h.waitFinal(channel, h.mention(someone, "reset?", ""))
	deadline := time.Now().Add(wait)
	for body := scrape(); !strings.Contains(body, `manualbot_adapter_in_use{adapter="pumps-v2"} 1`); body = scrape() {
		if time.Now().After(deadline) {
			t.Fatalf("the gauge never showed the adapters the answer used:\n%s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if body := scrape(); strings.Contains(body, `adapter="pumps-v1"`) {
		t.Errorf("the gauge still names the old adapter")
	}
}

// Slack failing (5xx) when the bot starts is retried with backoff; the bot comes up and
// answers.
func TestStartRetriesUnreachableSlack(t *testing.T) {
	h := &harness{t: t, mode: "http", slack: fakeslack.New(t), admin: newFakeAdmin(), done: make(chan error, 1)}
	h.ans = newFakeAnswerer(h.admin)
	h.slack.Fail("auth.test", "503")
	h.opts = bot.Options{Mode: "http", BotToken: fakeslack.BotToken, SigningSecret: fakeslack.SigningSecret,
		APIURL: h.slack.APIURL(), FeedbackPath: filepath.Join(t.TempDir(), bot.FeedbackFile), ShutdownTimeout: wait,
		Streaming: "update", UpdateInterval: 20 * time.Millisecond}
	h.launch()
	t.Cleanup(func() { h.stop() })
	if n := len(h.slack.Calls("auth.test")); n < 2 {
		t.Fatalf("auth.test called %d times; the 503 was not retried", n)
	}
	h.waitFinal(channel, h.mention(someone, "reset?", ""))
}

// /healthz turns 503 when Slack's Web API fails several calls in a row (HTTP mode has no
// connection to watch), and 200 again with the next call that works.
func TestHealthFollowsWebAPI(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			health := func() int {
				resp, err := http.Get(h.metrics + "/healthz")
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp.StatusCode
			}
			h.slack.Fail("chat.postMessage", "503", "503", "503")
			for range 3 {
				h.mention(someone, "reset?", "")
			}
			h.slack.WaitFor(wait, "three failed posts", func() bool { return len(h.slack.Calls("chat.postMessage")) == 3 })
			deadline := time.Now().Add(wait)
			for health() != http.StatusServiceUnavailable {
				if time.Now().After(deadline) {
					t.Fatal("/healthz stayed 200 while every Web API call failed")
				}
				time.Sleep(10 * time.Millisecond)
			}
			h.waitFinal(channel, h.mention(someone, "reset again?", ""))
			if code := health(); code != http.StatusOK {
				t.Errorf("/healthz %d after the Web API answered again", code)
			}
		})
	}
}
