package chat

import (
	"testing"

	"manualbot/inference/tokenizer"
)

// TestRenderedPromptEncodes checks the contract with the tokenizer: the rendered text
// carries its own BOS and turn markers, which encode to single special ids.
func TestRenderedPromptEncodes(t *testing.T) {
	dir := fixture(t, "llama3")
	tmpl, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	text, err := tmpl.Render(conversation, true)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tok.Encode(text, false)
	if err != nil {
		t.Fatal(err)
	}
	bos, _ := tok.BOS()
	eot, _ := tok.TokenID("<|eot_id|>")
	count := 0
	for _, id := range ids {
		if id == eot {
			count++
		}
	}
	if ids[0] != bos || count != len(conversation) {
		t.Errorf("ids start %d (want BOS %d), %d <|eot_id|> (want %d)", ids[0], bos, count, len(conversation))
	}
}
