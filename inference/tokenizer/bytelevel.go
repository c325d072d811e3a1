package tokenizer

import "strings"

// byteLevelTable maps every byte to the printable rune GPT-2's byte-level BPE uses for it,
// and back. Byte-level vocabularies are written in these runes, so a text is
// transformed byte by byte before BPE and mapped back when decoding.
type byteLevelTable struct {
	toRune [256]rune
	toByte map[rune]byte
	// toStr holds toRune as strings, so the hot transform appends without encoding.
	toStr [256]string
}

// newByteLevelTable builds the table: printable Latin-1 bytes stand for themselves, the
// others are shifted past 255 in byte order (the mapping GPT-2 defined).
func newByteLevelTable() *byteLevelTable {
	t := &byteLevelTable{toByte: make(map[rune]byte, 256)}
	n := 0
	for b := 0; b < 256; b++ {
		r := rune(b)
		printable := (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
		if !printable {
			r = rune(256 + n)
			n++
		}
		t.toRune[b] = r
		t.toByte[r] = byte(b)
		t.toStr[b] = string(r)
	}
	return t
}

// transform rewrites s as byte-level runes.
func (t *byteLevelTable) transform(s string) string {
	var sb strings.Builder
	sb.Grow(len(s) * 2)
	for i := 0; i < len(s); i++ {
		sb.WriteString(t.toStr[s[i]])
	}
	return sb.String()
}

// appendBytes appends the bytes a byte-level token stands for. A token holding a rune
// outside the table (an added token such as "<think>" written in plain text) is taken as
// its own UTF-8 bytes, as Hugging Face's ByteLevel decoder does.
func (t *byteLevelTable) appendBytes(dst []byte, tok string) []byte {
	start := len(dst)
	for _, r := range tok {
		b, ok := t.toByte[r]
		if !ok {
			return append(dst[:start], tok...)
		}
		dst = append(dst, b)
	}
	return dst
}
