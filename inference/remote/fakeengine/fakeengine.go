// Package fakeengine is an OpenAI-compatible serving engine for tests: a real HTTP server
// with vLLM's and LoRAX's extensions (runtime LoRA loading, /tokenize, adapter fields),
// streaming over server-sent events, and injectable failures (HTTP errors, slowness,
// streams cut mid-answer). It generates no language: the reply is a function of the
// request, so tests can assert exactly what reached the engine.
package fakeengine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is what the engine received for one completion.
type Request struct {
	Path             string
	Model            string
	Prompt           string
	AdapterSource    string
	AddSpecialTokens *bool
	MaxTokens        int
	Auth             string
}

// Fault is a failure injected into the next request to a path.
type Fault struct {
	Status     int           // answer this HTTP status with an OpenAI-style error body
	RetryAfter string        // Retry-After header, with Status 429/503
	Delay      time.Duration // wait this long before answering at all
	// CutAfter closes the connection after this many stream events, without [DONE].
	CutAfter int
	// Message is the error body's message.
	Message string
}

// Server is the fake engine.
type Server struct {
	URL string
	srv *httptest.Server

	mu sync.Mutex
	// Base is the served model's name; MaxModelLen is reported with it.
	base        string
	maxModelLen int
	maxRank     int
	loras       map[string]string // served name -> path
	requests    []Request
	loads       []string
	unloads     []string
	faults      map[string][]Fault
	cancelled   int
	notOpenAI   bool
	noModels    bool
	reject      func(map[string]any) string
	reply       func(Request) string
	tokenize    func(string) []int
	chunkDelay  time.Duration
	// inflight counts streams being written, per model name.
	inflight map[string]int
}

// Options configure New.
type Options struct {
	// Model is the served base model (default "base").
	Model       string
	MaxModelLen int
	// MaxLoRARank is the server's --max-lora-rank (default 16, as vLLM's).
	MaxLoRARank int
	// Reply is the completion for a request (default: "Answer from MODEL [1].").
	Reply func(Request) string
	// Tokenize answers POST /tokenize; nil serves 404 as engines without it do.
	Tokenize func(text string) []int
	// ChunkDelay paces stream events, so a test can cancel mid-answer.
	ChunkDelay time.Duration
	// NotOpenAI serves an HTML page on every path, as a misconfigured endpoint would.
	NotOpenAI bool
	// NoModelsList answers GET /v1/models with 404 and serves LoRAX's GET /info instead.
	NoModelsList bool
	// RejectAdapter, when it returns a message, refuses a load_lora_adapter with it (as an
	// engine refuses an adapter made for another base model).
	RejectAdapter func(adapterConfig map[string]any) string
}

// New starts the engine; it stops when the test ends.
func New(t testing.TB, opts Options) *Server {
	if opts.Model == "" {
		opts.Model = "base"
	}
	if opts.MaxLoRARank == 0 {
		opts.MaxLoRARank = 16
	}
	if opts.Reply == nil {
		opts.Reply = func(r Request) string { return "Answer from " + r.Model + " [1]." }
	}
	s := &Server{base: opts.Model, maxModelLen: opts.MaxModelLen, maxRank: opts.MaxLoRARank, loras: map[string]string{},
		faults: map[string][]Fault{}, reply: opts.Reply, tokenize: opts.Tokenize, chunkDelay: opts.ChunkDelay,
		notOpenAI: opts.NotOpenAI, noModels: opts.NoModelsList, reject: opts.RejectAdapter, inflight: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/models", s.models)
	mux.HandleFunc("POST /v1/completions", s.complete)
	mux.HandleFunc("POST /v1/chat/completions", s.complete)
	mux.HandleFunc("POST /v1/load_lora_adapter", s.load)
	mux.HandleFunc("POST /v1/unload_lora_adapter", s.unload)
	mux.HandleFunc("POST /tokenize", s.tokenizeHandler)
	mux.HandleFunc("GET /info", s.info)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.notOpenAI {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Welcome to nginx!</body></html>")
			return
		}
		if f, ok := s.takeFault(r.URL.Path); ok {
			if f.Delay > 0 {
				select {
				case <-time.After(f.Delay):
				case <-r.Context().Done():
					return
				}
			}
			if f.Status != 0 {
				if f.RetryAfter != "" {
					w.Header().Set("Retry-After", f.RetryAfter)
				}
				writeError(w, f.Status, f.Message)
				return
			}
			if f.CutAfter > 0 {
				r = r.WithContext(withCut(r.Context(), f.CutAfter))
			}
		}
		mux.ServeHTTP(w, r)
	}))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Inject queues faults for the next requests to path (e.g. "/v1/completions").
func (s *Server) Inject(path string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = append(s.faults[path], faults...)
}

func (s *Server) takeFault(path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[path]
	if len(q) == 0 {
		return Fault{}, false
	}
	s.faults[path] = q[1:]
	return q[0], true
}

// Requests lists the completions received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Loads and Unloads list the adapter names registered and removed, in order.
func (s *Server) Loads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.loads)
}

// Unloads lists the adapter names removed, in order.
func (s *Server) Unloads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unloads)
}

// Cancelled counts streams whose client went away before the answer ended.
func (s *Server) Cancelled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancelled
}

// Loaded reports whether name is registered as a LoRA now.
func (s *Server) Loaded(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.loras[name]
	return ok
}

func writeError(w http.ResponseWriter, status int, msg string) {
	if msg == "" {
		msg = http.StatusText(status)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"object": "error", "message": msg, "type": "BadRequestError", "code": status})
}

// info is LoRAX's (and TGI's) model description.
func (s *Server) info(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"model_id": s.base, "max_total_tokens": s.maxModelLen})
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	if s.noModels {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	data := []map[string]any{{"id": s.base, "object": "model", "root": s.base, "max_model_len": s.maxModelLen}}
	names := make([]string, 0, len(s.loras))
	for n := range s.loras {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		data = append(data, map[string]any{"id": n, "object": "model", "root": s.loras[n], "parent": s.base})
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
}

func (s *Server) load(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"lora_name"`
		Path string `json:"lora_path"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" || req.Path == "" {
		writeError(w, 400, "lora_name and lora_path are required")
		return
	}
	b, err := os.ReadFile(filepath.Join(req.Path, "adapter_config.json"))
	var cfg struct {
		R           int            `json:"r"`
		RankPattern map[string]int `json:"rank_pattern"`
	}
	if err != nil || json.Unmarshal(b, &cfg) != nil {
		writeError(w, 400, fmt.Sprintf("Loading lora %s failed: No adapter found for %s", req.Name, req.Path))
		return
	}
	var all map[string]any
	_ = json.Unmarshal(b, &all)
	if s.reject != nil {
		if msg := s.reject(all); msg != "" {
			writeError(w, 400, msg)
			return
		}
	}
	for _, r := range cfg.RankPattern {
		cfg.R = max(cfg.R, r) // the tensors' rank is what must fit the engine's slots
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.loras[req.Name]; ok {
		writeError(w, 400, fmt.Sprintf("The lora adapter '%s' has already been loaded.", req.Name))
		return
	}
	if cfg.R > s.maxRank {
		writeError(w, 400, fmt.Sprintf("LoRA rank %d is greater than max_lora_rank %d.", cfg.R, s.maxRank))
		return
	}
	s.loras[req.Name] = req.Path
	s.loads = append(s.loads, req.Name)
	w.Write([]byte("Success: LoRA adapter '" + req.Name + "' added successfully."))
}

func (s *Server) unload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"lora_name"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.loras[req.Name]; !ok {
		writeError(w, 404, fmt.Sprintf("The lora adapter '%s' cannot be found.", req.Name))
		return
	}
	if s.inflight[req.Name] > 0 {
		// A real engine would fail those requests; the fake refuses, so a test sees it.
		writeError(w, 409, fmt.Sprintf("the lora adapter '%s' is in use by %d requests", req.Name, s.inflight[req.Name]))
		return
	}
	delete(s.loras, req.Name)
	s.unloads = append(s.unloads, req.Name)
	w.Write([]byte("Success"))
}

func (s *Server) tokenizeHandler(w http.ResponseWriter, r *http.Request) {
	if s.tokenize == nil {
		http.NotFound(w, r)
		return
	}
	var req struct {
		Prompt  string `json:"prompt"`
		Content string `json:"content"`
	}
	json.NewDecoder(r.Body).Decode(&req)
	ids := s.tokenize(req.Prompt + req.Content)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"tokens": ids, "count": len(ids), "max_model_len": s.maxModelLen})
}

func (s *Server) complete(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Model            string `json:"model"`
		Prompt           string `json:"prompt"`
		Messages         []struct{ Role, Content string }
		Stream           bool   `json:"stream"`
		MaxTokens        int    `json:"max_tokens"`
		AdapterSource    string `json:"adapter_source"`
		AddSpecialTokens *bool  `json:"add_special_tokens"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, 400, "invalid JSON: "+err.Error())
		return
	}
	chat := strings.HasSuffix(r.URL.Path, "/chat/completions")
	if chat {
		for _, m := range body.Messages {
			body.Prompt += m.Role + ": " + m.Content + "\n"
		}
	}
	req := Request{Path: r.URL.Path, Model: body.Model, Prompt: body.Prompt, AdapterSource: body.AdapterSource,
		AddSpecialTokens: body.AddSpecialTokens, MaxTokens: body.MaxTokens, Auth: r.Header.Get("Authorization")}
	s.mu.Lock()
	_, isLoRA := s.loras[body.Model]
	// "" is the base model for LoRAX, which reads "model" as an adapter id.
	known := body.Model == s.base || body.Model == "" || isLoRA || (body.AdapterSource == "local" && dirExists(body.Model))
	if known {
		s.requests = append(s.requests, req)
	}
	s.mu.Unlock()
	if !known {
		writeError(w, 404, fmt.Sprintf("The model `%s` does not exist.", body.Model))
		return
	}
	text := s.reply(req)
	if !body.Stream {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"object": "text_completion", "model": body.Model,
			"choices": []map[string]any{{"index": 0, "text": text, "finish_reason": "stop"}}})
		return
	}
	s.mu.Lock()
	s.inflight[body.Model]++
	s.mu.Unlock()
	finished := sync.OnceFunc(func() {
		s.mu.Lock()
		s.inflight[body.Model]--
		s.mu.Unlock()
	})
	defer finished()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl := w.(http.Flusher)
	cut := cutAfter(r.Context())
	pieces := strings.SplitAfter(text, " ")
	for i, p := range pieces {
		if cut > 0 && i == cut {
			panic(http.ErrAbortHandler) // drops the connection mid-stream
		}
		if s.chunkDelay > 0 {
			select {
			case <-time.After(s.chunkDelay):
			case <-r.Context().Done():
				s.mu.Lock()
				s.cancelled++
				s.mu.Unlock()
				return
			}
		}
		var choice map[string]any
		if chat {
			choice = map[string]any{"index": 0, "delta": map[string]any{"content": p}, "finish_reason": nil}
		} else {
			choice = map[string]any{"index": 0, "text": p, "finish_reason": nil}
		}
		writeEvent(w, map[string]any{"object": "text_completion", "model": body.Model, "choices": []any{choice}})
		fl.Flush()
	}
	fin := map[string]any{"index": 0, "text": "", "finish_reason": "stop"}
	writeEvent(w, map[string]any{"object": "text_completion", "model": body.Model, "choices": []any{fin}})
	writeEvent(w, map[string]any{"object": "text_completion", "model": body.Model, "choices": []any{},
		"usage": map[string]any{"prompt_tokens": len(strings.Fields(body.Prompt)), "completion_tokens": len(pieces)}})
	finished() // before [DONE]: a client may unload the adapter as soon as it reads it
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

func writeEvent(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(w, "data: %s\n\n", b)
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
