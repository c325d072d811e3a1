package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// ServedModel is one entry of GET /v1/models.
type ServedModel struct {
	ID string `json:"id"`
	// Root and Parent are vLLM's: the base checkpoint, and for a LoRA the model it adapts.
	Root   string `json:"root,omitempty"`
	Parent string `json:"parent,omitempty"`
	// MaxModelLen is vLLM's context window for the model (0 when not reported).
	MaxModelLen int `json:"max_model_len,omitempty"`
}

// Models lists what the engine serves.
func (c *Client) Models(ctx context.Context) ([]ServedModel, error) {
	var v struct {
		Object string        `json:"object"`
		Data   []ServedModel `json:"data"`
	}
	if err := c.getJSON(ctx, "/v1/models", &v); err != nil {
		return nil, c.fail(err)
	}
	if v.Data == nil {
		return nil, c.fail(errors.New("GET /v1/models: no \"data\" list: is this an OpenAI-compatible server?"))
	}
	return v.Data, nil
}

// Status is what Check found on the engine.
type Status struct {
	Engine   Engine
	Endpoint string
	// Model is the served model answers use; Served lists every model the engine lists.
	Model  string
	Served []string
	// MaxModelLen is the engine's context window, 0 when it does not say.
	MaxModelLen int
	// Adapter is the adapter in use ("" for none) and its name on the engine.
	Adapter, AdapterServed string
	// Tokenizer says how the local tokenizer was compared with the engine's.
	Tokenizer string
}

// Check asks the engine what it serves and resolves the model answers use: Options.Model
// must be listed; when it is empty the engine must list exactly one base model.
func (c *Client) Check(ctx context.Context) (Status, error) {
	models, err := c.Models(ctx)
	var he *HTTPError
	if c.opts.Engine == LoRAX && errors.As(err, &he) && he.Status == http.StatusNotFound {
		models, err = c.loraxInfo(ctx)
	}
	if err != nil {
		return Status{}, err
	}
	st := Status{Engine: c.opts.Engine, Endpoint: c.base}
	var bases []string
	for _, m := range models {
		st.Served = append(st.Served, m.ID)
		if m.Parent == "" {
			bases = append(bases, m.ID)
		}
	}
	want := c.opts.Model
	switch {
	case want == "" && len(bases) == 1:
		want = bases[0]
	case want == "":
		return st, c.fail(fmt.Errorf("the engine serves %d models (%s): set model.remote_model to one", len(bases), strings.Join(bases, ", ")))
	case !slices.Contains(st.Served, want):
		return st, c.fail(fmt.Errorf("the engine does not serve model %q (it serves: %s)", want, strings.Join(st.Served, ", ")))
	}
	for _, m := range models {
		if m.ID == want {
			st.MaxModelLen = m.MaxModelLen
		}
	}
	c.mu.Lock()
	c.model = want
	if c.current != nil {
		st.Adapter, st.AdapterServed = c.current.adapter.Name, c.current.served
	}
	c.mu.Unlock()
	st.Model = want
	return st, nil
}

// loraxInfo reads LoRAX's (and TGI's) GET /info, for servers without /v1/models.
func (c *Client) loraxInfo(ctx context.Context) ([]ServedModel, error) {
	var v struct {
		ModelID        string `json:"model_id"`
		MaxTotalTokens int    `json:"max_total_tokens"`
	}
	if err := c.getJSON(ctx, "/info", &v); err != nil {
		return nil, c.fail(err)
	}
	if v.ModelID == "" {
		return nil, c.fail(errors.New("GET /info: no model_id: is this a LoRAX server?"))
	}
	return []ServedModel{{ID: v.ModelID, MaxModelLen: v.MaxTotalTokens}}, nil
}

// ErrNoTokenizeProbe means the engine has no tokenize endpoint manualbot knows.
var ErrNoTokenizeProbe = errors.New("the engine has no tokenize endpoint")

// Tokenize asks the engine for the ids of text without special tokens: vLLM's
// POST /tokenize, or llama.cpp server's for the generic engine. ErrNoTokenizeProbe when
// the engine has neither.
func (c *Client) Tokenize(ctx context.Context, text string) ([]int, error) {
	var body any
	switch c.opts.Engine {
	case VLLM:
		body = map[string]any{"model": c.Model(), "prompt": text, "add_special_tokens": false}
	case OpenAI:
		body = map[string]any{"content": text, "add_special": false}
	default:
		return nil, ErrNoTokenizeProbe
	}
	var v struct {
		Tokens []int `json:"tokens"`
	}
	err := c.callJSON(ctx, http.MethodPost, "/tokenize", body, &v)
	var he *HTTPError
	if errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status == http.StatusMethodNotAllowed) {
		return nil, ErrNoTokenizeProbe
	}
	if err != nil {
		return nil, c.fail(err)
	}
	if v.Tokens == nil {
		return nil, ErrNoTokenizeProbe
	}
	return v.Tokens, nil
}
