package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// configJSON is the part of tokenizer_config.json (transformers' settings) that changes
// ids: which tokens are BOS/EOS and whether encoding adds them.
type configJSON struct {
	AddBOS *bool           `json:"add_bos_token"`
	AddEOS *bool           `json:"add_eos_token"`
	BOS    json.RawMessage `json:"bos_token"`
	EOS    json.RawMessage `json:"eos_token"`
}

// generationJSON is generation_config.json, which lists the ids that end generation.
type generationJSON struct {
	BOS json.RawMessage `json:"bos_token_id"`
	EOS json.RawMessage `json:"eos_token_id"`
}

// tokenContent reads a token given as a string, as an AddedToken object, or null.
func tokenContent(raw json.RawMessage) (string, error) {
	if isNull(raw) {
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

// intOrList reads an id given as one int, a list of ints, or null.
func intOrList(raw json.RawMessage) ([]int, error) {
	if isNull(raw) {
		return nil, nil
	}
	var one int
	if err := json.Unmarshal(raw, &one); err == nil {
		return []int{one}, nil
	}
	var many []int
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("id %s is neither an int nor a list of ints", raw)
	}
	return many, nil
}

// readOptional returns a file's bytes, or nil when it does not exist.
func readOptional(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// typicalEnds are end-of-turn tokens chat models stop on besides eos_token (Llama-3's
// <|eot_id|>, ChatML's <|im_end|>, Gemma's <end_of_turn>...), counted only when the
// tokenizer has them as special tokens.
func typicalEnds() []string {
	return []string{
		"<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|im_end|>", "<|endoftext|>",
		"<end_of_turn>", "<|end|>", "</s>", "<eos>",
	}
}

// Load reads dir/tokenizer.json and, when present, dir/tokenizer_config.json and
// dir/generation_config.json.
func Load(dir string) (*Tokenizer, error) {
	data, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", dir, err)
	}
	cfg, err := readOptional(filepath.Join(dir, "tokenizer_config.json"))
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", dir, err)
	}
	gen, err := readOptional(filepath.Join(dir, "generation_config.json"))
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", dir, err)
	}
	t, err := New(data, cfg, gen)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", dir, err)
	}
	return t, nil
}

// applyConfig sets BOS, EOS and the special-token template from the transformers
// configs. add_bos_token/add_eos_token, when given, override the post-processor, as
// transformers' Llama tokenizers rebuild it from them.
func (t *Tokenizer) applyConfig(cfgData, genData []byte) error {
	var cfg configJSON
	if len(cfgData) > 0 {
		if err := json.Unmarshal(cfgData, &cfg); err != nil {
			return fmt.Errorf("tokenizer_config.json: %w", err)
		}
	}
	var gen generationJSON
	if len(genData) > 0 {
		if err := json.Unmarshal(genData, &gen); err != nil {
			return fmt.Errorf("generation_config.json: %w", err)
		}
	}
	bosName, err := tokenContent(cfg.BOS)
	if err != nil {
		return fmt.Errorf("tokenizer_config.json bos_token: %w", err)
	}
	eosName, err := tokenContent(cfg.EOS)
	if err != nil {
		return fmt.Errorf("tokenizer_config.json eos_token: %w", err)
	}
	genBOS, err := intOrList(gen.BOS)
	if err != nil {
		return fmt.Errorf("generation_config.json bos_token_id: %w", err)
	}
	genEOS, err := intOrList(gen.EOS)
	if err != nil {
		return fmt.Errorf("generation_config.json eos_token_id: %w", err)
	}

	t.bos = -1
	switch id, ok := t.TokenID(bosName); {
	case bosName != "" && ok:
		t.bos = id
	case len(genBOS) > 0:
		t.bos = genBOS[0]
	case len(cfgData) == 0 && len(t.post.prefix) > 0:
		t.bos = t.post.prefix[0] // no transformers config: trust the template
	}

	var eos []int
	if id, ok := t.TokenID(eosName); eosName != "" && ok {
		eos = append(eos, id)
	}
	eos = append(eos, genEOS...)
	for _, name := range typicalEnds() {
		if id, ok := t.TokenID(name); ok && t.IsSpecial(id) {
			eos = append(eos, id)
		}
	}
	if len(eos) == 0 && len(cfgData) == 0 && len(t.post.suffix) > 0 {
		eos = append(eos, t.post.suffix...)
	}
	t.eos = dedupe(eos)

	if cfg.AddBOS != nil {
		t.post.prefix = nil
		if *cfg.AddBOS && t.bos >= 0 {
			t.post.prefix = []int{t.bos}
		}
	}
	if cfg.AddEOS != nil {
		t.post.suffix = nil
		if id, ok := t.TokenID(eosName); *cfg.AddEOS && ok {
			t.post.suffix = []int{id}
		}
	}
	return nil
}

func dedupe(ids []int) []int {
	seen := map[int]bool{}
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
