package bot_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
)

// `use composition=NAME` from an admin changes the composition the next answer names,
// while the answer in flight finishes on the one it started with; a name with a path
// separator or an unknown one is refused and changes nothing; feedback on an answer records
// the composition that made it.
func TestUseCompositionWhileAnswering(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			if got := h.waitResponse(h.slash(admin, "use composition=pumps+qa-v1")); !strings.Contains(got, "Now answering with composition=pumps+qa-v1") {
				t.Fatalf("admin got %q", got)
			}
			first := h.mention(someone, "slow question [hold]", "")
			<-h.ans.started
			for _, bad := range []string{"use composition=../pumps+qa-v2", "use composition=pumps+qa-v2 qa=qa-v1"} {
				if got := h.waitResponse(h.slash(admin, bad)); strings.Contains(got, "Now answering") {
					t.Errorf("%q accepted: %q", bad, got)
				}
			}
			if got := h.waitResponse(h.slash(admin, "use composition=pumps+qa-v2")); !strings.Contains(got, "Now answering with composition=pumps+qa-v2") {
				t.Fatalf("admin got %q", got)
			}
			second := h.mention(someone, "next question", "")
			msgs := h.waitFinal(channel, second)
			if s := strings.Join(blockTexts(t, msgs[len(msgs)-1].Blocks), "\n"); !strings.Contains(s, "composition: pumps+qa-v2 (pumps-v1 + qa-v1)") {
				t.Errorf("answer after the swap: %s", s)
			}
			close(h.ans.release)
			msgs = h.waitFinal(channel, first)
			if s := strings.Join(blockTexts(t, msgs[len(msgs)-1].Blocks), "\n"); !strings.Contains(s, "composition: pumps+qa-v1") {
				t.Errorf("answer in flight during the swap: %s", s)
			}
			uses, _ := h.admin.snapshot()
			if len(uses) != 2 || uses[1].Composition != "pumps+qa-v2" {
				t.Errorf("uses = %+v", uses)
			}
		})
	}
}

// A feedback record carries the answer's composition.
func TestFeedbackRecordsComposition(t *testing.T) {
	h := start(t, "http", nil)
	h.waitResponse(h.slash(admin, "use composition=pumps+qa-v1"))
	ts := h.mention(someone, "how do I reset the pump?", "")
	msg := h.waitFinal(channel, ts)[0]
	click := fakeslack.FeedbackClick(someone, channel, msg, "feedback_helpful", channel+"/"+msg.TS, h.slack.ResponseURL("fb"))
	h.do(fakeslack.FormRequest(h.events, fakeslack.InteractionForm(click), fakeslack.SigningSecret, time.Now()))
	h.waitResponse("fb")
	store, err := bot.OpenFeedbackStore(h.opts.FeedbackPath)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if n, err := store.Export(&out); err != nil || n != 1 {
		t.Fatalf("export: %d, %v", n, err)
	}
	var fb bot.Feedback
	if err := json.Unmarshal(out.Bytes(), &fb); err != nil {
		t.Fatal(err)
	}
	if c := fb.Composition; c == nil || c.Name != "pumps+qa-v1" || !c.Learned || strings.Join(c.Adapters, ",") != "pumps-v1,qa-v1" {
		t.Fatalf("feedback composition = %+v", fb.Composition)
	}
}
