package qa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"manualbot/inference/chat"
	"manualbot/inference/remote"
	"manualbot/inference/tokenizer"
)

// ErrModelUnavailable marks an answer that failed because the serving engine could not
// generate it (unreachable, an HTTP error, a model it does not serve, a broken stream);
// the bot tells the asker the model is unavailable rather than that it failed.
var ErrModelUnavailable = remote.ErrUnavailable

// RemoteOptions configure NewRemoteLLM.
type RemoteOptions struct {
	// Dir holds the served model's config.json, tokenizer.json and tokenizer_config.json:
	// the prompt is rendered and counted here, so it fits the engine's window exactly.
	// No weights are read.
	Dir    string
	Client *remote.Client
	// MaxContext caps the window below the model's and the engine's; 0: theirs.
	MaxContext        int
	Temperature       float64
	TopP              float64
	Seed              int64
	RepetitionPenalty float64
	// Adapter is the exported adapter answers start with; nil for the base model.
	Adapter *remote.Adapter
	Log     *slog.Logger
}

// RemoteLLM is the Generator backed by a serving engine: the local tokenizer and chat
// template build the prompt, the engine generates it with the adapter in use there.
type RemoteLLM struct {
	client  *remote.Client
	tok     *tokenizer.Tokenizer
	tmpl    *chat.Template
	special []string
	window  int
	opts    RemoteOptions
	status  remote.Status
}

// tokenizerProbe is text whose ids differ between any two tokenizers worth telling apart:
// words, digits, case, punctuation and a non-ASCII letter.
const tokenizerProbe = "Descale the Brewmaster 3000 every 90 days: run `descale --full`, then rinse. Café!"

// NewRemoteLLM loads the tokenizer and template from opts.Dir, asks the engine what it
// serves, checks its tokenizer against the local one where the engine can tokenize, and
// puts opts.Adapter on the engine. Any failure leaves nothing registered half-way.
func NewRemoteLLM(ctx context.Context, opts RemoteOptions) (*RemoteLLM, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tok, err := tokenizer.Load(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", opts.Dir, err)
	}
	tmpl, err := chat.Load(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("load chat template %s: %w", opts.Dir, err)
	}
	window, err := contextLength(opts.Dir)
	if err != nil {
		return nil, err
	}
	st, err := opts.Client.Check(ctx)
	if err != nil {
		return nil, err
	}
	if st.MaxModelLen > 0 {
		window = min(window, st.MaxModelLen)
	}
	if opts.MaxContext > 0 {
		window = min(window, opts.MaxContext)
	}
	l := &RemoteLLM{client: opts.Client, tok: tok, tmpl: tmpl, special: specialTokens(tok), window: window, opts: opts, status: st}
	if l.status.Tokenizer, err = l.checkTokenizer(ctx); err != nil {
		return nil, err
	}
	if l.status.Tokenizer != "same" {
		log.Warn("the engine's tokenizer was not compared with the local one", "why", l.status.Tokenizer)
	}
	if opts.Adapter != nil {
		if st.Engine == remote.OpenAI {
			log.Warn("model.engine openai takes no runtime adapters; answers use the served model as it is",
				"adapter", opts.Adapter.Name)
		} else if err := opts.Client.UseAdapter(ctx, opts.Adapter); err != nil {
			return nil, err
		}
	}
	log.Info("answering through a serving engine", "engine", st.Engine, "endpoint", st.Endpoint, "model", st.Model,
		"window", window, "adapter", adapterName(opts.Client.Adapter()))
	return l, nil
}

// checkTokenizer compares the engine's ids for the probe with the local ones. A
// difference is an error: the prompt budget and the chat template's control tokens
// would both be wrong. It returns "same", or why no comparison was possible.
func (l *RemoteLLM) checkTokenizer(ctx context.Context) (string, error) {
	local, err := l.tok.Encode(tokenizerProbe, false)
	if err != nil {
		return "", fmt.Errorf("tokenize the probe: %w", err)
	}
	got, err := l.client.Tokenize(ctx, tokenizerProbe)
	if errors.Is(err, remote.ErrNoTokenizeProbe) {
		return "not checked: " + err.Error(), nil
	}
	if err != nil {
		return "", err
	}
	if !slices.Equal(local, got) {
		return "", fmt.Errorf("the engine's tokenizer differs from the one in %s (%d local ids, %d on the engine for the same text): "+
			"point model.path at the served model's config.json, tokenizer.json and tokenizer_config.json", l.opts.Dir, len(local), len(got))
	}
	return "same", nil
}

// contextLength reads max_position_embeddings from config.json (no architecture check:
// the engine runs the model, not manualbot).
func contextLength(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return 0, fmt.Errorf("model.path: %w", err)
	}
	var v struct {
		MaxPositionEmbeddings int `json:"max_position_embeddings"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return 0, fmt.Errorf("model.path: config.json: %w", err)
	}
	if v.MaxPositionEmbeddings <= 0 {
		return 0, fmt.Errorf("model.path: config.json has no max_position_embeddings")
	}
	return v.MaxPositionEmbeddings, nil
}

// Client is the engine client (for status and adapter swaps).
func (l *RemoteLLM) Client() *remote.Client { return l.client }

// Status reports the engine, its served models, the adapter in use and the tokenizer check.
func (l *RemoteLLM) Status(ctx context.Context) (remote.Status, error) {
	st, err := l.client.Check(ctx)
	st.Tokenizer = l.status.Tokenizer
	return st, err
}

// Render applies the model's chat template, or the plain fallback for base models.
func (l *RemoteLLM) Render(msgs []Message) (string, error) {
	cm := make([]chat.Message, len(msgs))
	for i, m := range msgs {
		cm[i] = chat.Message{Role: m.Role, Content: m.Content}
	}
	return l.tmpl.Render(cm, true)
}

// CountTokens is the prompt's length in tokens, as the engine will see it.
func (l *RemoteLLM) CountTokens(prompt string) (int, error) {
	ids, err := l.tok.Encode(prompt, !l.tmpl.HasModelTemplate())
	return len(ids), err
}

// ContextWindow is the smallest of the model's, the engine's and the configured window.
func (l *RemoteLLM) ContextWindow() int { return l.window }

// SpecialTokens are the tokenizer's control-token strings.
func (l *RemoteLLM) SpecialTokens() []string { return l.special }

// Generate streams the engine's completion of the rendered prompt. Products are not used:
// the adapter is the composition on the engine, chosen by the admin, not per answer.
func (l *RemoteLLM) Generate(ctx context.Context, in GenerateInput, onText func(string) error) (GenerateOutput, error) {
	n, err := l.CountTokens(in.Prompt)
	if err != nil {
		return GenerateOutput{}, fmt.Errorf("tokenize prompt: %w", err)
	}
	res, err := l.client.Complete(ctx, remote.CompletionRequest{
		Prompt: in.Prompt, MaxTokens: in.MaxTokens, Temperature: l.opts.Temperature, TopP: l.opts.TopP,
		Seed: l.opts.Seed, RepetitionPenalty: l.opts.RepetitionPenalty, AddSpecialTokens: !l.tmpl.HasModelTemplate(),
	}, onText)
	if err != nil {
		return GenerateOutput{}, err
	}
	out := GenerateOutput{Text: res.Text, PromptTokens: n, GeneratedTokens: res.CompletionTokens}
	if res.Adapter != "" {
		out.Adapters = []string{res.Adapter}
	}
	return out, nil
}

func adapterName(a *remote.Adapter) string {
	if a == nil {
		return ""
	}
	return a.Name
}
