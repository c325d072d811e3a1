package bot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
)

var modes = []string{"http", "socket"}

// A question in a channel gets a placeholder in its thread at once, streamed updates,
// and a final answer with a Sources block and feedback buttons.
func TestQuestionAnsweredInThread(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			ts := h.mention(someone, "how do I reset the pump? [hold]", "")
			// While the answer is held after its first partial, the placeholder must
			// already show the partial text through chat.update.
			h.slack.WaitFor(wait, "a streamed partial", func() bool {
				msgs := h.slack.BotMessages(channel, ts)
				return len(msgs) == 1 && msgs[0].Text == "Hold the reset"
			})
			close(h.ans.release)
			msgs := h.waitFinal(channel, ts)

			posts := h.slack.Calls("chat.postMessage")
			if len(posts) != 1 || posts[0].Form.Get("text") != "Looking in the manuals…" || posts[0].Form.Get("thread_ts") != ts {
				t.Fatalf("want one placeholder in thread %s, got %+v", ts, posts)
			}
			if n := len(h.slack.Calls("chat.update")); n < 2 {
				t.Errorf("want the partial and the final chat.update, got %d updates", n)
			}
			if len(msgs) != 1 {
				t.Fatalf("want the answer in the placeholder message only, got %d messages", len(msgs))
			}
			all := strings.Join(blockTexts(t, msgs[0].Blocks), "\n")
			for _, want := range []string{
				"Hold the reset button for five seconds [1]",
				"*Sources*",
				"[1] <https://docs.example.com/pump#reset|Pump Manual> — Reset (p. 12)",
				"[2] Pump FAQ — Errors",
				"adapters: pumps-v1 + qa-v1",
				":+1: Helpful",
			} {
				if !strings.Contains(all, want) {
					t.Errorf("final answer lacks %q:\n%s", want, all)
				}
			}
			q := h.ans.asked()[0]
			if q.Text != "how do I reset the pump? [hold]" || q.Product != "pump" || q.User != someone || q.Channel != channel {
				t.Errorf("question reached the pipeline as %+v", q)
			}
		})
	}
}

// A follow-up in the thread carries the earlier turns, the bot's as assistant turns.
func TestFollowUpCarriesThread(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			root := h.mention(someone, "how do I reset the pump?", "")
			h.waitFinal(channel, root)
			h.mention(someone, "and if the light stays red?", root)
			h.slack.WaitFor(wait, "the follow-up asked", func() bool { return len(h.ans.asked()) == 2 })
			hist := h.ans.asked()[1].History
			if len(hist) != 2 || hist[0].Role != "user" || hist[0].Text != "how do I reset the pump?" ||
				hist[1].Role != "assistant" || !strings.HasPrefix(hist[1].Text, "Hold the reset button") {
				t.Fatalf("history = %+v", hist)
			}
			if q := h.ans.asked()[1]; q.Text != "and if the light stays red?" {
				t.Errorf("follow-up text = %q (mention not stripped?)", q.Text)
			}
		})
	}
}

// HTTP mode: only correctly signed, fresh requests are taken.
func TestHTTPSignature(t *testing.T) {
	h := start(t, "http", nil)
	ts := h.slack.UserMessage(channel, someone, "<@UBOT> hi", "")
	ev := fakeslack.Callback("EvSig", fakeslack.Mention(channel, someone, "<@UBOT> hi", ts, ""))
	cases := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"wrong secret", func() *http.Request {
			return fakeslack.EventRequest(h.events, ev, "not-the-secret", time.Now())
		}, http.StatusUnauthorized},
		{"stale timestamp", func() *http.Request {
			return fakeslack.EventRequest(h.events, ev, fakeslack.SigningSecret, time.Now().Add(-6*time.Minute))
		}, http.StatusUnauthorized},
		{"no signature", func() *http.Request {
			r := fakeslack.EventRequest(h.events, ev, fakeslack.SigningSecret, time.Now())
			r.Header.Del("X-Slack-Signature")
			return r
		}, http.StatusUnauthorized},
		{"body changed after signing", func() *http.Request {
			r := fakeslack.EventRequest(h.events, ev, fakeslack.SigningSecret, time.Now())
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(body, []byte("hi"), []byte("yo"), 1)))
			return r
		}, http.StatusUnauthorized},
	}
	for _, c := range cases {
		if got := h.do(c.req()); got != c.status {
			t.Errorf("%s: status %d, want %d", c.name, got, c.status)
		}
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
		t.Errorf("rejected requests produced %d messages", n)
	}
}

func TestHTTPURLVerification(t *testing.T) {
	h := start(t, "http", nil)
	req := fakeslack.EventRequest(h.events, map[string]any{"token": "x", "type": "url_verification", "challenge": "c-123"},
		fakeslack.SigningSecret, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "c-123" {
		t.Fatalf("url_verification: %d %q", resp.StatusCode, body)
	}
}

// Slack's retries and its double delivery of a DM mention are answered once.
func TestDuplicatesAnsweredOnce(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			// A retry of the same event.
			ts := h.slack.UserMessage(channel, someone, "<@UBOT> reset?", "")
			ev := fakeslack.Mention(channel, someone, "<@UBOT> reset?", ts, "")
			h.deliver("EvRetry", ev, 0)
			h.deliver("EvRetry", ev, 1)
			h.deliver("EvRetry", ev, 2)
			// One DM delivered as message.im and as app_mention, with different event ids.
			dts := h.slack.UserMessage(dm, someone, "<@UBOT> reset?", "")
			h.deliver("EvDM1", fakeslack.DM(dm, someone, "<@UBOT> reset?", dts, ""), 0)
			h.deliver("EvDM2", fakeslack.Mention(dm, someone, "<@UBOT> reset?", dts, ""), 0)
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			if n := len(h.slack.BotMessages(channel, ts)); n != 1 {
				t.Errorf("retried event: %d answers, want 1", n)
			}
			if n := len(h.slack.BotMessages(dm, dts)); n != 1 {
				t.Errorf("message+app_mention: %d answers, want 1", n)
			}
			if n := len(h.ans.asked()); n != 2 {
				t.Errorf("pipeline asked %d times, want 2", n)
			}
		})
	}
}

// The bot never answers itself, other bots, edits or deletions, nor channel chatter.
func TestIgnoredMessages(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			ts := h.slack.NextTS()
			own := fakeslack.DM(dm, fakeslack.BotUserID, "Hold the reset button", ts, "")
			otherBot := fakeslack.DM(dm, "UOTHER", "beep", h.slack.NextTS(), "")
			otherBot["bot_id"] = "BOTHER"
			otherBot["subtype"] = "bot_message"
			edited := fakeslack.DM(dm, someone, "reset?", h.slack.NextTS(), "")
			edited["subtype"] = "message_changed"
			deleted := fakeslack.DM(dm, someone, "", h.slack.NextTS(), "")
			deleted["subtype"] = "message_deleted"
			chatter := fakeslack.DM(channel, someone, "lunch?", h.slack.NextTS(), "")
			chatter["channel_type"] = "channel"
			mentionByBot := fakeslack.Mention(channel, "UOTHER", "<@UBOT> hi", h.slack.NextTS(), "")
			mentionByBot["bot_id"] = "BOTHER"
			for i, ev := range []map[string]any{own, otherBot, edited, deleted, chatter, mentionByBot} {
				h.deliver(fmt.Sprintf("EvIgnore%d", i), ev, 0)
			}
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
				t.Errorf("bot answered %d ignored messages", n)
			}
		})
	}
}

// An admin's swap applies to the next answer while the answer in flight finishes on the
// adapters it started with; a non-admin's swap changes nothing.
func TestAdminSwapWhileAnswering(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			first := h.mention(someone, "slow question [hold]", "")
			<-h.ans.started

			refused := h.slash(someone, "use domain=pumps-v2 qa=qa-v2")
			if got := h.waitResponse(refused); !strings.Contains(got, "only manualbot admins") {
				t.Errorf("non-admin got %q", got)
			}
			if uses, _ := h.admin.snapshot(); len(uses) != 0 {
				t.Fatalf("a non-admin's use changed adapters: %+v", uses)
			}

			ok := h.slash(admin, "use domain=pumps-v2 qa=qa-v2 method=cat weights=0.7,0.3")
			if got := h.waitResponse(ok); !strings.Contains(got, "Now answering with domain=pumps-v2 qa=qa-v2 method=cat weights=0.7,0.3") {
				t.Errorf("admin got %q", got)
			}
			second := h.mention(someone, "next question", "")
			msgs := h.waitFinal(channel, second)
			if s := strings.Join(blockTexts(t, msgs[len(msgs)-1].Blocks), "\n"); !strings.Contains(s, "adapters: pumps-v2 + qa-v2") {
				t.Errorf("answer after the swap: %s", s)
			}
			close(h.ans.release)
			msgs = h.waitFinal(channel, first)
			if s := strings.Join(blockTexts(t, msgs[len(msgs)-1].Blocks), "\n"); !strings.Contains(s, "adapters: pumps-v1 + qa-v1") {
				t.Errorf("answer in flight during the swap: %s", s)
			}
			uses, _ := h.admin.snapshot()
			if len(uses) != 1 || uses[0].Method != "cat" || len(uses[0].Weights) != 2 {
				t.Errorf("uses = %+v", uses)
			}
		})
	}
}

// Admin commands work as mentions too, for users listed directly or through a group,
// and bad input is reported without effect.
func TestAdminMentions(t *testing.T) {
	h := start(t, "socket", nil)
	cases := []struct {
		user, text, want string
	}{
		{admin, "status", "model: stories260K"},
		{groupUser, "adapters", "`pumps-v2` (domain, r=8)"},
		{someone, "reindex", "only manualbot admins can run `reindex`"},
		{admin, "reindex", "Reindexed: 3 documents, 42 chunks"},
		{admin, "use domain=nope qa=qa-v1", "no adapter named"},
		{admin, "use domain=pumps-v1 weights=x", "is not a number"},
		{someone, "help", "Admin commands"},
	}
	for _, c := range cases {
		ts := h.mention(c.user, c.text, "")
		h.waitReply(channel, ts, c.want)
	}
	if uses, _ := h.admin.snapshot(); len(uses) != 0 {
		t.Errorf("failed swaps changed adapters: %+v", uses)
	}
	if len(h.ans.asked()) != 0 {
		t.Errorf("commands reached the answering pipeline: %+v", h.ans.asked())
	}
}

// A file shared with `ingest` by an admin is downloaded with the bot token and ingested;
// a file whose URL points away from Slack never receives the token.
func TestIngestSharedFile(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			manual := fakeslack.File{ID: "F0MANUAL", Name: "pump-x2.md", Content: []byte("# Pump X2\n\n## Reset\nHold the button.\n")}
			h.slack.AddFile(manual)
			ts := h.slack.UserMessage(dm, admin, "ingest", "")
			h.deliver(h.nextEventID(), fakeslack.WithFiles(fakeslack.DM(dm, admin, "ingest", ts, ""), manual), 0)
			h.waitReply(dm, ts, "pump-x2.md: 1 document")
			_, ingests := h.admin.snapshot()
			if len(ingests) != 1 || ingests[0].Name != "pump-x2.md" || ingests[0].Content != string(manual.Content) {
				t.Fatalf("ingested %+v", ingests)
			}
			dl := h.slack.Calls("files.download")
			if len(dl) != 1 || dl[0].Token != fakeslack.BotToken {
				t.Errorf("downloads = %+v", dl)
			}

			// A non-admin's ingest is refused before anything is downloaded.
			ts = h.slack.UserMessage(dm, someone, "ingest", "")
			h.deliver(h.nextEventID(), fakeslack.WithFiles(fakeslack.DM(dm, someone, "ingest", ts, ""), manual), 0)
			h.waitReply(dm, ts, "only manualbot admins")
			if n := len(h.slack.Calls("files.download")); n != 1 {
				t.Errorf("a refused ingest downloaded the file")
			}
		})
	}
}

func TestIngestNeverLeaksToken(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	evil := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = w.Write([]byte("gotcha"))
	})}
	ln := listen(t)
	go func() { _ = evil.Serve(ln) }()
	t.Cleanup(func() { _ = evil.Close() })

	h := start(t, "http", nil)
	ts := h.slack.UserMessage(dm, admin, "ingest", "")
	ev := fakeslack.DM(dm, admin, "ingest", ts, "")
	ev["subtype"] = "file_share"
	ev["files"] = []any{map[string]any{"id": "F0EVIL", "name": "evil.md",
		"url_private_download": "http://" + ln.Addr().String() + "/files-pri/T-F0EVIL/evil.md"}}
	h.deliver(h.nextEventID(), ev, 0)
	h.waitReply(dm, ts, "refusing to send the bot token")
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Fatalf("a non-Slack host got requests: %q", leaked)
	}
}

// Twenty questions at once are all answered, none lost.
func TestTwentyAtOnce(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			var threads []string
			for i := range 20 {
				threads = append(threads, h.slack.UserMessage(channel, fmt.Sprintf("U%02d", i), "<@UBOT> reset?", ""))
			}
			var wg sync.WaitGroup
			for i, ts := range threads {
				wg.Go(func() {
					h.deliver(fmt.Sprintf("EvMany%02d", i), fakeslack.Mention(channel, fmt.Sprintf("U%02d", i), "<@UBOT> reset?", ts, ""), 0)
				})
			}
			wg.Wait()
			for _, ts := range threads {
				h.waitFinal(channel, ts)
			}
			if err := h.stop(); err != nil {
				t.Fatal(err)
			}
			for _, ts := range threads {
				if n := len(h.slack.BotMessages(channel, ts)); n != 1 {
					t.Errorf("thread %s: %d bot messages, want 1", ts, n)
				}
			}
		})
	}
}

// Shutdown stops taking events but finishes the answer in flight.
func TestGracefulShutdown(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			ts := h.mention(someone, "slow question [hold]", "")
			<-h.ans.started
			h.cancel()
			// Run must still be draining: the answer is held.
			if mode == "http" {
				h.slack.WaitFor(wait, "the events server to close", func() bool {
					resp, err := http.Post(h.events, "application/json", strings.NewReader("{}"))
					if err == nil {
						resp.Body.Close()
					}
					return err != nil
				})
			}
			select {
			case err := <-h.done:
				t.Fatalf("Run returned (%v) with an answer in flight", err)
			default:
			}
			close(h.ans.release)
			if err := <-h.done; err != nil {
				t.Fatalf("Run: %v", err)
			}
			h.stopped = true
			msgs := h.slack.BotMessages(channel, ts)
			if len(msgs) != 1 || !strings.Contains(string(msgs[0].Blocks), "feedback_helpful") {
				t.Fatalf("answer in flight not finished: %+v", msgs)
			}
		})
	}
}

// A user over the per-minute limit gets a short, polite reply and no answer.
func TestUserRateLimit(t *testing.T) {
	h := start(t, "http", func(o *bot.Options, _ *fakeAnswerer) { o.UserRateLimit = 2 })
	for range 2 {
		h.waitFinal(channel, h.mention(someone, "reset?", ""))
	}
	ts := h.mention(someone, "reset?", "")
	h.waitReply(channel, ts, "faster than I can read")
	h.waitFinal(channel, h.mention("UBOB", "reset?", "")) // others are not affected
	if n := len(h.ans.asked()); n != 3 {
		t.Errorf("pipeline asked %d times, want 3", n)
	}
}

// A long answer is split over several messages within Slack's block limit, the sources
// and buttons on the last.
func TestLongAnswerSplit(t *testing.T) {
	para := strings.Repeat("The pump's seal must be checked before every start. ", 30) // ~1.6k chars
	long := strings.TrimSpace(strings.Repeat(para+"\n\n", 5))
	h := start(t, "http", func(_ *bot.Options, a *fakeAnswerer) { a.long = long })
	ts := h.mention(someone, "tell me everything [long]", "")
	msgs := h.waitFinal(channel, ts)
	if len(msgs) < 3 {
		t.Fatalf("%d-char answer in %d messages", len(long), len(msgs))
	}
	var joined []string
	for i, m := range msgs {
		texts := blockTexts(t, m.Blocks)
		if len(texts[0]) > 3000 {
			t.Errorf("message %d: section of %d chars", i, len(texts[0]))
		}
		joined = append(joined, texts[0])
		hasSources := strings.Contains(strings.Join(texts, "\n"), "*Sources*")
		if hasSources != (i == len(msgs)-1) {
			t.Errorf("message %d of %d: sources present = %v", i, len(msgs), hasSources)
		}
	}
	if got := strings.Join(joined, " "); strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(long), " ") {
		t.Errorf("split lost text: %d chars in, %d out", len(long), len(got))
	}
}

// Feedback clicks are recorded with the question, answer, citations and adapters, and
// export as JSONL.
func TestFeedbackRecorded(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			h := start(t, mode, nil)
			ts := h.mention(someone, "how do I reset the pump?", "")
			msg := h.waitFinal(channel, ts)[0]
			click := fakeslack.FeedbackClick(someone, channel, msg, "feedback_not_helpful", channel+"/"+msg.TS, h.slack.ResponseURL("fb"))
			if mode == "socket" {
				env := h.slack.Envelope("interactive", click, 0)
				h.slack.WaitFor(wait, "ack", func() bool { return h.slack.Acked(env) })
			} else {
				h.do(fakeslack.FormRequest(h.events, fakeslack.InteractionForm(click), fakeslack.SigningSecret, time.Now()))
			}
			if got := h.waitResponse("fb"); !strings.Contains(got, "Thanks") {
				t.Errorf("click reply %q", got)
			}
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
			if fb.Rating != "not_helpful" || fb.Question != "how do I reset the pump?" || fb.User != someone ||
				!strings.HasPrefix(fb.Answer, "Hold the reset") || len(fb.Citations) != 2 ||
				strings.Join(fb.Adapters, ",") != "pumps-v1,qa-v1" || fb.ThreadTS != ts || fb.MessageTS != msg.TS {
				t.Errorf("feedback = %+v", fb)
			}
		})
	}
}

// /healthz and /metrics serve the bot's own registry.
func TestHealthAndMetrics(t *testing.T) {
	h := start(t, "http", nil)
	h.waitFinal(channel, h.mention(someone, "reset?", ""))
	scrape := func() string {
		resp, err := http.Get(h.metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(body)
	}
	// The answer's metrics are recorded just after its final post, which the test may see
	// first: scrape until they are there, as Prometheus would on its next scrape.
	body := scrape()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(body, "manualbot_answer_seconds_count 1") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		body = scrape()
	}
	for _, want := range []string{
		"manualbot_questions_total 1",
		`manualbot_adapter_in_use{adapter="pumps-v1"} 1`,
		"manualbot_answer_seconds_count 1",
		"manualbot_retrieval_hits_sum 2",
		"manualbot_ack_seconds_count",
		`manualbot_slack_events_total{outcome="accepted",type="app_mention"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// Socket Mode: Slack's `disconnect` makes the client reconnect, and it keeps answering.
func TestSocketReconnect(t *testing.T) {
	h := start(t, "socket", nil)
	h.slack.Disconnect()
	h.slack.WaitFor(wait, "a second connection", func() bool { return h.slack.Connections() >= 2 })
	h.slack.WaitConnected(wait)
	h.waitFinal(channel, h.mention(someone, "reset?", ""))
}
