package tokenizer

import (
	"strings"
	"testing"
)

// benchText is ~1 MB of mixed text: every golden text (prose, code, unicode, emoji,
// whitespace runs, special-token text) repeated.
func benchText(b *testing.B) string {
	b.Helper()
	var sb strings.Builder
	golden := readGolden(b)
	for sb.Len() < 1<<20 {
		for _, g := range golden {
			sb.WriteString(g.Text)
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// BenchmarkEncode reports MB/s per tokenizer on one ~1 MB text. The word cache is warm
// after the first iteration, as it is in a long-running bot.
func BenchmarkEncode(b *testing.B) {
	text := benchText(b)
	for _, name := range []string{"gpt2", "llama3", "qwen3", "mistral"} {
		b.Run(name, func(b *testing.B) {
			tok := loadFixture(b, name)
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := tok.Encode(text, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode reports the decode speed of the same text's ids.
func BenchmarkDecode(b *testing.B) {
	text := benchText(b)
	for _, name := range []string{"llama3", "mistral"} {
		b.Run(name, func(b *testing.B) {
			tok := loadFixture(b, name)
			ids, err := tok.Encode(text, false)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(text)))
			b.ResetTimer()
			for b.Loop() {
				if _, err := tok.Decode(ids, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad reports how long reading a large tokenizer.json takes (model start-up).
func BenchmarkLoad(b *testing.B) {
	for _, name := range []string{"llama3", "qwen3"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				loadFixture(b, name)
			}
		})
	}
}
