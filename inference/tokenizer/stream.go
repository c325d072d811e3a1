package tokenizer

import (
	"fmt"
	"strings"
)

// StreamDecoder turns ids generated one at a time into text, emitting only complete
// characters: a byte-level or byte-fallback character split over several tokens appears
// once its last byte arrives. It re-decodes a short window of recent ids so that
// decoders that look at neighbours (Metaspace's leading space, Strip) give the same
// text as decoding everything at once. Not safe for concurrent use.
type StreamDecoder struct {
	t           *Tokenizer
	skipSpecial bool
	ids         []int
	prefix      string // decoded text of ids[:prefixIndex], already emitted
	prefixIndex int
}

// NewStreamDecoder starts a stream; skipSpecial leaves special tokens out of the text.
func (t *Tokenizer) NewStreamDecoder(skipSpecial bool) *StreamDecoder {
	return &StreamDecoder{t: t, skipSpecial: skipSpecial}
}

// Push adds one id and returns the text it completes, possibly "" while a character is
// still partial.
func (s *StreamDecoder) Push(id int) (string, error) {
	s.ids = append(s.ids, id)
	text, err := s.t.Decode(s.ids, s.skipSpecial)
	if err != nil {
		s.ids = s.ids[:len(s.ids)-1]
		return "", fmt.Errorf("stream decode: %w", err)
	}
	if len(text) <= len(s.prefix) || strings.HasSuffix(text, "\uFFFD") {
		return "", nil
	}
	if !strings.HasPrefix(text, s.prefix) {
		// The decoder rewrote text already emitted (Hugging Face's DecodeStream fails
		// here too); the caller can fall back to decoding the whole sequence.
		return "", fmt.Errorf("stream decode: text before id %d changed from %q to %q", id, s.prefix, text)
	}
	out := text[len(s.prefix):]
	// Keep the ids after the old prefix as the new context window.
	newIndex := len(s.ids) - s.prefixIndex
	s.ids = append(s.ids[:0], s.ids[s.prefixIndex:]...)
	if s.prefix, err = s.t.Decode(s.ids, s.skipSpecial); err != nil {
		return "", fmt.Errorf("stream decode: %w", err)
	}
	s.prefixIndex = newIndex
	return out, nil
}

// Flush returns whatever text is still held back (an incomplete character decodes as
// U+FFFD, as a full decode would show it) and resets the stream.
func (s *StreamDecoder) Flush() string {
	text, err := s.t.Decode(s.ids, s.skipSpecial)
	out := ""
	if err == nil && len(text) > len(s.prefix) && strings.HasPrefix(text, s.prefix) {
		out = text[len(s.prefix):]
	}
	s.ids, s.prefix, s.prefixIndex = s.ids[:0], "", 0
	return out
}
