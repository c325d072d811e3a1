package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"manualbot/inference/remote/fakeengine"
	"manualbot/inference/tokenizer"
	"manualbot/internal/testutil"
)

// tokenizerOnly copies the served model's config and tokenizer files, and no weights,
// into a folder: all model.path needs when an engine generates.
func tokenizerOnly(t *testing.T) string {
	t.Helper()
	src := testutil.Fixture(t, "models/stories260K")
	dst := t.TempDir()
	for _, f := range []string{"config.json", "tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// sameTokenizer answers the engine's /tokenize with the local tokenizer's ids, as an
// engine serving the same model does.
func sameTokenizer(t *testing.T, dir string) func(string) []int {
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return func(s string) []int {
		ids, err := tok.Encode(s, false)
		if err != nil {
			t.Error(err)
		}
		return ids
	}
}

func descaleReply(r fakeengine.Request) string {
	return "Run the descaling program with the kit [1]. (" + r.Model + ")"
}

// engineEnv points the config at the fake engine; extra adds or overrides keys.
func engineEnv(t *testing.T, data, model, endpoint string, extra map[string]string) {
	setenv(t, map[string]string{
		"MANUALBOT_DATA_DIR":           data,
		"MANUALBOT_LOG_LEVEL":          "error",
		"MANUALBOT_MODEL_PATH":         model,
		"MANUALBOT_MODEL_ENDPOINT":     endpoint,
		"MANUALBOT_MODEL_ENGINE":       "vllm",
		"MANUALBOT_MODEL_API_KEY":      "sk-e2e",
		"MANUALBOT_MODEL_MAX_TOKENS":   "32",
		"MANUALBOT_MODEL_RETRIES":      "1",
		"MANUALBOT_MODEL_TIMEOUT":      "2s",
		"MANUALBOT_MODEL_IDLE_TIMEOUT": "2s",
	}, extra)
}

// TestAskThroughEngine answers `ask` on the fake vLLM: the prompt rendered and counted
// locally (model.path has no weights), the answer streamed back with its citation
// resolved, the CAT export registered and requested by name.
func TestAskThroughEngine(t *testing.T) {
	data := t.TempDir()
	ingestExample(t, data)
	model := tokenizerOnly(t)
	eng := fakeengine.New(t, fakeengine.Options{Model: "stories", MaxModelLen: 512, Tokenize: sameTokenizer(t, model), Reply: descaleReply})
	cat := filepath.Join(t.TempDir(), "support")
	ads := testutil.PEFTAdapters(t)
	if out, _, err := runCLI(t, "adapters", "merge", "--method", "cat", "--out", cat, ads+"/widget", ads+"/answering"); err != nil {
		t.Fatalf("merge: %v %s", err, out)
	}
	engineEnv(t, data, model, eng.URL+"/v1", map[string]string{"MANUALBOT_MODEL_ENGINE_ADAPTER": cat, "MANUALBOT_MODEL_MAX_LORA_RANK": "64"})
	for i := range 2 {
		out, _, err := runCLI(t, "ask", "--json", "How do I descale the Brewmaster 3000?")
		if err != nil {
			t.Fatalf("ask %d: %v", i, err)
		}
		var ans struct {
			Answer    string `json:"answer"`
			Citations []struct {
				N     int    `json:"n"`
				Title string `json:"title"`
			} `json:"citations"`
			Adapters []string `json:"adapters"`
			Timings  struct {
				PromptTokens int `json:"prompt_tokens"`
			} `json:"timings"`
		}
		if err := json.Unmarshal([]byte(out), &ans); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if !strings.HasPrefix(ans.Answer, "Run the descaling program") || len(ans.Citations) != 1 || ans.Citations[0].N != 1 {
			t.Errorf("answer %q with citations %+v", ans.Answer, ans.Citations)
		}
		if len(ans.Adapters) != 1 || ans.Adapters[0] != "support" || ans.Timings.PromptTokens == 0 || ans.Timings.PromptTokens > 512 {
			t.Errorf("adapters %v, prompt tokens %d", ans.Adapters, ans.Timings.PromptTokens)
		}
	}
	reqs := eng.Requests()
	loads := eng.Loads()
	// Each `ask` is a new process: the same export gets the same name, and the engine's
	// "already loaded" is taken as registered, so there is still one adapter there.
	if len(loads) != 1 || !strings.HasPrefix(loads[0], "support-") {
		t.Fatalf("loads %v", loads)
	}
	if len(reqs) != 2 || reqs[0].Model != loads[0] || !strings.Contains(reqs[0].Prompt, "descale the Brewmaster 3000") ||
		reqs[0].Auth != "Bearer sk-e2e" || reqs[0].AddSpecialTokens == nil {
		t.Errorf("requests %+v", reqs)
	}
	out, _, err := runCLI(t, "serve", "--check")
	if err != nil {
		t.Fatalf("serve --check: %v", err)
	}
	for _, want := range []string{"engine:     vllm at " + eng.URL, "model:      stories", "served:     stories, " + loads[0],
		"window:     512", "tokenizer:  same", "adapter:    support (" + cat + "), on the engine as " + loads[0], "index:      3 documents"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --check lacks %q:\n%s", want, out)
		}
	}
}

// TestAskEngineBadInput: each engine problem is one clear line, and nothing stays
// registered half-way.
func TestAskEngineBadInput(t *testing.T) {
	data := t.TempDir()
	ingestExample(t, data)
	model := tokenizerOnly(t)
	big := filepath.Join(t.TempDir(), "big")
	ads := testutil.PEFTAdapters(t)
	if _, _, err := runCLI(t, "adapters", "merge", "--method", "cat", "--out", big, ads+"/widget", ads+"/gizmo", ads+"/answering"); err != nil {
		t.Fatal(err)
	}
	q := "How do I descale the Brewmaster 3000?"
	for _, tc := range []struct {
		name  string
		opts  fakeengine.Options
		fault *fakeengine.Fault
		env   map[string]string
		want  string
	}{
		{"500", fakeengine.Options{}, &fakeengine.Fault{Status: 500, Message: "CUDA error"}, nil, "the model is unavailable: engine"},
		{"stream cut", fakeengine.Options{}, &fakeengine.Fault{CutAfter: 2}, nil, "stream"},
		{"not OpenAI", fakeengine.Options{NotOpenAI: true}, nil, nil, "not JSON"},
		{"model not served", fakeengine.Options{}, nil, map[string]string{"MANUALBOT_MODEL_REMOTE_MODEL": "llama-70b"}, `does not serve model "llama-70b"`},
		{"other tokenizer", fakeengine.Options{Tokenize: func(s string) []int { return []int{1, 2, 3} }}, nil, nil, "tokenizer differs"},
		{"adapter rank too large", fakeengine.Options{MaxLoRARank: 8}, nil, map[string]string{"MANUALBOT_MODEL_ENGINE_ADAPTER": big}, "--max-lora-rank"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := fakeengine.New(t, tc.opts)
			if tc.fault != nil {
				eng.Inject("/v1/completions", *tc.fault)
			}
			engineEnv(t, data, model, eng.URL, tc.env)
			_, _, err := runCLI(t, "ask", q)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(oneLine(err), "\n") {
				t.Fatalf("want one line with %q, got %v", tc.want, err)
			}
			t.Logf("%s: %s", tc.name, oneLine(err))
			if len(eng.Loads()) != 0 {
				t.Errorf("a failed start left adapters on the engine: %v", eng.Loads())
			}
		})
	}
}

// TestServeThroughEngine runs `serve` against the fake Slack and the fake vLLM: answers
// stream into the thread with sources, the CAT export is registered once and requested
// by name, an admin's `use` registers the new composition and later answers use it, and
// an engine failure becomes "the model is unavailable" in Slack.
func TestServeThroughEngine(t *testing.T) {
	data := t.TempDir()
	ingestExample(t, data)
	model := tokenizerOnly(t)
	eng := fakeengine.New(t, fakeengine.Options{Model: "stories", Tokenize: sameTokenizer(t, model), Reply: descaleReply,
		ChunkDelay: 15 * time.Millisecond, MaxLoRARank: 64})
	cat := filepath.Join(t.TempDir(), "support")
	ads := testutil.PEFTAdapters(t)
	if _, _, err := runCLI(t, "adapters", "merge", "--method", "cat", "--out", cat, ads+"/widget", ads+"/answering"); err != nil {
		t.Fatal(err)
	}
	engineEnv(t, data, model, eng.URL+"/v1", map[string]string{"MANUALBOT_MODEL_ENGINE_ADAPTER": cat})
	r := startServe(t, data, map[string]string{"MANUALBOT_ADAPTERS_DIRS": ads}, serveOpts{})
	q := "<@UBOT> How do I descale the Brewmaster 3000?"

	first, msg := r.Ask("Ev1", "UALICE", q, isAnswer)
	loads := eng.Loads()
	if len(loads) != 1 || !strings.Contains(first, "Run the descaling program with the kit") || !strings.Contains(first, "("+loads[0]+")") {
		t.Fatalf("loads %v; first answer:\n%s", loads, first)
	}
	if !strings.Contains(first, `*Sources*\n[1] Brewmaster 3000`) {
		t.Errorf("the answer cites no source:\n%s", first)
	}
	// Native streaming (chat.appendStream) or the chat.update fallback: either way, in steps.
	if msg.Updates+msg.Appends < 2 {
		t.Errorf("the answer arrived in %d updates and %d appends: it did not stream", msg.Updates, msg.Appends)
	}
	r.Ask("Ev2", "UALICE", q, isAnswer)
	if got := eng.Loads(); len(got) != 1 {
		t.Errorf("a second answer registered the adapter again: %v", got)
	}
	if reply, _ := r.Ask("Ev3", "UADMIN", "<@UBOT> use qa=answering", isReply); strings.Contains(strings.ToLower(reply), "error") {
		t.Fatalf("admin use failed:\n%s", reply)
	}
	loads = eng.Loads()
	if len(loads) != 2 || !strings.HasPrefix(loads[1], "answering-") {
		t.Fatalf("the swap registered %v", loads)
	}
	third, _ := r.Ask("Ev4", "UALICE", q, isAnswer)
	if !strings.Contains(third, "("+loads[1]+")") || !strings.Contains(third, "adapters: answering") {
		t.Errorf("the answer after the swap did not use the new adapter:\n%s", third)
	}
	if un := eng.Unloads(); len(un) != 1 || un[0] != loads[0] {
		t.Errorf("the replaced adapter was not unloaded once idle: %v", un)
	}
	status, _ := r.Ask("Ev5", "UADMIN", "<@UBOT> status", isReply)
	if !strings.Contains(status, "stories on vllm at "+eng.URL) || !strings.Contains(status, "on the engine as "+loads[1]) {
		t.Errorf("status does not name the engine and its adapter:\n%s", status)
	}
	eng.Inject("/v1/completions", fakeengine.Fault{Status: 500}, fakeengine.Fault{Status: 500})
	apology := func(s string) bool { return strings.Contains(s, "Sorry") }
	if failed, _ := r.Ask("Ev6", "UALICE", q, apology); !strings.Contains(failed, "model is unavailable") {
		t.Errorf("an engine failure did not say the model is unavailable:\n%s", failed)
	}
	r.Stop()
}

// cancelWriter cancels the command's context at the first answer text it receives, as an
// interrupted terminal does.
type cancelWriter struct {
	cancel context.CancelFunc
	buf    bytes.Buffer
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.cancel()
	return w.buf.Write(p)
}

// An `ask` interrupted mid-answer closes the engine's stream (the engine sees the client
// leave) and exits with the cancellation, not an engine failure.
func TestAskCancelClosesEngineStream(t *testing.T) {
	data := t.TempDir()
	ingestExample(t, data)
	model := tokenizerOnly(t)
	eng := fakeengine.New(t, fakeengine.Options{ChunkDelay: 30 * time.Millisecond,
		Reply: func(fakeengine.Request) string { return strings.Repeat("descale ", 200) }})
	engineEnv(t, data, model, eng.URL+"/v1", map[string]string{"MANUALBOT_MODEL_ENGINE": "openai"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &cancelWriter{cancel: cancel}
	root := NewRoot(strings.NewReader(""), out, &bytes.Buffer{})
	root.SetArgs([]string{"ask", "How do I descale the Brewmaster 3000?"})
	err := root.ExecuteContext(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for eng.Cancelled() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if eng.Cancelled() != 1 {
		t.Errorf("the engine saw %d cancelled streams, want 1", eng.Cancelled())
	}
}
