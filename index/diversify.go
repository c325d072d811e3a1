package index

import (
	"strings"
	"unicode"
)

// perDoc is how many passages of one document a result list may hold: five citations
// should be five places, not one page five times.
const perDoc = 2

// duplicateShare is the word-set overlap (Jaccard, over the passage and its own heading)
// above which two passages say the same thing: the same manual ingested as PDF and as
// HTML, or an overlap between chunks.
const duplicateShare = 0.7

// diversify keeps the first k of ranked that are not near-duplicates of a better one,
// with at most perDoc per document unless oneDoc (the question is about one document).
// When the cap leaves fewer than k, the capped passages fill the list in rank order.
func diversify(ranked []Hit, k int, oneDoc bool) []Hit {
	words := make([]map[string]bool, len(ranked))
	for i, h := range ranked {
		heading := ""
		if n := len(h.Section); n > 0 {
			heading = h.Section[n-1]
		}
		words[i] = wordSet(heading + " " + h.Text)
	}
	var out, spill []Hit
	var kept []int
	perDocN := map[string]int{}
	for i, h := range ranked {
		dup := false
		for _, j := range kept {
			if jaccard(words[i], words[j]) >= duplicateShare {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		kept = append(kept, i)
		if !oneDoc && perDocN[h.DocID] >= perDoc {
			spill = append(spill, h)
			continue
		}
		perDocN[h.DocID]++
		out = append(out, h)
		if len(out) == k {
			return out
		}
	}
	for _, h := range spill {
		if len(out) == k {
			break
		}
		out = append(out, h)
	}
	return out
}

// wordSet is the set of a passage's lower-cased words of three letters or more.
func wordSet(text string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) >= 3 {
			m[w] = true
		}
	}
	return m
}

// minDuplicateWords is the fewest distinct words a passage needs to be called a
// duplicate: two one-line passages alike in wording ("Part 1", "Part 2") are different
// places, not one passage twice.
const minDuplicateWords = 10

// jaccard is the word-set overlap of two passages, 0 when either is too short to judge.
func jaccard(a, b map[string]bool) float64 {
	if len(a) < minDuplicateWords || len(b) < minDuplicateWords {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	same := 0
	for w := range a {
		if b[w] {
			same++
		}
	}
	return float64(same) / float64(len(a)+len(b)-same)
}
