package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Tokenizer encodes text to ids and back for one model. It is safe for concurrent use.
type Tokenizer struct {
	model      *bpe
	normalizer normalizer
	pre        preTokenizer
	decoder    decoder
	post       template

	added     map[string]*AddedToken
	rawAdded  *addedMatcher // added tokens matched on the raw text
	normAdded *addedMatcher // added tokens matched on normalized text
	idToToken []string
	hasToken  []bool
	special   []bool
	bos       int
	eos       []int
}

// fileJSON is the top level of tokenizer.json.
type fileJSON struct {
	AddedTokens []struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	} `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         json.RawMessage `json:"model"`
}

// modelJSON is tokenizer.json's model section for BPE.
type modelJSON struct {
	Type                    string          `json:"type"`
	Vocab                   json.RawMessage `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	FuseUnk                 bool            `json:"fuse_unk"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
}

// New builds a tokenizer from the bytes of tokenizer.json and, optionally (nil),
// tokenizer_config.json and generation_config.json.
func New(tokenizerJSON, configJSON, generationJSON []byte) (*Tokenizer, error) {
	var f fileJSON
	if err := json.Unmarshal(tokenizerJSON, &f); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	var m modelJSON
	if err := json.Unmarshal(f.Model, &m); err != nil {
		return nil, fmt.Errorf("tokenizer.json model: %w", err)
	}
	switch {
	case m.Type == "BPE", m.Type == "" && len(m.Merges) > 0:
	case m.Type == "":
		return nil, fmt.Errorf("tokenizer.json: model has no type")
	default:
		return nil, fmt.Errorf("tokenizer.json: unsupported model type %q (only BPE is implemented)", m.Type)
	}
	var vocab map[string]int
	if err := json.Unmarshal(m.Vocab, &vocab); err != nil {
		return nil, fmt.Errorf("tokenizer.json model vocab: %w", err)
	}
	merges, err := parseMerges(m.Merges)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	model, err := newBPE(vocab, merges, str(m.UnkToken), m.FuseUnk, m.ByteFallback, m.IgnoreMerges,
		str(m.ContinuingSubwordPrefix), str(m.EndOfWordSuffix))
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json model: %w", err)
	}
	t := &Tokenizer{model: model, added: map[string]*AddedToken{}}
	table := newByteLevelTable()
	if t.normalizer, err = parseNormalizer(f.Normalizer); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if t.pre, err = parsePreTokenizer(f.PreTokenizer, table); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if t.decoder, err = parseDecoder(f.Decoder, table); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}

	size := 0
	for _, id := range vocab {
		size = max(size, id+1)
	}
	for _, a := range f.AddedTokens {
		size = max(size, a.ID+1)
	}
	// A vocabulary's ids run 0..n-1 (with a few gaps at most): the id tables are sized by
	// the largest id, so one stray id (2666666645 in a fuzzed file) must not ask for tens of
	// gigabytes.
	if defined := len(vocab) + len(f.AddedTokens); size > 2*defined+maxIDGap {
		return nil, fmt.Errorf("tokenizer.json: the largest token id is %d but the file defines only %d tokens (ids run 0..n-1)", size-1, defined)
	}
	t.idToToken = make([]string, size)
	t.hasToken = make([]bool, size)
	t.special = make([]bool, size)
	for tok, id := range vocab {
		if id < 0 {
			return nil, fmt.Errorf("tokenizer.json: token %q has negative id %d", tok, id)
		}
		t.idToToken[id], t.hasToken[id] = tok, true
	}
	var raw, norm []*AddedToken
	var rawC, normC []string
	for _, a := range f.AddedTokens {
		if a.ID < 0 || a.Content == "" {
			return nil, fmt.Errorf("tokenizer.json: added token %q with id %d", a.Content, a.ID)
		}
		tok := &AddedToken{ID: a.ID, Content: a.Content, SingleWord: a.SingleWord, LStrip: a.LStrip,
			RStrip: a.RStrip, Normalized: a.Normalized, Special: a.Special}
		t.added[a.Content] = tok
		t.idToToken[a.ID], t.hasToken[a.ID], t.special[a.ID] = a.Content, true, a.Special
		if !a.Normalized || t.normalizer == nil {
			raw, rawC = append(raw, tok), append(rawC, a.Content)
			continue
		}
		c, err := t.normalizer.normalize(a.Content)
		if err != nil {
			return nil, fmt.Errorf("tokenizer.json: normalize added token %q: %w", a.Content, err)
		}
		norm, normC = append(norm, tok), append(normC, c)
	}
	t.rawAdded = newAddedMatcher(raw, rawC)
	t.normAdded = newAddedMatcher(norm, normC)

	if t.post, err = parsePostProcessor(f.PostProcessor, t.TokenID); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if err := t.applyConfig(configJSON, generationJSON); err != nil {
		return nil, err
	}
	return t, nil
}

// parseMerges reads merges written as "a b" strings (older files) or ["a", "b"] pairs
// (newer files, which allow spaces inside tokens).
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err == nil {
		out := make([][2]string, len(lines))
		for i, s := range lines {
			a, b, ok := strings.Cut(s, " ")
			if !ok || strings.Contains(b, " ") {
				return nil, fmt.Errorf("merge %d %q is not two space-separated tokens", i, s)
			}
			out[i] = [2]string{a, b}
		}
		return out, nil
	}
	var pairs [][]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("merges are neither \"a b\" strings nor [a, b] pairs: %w", err)
	}
	out := make([][2]string, len(pairs))
	for i, p := range pairs {
		if len(p) != 2 {
			return nil, fmt.Errorf("merge %d has %d tokens, want 2", i, len(p))
		}
		out[i] = [2]string{p[0], p[1]}
	}
	return out, nil
}

// Encode turns text into ids. Special-token text in the input (e.g. "<|eot_id|>") becomes
// its single id, as in Hugging Face. addSpecial adds what the model expects around a
// sequence (usually BOS), per tokenizer_config.json and the post-processor.
func (t *Tokenizer) Encode(text string, addSpecial bool) ([]int, error) {
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("encode: text is not valid UTF-8")
	}
	ids := make([]int, 0, len(text)/3+len(t.post.prefix)+len(t.post.suffix)+1)
	if addSpecial {
		ids = append(ids, t.post.prefix...)
	}
	for _, p := range t.rawAdded.split(text) {
		if p.id >= 0 {
			ids = append(ids, p.id)
			continue
		}
		s := p.text
		if t.normalizer != nil {
			var err error
			if s, err = t.normalizer.normalize(s); err != nil {
				return nil, fmt.Errorf("encode: %w", err)
			}
		}
		for _, q := range t.normAdded.split(s) {
			if q.id >= 0 {
				ids = append(ids, q.id)
				continue
			}
			words := []piece{{text: q.text, id: -1, atStart: p.start == 0 && q.start == 0}}
			if t.pre != nil {
				var err error
				if words, err = t.pre.preTokenize(words); err != nil {
					return nil, fmt.Errorf("encode: %w", err)
				}
			}
			for _, w := range words {
				ids = t.model.encodeWord(w.text, ids)
			}
		}
	}
	if addSpecial {
		ids = append(ids, t.post.suffix...)
	}
	return ids, nil
}

// Decode turns ids back into text; skipSpecial leaves out special tokens (BOS, EOS,
// chat markers). An id outside the vocabulary is an error, not a silent gap.
func (t *Tokenizer) Decode(ids []int, skipSpecial bool) (string, error) {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if id < 0 || id >= len(t.idToToken) || !t.hasToken[id] {
			return "", fmt.Errorf("decode: id %d is not in the vocabulary (size %d)", id, len(t.idToToken))
		}
		if skipSpecial && t.special[id] {
			continue
		}
		toks = append(toks, t.idToToken[id])
	}
	if t.decoder == nil {
		return strings.Join(toks, " "), nil
	}
	parts, err := t.decoder.decodeChain(toks)
	if err != nil {
		return "", fmt.Errorf("decode: %w", err)
	}
	return strings.Join(parts, ""), nil
}

// BOS is the beginning-of-sequence id, when the model has one (Qwen has none).
func (t *Tokenizer) BOS() (int, bool) { return t.bos, t.bos >= 0 }

// EOS lists every id that ends generation: eos_token, generation_config's ids and the
// special end-of-turn tokens chat templates emit (<|eot_id|>, <|im_end|>...).
func (t *Tokenizer) EOS() []int { return append([]int(nil), t.eos...) }

// maxIDGap is how far past twice the defined tokens the largest id may go.
const maxIDGap = 1024

// VocabSize is one more than the largest id, added tokens included.
func (t *Tokenizer) VocabSize() int { return len(t.idToToken) }

// TokenID looks up a token's id by its exact string, added tokens first.
func (t *Tokenizer) TokenID(s string) (int, bool) {
	if a, ok := t.added[s]; ok {
		return a.ID, true
	}
	id, ok := t.model.vocab[s]
	return id, ok
}

// Token returns the vocabulary string of an id (byte-level or '▁' form, not text).
func (t *Tokenizer) Token(id int) (string, bool) {
	if id < 0 || id >= len(t.idToToken) || !t.hasToken[id] {
		return "", false
	}
	return t.idToToken[id], true
}

// IsSpecial reports whether id is a special added token, the ones Decode can skip.
func (t *Tokenizer) IsSpecial(id int) bool {
	return id >= 0 && id < len(t.special) && t.special[id]
}
