package index

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// FuzzSearch: any question text (Slack brings pasted logs, other scripts, stray
// punctuation) gets hits or none, never an error other than ErrEmptyQuery and never a
// panic; at most K hits, each once, with a finite score and a relevance in [0, 1].
func FuzzSearch(f *testing.F) {
	s := openTest(f, f.TempDir())
	chunks := append(manual(),
		Chunk{ID: "arith", DocID: "bash", Product: "bash", Title: "Bash Reference Manual", Section: []string{"3.5.5 Arithmetic Expansion"},
			Text: "Arithmetic expansion allows the evaluation of an arithmetic expression: $(( expression )). Use [[ -e file ]] or !! to repeat."},
		Chunk{ID: "arith-pdf", DocID: "bash-pdf", Product: "bash", Title: "Bash Reference Manual", Section: []string{"3.5.5 Arithmetic Expansion"},
			Text: "The expression is treated as if it were within double quotes; the backup of a directory is a folder."},
	)
	put(f, s, chunks...)
	for _, q := range []string{
		"", "   ", "the of and", "how do I back up the router", "do integer math", "vlna", "installl",
		"データベースをバックアップする方法", "[[ -e", "!!", "$?", "log in log out", "auto-increment",
		strings.Repeat("ERROR: connection refused at 10.0.0.1:5432 ", 300), "\x00\xff\xfe", "a\u0301\u200b",
	} {
		f.Add(q, 5, 1)
	}
	f.Fuzz(func(t *testing.T, text string, k, fuzziness int) {
		k = k % (MaxK + 10)
		fuzziness = ((fuzziness % 3) + 3) % 3
		hits, err := s.Search(t.Context(), Query{Text: text, K: k, Fuzziness: fuzziness})
		if err != nil {
			if errors.Is(err, ErrEmptyQuery) && strings.TrimSpace(text) == "" {
				return
			}
			t.Fatalf("Search(%q, k=%d): %v", text, k, err)
		}
		want := k
		if want <= 0 {
			want = DefaultK
		}
		if len(hits) > min(want, MaxK) {
			t.Fatalf("%d hits for k=%d", len(hits), k)
		}
		seen := map[string]bool{}
		for _, h := range hits {
			if seen[h.ID] {
				t.Fatalf("hit %s twice", h.ID)
			}
			seen[h.ID] = true
			if math.IsNaN(h.Score) || math.IsInf(h.Score, 0) || h.Relevance < 0 || h.Relevance > 1+1e-9 || math.IsNaN(h.Relevance) {
				t.Fatalf("hit %s: score %v, relevance %v", h.ID, h.Score, h.Relevance)
			}
		}
	})
}
