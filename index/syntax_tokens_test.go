package index

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSyntaxTokens: options and operator runs become terms beside the words, and the
// words keep the positions the word tokenizer gives them.
func TestSyntaxTokens(t *testing.T) {
	for _, tc := range []struct {
		in     string
		syntax []string // the extra terms, in order
	}{
		{"what does set -e do", []string{"-e"}},
		{"psql --port-number=5 -U me", []string{"--port-number", "-U"}},
		{"(-x) [-v]", []string{"-x", "-v"}},
		// quoted as Info ('-e', ‘--in-place’), Markdown (`-n`) and prose ("-q") quote them
		{"'-e' and ‘--in-place’, `-n` or \"-q\" or “-r”", []string{"-e", "--in-place", "-n", "-q", "-r"}},
		{"don't-x it's -y", []string{"-y"}},
		{"[ and [[ for tests", []string{"[["}},
		{"rerun it: !! and $? then $@", []string{"!!", "$?", "$@"}},
		{"make ** match; a && b || c; 2>&1", []string{"**", "&&", "||", ">&"}},
		{"a->>'b' #>> '{a}'", []string{">>", "#>>"}},
		// not options: a minus, a hyphenated word, a dash run, a dash before a digit
		{"a - b, well-known, x -- y, --- ---x, -5, 3-e", nil},
		// single operator characters are not terms
		{"[x] {y} $z a*b !c ?", nil},
		{"", nil},
	} {
		got := syntaxTokenizer{}.Tokenize([]byte(tc.in))
		words := wordsTokenizer{}.Tokenize([]byte(tc.in))
		var syntax []string
		w := 0
		for _, tok := range got {
			if w < len(words) && tok.Start == words[w].Start && tok.End == words[w].End {
				if tok.Position != words[w].Position {
					t.Errorf("%q: word %q at position %d, the word tokenizer says %d", tc.in, tok.Term, tok.Position, words[w].Position)
				}
				w++
				continue
			}
			syntax = append(syntax, string(tok.Term))
			next := len(words)
			if w < len(words) {
				next = words[w].Position
			}
			if tok.Position != max(next, 1) {
				t.Errorf("%q: %q at position %d, want the next word's %d", tc.in, tok.Term, tok.Position, next)
			}
		}
		if w != len(words) {
			t.Errorf("%q: %d of %d words kept", tc.in, w, len(words))
		}
		if strings.Join(syntax, " ") != strings.Join(tc.syntax, " ") {
			t.Errorf("%q: syntax terms %q, want %q", tc.in, syntax, tc.syntax)
		}
	}
}

// TestSearchFindsOptionsAndOperators: a question that spells an option or an operator
// finds the passage that has it, above one that only has the letters.
func TestSearchFindsOptionsAndOperators(t *testing.T) {
	s := openTest(t, t.TempDir())
	put(t, s,
		Chunk{ID: "letters", DocID: "a", Section: []string{"Values"}, Text: "Set e to the value you want; e is the exponent."},
		Chunk{ID: "option", DocID: "b", Section: []string{"Builtins"}, Text: "With set -e the shell exits when a command fails."},
		Chunk{ID: "brackets", DocID: "c", Section: []string{"Tests"}, Text: "The [[ compound command tests a condition."},
		Chunk{ID: "bracket", DocID: "d", Section: []string{"Tests"}, Text: "The [ builtin tests a condition too, and so do tests."},
	)
	for q, want := range map[string]string{"what does set -e do": "option", "the [[ tests": "brackets"} {
		if got := ids(mustSearch(t, s, Query{Text: q, K: 3})); len(got) == 0 || got[0] != want {
			t.Errorf("%q: ranking %v, want %s first", q, got, want)
		}
	}
}

// FuzzSyntaxTokenizer: any input gives tokens that are slices of it, in order of start,
// with positions that never go back and words exactly the word tokenizer's.
func FuzzSyntaxTokenizer(f *testing.F) {
	for _, s := range []string{"set -e", "[[ -f x ]] && !!", "--a-b-", "-", "$?$?", "\xff-\xfe[["} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := []byte(s)
		toks := syntaxTokenizer{}.Tokenize(in)
		words := wordsTokenizer{}.Tokenize(in)
		w, lastStart, lastPos := 0, -1, 0
		for _, tok := range toks {
			if tok.Start < lastStart || tok.Start < 0 || tok.End > len(in) || tok.Start >= tok.End || string(in[tok.Start:tok.End]) != string(tok.Term) {
				t.Fatalf("%q: bad token %q %d..%d", s, tok.Term, tok.Start, tok.End)
			}
			if tok.Position < lastPos || tok.Position < 1 {
				t.Fatalf("%q: position %d after %d", s, tok.Position, lastPos)
			}
			lastStart, lastPos = tok.Start, tok.Position
			if w < len(words) && tok.Start == words[w].Start && tok.End == words[w].End {
				w++
			} else if !utf8.Valid(tok.Term) && tok.Term[0] != '-' {
				t.Fatalf("%q: syntax token %q is not ASCII", s, tok.Term)
			}
		}
		if w != len(words) {
			t.Fatalf("%q: %d of %d words", s, w, len(words))
		}
	})
}
