// Package chat turns a conversation into the prompt text a model was trained on, using
// the Jinja chat template shipped in its tokenizer_config.json, rendered as Hugging
// Face's apply_chat_template does. Models without one get a plain documented format.
//
// The rendered text already holds the model's special tokens (BOS included where the
// template writes it), so encode it with tokenizer.Encode(text, false).
package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ardanlabs/jinja"
)

// Message is one turn of a conversation; Role is "system", "user" or "assistant".
type Message struct{ Role, Content string }

// Template renders conversations for one model. It is safe for concurrent use.
type Template struct {
	tmpl *jinja.Template // nil: the plain fallback
	// tokens are the special-token variables templates read (bos_token, eos_token...).
	tokens map[string]string
}

// configJSON is the part of tokenizer_config.json a chat template needs.
type configJSON struct {
	ChatTemplate json.RawMessage `json:"chat_template"`
	BOS          json.RawMessage `json:"bos_token"`
	EOS          json.RawMessage `json:"eos_token"`
	UNK          json.RawMessage `json:"unk_token"`
	PAD          json.RawMessage `json:"pad_token"`
}

// Load reads the chat template of the model in dir: chat_template.jinja if present (the
// newer layout), else tokenizer_config.json's chat_template. A model without either
// gets the plain fallback; only unreadable or malformed files are errors.
func Load(dir string) (*Template, error) {
	cfgData, err := readOptional(filepath.Join(dir, "tokenizer_config.json"))
	if err != nil {
		return nil, fmt.Errorf("load chat template %s: %w", dir, err)
	}
	var cfg configJSON
	if cfgData != nil {
		if err := json.Unmarshal(cfgData, &cfg); err != nil {
			return nil, fmt.Errorf("load chat template %s: tokenizer_config.json: %w", dir, err)
		}
	}
	tokens := map[string]string{}
	for name, raw := range map[string]json.RawMessage{"bos_token": cfg.BOS, "eos_token": cfg.EOS, "unk_token": cfg.UNK, "pad_token": cfg.PAD} {
		s, err := tokenContent(raw)
		if err != nil {
			return nil, fmt.Errorf("load chat template %s: tokenizer_config.json %s: %w", dir, name, err)
		}
		if s != "" {
			tokens[name] = s
		}
	}
	source, err := templateSource(cfg.ChatTemplate)
	if err != nil {
		return nil, fmt.Errorf("load chat template %s: tokenizer_config.json: %w", dir, err)
	}
	jinjaFile, err := readOptional(filepath.Join(dir, "chat_template.jinja"))
	if err != nil {
		return nil, fmt.Errorf("load chat template %s: %w", dir, err)
	}
	if jinjaFile != nil {
		source = string(jinjaFile)
	}
	t, err := New(source, tokens)
	if err != nil {
		return nil, fmt.Errorf("load chat template %s: %w", dir, err)
	}
	return t, nil
}

// New compiles a Jinja chat template; source "" gives the plain fallback. tokens are
// the special-token variables (e.g. "bos_token": "<s>") the template may use.
func New(source string, tokens map[string]string) (*Template, error) {
	t := &Template{tokens: map[string]string{}}
	for k, v := range tokens {
		t.tokens[k] = v
	}
	if source == "" {
		return t, nil
	}
	tmpl, err := jinja.Compile(source)
	if err != nil {
		return nil, fmt.Errorf("compile chat template: %w", err)
	}
	t.tmpl = tmpl
	return t, nil
}

// HasModelTemplate reports whether the model ships its own template; false means the
// plain fallback is used, which a model was not trained on.
func (t *Template) HasModelTemplate() bool { return t.tmpl != nil }

// Render formats msgs; addGenerationPrompt appends the opening of an assistant turn so
// the model answers next (some templates, like Llama-3 base's, always add it).
func (t *Template) Render(msgs []Message, addGenerationPrompt bool) (string, error) {
	if t.tmpl == nil {
		return t.renderFallback(msgs, addGenerationPrompt), nil
	}
	list := make([]jinja.Value, len(msgs))
	for i, m := range msgs {
		// An ordered dict: role before content, as Python builds it, for templates
		// that iterate over a message's items.
		d := jinja.NewDict()
		d.AsDict().Set("role", jinja.NewString(m.Role))
		d.AsDict().Set("content", jinja.NewString(m.Content))
		list[i] = d
	}
	vars := map[string]jinja.Value{
		"messages":              jinja.NewList(list),
		"add_generation_prompt": jinja.NewBool(addGenerationPrompt),
		"tools":                 jinja.None(),
		"documents":             jinja.None(),
	}
	for k, v := range t.tokens {
		vars[k] = jinja.NewString(v)
	}
	out, err := t.tmpl.RenderValues(vars)
	if err != nil {
		return "", fmt.Errorf("render chat template: %w", err)
	}
	return out, nil
}

// templateSource picks the template from chat_template: a string, or a list of named
// templates of which "default" is the one apply_chat_template uses.
func templateSource(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var named []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if err := json.Unmarshal(raw, &named); err != nil {
		return "", fmt.Errorf("chat_template is neither a string nor a list of {name, template}")
	}
	for _, n := range named {
		if n.Name == "default" {
			return n.Template, nil
		}
	}
	if len(named) > 0 {
		return named[0].Template, nil
	}
	return "", nil
}

// tokenContent reads a special token given as a string, an AddedToken object, or null.
func tokenContent(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("token %s is neither a string nor an AddedToken", raw)
	}
	return obj.Content, nil
}

// readOptional returns a file's bytes, or nil when it does not exist.
func readOptional(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}
