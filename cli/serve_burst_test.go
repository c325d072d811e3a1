package cli

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"manualbot/bot/fakeslack"
	"manualbot/internal/testutil"
)

// TestServeBurstNoneLost sends a burst of questions at once through the real bot — serve
// on the example manual's index and the stories260K model, against the fake Slack — from
// ten people asking within their rate limit and one asking past it: every question gets
// exactly one reply in its thread, a finished answer or the message saying why not
// (the rate limit), and the counts add up.
func TestServeBurstNoneLost(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	const perUser, limit, greedy = 3, 3, 6
	r := startServe(t, ingestedData(t), map[string]string{
		"MANUALBOT_MODEL_PATH":             testutil.Fixture(t, "models/stories260K"),
		"MANUALBOT_MODEL_MAX_TOKENS":       "8",
		"MANUALBOT_SLACK_ADMINS":           "",
		"MANUALBOT_SLACK_USER_RATE_LIMIT":  fmt.Sprint(limit),
		"MANUALBOT_SLACK_SHUTDOWN_TIMEOUT": "60s",
	}, serveOpts{})
	slack, events := r.Slack, r.Events

	type question struct{ id, user, ts string }
	var qs []question
	for u := range 10 {
		for i := range perUser {
			qs = append(qs, question{id: fmt.Sprintf("EvB%d-%d", u, i), user: fmt.Sprintf("U%02d", u)})
		}
	}
	for i := range greedy {
		qs = append(qs, question{id: fmt.Sprintf("EvG%d", i), user: "UGREEDY"})
	}
	for i := range qs {
		qs[i].ts = slack.UserMessage("C1", qs[i].user, "<@UBOT> How do I descale the Brewmaster 3000?", "")
	}
	var wg sync.WaitGroup
	for _, q := range qs {
		wg.Go(func() {
			text := "<@UBOT> How do I descale the Brewmaster 3000?"
			req := fakeslack.EventRequest(events, fakeslack.Callback(q.id, fakeslack.Mention("C1", q.user, text, q.ts, "")), fakeslack.SigningSecret, time.Now())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s: status %d", q.id, resp.StatusCode)
			}
		})
	}
	wg.Wait()

	answered, limited := map[string]int{}, map[string]int{}
	for _, q := range qs {
		var last string
		slack.WaitFor(2*time.Minute, "the reply to "+q.id, func() bool {
			msgs := slack.BotMessages("C1", q.ts)
			if len(msgs) == 0 {
				return false
			}
			last = string(msgs[len(msgs)-1].Blocks) + msgs[len(msgs)-1].Text
			return strings.Contains(last, `"type":"actions"`) || strings.Contains(last, "asking faster than")
		})
		if n := len(slack.BotMessages("C1", q.ts)); n != 1 {
			t.Errorf("%s: %d bot messages in its thread, want 1", q.id, n)
		}
		if strings.Contains(last, "asking faster than") {
			limited[q.user]++
		} else {
			answered[q.user]++
		}
	}
	r.Stop()
	for u := range 10 {
		if user := fmt.Sprintf("U%02d", u); answered[user] != perUser || limited[user] != 0 {
			t.Errorf("%s: %d answered, %d rate-limited; want all %d answered", user, answered[user], limited[user], perUser)
		}
	}
	if answered["UGREEDY"] != limit || limited["UGREEDY"] != greedy-limit {
		t.Errorf("UGREEDY: %d answered, %d told to wait; want %d and %d", answered["UGREEDY"], limited["UGREEDY"], limit, greedy-limit)
	}
	t.Logf("%d questions at once: %d answered, %d told why not", len(qs), len(qs)-limited["UGREEDY"], limited["UGREEDY"])
}
