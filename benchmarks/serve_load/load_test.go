// Package serveload is the load test of issue 12: SERVE_LOAD_QUESTIONS (20) questions sent
// at once to `manualbot serve` in HTTP mode (the Events API) against a fake Slack, with a
// random-weight model of SmolLM2-135M's shapes and 64-token answers. It reports when
// the first, median and last answers were finished (seconds after the burst), how many
// were answered, and the queue positions the bot showed. run.sh sets it up; without
// SERVE_LOAD_BIN the test is skipped.
package serveload

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"manualbot/bot"
	"manualbot/bot/fakeslack"
	"manualbot/inference/testmodel"
)

// env is an environment variable or its default.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func TestServeLoad(t *testing.T) {
	bin := os.Getenv("SERVE_LOAD_BIN")
	if bin == "" {
		t.Skip("SERVE_LOAD_BIN not set: run benchmarks/serve_load/run.sh")
	}
	work := env("SERVE_LOAD_WORK", t.TempDir())
	n, _ := strconv.Atoi(env("SERVE_LOAD_QUESTIONS", "20"))
	model := ensureModel(t, filepath.Join(work, "model-135m"), env("SERVE_LOAD_TOKENIZER", ""))
	data := filepath.Join(work, "data")

	slack := fakeslack.New(t)
	listen, metrics := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"MANUALBOT_DATA_DIR="+data,
		"MANUALBOT_MODEL_PATH="+model,
		"MANUALBOT_MODEL_MAX_TOKENS="+env("SERVE_LOAD_TOKENS", "64"),
		"MANUALBOT_SLACK_MODE=http",
		"MANUALBOT_SLACK_BOT_TOKEN="+fakeslack.BotToken,
		"MANUALBOT_SLACK_SIGNING_SECRET="+fakeslack.SigningSecret,
		"MANUALBOT_SLACK_API_URL="+slack.APIURL(),
		"MANUALBOT_SLACK_LISTEN="+listen,
		"MANUALBOT_SLACK_METRICS_LISTEN="+metrics,
		// A whole burst must be measured, not cut off: the bot's own default is 3m.
		"MANUALBOT_SLACK_ANSWER_TIMEOUT="+env("SERVE_LOAD_ANSWER_TIMEOUT", "20m"),
		"MANUALBOT_SLACK_USER_RATE_LIMIT=100",
	)
	logs, err := os.Create(filepath.Join(work, "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { // stop serve: SIGTERM, it lets answers in flight finish
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(2 * time.Minute):
			_ = cmd.Process.Kill()
		}
	}()
	waitHealthy(t, "http://"+listen+"/healthz", exited)

	// Questions about the example manual, in turn (different retrieved passages, so
	// prompts of different lengths); SERVE_LOAD_QUESTION asks one question n times.
	questions := []string{"How do I descale the Brewmaster 3000?", "How do I install the machine?",
		"What should I do when the display shows an error?", "How do I change the grind size?"}
	if v := os.Getenv("SERVE_LOAD_QUESTION"); v != "" {
		questions = []string{v}
	}
	type q struct {
		id, user, ts, text string
		done               time.Duration
	}
	// Event ids unique to this run: the bot remembers the events it has seen in its data
	// directory, and would drop a second run's as Slack's retries.
	run := time.Now().UnixNano()
	qs := make([]*q, n)
	for i := range qs {
		user := fmt.Sprintf("U%03d", i)
		text := "<@UBOT> " + questions[i%len(questions)]
		qs[i] = &q{id: fmt.Sprintf("EvLoad%d-%d", run, i), user: user, text: text, ts: slack.UserMessage("C1", user, text, "")}
	}
	events := "http://" + listen + bot.EventsPath
	start := time.Now()
	var wg sync.WaitGroup
	for _, x := range qs {
		wg.Go(func() {
			req := fakeslack.EventRequest(events, fakeslack.Callback(x.id, fakeslack.Mention("C1", x.user, x.text, x.ts, "")), fakeslack.SigningSecret, time.Now())
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()

	// An answer is finished when its message carries the feedback buttons (an actions
	// block); the bot's refusals and errors are finished too, but not answered.
	deadline := time.Now().Add(25 * time.Minute)
	answered, failed := 0, 0
	for pending := n; pending > 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		for _, x := range qs {
			if x.done != 0 {
				continue
			}
			msgs := slack.BotMessages("C1", x.ts)
			if len(msgs) == 0 {
				continue
			}
			last := msgs[len(msgs)-1]
			switch text := string(last.Blocks) + last.Text; {
			case strings.Contains(text, `"type":"actions"`):
				x.done, pending, answered = time.Since(start), pending-1, answered+1
			case strings.Contains(text, "could not") || strings.Contains(text, "busy") || strings.Contains(text, "went wrong"):
				x.done, pending, failed = time.Since(start), pending-1, failed+1
				t.Logf("%s: %s", x.id, last.Text)
			}
		}
	}
	var times []float64
	for _, x := range qs {
		if x.done != 0 {
			times = append(times, x.done.Seconds())
		}
	}
	slices.Sort(times)
	positions := queuePositions(slack.Calls("chat.postMessage"))
	fmt.Printf("serve load: %d questions at once, %s-token answers: %d answered, %d refused or failed, %d lost\n",
		n, env("SERVE_LOAD_TOKENS", "64"), answered, failed, n-answered-failed)
	if len(times) > 0 {
		fmt.Printf("serve load: finished after first %.1f s, median %.1f s, last %.1f s\n", times[0], times[len(times)/2], times[len(times)-1])
		fmt.Printf("serve load: all finish times (s): %s\n", strings.Trim(fmt.Sprint(round1(times)), "[]"))
	}
	fmt.Printf("serve load: queue positions shown (questions ahead): %v\n", positions)
	if answered != n {
		t.Errorf("%d of %d questions answered", answered, n)
	}
}

// queuePositions are the "Queued: N questions ahead" placeholders the bot posted, sorted.
func queuePositions(calls []fakeslack.Call) []int {
	re := regexp.MustCompile(`Queued: (\d+) question`)
	var out []int
	for _, c := range calls {
		if m := re.FindStringSubmatch(c.Form.Get("text") + string(c.Body)); m != nil {
			v, _ := strconv.Atoi(m[1])
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

func round1(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(int(x*10+0.5)) / 10
	}
	return out
}

// ensureModel writes, once, a random-weight f32 model of SmolLM2-135M's shapes whose
// vocabulary is the tokenizer's (GPT-2's 50,257 ids, so every id the tokenizer makes and
// every id the model samples can be encoded and decoded), with that tokenizer.json.
func ensureModel(t *testing.T, dir, tokenizer string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err == nil {
		return dir
	}
	if tokenizer == "" {
		t.Fatal("SERVE_LOAD_TOKENIZER (a tokenizer.json) is needed to write the model")
	}
	c := testmodel.SmolLM2_135M()
	c.VocabSize = 50257
	c.BOS, c.EOS = 50256, 50256
	if err := testmodel.Write(dir, c, 1); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(tokenizer)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitHealthy polls serve's /healthz until it answers 200 (the model is loaded and the
// listener up), failing if serve exits first.
func waitHealthy(t *testing.T, url string, exited <-chan error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for ctx.Err() == nil {
		select {
		case err := <-exited:
			t.Fatalf("serve exited before serving: %v (see serve.log)", err)
		case <-time.After(200 * time.Millisecond):
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatal("serve did not become healthy in 5 minutes (see serve.log)")
}
