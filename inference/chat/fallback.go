package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// renderFallback is the format for models without a chat template (base models such as
// Mistral-7B or stories260K): BOS, then each turn as "Role: content" followed by a blank
// line, and "Assistant:" as the generation prompt:
//
//	<s>System: You answer from the manual.
//
//	User: How do I reset it?
//
//	Assistant:
//
// Plain words rather than invented special tokens, since the model knows no others.
func (t *Template) renderFallback(msgs []Message, addGenerationPrompt bool) string {
	var sb strings.Builder
	sb.WriteString(t.tokens["bos_token"])
	for _, m := range msgs {
		sb.WriteString(roleTitle(m.Role))
		sb.WriteString(": ")
		sb.WriteString(strings.TrimSpace(m.Content))
		sb.WriteString("\n\n")
	}
	if addGenerationPrompt {
		sb.WriteString("Assistant:")
	}
	return sb.String()
}

// roleTitle capitalizes a role name: "user" -> "User".
func roleTitle(role string) string {
	r, n := utf8.DecodeRuneInString(role)
	if n == 0 {
		return role
	}
	return string(unicode.ToUpper(r)) + role[n:]
}
