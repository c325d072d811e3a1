package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// tinyJSON is a hand-made tokenizer.json: characters a, b, space, one merge, and added
// tokens with each matching flag, so flag handling can be checked id by id.
const tinyJSON = `{
  "added_tokens": [
    {"id": 10, "content": "<L>", "lstrip": true, "rstrip": false, "single_word": false, "normalized": false, "special": true},
    {"id": 11, "content": "<R>", "lstrip": false, "rstrip": true, "single_word": false, "normalized": false, "special": true},
    {"id": 12, "content": "<W>", "lstrip": false, "rstrip": false, "single_word": true, "normalized": false, "special": false},
    {"id": 13, "content": "<N>", "lstrip": false, "rstrip": false, "single_word": false, "normalized": false, "special": true},
    {"id": 14, "content": "<N>>", "lstrip": false, "rstrip": false, "single_word": false, "normalized": false, "special": true},
    {"id": 6, "content": "<s>", "lstrip": false, "rstrip": false, "single_word": false, "normalized": false, "special": true},
    {"id": 7, "content": "</s>", "lstrip": false, "rstrip": false, "single_word": false, "normalized": false, "special": true}
  ],
  "normalizer": null,
  "pre_tokenizer": null,
  "post_processor": {
    "type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
    "pair": [],
    "special_tokens": {"<s>": {"id": "<s>", "ids": [6], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [7], "tokens": ["</s>"]}}
  },
  "decoder": {"type": "Fuse"},
  "model": {
    "type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": false,
    "vocab": {"a": 0, "b": 1, " ": 2, "ab": 3, "<unk>": 5, "<s>": 6, "</s>": 7},
    "merges": [["a", "b"]]
  }
}`

func tiny(t *testing.T, config string) *Tokenizer {
	t.Helper()
	var cfg []byte
	if config != "" {
		cfg = []byte(config)
	}
	tok, err := New([]byte(tinyJSON), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestAddedTokenFlags(t *testing.T) {
	tok := tiny(t, "")
	tests := []struct {
		name, text string
		want       []int
	}{
		{"merge", "ab", []int{3}},
		{"lstrip eats spaces before", "a  <L>b", []int{0, 10, 1}},
		{"rstrip eats spaces after", "a<R>  b", []int{0, 11, 1}},
		{"single_word inside a word is text", "a<W>b", []int{0, 5, 1}},
		{"single_word between spaces", "a <W> b", []int{0, 2, 12, 2, 1}},
		{"adjacent tokens", "<N><N>", []int{13, 13}},
		{"longest match wins", "<N>>a", []int{14, 0}},
		{"unknown runes fuse into one unk", "a??b", []int{0, 5, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tok.Encode(tc.text, false)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Encode(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestSpecialTokensFromConfig(t *testing.T) {
	tests := []struct {
		name, config string
		want         []int
		bos          int
	}{
		{"template without config", "", []int{6, 3, 7}, 6},
		{"config turns both off", `{"add_bos_token": false, "add_eos_token": false, "bos_token": "<s>", "eos_token": "</s>"}`, []int{3}, 6},
		{"config keeps template BOS, adds EOS object", `{"add_eos_token": true, "eos_token": {"content": "</s>", "special": true}}`, []int{6, 3, 7}, -1},
		{"config BOS only", `{"add_bos_token": true, "add_eos_token": false, "bos_token": {"content": "<s>"}}`, []int{6, 3}, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := tiny(t, tc.config)
			got, err := tok.Encode("ab", true)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Encode = %v, want %v", got, tc.want)
			}
			bos, ok := tok.BOS()
			if (tc.bos >= 0) != ok || (ok && bos != tc.bos) {
				t.Errorf("BOS() = %d, %v; want %d", bos, ok, tc.bos)
			}
			if !slices.Contains(tok.EOS(), 7) {
				t.Errorf("EOS() = %v, want it to hold 7", tok.EOS())
			}
		})
	}
}

func TestStories260K(t *testing.T) {
	tok, err := Load(testutil.Fixture(t, "models/stories260K"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tok.Encode("Once upon a time", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) < 2 || ids[0] != 1 {
		t.Fatalf("Encode with BOS = %v, want 1 first", ids)
	}
	if bos, ok := tok.BOS(); !ok || bos != 1 {
		t.Errorf("BOS() = %d, %v; want 1", bos, ok)
	}
	if !slices.Equal(tok.EOS(), []int{2}) {
		t.Errorf("EOS() = %v, want [2]", tok.EOS())
	}
	if tok.VocabSize() != 512 {
		t.Errorf("VocabSize() = %d, want 512", tok.VocabSize())
	}
	text, err := tok.Decode(ids, true)
	if err != nil {
		t.Fatal(err)
	}
	if text != "Once upon a time" {
		t.Errorf("Decode = %q", text)
	}
	// A newline is not in the 512-token vocab: it must go through byte fallback.
	ids, err = tok.Encode("a\nb", false)
	if err != nil {
		t.Fatal(err)
	}
	nl, _ := tok.TokenID("<0x0A>")
	if !slices.Contains(ids, nl) {
		t.Errorf("Encode(a\\nb) = %v, want the <0x0A> byte token %d", ids, nl)
	}
	if text, _ := tok.Decode(ids, false); text != "a\nb" {
		t.Errorf("Decode = %q, want %q", text, "a\nb")
	}
}

func TestFixtureSpecials(t *testing.T) {
	tests := []struct {
		name    string
		bos     int // -1: none
		eos     []int
		empty   []int // Encode("", true)
		special string
		id      int
	}{
		{"llama3", 128000, []int{128001, 128009}, []int{}, "<|eot_id|>", 128009},
		{"qwen3", -1, []int{151645, 151643}, []int{}, "<|im_start|>", 151644},
		{"mistral", 1, []int{2}, []int{1}, "</s>", 2},
		{"gpt2", -1, []int{50256}, []int{}, "<|endoftext|>", 50256},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := loadFixture(t, tc.name)
			bos, ok := tok.BOS()
			if ok != (tc.bos >= 0) || (ok && bos != tc.bos) {
				t.Errorf("BOS() = %d, %v; want %d", bos, ok, tc.bos)
			}
			if !slices.Equal(tok.EOS(), tc.eos) {
				t.Errorf("EOS() = %v, want %v", tok.EOS(), tc.eos)
			}
			got, err := tok.Encode("", true)
			if err != nil || !slices.Equal(got, tc.empty) {
				t.Errorf("Encode(\"\", true) = %v, %v; want %v", got, err, tc.empty)
			}
			ids, err := tok.Encode("hi"+tc.special, false)
			if err != nil || len(ids) == 0 || ids[len(ids)-1] != tc.id {
				t.Errorf("Encode(hi%s) = %v, %v; want it to end in %d", tc.special, ids, err, tc.id)
			}
			if id, ok := tok.TokenID(tc.special); !ok || id != tc.id {
				t.Errorf("TokenID(%q) = %d, %v", tc.special, id, ok)
			}
			if text, _ := tok.Decode(ids, true); strings.Contains(text, tc.special) {
				t.Errorf("Decode(skipSpecial) = %q still holds %q", text, tc.special)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	tok := loadFixture(t, "mistral")
	if _, err := tok.Encode("ok \xff\xfe", false); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8: err = %v", err)
	}
	for _, ids := range [][]int{{-1}, {tok.VocabSize()}, {1, 1 << 30}} {
		if _, err := tok.Decode(ids, false); err == nil {
			t.Errorf("Decode(%v): no error", ids)
		}
	}
	if _, err := tok.NewStreamDecoder(false).Push(-5); err == nil {
		t.Error("stream Push(-5): no error")
	}
}

func TestLoadErrors(t *testing.T) {
	write := func(t *testing.T, content string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	tests := []struct {
		name, dir, want string
	}{
		{"missing file", filepath.Join(t.TempDir(), "nope"), "tokenizer.json"},
		{"not json", write(t, "{"), "tokenizer.json"},
		{"unigram refused by name", write(t, `{"model": {"type": "Unigram", "vocab": []}}`), `"Unigram"`},
		{"wordpiece refused by name", write(t, `{"model": {"type": "WordPiece", "vocab": {}}}`), `"WordPiece"`},
		{"unknown pre_tokenizer", write(t, `{"pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}`), `"BertPreTokenizer"`},
		{"unknown normalizer", write(t, `{"normalizer": {"type": "Precompiled"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}`), `"Precompiled"`},
		{"merge out of vocab", write(t, `{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}`), `"b"`},
		{"id far past the vocabulary", write(t, `{"model": {"type": "BPE", "vocab": {"a": 0, "b": 2666666645}, "merges": []}}`), "largest token id is 2666666645"},
		{"added id far past the vocabulary", write(t, `{"added_tokens": [{"id": 99999999, "content": "<x>"}], "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}`), "largest token id is 99999999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.dir) {
				t.Errorf("Load error = %v, want one naming %s and the dir", err, tc.want)
			}
		})
	}
}

func TestSplitBehaviors(t *testing.T) {
	// The examples of Hugging Face's SplitDelimiterBehavior documentation.
	const text = "the-final--countdown"
	tests := []struct {
		b    behavior
		want []string
	}{
		{behaviorRemoved, []string{"the", "final", "countdown"}},
		{behaviorIsolated, []string{"the", "-", "final", "-", "-", "countdown"}},
		{behaviorMergedWithPrevious, []string{"the-", "final-", "-", "countdown"}},
		{behaviorMergedWithNext, []string{"the", "-final", "-", "-countdown"}},
		{behaviorContiguous, []string{"the", "-", "final", "--", "countdown"}},
	}
	for _, tc := range tests {
		got, err := splitEach([]piece{{text: text, id: -1}}, literalMatcher{"-"}, tc.b, false)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, p := range got {
			texts = append(texts, p.text)
		}
		if !slices.Equal(texts, tc.want) {
			t.Errorf("behavior %d: %q, want %q", tc.b, texts, tc.want)
		}
	}
}

func TestMetaspace(t *testing.T) {
	tests := []struct {
		scheme  prependScheme
		atStart bool
		want    []string
	}{
		{prependAlways, false, []string{"\u2581a", "\u2581b"}},
		{prependFirst, true, []string{"\u2581a", "\u2581b"}},
		{prependFirst, false, []string{"a", "\u2581b"}},
		{prependNever, true, []string{"a", "\u2581b"}},
	}
	for _, tc := range tests {
		m := metaspacePreTokenizer{replacement: "\u2581", scheme: tc.scheme, split: true}
		got, err := m.preTokenize([]piece{{text: "a b", id: -1, atStart: tc.atStart}})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, p := range got {
			texts = append(texts, p.text)
		}
		if !slices.Equal(texts, tc.want) {
			t.Errorf("scheme %d atStart %v: %q, want %q", tc.scheme, tc.atStart, texts, tc.want)
		}
	}
}

func TestLossyString(t *testing.T) {
	// Rust's from_utf8_lossy: one U+FFFD per maximal invalid subsequence.
	tests := []struct{ in, want string }{
		{"ok", "ok"},
		{"\xe2\x82", "\ufffd"},
		{"\xe2\x82A", "\ufffdA"},
		{"\xf0\x9f\x98A", "\ufffdA"},
		{"\xc0A", "\ufffdA"},
		{"\xff\xfe", "\ufffd\ufffd"},
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"},
		{"a\xf4\x90\x80\x80", "a\ufffd\ufffd\ufffd\ufffd"},
	}
	for _, tc := range tests {
		if got := lossyString([]byte(tc.in)); got != tc.want {
			t.Errorf("lossyString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
