package tokenizer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// decoder turns token strings back into text pieces; chains feed one into the next and
// the final pieces are concatenated (Hugging Face's decode_chain).
type decoder interface {
	decodeChain(toks []string) ([]string, error)
}

type decoderSeq []decoder

func (q decoderSeq) decodeChain(toks []string) ([]string, error) {
	var err error
	for _, d := range q {
		if toks, err = d.decodeChain(toks); err != nil {
			return nil, err
		}
	}
	return toks, nil
}

// byteLevelDecoder maps byte-level runes back to bytes and the whole result to text.
type byteLevelDecoder struct{ table *byteLevelTable }

func (d byteLevelDecoder) decodeChain(toks []string) ([]string, error) {
	var buf []byte
	for _, t := range toks {
		buf = d.table.appendBytes(buf, t)
	}
	return []string{lossyString(buf)}, nil
}

// metaspaceDecoder turns '▁' back into spaces and drops the prefix space of the first token.
type metaspaceDecoder struct {
	replacement rune
	scheme      prependScheme
}

func (d metaspaceDecoder) decodeChain(toks []string) ([]string, error) {
	out := make([]string, len(toks))
	for i, t := range toks {
		var sb strings.Builder
		for _, r := range t {
			if r == d.replacement {
				if i == 0 && d.scheme != prependNever {
					continue
				}
				r = ' '
			}
			sb.WriteRune(r)
		}
		out[i] = sb.String()
	}
	return out, nil
}

// replaceDecoder replaces a literal or regex in every token.
type replaceDecoder struct{ r replaceNormalizer }

func (d replaceDecoder) decodeChain(toks []string) ([]string, error) {
	out := make([]string, len(toks))
	for i, t := range toks {
		s, err := d.r.normalize(t)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// byteFallbackDecoder joins runs of "<0xXX>" tokens into the UTF-8 text they encode;
// a run that is not valid UTF-8 becomes one U+FFFD per byte (Hugging Face's rule).
type byteFallbackDecoder struct{}

func (byteFallbackDecoder) decodeChain(toks []string) ([]string, error) {
	out := make([]string, 0, len(toks))
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			for range pending {
				out = append(out, "\uFFFD")
			}
		}
		pending = pending[:0]
	}
	for _, t := range toks {
		if b, ok := byteToken(t); ok {
			pending = append(pending, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out, nil
}

// byteToken parses a byte-fallback token such as "<0x0A>".
func byteToken(t string) (byte, bool) {
	if len(t) != 6 || !strings.HasPrefix(t, "<0x") || t[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(t[3:5], 16, 8)
	if err != nil {
		return 0, false
	}
	return byte(v), true
}

type fuseDecoder struct{}

func (fuseDecoder) decodeChain(toks []string) ([]string, error) {
	return []string{strings.Join(toks, "")}, nil
}

// stripDecoder removes up to start/stop copies of a character from each token's ends.
type stripDecoder struct {
	content     rune
	start, stop int
}

func (d stripDecoder) decodeChain(toks []string) ([]string, error) {
	out := make([]string, len(toks))
	for i, t := range toks {
		rs := []rune(t)
		lo := 0
		for lo < d.start && lo < len(rs) && rs[lo] == d.content {
			lo++
		}
		hi := len(rs)
		for k := 0; k < d.stop && hi > lo && rs[hi-1] == d.content; k++ {
			hi--
		}
		out[i] = string(rs[lo:hi])
	}
	return out, nil
}

func parseDecoder(raw json.RawMessage, table *byteLevelTable) (decoder, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type           string            `json:"type"`
		Decoders       []json.RawMessage `json:"decoders"`
		Pattern        patternJSON       `json:"pattern"`
		Content        string            `json:"content"`
		Start          int               `json:"start"`
		Stop           int               `json:"stop"`
		Replacement    string            `json:"replacement"`
		PrependScheme  string            `json:"prepend_scheme"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("decoder: %w", err)
	}
	switch head.Type {
	case "Sequence":
		var seq decoderSeq
		for i, r := range head.Decoders {
			d, err := parseDecoder(r, table)
			if err != nil {
				return nil, fmt.Errorf("decoder sequence item %d: %w", i, err)
			}
			if d != nil {
				seq = append(seq, d)
			}
		}
		return seq, nil
	case "ByteLevel":
		return byteLevelDecoder{table: table}, nil
	case "ByteFallback":
		return byteFallbackDecoder{}, nil
	case "Fuse":
		return fuseDecoder{}, nil
	case "Strip":
		r, n := utf8.DecodeRuneInString(head.Content)
		if n == 0 || n != len(head.Content) {
			return nil, fmt.Errorf("strip decoder content %q is not one character", head.Content)
		}
		return stripDecoder{content: r, start: head.Start, stop: head.Stop}, nil
	case "Replace":
		switch {
		case head.Pattern.String != nil:
			return replaceDecoder{replaceNormalizer{literal: *head.Pattern.String, content: head.Content}}, nil
		case head.Pattern.Regex != nil:
			re, err := regexp2.Compile(*head.Pattern.Regex, regexp2.None)
			if err != nil {
				return nil, fmt.Errorf("replace decoder regex %q: %w", *head.Pattern.Regex, err)
			}
			return replaceDecoder{replaceNormalizer{re: re, content: head.Content}}, nil
		}
		return nil, fmt.Errorf("replace decoder without a pattern")
	case "Metaspace":
		r, n := utf8.DecodeRuneInString(head.Replacement)
		if n == 0 || n != len(head.Replacement) {
			return nil, fmt.Errorf("metaspace decoder replacement %q is not one character", head.Replacement)
		}
		scheme, err := parsePrependScheme(head.PrependScheme, head.AddPrefixSpace)
		if err != nil {
			return nil, err
		}
		return metaspaceDecoder{replacement: r, scheme: scheme}, nil
	}
	return nil, fmt.Errorf("unsupported decoder type %q", head.Type)
}
