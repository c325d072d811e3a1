package tokenizer

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// piece is a stretch of text moving through the pipeline: either an added token already
// resolved to an id, or text still to be normalized, pre-tokenized and BPE-encoded.
type piece struct {
	text string
	id   int // the added token's id, or -1 for text
	// start is the piece's byte offset in the text it was cut from.
	start int
	// atStart says the piece begins at offset 0 of the original input (Metaspace's
	// prepend_scheme "first" only prefixes that one).
	atStart bool
}

// preTokenizer cuts text pieces into the words BPE encodes one by one.
type preTokenizer interface {
	preTokenize(in []piece) ([]piece, error)
}

type preTokenizerSeq []preTokenizer

func (q preTokenizerSeq) preTokenize(in []piece) ([]piece, error) {
	var err error
	for _, p := range q {
		if in, err = p.preTokenize(in); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// splitEach applies a matcher and behavior to every piece, dropping empty results as
// Hugging Face's PreTokenizedString does.
func splitEach(in []piece, m matcher, b behavior, invert bool) ([]piece, error) {
	out := make([]piece, 0, len(in))
	for _, p := range in {
		sp, err := m.spans(p.text)
		if err != nil {
			return nil, err
		}
		for _, s := range applyBehavior(sp, b, invert) {
			if s.end > s.start {
				out = append(out, piece{text: p.text[s.start:s.end], id: -1, start: s.start, atStart: p.atStart && s.start == 0})
			}
		}
	}
	return out, nil
}

type splitPreTokenizer struct {
	m      matcher
	b      behavior
	invert bool
}

func (s splitPreTokenizer) preTokenize(in []piece) ([]piece, error) {
	return splitEach(in, s.m, s.b, s.invert)
}

// gpt2Pattern is the split regex ByteLevel applies when use_regex is set.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

type byteLevelPreTokenizer struct {
	addPrefixSpace bool
	split          matcher // nil unless use_regex
	table          *byteLevelTable
}

func (b byteLevelPreTokenizer) preTokenize(in []piece) ([]piece, error) {
	if b.addPrefixSpace {
		for i := range in {
			if !strings.HasPrefix(in[i].text, " ") {
				in[i].text = " " + in[i].text
			}
		}
	}
	if b.split != nil {
		var err error
		if in, err = splitEach(in, b.split, behaviorIsolated, false); err != nil {
			return nil, err
		}
	}
	for i := range in {
		in[i].text = b.table.transform(in[i].text)
	}
	return in, nil
}

// prependScheme says when Metaspace puts a replacement character before a piece.
type prependScheme int

const (
	prependAlways prependScheme = iota
	prependFirst
	prependNever
)

func parsePrependScheme(scheme string, addPrefixSpace *bool) (prependScheme, error) {
	switch scheme {
	case "always":
		return prependAlways, nil
	case "first":
		return prependFirst, nil
	case "never":
		return prependNever, nil
	case "":
		if addPrefixSpace != nil && !*addPrefixSpace {
			return prependNever, nil
		}
		return prependAlways, nil
	}
	return 0, fmt.Errorf("unsupported metaspace prepend_scheme %q", scheme)
}

// metaspacePreTokenizer is SentencePiece's space handling: spaces become '▁' and words
// start at each '▁'.
type metaspacePreTokenizer struct {
	replacement string
	scheme      prependScheme
	split       bool
}

func (m metaspacePreTokenizer) preTokenize(in []piece) ([]piece, error) {
	for i := range in {
		t := strings.ReplaceAll(in[i].text, " ", m.replacement)
		if !strings.HasPrefix(t, m.replacement) && (m.scheme == prependAlways || (m.scheme == prependFirst && in[i].atStart)) {
			t = m.replacement + t
		}
		in[i].text = t
	}
	if !m.split {
		return in, nil
	}
	r, _ := utf8.DecodeRuneInString(m.replacement)
	return splitEach(in, runeMatcher(func(c rune) bool { return c == r }), behaviorMergedWithNext, false)
}

func parsePreTokenizer(raw json.RawMessage, table *byteLevelTable) (preTokenizer, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type             string            `json:"type"`
		Pretokenizers    []json.RawMessage `json:"pretokenizers"`
		Pattern          patternJSON       `json:"pattern"`
		Behavior         string            `json:"behavior"`
		Invert           bool              `json:"invert"`
		AddPrefixSpace   *bool             `json:"add_prefix_space"`
		UseRegex         *bool             `json:"use_regex"`
		Replacement      string            `json:"replacement"`
		PrependScheme    string            `json:"prepend_scheme"`
		Split            *bool             `json:"split"`
		IndividualDigits bool              `json:"individual_digits"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("pre_tokenizer: %w", err)
	}
	switch head.Type {
	case "Sequence":
		var seq preTokenizerSeq
		for i, r := range head.Pretokenizers {
			p, err := parsePreTokenizer(r, table)
			if err != nil {
				return nil, fmt.Errorf("pre_tokenizer sequence item %d: %w", i, err)
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		return seq, nil
	case "Split":
		b, err := parseBehavior(head.Behavior)
		if err != nil {
			return nil, err
		}
		switch {
		case head.Pattern.String != nil:
			return splitPreTokenizer{m: literalMatcher{*head.Pattern.String}, b: b, invert: head.Invert}, nil
		case head.Pattern.Regex != nil:
			m, err := newPatternMatcher(*head.Pattern.Regex)
			if err != nil {
				return nil, fmt.Errorf("split pre_tokenizer: %w", err)
			}
			return splitPreTokenizer{m: m, b: b, invert: head.Invert}, nil
		}
		return nil, fmt.Errorf("split pre_tokenizer without a pattern")
	case "ByteLevel":
		p := byteLevelPreTokenizer{table: table, addPrefixSpace: head.AddPrefixSpace == nil || *head.AddPrefixSpace}
		if head.UseRegex == nil || *head.UseRegex {
			m, err := newPatternMatcher(gpt2Pattern)
			if err != nil {
				return nil, err
			}
			p.split = m
		}
		return p, nil
	case "Metaspace":
		if utf8.RuneCountInString(head.Replacement) != 1 {
			return nil, fmt.Errorf("metaspace replacement %q is not one character", head.Replacement)
		}
		scheme, err := parsePrependScheme(head.PrependScheme, head.AddPrefixSpace)
		if err != nil {
			return nil, err
		}
		return metaspacePreTokenizer{replacement: head.Replacement, scheme: scheme, split: head.Split == nil || *head.Split}, nil
	case "Digits":
		b := behaviorContiguous
		if head.IndividualDigits {
			b = behaviorIsolated
		}
		return splitPreTokenizer{m: runeMatcher(unicode.IsNumber), b: b}, nil
	case "WhitespaceSplit":
		return splitPreTokenizer{m: runeMatcher(unicode.IsSpace), b: behaviorRemoved}, nil
	case "Whitespace":
		m, err := newRegexMatcher(`\w+|[^\w\s]+`)
		if err != nil {
			return nil, err
		}
		return splitPreTokenizer{m: m, b: behaviorRemoved, invert: true}, nil
	}
	return nil, fmt.Errorf("unsupported pre_tokenizer type %q", head.Type)
}
