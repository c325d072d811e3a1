package tokenizer

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"manualbot/internal/testutil"
)

// goldenLine is one line of the shared golden.jsonl: ids from the Rust tokenizers library.
type goldenLine struct {
	Tokenizer string `json:"tokenizer"`
	Text      string `json:"text"`
	IDs       []int  `json:"ids"`
}

func readGolden(tb testing.TB) []goldenLine {
	tb.Helper()
	f, err := os.Open(testutil.Fixture(tb, "tokenizers/golden.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []goldenLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var g goldenLine
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			tb.Fatalf("golden line %d: %v", len(out)+1, err)
		}
		out = append(out, g)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// loadFixture loads one of the fixture tokenizers once per test binary run.
func loadFixture(tb testing.TB, name string) *Tokenizer {
	tb.Helper()
	tok, err := Load(testutil.Fixture(tb, "tokenizers/"+name))
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// decodable is the text Hugging Face's decoder gives back for the golden ids: the
// input itself, except where normalization is lossy. Qwen's NFC normalizer composes
// characters. Mistral's cannot tell a literal '▁' from a space, and its Prepend
// normalizer puts a '▁' before the text that follows a special token (each piece
// between added tokens is normalized on its own), which decodes as a space.
func decodable(name, text string) string {
	switch name {
	case "qwen3":
		return norm.NFC.String(text)
	case "mistral":
		text = strings.ReplaceAll(text, "\u2581", " ")
		specials := []string{"<unk>", "<s>", "</s>"}
		startsSpecial := func(s string) bool {
			return slices.ContainsFunc(specials, func(sp string) bool { return strings.HasPrefix(s, sp) })
		}
		var sb strings.Builder
		for i := 0; i < len(text); {
			j := slices.IndexFunc(specials, func(sp string) bool { return strings.HasPrefix(text[i:], sp) })
			if j < 0 {
				sb.WriteByte(text[i])
				i++
				continue
			}
			sb.WriteString(specials[j])
			i += len(specials[j])
			if i < len(text) && !startsSpecial(text[i:]) {
				sb.WriteByte(' ')
			}
		}
		return sb.String()
	}
	return text
}

func TestGolden(t *testing.T) {
	golden := readGolden(t)
	for _, name := range []string{"gpt2", "llama3", "qwen3", "mistral"} {
		t.Run(name, func(t *testing.T) {
			tok := loadFixture(t, name)
			total, encOK, decOK := 0, 0, 0
			for i, g := range golden {
				if g.Tokenizer != name {
					continue
				}
				total++
				ids, err := tok.Encode(g.Text, false)
				if err != nil {
					t.Errorf("line %d: encode: %v", i+1, err)
					continue
				}
				if slices.Equal(ids, g.IDs) {
					encOK++
				} else if total-encOK <= 5 {
					t.Errorf("line %d: encode %q\n got  %v\n want %v", i+1, g.Text, ids, g.IDs)
				}
				text, err := tok.Decode(g.IDs, false)
				if err != nil {
					t.Errorf("line %d: decode: %v", i+1, err)
					continue
				}
				if text == decodable(name, g.Text) {
					decOK++
				} else if total-decOK <= 5 {
					t.Errorf("line %d: decode\n got  %q\n want %q", i+1, text, g.Text)
				}
			}
			t.Logf("%s: encode %d/%d, decode %d/%d", name, encOK, total, decOK, total)
			if total == 0 {
				t.Fatal("no golden lines")
			}
		})
	}
}
