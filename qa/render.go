package qa

import (
	"fmt"

	"manualbot/inference/chat"
	"manualbot/inference/tokenizer"
)

// Prompter is the prompt side of a model: what building a prompt needs (template, token
// count, window, control tokens). The serving LLM is one; a Renderer is one without the
// model, so training renders examples exactly as answers are prompted.
type Prompter interface {
	// Render applies the model's chat template, ending with the assistant's turn.
	Render(msgs []Message) (string, error)
	// CountTokens is the prompt's length in the model's tokens.
	CountTokens(prompt string) (int, error)
	// ContextWindow is the most tokens the model attends to (prompt plus answer).
	ContextWindow() int
	// SpecialTokens are the strings that the tokenizer turns into control tokens; they
	// are removed from manual text so a passage cannot forge a turn of the conversation.
	SpecialTokens() []string
}

// Renderer is a checkpoint's tokenizer and chat template: it renders and tokenizes prompts
// the way the LLM that serves answers does, because the LLM uses one.
type Renderer struct {
	tok     *tokenizer.Tokenizer
	tmpl    *chat.Template
	special []string
	window  int
}

// NewRenderer loads the tokenizer and chat template of the checkpoint in dir; window is the
// context window prompts are fitted into.
func NewRenderer(dir string, window int) (*Renderer, error) {
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", dir, err)
	}
	tmpl, err := chat.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("load chat template %s: %w", dir, err)
	}
	return &Renderer{tok: tok, tmpl: tmpl, special: specialTokens(tok), window: window}, nil
}

// Render applies the chat template, or the plain fallback for base models.
func (r *Renderer) Render(msgs []Message) (string, error) {
	cm := make([]chat.Message, len(msgs))
	for i, m := range msgs {
		cm[i] = chat.Message{Role: m.Role, Content: m.Content}
	}
	return r.tmpl.Render(cm, true)
}

// Encode tokenizes a rendered prompt. A model template writes its own BOS text (as
// Hugging Face's apply_chat_template does), so special tokens are added only otherwise.
func (r *Renderer) Encode(prompt string) ([]int, error) {
	return r.tok.Encode(prompt, !r.tmpl.HasModelTemplate())
}

// CountTokens is the prompt's length in tokens.
func (r *Renderer) CountTokens(prompt string) (int, error) {
	ids, err := r.Encode(prompt)
	return len(ids), err
}

// ContextWindow is the window prompts are fitted into.
func (r *Renderer) ContextWindow() int { return r.window }

// SpecialTokens are the tokenizer's control-token strings.
func (r *Renderer) SpecialTokens() []string { return r.special }

// Tokenizer is the checkpoint's tokenizer.
func (r *Renderer) Tokenizer() *tokenizer.Tokenizer { return r.tok }
