package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// AddedToken is a token listed in tokenizer.json's added_tokens: matched in the raw (or
// normalized) text before the model sees it, so "<|eot_id|>" in a prompt becomes one id.
type AddedToken struct {
	ID         int
	Content    string
	SingleWord bool
	LStrip     bool
	RStrip     bool
	Normalized bool
	Special    bool
}

// trie finds added tokens leftmost-longest in one pass, so matching cost does not grow
// with the number of added tokens (Llama-3 has 256).
type trie struct {
	nodes []trieNode
}

type trieNode struct {
	next map[byte]int32
	tok  int32 // index into the tokens slice, -1 when no token ends here
}

func newTrie(contents []string) *trie {
	t := &trie{nodes: []trieNode{{tok: -1}}}
	for i, c := range contents {
		if c == "" {
			continue
		}
		n := int32(0)
		for j := 0; j < len(c); j++ {
			nx, ok := t.nodes[n].next[c[j]]
			if !ok {
				if t.nodes[n].next == nil {
					t.nodes[n].next = map[byte]int32{}
				}
				nx = int32(len(t.nodes))
				t.nodes[n].next[c[j]] = nx
				t.nodes = append(t.nodes, trieNode{tok: -1})
			}
			n = nx
		}
		t.nodes[n].tok = int32(i)
	}
	return t
}

// longestAt returns the index and length of the longest token starting at s[i:].
func (t *trie) longestAt(s string, i int) (tok, length int) {
	tok = -1
	n := int32(0)
	for j := i; j < len(s); j++ {
		nx, ok := t.nodes[n].next[s[j]]
		if !ok {
			break
		}
		n = nx
		if t.nodes[n].tok >= 0 {
			tok, length = int(t.nodes[n].tok), j+1-i
		}
	}
	return tok, length
}

// addedMatcher is one of the two match sets Hugging Face keeps: tokens matched on the
// raw text (normalized=false) or on the normalized text (normalized=true).
type addedMatcher struct {
	tokens []*AddedToken
	trie   *trie
	first  [256]bool // bytes that can start a token: a quick skip
}

func newAddedMatcher(tokens []*AddedToken, contents []string) *addedMatcher {
	m := &addedMatcher{tokens: tokens, trie: newTrie(contents)}
	for _, c := range contents {
		if c != "" {
			m.first[c[0]] = true
		}
	}
	return m
}

// split cuts s into pieces: matched added tokens (id >= 0) and the text between them
// (id -1). It follows Hugging Face's find_matches: non-overlapping leftmost-longest
// matches, then single_word, lstrip and rstrip adjustments.
func (m *addedMatcher) split(s string) []piece {
	if m == nil || len(m.tokens) == 0 || s == "" {
		return []piece{{text: s, id: -1}}
	}
	var out []piece
	startOffset := 0
	for i := 0; i < len(s); {
		if !m.first[s[i]] {
			i++
			continue
		}
		ti, n := m.trie.longestAt(s, i)
		if ti < 0 {
			i++
			continue
		}
		start, stop := i, i+n
		i = stop
		tok := m.tokens[ti]
		if tok.SingleWord {
			startSpace := start == 0 || !endsWithWord(s[:start])
			stopSpace := stop == len(s) || !startsWithWord(s[stop:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if tok.LStrip {
			start = max(trailingSpaceStart(s[:start]), startOffset)
		}
		if tok.RStrip {
			stop += leadingSpaceLen(s[stop:])
		}
		if startOffset < start {
			out = append(out, piece{text: s[startOffset:start], id: -1, start: startOffset})
		}
		out = append(out, piece{text: s[start:stop], id: tok.ID, start: start})
		startOffset = stop
	}
	if startOffset < len(s) {
		out = append(out, piece{text: s[startOffset:], id: -1, start: startOffset})
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Other_Alphabetic, r)
}

func endsWithWord(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return s != "" && isWordRune(r)
}

func startsWithWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && isWordRune(r)
}

// trailingSpaceStart is where the run of whitespace ending s begins.
func trailingSpaceStart(s string) int {
	i := len(s)
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if !unicode.IsSpace(r) {
			break
		}
		i -= n
	}
	return i
}

// leadingSpaceLen is the byte length of the whitespace run starting s.
func leadingSpaceLen(s string) int {
	for i, r := range s {
		if !unicode.IsSpace(r) {
			return i
		}
	}
	return len(s)
}
