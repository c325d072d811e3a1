package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStreamDecoderMatchesDecode(t *testing.T) {
	golden := readGolden(t)
	for _, name := range []string{"gpt2", "llama3", "qwen3", "mistral"} {
		t.Run(name, func(t *testing.T) {
			tok := loadFixture(t, name)
			n := 0
			for i, g := range golden {
				if g.Tokenizer != name {
					continue
				}
				if n++; n > 60 {
					break
				}
				want, err := tok.Decode(g.IDs, false)
				if err != nil {
					t.Fatal(err)
				}
				sd := tok.NewStreamDecoder(false)
				var sb strings.Builder
				for _, id := range g.IDs {
					chunk, err := sd.Push(id)
					if err != nil {
						t.Fatalf("line %d: %v", i+1, err)
					}
					if !utf8.ValidString(chunk) || strings.HasSuffix(chunk, "\ufffd") && !strings.Contains(want, "\ufffd") {
						t.Fatalf("line %d: chunk %q is not complete text", i+1, chunk)
					}
					sb.WriteString(chunk)
				}
				sb.WriteString(sd.Flush())
				if sb.String() != want {
					t.Errorf("line %d: streamed %q, want %q", i+1, sb.String(), want)
				}
			}
		})
	}
}

func TestStreamDecoderHoldsPartialCharacters(t *testing.T) {
	for _, name := range []string{"llama3", "mistral"} {
		t.Run(name, func(t *testing.T) {
			tok := loadFixture(t, name)
			ids, err := tok.Encode("a🦙b", false) // the llama is byte tokens in both vocabs
			if err != nil {
				t.Fatal(err)
			}
			sd := tok.NewStreamDecoder(false)
			var chunks []string
			for _, id := range ids {
				c, err := sd.Push(id)
				if err != nil {
					t.Fatal(err)
				}
				if c != "" {
					chunks = append(chunks, c)
				}
			}
			if rest := sd.Flush(); rest != "" {
				chunks = append(chunks, rest)
			}
			if len(ids) < 4 || strings.Join(chunks, "") != "a🦙b" {
				t.Fatalf("ids %v streamed as %q", ids, chunks)
			}
			for _, c := range chunks {
				if strings.ContainsRune(c, utf8.RuneError) {
					t.Errorf("chunk %q shows half a character", c)
				}
			}
		})
	}
}

func TestStreamDecoderFlushShowsIncompleteTail(t *testing.T) {
	tok := loadFixture(t, "mistral")
	b0, _ := tok.TokenID("<0xF0>")
	sd := tok.NewStreamDecoder(false)
	if c, err := sd.Push(b0); err != nil || c != "" {
		t.Fatalf("Push(<0xF0>) = %q, %v; want it held back", c, err)
	}
	if got := sd.Flush(); got != "\ufffd" {
		t.Errorf("Flush() = %q, want U+FFFD", got)
	}
}
