package remote_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"manualbot/inference/remote"
	"manualbot/inference/remote/fakeengine"
)

func newClient(t *testing.T, eng *fakeengine.Server, kind remote.Engine, mod func(*remote.Options)) *remote.Client {
	t.Helper()
	o := remote.Options{Endpoint: eng.URL + "/v1", Engine: kind, APIKey: "sk-test", Retries: 2, Backoff: time.Millisecond,
		Timeout: 2 * time.Second, IdleTimeout: 2 * time.Second}
	if mod != nil {
		mod(&o)
	}
	c, err := remote.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Check(context.Background()); err != nil {
		t.Fatalf("check: %v", err)
	}
	return c
}

// adapterDir writes a PEFT adapter folder of rank r (config and a weights file; the fake
// engine reads only the config, the client hashes both).
func adapterDir(t *testing.T, name string, r int) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := `{"r":` + strconv.Itoa(r) + `,"lora_alpha":` + strconv.Itoa(r) + `,"peft_type":"LORA","target_modules":["q_proj"]}`
	if err := os.WriteFile(filepath.Join(d, "adapter_config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "adapter_model.safetensors"), []byte(name), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

func complete(t *testing.T, c *remote.Client) (remote.Completion, []string, error) {
	t.Helper()
	var pieces []string
	res, err := c.Complete(context.Background(), remote.CompletionRequest{Prompt: "Q: descale?\nA:", MaxTokens: 8},
		func(s string) error { pieces = append(pieces, s); return nil })
	return res, pieces, err
}

func TestCompleteStreams(t *testing.T) {
	eng := fakeengine.New(t, fakeengine.Options{Model: "llama"})
	c := newClient(t, eng, remote.OpenAI, nil)
	res, pieces, err := complete(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "Answer from llama [1]." || len(pieces) != 4 || strings.Join(pieces, "") != res.Text {
		t.Errorf("text %q in pieces %q", res.Text, pieces)
	}
	if res.FinishReason != "stop" || res.CompletionTokens != 4 {
		t.Errorf("finish %q, completion tokens %d", res.FinishReason, res.CompletionTokens)
	}
	reqs := eng.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1/completions" || reqs[0].Model != "llama" || reqs[0].Prompt != "Q: descale?\nA:" ||
		reqs[0].Auth != "Bearer sk-test" {
		t.Errorf("the engine got %+v", reqs)
	}
}

func TestEngineFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults []fakeengine.Fault
		ok     bool
		want   string
	}{
		{"429 then ok is retried", []fakeengine.Fault{{Status: 429, RetryAfter: "0"}}, true, ""},
		{"503 twice then ok", []fakeengine.Fault{{Status: 503}, {Status: 503}}, true, ""},
		{"429 past the retries", []fakeengine.Fault{{Status: 429}, {Status: 429}, {Status: 429}}, false, "HTTP 429"},
		{"500 is not retried", []fakeengine.Fault{{Status: 500, Message: "CUDA out of memory"}}, false, "HTTP 500 Internal Server Error: CUDA out of memory"},
		{"slow headers", []fakeengine.Fault{{Delay: time.Second}, {Delay: time.Second}, {Delay: time.Second}}, false, "timeout"},
		{"stream cut", []fakeengine.Fault{{CutAfter: 2}}, false, "stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng := fakeengine.New(t, fakeengine.Options{})
			c := newClient(t, eng, remote.VLLM, func(o *remote.Options) { o.Timeout = 300 * time.Millisecond })
			eng.Inject("/v1/completions", tc.faults...)
			res, _, err := complete(t, c)
			if tc.ok {
				if err != nil || res.Text == "" {
					t.Fatalf("got %q, %v", res.Text, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; text %q", res.Text)
			}
			if !errors.Is(err, remote.ErrUnavailable) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line marked unavailable, containing %q", err, tc.want)
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestBadEndpoints(t *testing.T) {
	html := fakeengine.New(t, fakeengine.Options{NotOpenAI: true})
	c, err := remote.New(remote.Options{Endpoint: html.URL, Engine: remote.VLLM})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "OpenAI-compatible") {
		t.Errorf("an HTML endpoint: %v", err)
	}
	eng := fakeengine.New(t, fakeengine.Options{Model: "llama"})
	c, _ = remote.New(remote.Options{Endpoint: eng.URL, Model: "mistral"})
	if _, err := c.Check(context.Background()); err == nil || !strings.Contains(err.Error(), `does not serve model "mistral"`) {
		t.Errorf("a model not served: %v", err)
	}
	c, _ = remote.New(remote.Options{Endpoint: "http://127.0.0.1:1/v1", Retries: 1, Backoff: time.Millisecond})
	if _, err := c.Check(context.Background()); err == nil || !errors.Is(err, remote.ErrUnavailable) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("nothing listening: %v", err)
	}
	for _, bad := range []string{"", "localhost:8000", "ftp://x/v1"} {
		if _, err := remote.New(remote.Options{Endpoint: bad}); err == nil {
			t.Errorf("endpoint %q accepted", bad)
		}
	}
	if _, err := remote.New(remote.Options{Endpoint: eng.URL, Engine: "tgi"}); err == nil {
		t.Error("unknown engine accepted")
	}
}

func TestCancelClosesTheStream(t *testing.T) {
	eng := fakeengine.New(t, fakeengine.Options{ChunkDelay: 50 * time.Millisecond,
		Reply: func(fakeengine.Request) string { return strings.Repeat("word ", 100) }})
	c := newClient(t, eng, remote.OpenAI, nil)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := c.Complete(ctx, remote.CompletionRequest{Prompt: "x", MaxTokens: 100}, func(string) error {
		if n++; n == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for eng.Cancelled() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if eng.Cancelled() != 1 {
		t.Errorf("the engine saw %d cancelled streams, want 1", eng.Cancelled())
	}
}

func TestVLLMAdapterRegisteredOnceAndSwapped(t *testing.T) {
	eng := fakeengine.New(t, fakeengine.Options{ChunkDelay: 20 * time.Millisecond})
	c := newClient(t, eng, remote.VLLM, nil)
	ctx := context.Background()
	a := &remote.Adapter{Name: "support", Dir: adapterDir(t, "support", 16)}
	for range 2 {
		if err := c.UseAdapter(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if loads := eng.Loads(); len(loads) != 1 || !strings.HasPrefix(loads[0], "support-") {
		t.Fatalf("loads %v, want one support-<hash>", loads)
	}
	first := eng.Loads()[0]
	if res, _, err := complete(t, c); err != nil || res.Model != first || res.Adapter != "support" {
		t.Fatalf("completion on %q (adapter %q): %v", res.Model, res.Adapter, err)
	}
	// A swap while an answer streams: the answer finishes on the old adapter, which is
	// unloaded only afterwards.
	started := make(chan struct{})
	var wg sync.WaitGroup
	var inflight remote.Completion
	var inflightErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		once := sync.Once{}
		inflight, inflightErr = c.Complete(ctx, remote.CompletionRequest{Prompt: "long", MaxTokens: 8},
			func(string) error { once.Do(func() { close(started) }); return nil })
	}()
	<-started
	b := &remote.Adapter{Name: "support", Dir: adapterDir(t, "support-v2", 32)}
	if err := c.UseAdapter(ctx, b); err == nil || !strings.Contains(err.Error(), "--max-lora-rank 32") {
		t.Fatalf("rank 32 on a max-lora-rank-16 engine: %v", err)
	}
	if got := c.Adapter(); got == nil || got.Dir != a.Dir {
		t.Fatalf("a refused adapter changed the one in use to %+v", got)
	}
	b = &remote.Adapter{Name: "support", Dir: adapterDir(t, "support-v2", 8)}
	if err := c.UseAdapter(ctx, b); err != nil {
		t.Fatal(err)
	}
	if !eng.Loaded(first) {
		t.Error("the old adapter was unloaded while an answer was streaming on it")
	}
	wg.Wait()
	if inflightErr != nil || inflight.Model != first {
		t.Fatalf("the in-flight answer ran on %q: %v", inflight.Model, inflightErr)
	}
	if eng.Loaded(first) || len(eng.Unloads()) != 1 {
		t.Errorf("after the answer, unloads %v; old still loaded: %v", eng.Unloads(), eng.Loaded(first))
	}
	res, _, err := complete(t, c)
	if second := eng.Loads()[1]; err != nil || res.Model != second || second == first {
		t.Errorf("after the swap the request named %q (loads %v): %v", res.Model, eng.Loads(), err)
	}
}

// A re-export into the same folder is new content and gets a name of its own; going back
// to an adapter that was unloaded registers it again.
func TestVLLMReexportInPlace(t *testing.T) {
	eng := fakeengine.New(t, fakeengine.Options{})
	c := newClient(t, eng, remote.VLLM, nil)
	ctx := context.Background()
	a := &remote.Adapter{Name: "support", Dir: adapterDir(t, "support", 16)}
	redo := &remote.Adapter{Name: "redo", Dir: adapterDir(t, "redo", 8)}
	for _, x := range []*remote.Adapter{a, redo} {
		if err := c.UseAdapter(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(redo.Dir, "adapter_model.safetensors"), []byte("retrained"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.UseAdapter(ctx, redo); err != nil {
		t.Fatal(err)
	}
	if loads := eng.Loads(); len(loads) != 3 || loads[1] == loads[2] {
		t.Fatalf("a re-export in place was not registered anew: %v", loads)
	}
	if err := c.UseAdapter(ctx, a); err != nil {
		t.Fatal(err)
	}
	loads, un := eng.Loads(), eng.Unloads()
	if len(loads) != 4 || loads[3] != loads[0] || len(un) != 3 || !eng.Loaded(loads[0]) {
		t.Fatalf("back to the first adapter: loads %v, unloads %v", loads, un)
	}
}

// An adapter the engine refuses (made for another base model) leaves the one in use.
func TestVLLMRejectsAdapter(t *testing.T) {
	eng := fakeengine.New(t, fakeengine.Options{RejectAdapter: func(cfg map[string]any) string {
		if cfg["base_model_name_or_path"] == "other/model" {
			return "Loading lora other failed: size mismatch for q_proj.lora_B: expected [64, 8], got [576, 8]"
		}
		return ""
	}})
	c := newClient(t, eng, remote.VLLM, nil)
	ctx := context.Background()
	good := &remote.Adapter{Name: "good", Dir: adapterDir(t, "good", 8)}
	if err := c.UseAdapter(ctx, good); err != nil {
		t.Fatal(err)
	}
	bad := adapterDir(t, "other", 8)
	cfg := `{"r":8,"lora_alpha":8,"base_model_name_or_path":"other/model","target_modules":["q_proj"]}`
	if err := os.WriteFile(filepath.Join(bad, "adapter_config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	err := c.UseAdapter(ctx, &remote.Adapter{Name: "other", Dir: bad})
	if err == nil || !strings.Contains(err.Error(), "size mismatch") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
	if a := c.Adapter(); a == nil || a.Name != "good" || len(eng.Loads()) != 1 || len(eng.Unloads()) != 0 {
		t.Errorf("a refused adapter changed the state: in use %+v, loads %v, unloads %v", a, eng.Loads(), eng.Unloads())
	}
}

func TestRankPrecheck(t *testing.T) {
	eng := fakeengine.New(t, fakeengine.Options{MaxLoRARank: 64})
	c := newClient(t, eng, remote.VLLM, func(o *remote.Options) { o.MaxLoRARank = 16 })
	err := c.UseAdapter(context.Background(), &remote.Adapter{Name: "cat", Dir: adapterDir(t, "cat", 32)})
	if err == nil || !strings.Contains(err.Error(), "rank 32") || !strings.Contains(err.Error(), "sum of its parts") {
		t.Fatalf("got %v", err)
	}
	if len(eng.Loads()) != 0 {
		t.Errorf("a refused adapter reached the engine: %v", eng.Loads())
	}
}

func TestLoRAXAdapterFields(t *testing.T) {
	eng := fakeengine.New(t, fakeengine.Options{NoModelsList: true, MaxModelLen: 4096})
	c := newClient(t, eng, remote.LoRAX, nil)
	st, err := c.Check(context.Background())
	if err != nil || st.Model != "base" || st.MaxModelLen != 4096 {
		t.Fatalf("LoRAX /info: %+v, %v", st, err)
	}
	if _, _, err := complete(t, c); err != nil {
		t.Fatal(err)
	}
	if r := eng.Requests(); r[0].Model != "" || r[0].AdapterSource != "" {
		t.Errorf("a base-model LoRAX request named model %q, adapter_source %q (LoRAX would load that as an adapter)", r[0].Model, r[0].AdapterSource)
	}
	dir := adapterDir(t, "cat", 32)
	if err := c.UseAdapter(context.Background(), &remote.Adapter{Name: "cat", Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if err := c.UseAdapter(context.Background(), &remote.Adapter{Name: "gone", Dir: "/no/such/adapter"}); err == nil {
		t.Error("an adapter LoRAX cannot load was accepted")
	}
	if _, _, err := complete(t, c); err != nil {
		t.Fatal(err)
	}
	reqs := eng.Requests()
	last := reqs[len(reqs)-1]
	if last.Model != dir || last.AdapterSource != "local" {
		t.Errorf("LoRAX request: model %q adapter_source %q", last.Model, last.AdapterSource)
	}
}

func TestGenericEngineTakesNoAdapters(t *testing.T) {
	eng := fakeengine.New(t, fakeengine.Options{})
	c := newClient(t, eng, remote.OpenAI, nil)
	err := c.UseAdapter(context.Background(), &remote.Adapter{Name: "cat", Dir: adapterDir(t, "cat", 8)})
	if !errors.Is(err, remote.ErrNoRuntimeAdapters) {
		t.Fatalf("got %v", err)
	}
}

func TestTokenize(t *testing.T) {
	eng := fakeengine.New(t, fakeengine.Options{Tokenize: func(s string) []int { return []int{len(s)} }})
	c := newClient(t, eng, remote.VLLM, nil)
	ids, err := c.Tokenize(context.Background(), "abc")
	if err != nil || len(ids) != 1 || ids[0] != 3 {
		t.Errorf("ids %v, %v", ids, err)
	}
	none := fakeengine.New(t, fakeengine.Options{})
	c = newClient(t, none, remote.VLLM, nil)
	if _, err := c.Tokenize(context.Background(), "abc"); !errors.Is(err, remote.ErrNoTokenizeProbe) {
		t.Errorf("no /tokenize: %v", err)
	}
}
