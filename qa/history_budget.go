package qa

import "fmt"

// fitHistory drops a follow-up's oldest thread turns until the prompt, with every passage,
// fits the context window less the answer's reservation. A long thread then costs its
// oldest context, never the answer; when no history is left and the passages still do not
// fit, buildPrompt gives fewer passages. Turns are dropped before passages because the
// passages are what the answer must be grounded in.
func fitHistory(g Prompter, parts promptParts, maxTokens int) (promptParts, error) {
	if len(parts.history) == 0 {
		return parts, nil
	}
	budget := g.ContextWindow() - maxTokens
	special := g.SpecialTokens()
	for drop := 0; drop < len(parts.history); drop++ {
		p := parts
		p.history = parts.history[drop:]
		prompt, err := g.Render(p.messages(len(p.passages), special))
		if err != nil {
			return parts, fmt.Errorf("render prompt: %w", err)
		}
		count, err := g.CountTokens(prompt)
		if err != nil {
			return parts, fmt.Errorf("count prompt tokens: %w", err)
		}
		if count <= budget {
			return p, nil
		}
	}
	parts.history = nil
	return parts, nil
}
