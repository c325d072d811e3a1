package tokenizer

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// TestFastSplitMatchesRegex checks the hand-written scanners against regexp2 running the
// same pattern, on every golden text and on random strings built from the characters
// the patterns treat specially.
func TestFastSplitMatchesRegex(t *testing.T) {
	var texts []string
	for _, g := range readGolden(t) {
		texts = append(texts, g.Text)
	}
	alphabet := []rune("aZé'sStTrReEvVlLmMdD ſK  \t\r\n\v\f\u0085\u00a0\u2028\u3000\u200b0٣½Ⅻ.,!?-_(){}😀\u0301中\x00")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		var sb strings.Builder
		for range rng.IntN(24) {
			sb.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, sb.String())
	}
	for _, pattern := range []string{gpt2Pattern, llama3Pattern, qwenPattern} {
		fast, err := newPatternMatcher(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := fast.(scanMatcher); !ok {
			t.Fatalf("pattern %q has no fast scanner", pattern)
		}
		slow, err := newRegexMatcher(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range texts {
			want, err := slow.spans(text)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := fast.spans(text)
			if !slices.Equal(got, want) {
				t.Fatalf("pattern %.20q on %q:\n got  %v\n want %v", pattern, text, got, want)
			}
		}
	}
}

// TestFixturesUseFastSplit makes sure the real files' patterns are recognised, so the
// speed-up is not lost to a one-character difference in how a file spells its regex.
func TestFixturesUseFastSplit(t *testing.T) {
	for _, name := range []string{"llama3", "qwen3"} {
		data, err := os.ReadFile(filepath.Join(testutil.Fixture(t, "tokenizers/"+name), "tokenizer.json"))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			PreTokenizer struct {
				Pretokenizers []struct {
					Pattern patternJSON `json:"pattern"`
				} `json:"pretokenizers"`
			} `json:"pre_tokenizer"`
		}
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		p := f.PreTokenizer.Pretokenizers[0].Pattern.Regex
		if p == nil {
			t.Fatalf("%s: no split regex", name)
		}
		m, err := newPatternMatcher(*p)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m.(scanMatcher); !ok {
			t.Errorf("%s: pattern %q falls back to regexp2", name, *p)
		}
	}
}
