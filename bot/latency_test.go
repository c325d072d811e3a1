package bot_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
)

// BenchmarkHTTPLatency measures, in HTTP mode with the fake answerer, how long Slack
// waits for its acknowledgement (the signed POST's round trip) and how long the asker
// waits for the placeholder (event sent → chat.postMessage received by the fake Slack).
// Figures, not assertions: run with `go test -run - -bench HTTPLatency ./bot/`.
func BenchmarkHTTPLatency(b *testing.B) {
	h := start(b, "http", func(o *bot.Options, _ *fakeAnswerer) { o.UserRateLimit = 0 })
	var acks, placeholders []time.Duration
	b.ResetTimer()
	for range b.N {
		ts := h.slack.UserMessage(channel, someone, "<@UBOT> reset?", "")
		req := fakeslack.EventRequest(h.events, fakeslack.Callback(h.nextEventID(),
			fakeslack.Mention(channel, someone, "<@UBOT> reset?", ts, "")), fakeslack.SigningSecret, time.Now())
		sent := time.Now()
		if code := h.do(req); code != http.StatusOK {
			b.Fatalf("status %d", code)
		}
		acks = append(acks, time.Since(sent))
		var at time.Time
		h.slack.WaitFor(wait, "placeholder", func() bool {
			for _, c := range h.slack.Calls("chat.postMessage") {
				if c.Form.Get("thread_ts") == ts {
					at = c.At
					return true
				}
			}
			return false
		})
		placeholders = append(placeholders, at.Sub(sent))
		h.waitFinal(channel, ts)
	}
	b.StopTimer()
	report(b, "ack", acks)
	report(b, "placeholder", placeholders)
}

func report(b *testing.B, name string, ds []time.Duration) {
	slices.Sort(ds)
	q := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), name+"-p50-ms")
	b.ReportMetric(q(0.95), name+"-p95-ms")
	b.ReportMetric(q(1), name+"-max-ms")
}

// BenchmarkHTTPBurst20 sends 20 questions at once per iteration and reports the slowest
// acknowledgement and placeholder of each burst, and the time until all 20 are answered.
func BenchmarkHTTPBurst20(b *testing.B) {
	h := start(b, "http", func(o *bot.Options, _ *fakeAnswerer) { o.UserRateLimit = 0 })
	var acks, placeholders, finals []time.Duration
	for range b.N {
		type sentAt struct {
			ts   string
			sent time.Time
		}
		burst := make([]sentAt, 20)
		for i := range burst {
			burst[i].ts = h.slack.UserMessage(channel, someone, "<@UBOT> reset?", "")
		}
		ackCh := make(chan time.Duration, len(burst))
		start := time.Now()
		for i := range burst {
			req := fakeslack.EventRequest(h.events, fakeslack.Callback(h.nextEventID(),
				fakeslack.Mention(channel, someone, "<@UBOT> reset?", burst[i].ts, "")), fakeslack.SigningSecret, time.Now())
			burst[i].sent = time.Now()
			go func(sent time.Time) {
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				ackCh <- time.Since(sent)
			}(burst[i].sent)
		}
		var worstAck, worstPlaceholder time.Duration
		for range burst {
			worstAck = max(worstAck, <-ackCh)
		}
		for _, s := range burst {
			h.waitFinal(channel, s.ts)
			for _, c := range h.slack.Calls("chat.postMessage") {
				if c.Form.Get("thread_ts") == s.ts {
					worstPlaceholder = max(worstPlaceholder, c.At.Sub(s.sent))
				}
			}
		}
		finals = append(finals, time.Since(start))
		acks = append(acks, worstAck)
		placeholders = append(placeholders, worstPlaceholder)
	}
	report(b, "burst-worst-ack", acks)
	report(b, "burst-worst-placeholder", placeholders)
	report(b, "burst-all-answered", finals)
}

// BenchmarkSocketLatency is BenchmarkHTTPLatency over Socket Mode: envelope written to
// the websocket → its ack read back, and → placeholder posted.
func BenchmarkSocketLatency(b *testing.B) {
	h := start(b, "socket", func(o *bot.Options, _ *fakeAnswerer) { o.UserRateLimit = 0 })
	var acks, placeholders []time.Duration
	for range b.N {
		ts := h.slack.UserMessage(channel, someone, "<@UBOT> reset?", "")
		sent := time.Now()
		env := h.slack.Envelope("events_api", fakeslack.Callback(h.nextEventID(),
			fakeslack.Mention(channel, someone, "<@UBOT> reset?", ts, "")), 0)
		var ackAt, phAt time.Time
		h.slack.WaitFor(wait, "ack and placeholder", func() bool {
			for _, c := range h.slack.Calls("") {
				switch {
				case c.Method == "socket.ack" && strings.Contains(string(c.Body), `"`+env+`"`):
					ackAt = c.At
				case c.Method == "chat.postMessage" && c.Form.Get("thread_ts") == ts:
					phAt = c.At
				}
			}
			return !ackAt.IsZero() && !phAt.IsZero()
		})
		acks = append(acks, ackAt.Sub(sent))
		placeholders = append(placeholders, phAt.Sub(sent))
		h.waitFinal(channel, ts)
	}
	report(b, "ack", acks)
	report(b, "placeholder", placeholders)
}
