package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/dlclark/regexp2"
	"golang.org/x/text/unicode/norm"
)

// normalizer rewrites one piece of text before pre-tokenization.
type normalizer interface {
	normalize(s string) (string, error)
}

type normalizerSeq []normalizer

func (q normalizerSeq) normalize(s string) (string, error) {
	var err error
	for _, n := range q {
		if s, err = n.normalize(s); err != nil {
			return "", err
		}
	}
	return s, nil
}

type unicodeNormalizer struct{ form norm.Form }

func (u unicodeNormalizer) normalize(s string) (string, error) { return u.form.String(s), nil }

type lowercaseNormalizer struct{}

func (lowercaseNormalizer) normalize(s string) (string, error) { return strings.ToLower(s), nil }

// prependNormalizer adds a prefix to non-empty text (SentencePiece's leading '▁').
type prependNormalizer struct{ prefix string }

func (p prependNormalizer) normalize(s string) (string, error) {
	if s == "" {
		return s, nil
	}
	return p.prefix + s, nil
}

// replaceNormalizer replaces every match of a literal or regex with fixed content.
type replaceNormalizer struct {
	literal string
	re      *regexp2.Regexp
	content string
}

func (r replaceNormalizer) normalize(s string) (string, error) {
	if r.re == nil {
		if r.literal == "" {
			return s, nil
		}
		return strings.ReplaceAll(s, r.literal, r.content), nil
	}
	out, err := r.re.ReplaceFunc(s, func(regexp2.Match) string { return r.content }, -1, -1)
	if err != nil {
		return "", fmt.Errorf("replace %q: %w", r.re.String(), err)
	}
	return out, nil
}

type stripNormalizer struct{ left, right bool }

func (n stripNormalizer) normalize(s string) (string, error) {
	if n.left {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
	}
	if n.right {
		s = strings.TrimRightFunc(s, unicode.IsSpace)
	}
	return s, nil
}

// patternJSON is Hugging Face's {"String": ...} or {"Regex": ...} pattern.
type patternJSON struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

func parseNormalizer(raw json.RawMessage) (normalizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type        string            `json:"type"`
		Normalizers []json.RawMessage `json:"normalizers"`
		Prepend     string            `json:"prepend"`
		Pattern     patternJSON       `json:"pattern"`
		Content     string            `json:"content"`
		StripLeft   bool              `json:"strip_left"`
		StripRight  bool              `json:"strip_right"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("normalizer: %w", err)
	}
	switch head.Type {
	case "Sequence":
		var seq normalizerSeq
		for i, r := range head.Normalizers {
			n, err := parseNormalizer(r)
			if err != nil {
				return nil, fmt.Errorf("normalizer sequence item %d: %w", i, err)
			}
			if n != nil {
				seq = append(seq, n)
			}
		}
		return seq, nil
	case "NFC":
		return unicodeNormalizer{norm.NFC}, nil
	case "NFD":
		return unicodeNormalizer{norm.NFD}, nil
	case "NFKC":
		return unicodeNormalizer{norm.NFKC}, nil
	case "NFKD":
		return unicodeNormalizer{norm.NFKD}, nil
	case "Lowercase":
		return lowercaseNormalizer{}, nil
	case "Prepend":
		return prependNormalizer{prefix: head.Prepend}, nil
	case "Strip":
		return stripNormalizer{left: head.StripLeft, right: head.StripRight}, nil
	case "Replace":
		switch {
		case head.Pattern.String != nil:
			return replaceNormalizer{literal: *head.Pattern.String, content: head.Content}, nil
		case head.Pattern.Regex != nil:
			re, err := regexp2.Compile(*head.Pattern.Regex, regexp2.None)
			if err != nil {
				return nil, fmt.Errorf("replace normalizer regex %q: %w", *head.Pattern.Regex, err)
			}
			return replaceNormalizer{re: re, content: head.Content}, nil
		}
		return nil, fmt.Errorf("replace normalizer without a pattern")
	}
	return nil, fmt.Errorf("unsupported normalizer type %q", head.Type)
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}
