package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
)

// fuzzBot runs the real bot in HTTP mode against the fake Slack for a fuzz target and
// returns the fake and the events URL. Unlike the harness it logs nowhere: a fuzz target
// may not log through the *testing.F that set it up.
func fuzzBot(f *testing.F) (*fakeslack.Server, string) {
	s := fakeslack.New(f)
	admins := newFakeAdmin()
	eventsLn, metricsLn := listen(f), listen(f)
	b, err := bot.New(bot.Options{
		Mode: "http", BotToken: fakeslack.BotToken, SigningSecret: fakeslack.SigningSecret,
		APIURL: s.APIURL(), Admins: []string{admin}, UserRateLimit: 1000,
		UpdateInterval: 20 * time.Millisecond, FeedbackPath: filepath.Join(f.TempDir(), bot.FeedbackFile),
		ShutdownTimeout: wait,
	}, bot.Deps{
		Answerer: newFakeAnswerer(admins), Admin: admins,
		Log:      slog.New(slog.DiscardHandler),
		Listener: eventsLn, MetricsListener: metricsLn,
	})
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	f.Cleanup(func() {
		cancel()
		<-done
	})
	health := "http://" + metricsLn.Addr().String() + "/healthz"
	for deadline := time.Now().Add(wait); ; time.Sleep(10 * time.Millisecond) {
		if resp, err := http.Get(health); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			f.Fatal("bot did not become healthy")
		}
	}
	return s, "http://" + eventsLn.Addr().String() + bot.EventsPath
}

// FuzzHTTPPayloads posts arbitrary Events API bodies, slash-command forms and interaction
// payloads to the running bot (HTTP mode, against the fake Slack), signed with the right
// secret or a wrong one, at a fresh or a stale time: a request that is not signed by Slack
// is refused with 401 whatever it holds; a signed one is acknowledged or refused as bad
// input (never a 5xx or a dropped connection), and the bot keeps serving.
func FuzzHTTPPayloads(f *testing.F) {
	slack, events := fuzzBot(f)
	ts := slack.UserMessage(channel, someone, "<@UBOT> hi", "")
	mention, _ := json.Marshal(fakeslack.Callback("EvFuzz", fakeslack.Mention(channel, someone, "<@UBOT> hi", ts, "")))
	click, _ := json.Marshal(fakeslack.FeedbackClick(someone, channel, fakeslack.Message{TS: ts, ThreadTS: ts, Text: "a"}, "feedback_up", "up", "http://127.0.0.1:1/x"))
	slash := fakeslack.SlashCommand(someone, channel, "status", "http://127.0.0.1:1/x").Encode()
	f.Add(mention, uint8(0), true, false)
	f.Add([]byte(`{"token":"x","type":"url_verification","challenge":"c"}`), uint8(0), true, false)
	f.Add([]byte(`{"type":"event_callback","event":{"type":"message","channel_type":"im","text":null,"files":[{"url_private_download":"https://evil.com/x"}]}}`), uint8(0), true, false)
	f.Add([]byte(`{"type":"event_callback","event":7}`), uint8(0), true, true)
	f.Add([]byte(slash), uint8(1), true, false)
	f.Add([]byte("command=%2Fmanualbot&text=use+domain%3D..%2F..&user_id="+admin), uint8(1), true, false)
	f.Add([]byte("ssl_check=1"), uint8(1), false, false)
	f.Add(click, uint8(2), true, false)
	f.Add([]byte(`{"type":"block_actions","actions":[{}],"message":{}}`), uint8(2), true, false)
	f.Add([]byte(`{"type":"view_submission","view":{"state":{"values":{"a":{"b":{"type":"x"}}}}}}`), uint8(2), true, false)
	f.Fuzz(func(t *testing.T, body []byte, kind uint8, signed, stale bool) {
		ctype := "application/json"
		switch kind % 3 {
		case 1:
			ctype = "application/x-www-form-urlencoded"
		case 2:
			ctype = "application/x-www-form-urlencoded"
			body = []byte(url.Values{"payload": {string(body)}}.Encode())
		}
		req, err := http.NewRequest(http.MethodPost, events, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ctype)
		secret, at := fakeslack.SigningSecret, time.Now()
		if !signed {
			secret = "not-the-secret"
		}
		if stale {
			at = at.Add(-6 * time.Minute)
		}
		fakeslack.Sign(req.Header, secret, body, at)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("request dropped (a handler panic?): %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case !signed || stale:
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("unsigned or stale request answered %d, want 401", resp.StatusCode)
			}
		case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest:
			t.Fatalf("signed request answered %d", resp.StatusCode)
		}
	})
}
