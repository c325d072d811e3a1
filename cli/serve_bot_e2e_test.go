package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"manualbot/bot/fakeslack"
	"manualbot/internal/testutil"
)

// A follow-up in a thread far longer than stories260K's 512-token window is answered
// (its oldest turns dropped), where it used to fail the whole answer.
func TestServeLongThreadAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	for _, mode := range []string{"http", "socket"} {
		t.Run(mode, func(t *testing.T) {
			r := startServe(t, ingestedData(t), map[string]string{
				"MANUALBOT_MODEL_PATH":       testutil.Fixture(t, "models/stories260K"),
				"MANUALBOT_MODEL_MAX_TOKENS": "16",
			}, serveOpts{Mode: mode})
			root := r.Slack.UserMessage("C1", "UALICE", "<@UBOT> How do I descale the Brewmaster 3000?", "")
			long := strings.Repeat("The descaling cycle runs hot water with descaler through the boiler and the steam wand. ", 12)
			for i := range 5 {
				r.Slack.BotMessage("C1", fmt.Sprintf("Answer %d. %s [1]", i, long), root)
				r.Slack.UserMessage("C1", "UALICE", fmt.Sprintf("<@UBOT> Question %d: and then? %s", i, long), root)
			}
			got := r.AskThread("C1", "UALICE", "How often should I descale it?", root, false)
			if strings.Contains(got, "Sorry") || !strings.Contains(got, "feedback_helpful") {
				t.Fatalf("the long thread's follow-up was not answered:\n%s", got)
			}
		})
	}
}

// A manual shared in a channel tied to a product is filed under that product, so that
// channel's questions (searched within the product) find it; before, it went under the
// global product and the channel found nothing.
func TestServeUploadFoundFromItsChannel(t *testing.T) {
	for _, mode := range []string{"http", "socket"} {
		t.Run(mode, func(t *testing.T) {
			r := startServe(t, ingestedData(t), nil, serveOpts{Mode: mode, Config: "slack:\n  channel_products:\n    CVALVES: valves\n"})
			manual := fakeslack.File{ID: "FVALVE", Name: "valve-guide.md",
				Content: []byte("# Valve Guide\n\n## Bleeding the valve\nTurn the bleed screw a quarter turn until the hissing stops.\n")}
			r.Slack.AddFile(manual)
			full := "<@" + fakeslack.BotUserID + "> ingest"
			ts := r.Slack.UserMessage("CVALVES", "UADMIN", full, "")
			r.deliver(fakeslack.WithFiles(fakeslack.Mention("CVALVES", "UADMIN", full, ts, ""), manual))
			r.Slack.WaitFor(60*time.Second, "the ingest reply", func() bool { return len(r.Slack.BotMessages("CVALVES", ts)) > 0 })
			if reply := r.Slack.BotMessages("CVALVES", ts)[0].Text; !strings.Contains(reply, ":white_check_mark:") {
				t.Fatalf("ingest reply: %s", reply)
			}
			got := r.AskThread("CVALVES", "UALICE", "How do I bleed the valve?", "", false)
			if !strings.Contains(got, "Valve Guide") {
				t.Errorf("the channel's question did not find its upload:\n%s", got)
			}
		})
	}
}
