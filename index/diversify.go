package index

import (
	"maps"
	"regexp"
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
// Chunks of one section of one document are one place: a chunk next to a better-ranked
// one of its section is merged into it (one passage, in reading order), and one further
// away is left out. A section read from two files of one manual (twins) is one passage.
// When the cap leaves fewer than k, the capped passages fill the list in rank order; a
// copy of a capped passage from a document with room stands in for it.
func diversify(ranked []Hit, k int, oneDoc bool) []Hit {
	// Word sets are made when first compared, from ranked's own (unmerged) texts: the
	// loop mostly stops after k or a few more, well before the end of ranked.
	words := make([]map[string]bool, len(ranked))
	wordsOf := func(i int) map[string]bool {
		if words[i] == nil {
			h := ranked[i]
			heading := ""
			if n := len(h.Section); n > 0 {
				heading = h.Section[n-1]
			}
			words[i] = wordSet(heading + " " + h.Text)
		}
		return words[i]
	}
	out := make([]Hit, 0, k) // never grows past k: placed points into it
	var spill []Hit
	var kept []int
	spillAt := map[int]int{} // ranked index -> its place in spill
	gone := map[int]bool{}   // places in spill whose copy was placed instead
	perDocN := map[string]int{}
	type place struct{ doc, section string }
	placed := map[place]*Hit{}
	for i, h := range ranked {
		pl := place{h.DocID, strings.Join(h.Section, SectionSep)}
		if first, ok := placed[pl]; ok {
			if mergeAdjacent(first, h) {
				continue
			}
			if !oneDoc {
				continue
			}
		}
		dup, capped := -1, !oneDoc && perDocN[h.DocID] >= perDoc
		for _, j := range kept {
			if twins(ranked[i], ranked[j]) || jaccard(wordsOf(i), wordsOf(j)) >= duplicateShare {
				dup = j
				break
			}
		}
		if dup >= 0 {
			// A copy of a passage the cap set aside takes its place when its own
			// document has room (the HTML twin of a capped PDF passage).
			at, spilled := spillAt[dup]
			if !spilled || capped {
				continue
			}
			gone[at] = true // this copy stands for it
			delete(spillAt, dup)
		}
		kept = append(kept, i)
		if capped {
			spillAt[i] = len(spill)
			spill = append(spill, h)
			continue
		}
		perDocN[h.DocID]++
		out = append(out, h)
		placed[pl] = &out[len(out)-1]
		if len(out) == k {
			break
		}
	}
	for at, h := range spill {
		if len(out) == k {
			break
		}
		if gone[at] {
			continue
		}
		out = append(out, h)
	}
	return out
}

// mergeAdjacent appends next's text to h when next is the chunk just before or after h's
// chunks in the document, and says whether it did. h keeps its score and snippet.
func mergeAdjacent(h *Hit, next Hit) bool {
	lo, hi := h.Ordinal, h.Ordinal+h.merged
	switch next.Ordinal {
	case hi + 1:
		h.Text = h.Text + "\n\n" + next.Text
	case lo - 1:
		h.Text = next.Text + "\n\n" + h.Text
		h.Ordinal = next.Ordinal
	default:
		return false
	}
	h.merged++
	if h.terms != nil && next.terms != nil {
		terms := maps.Clone(h.terms)
		maps.Copy(terms, next.terms)
		h.terms = terms
	} else {
		h.terms = nil // unknown for one of them: setRelevance reads the merged text
	}
	return true
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

// twins reports whether a and b are one section of one manual read from two files (a
// manual shipped as PDF, HTML and Info, as bash's is): the same product and own heading
// in two documents, with the same document title, or, where the formats title the
// manual differently ("Bash Reference Manual", "bash"), the same numbered heading under
// the same parent ("3.2.5 Compound Commands > 3.2.5.1 Looping Constructs"). Their words
// differ too much for the overlap test where the two files cut the section into chunks
// at different places.
func twins(a, b Hit) bool {
	if a.DocID == b.DocID || a.Product != b.Product || len(a.Section) == 0 || len(b.Section) == 0 {
		return false
	}
	own, other := a.Section[len(a.Section)-1], b.Section[len(b.Section)-1]
	if !strings.EqualFold(own, other) {
		return false
	}
	if a.Title == b.Title {
		return true
	}
	return len(a.Section) >= 2 && len(b.Section) >= 2 && subsectionNumber.MatchString(own) &&
		strings.EqualFold(a.Section[len(a.Section)-2], b.Section[len(b.Section)-2])
}

// subsectionNumber matches a heading numbered below a chapter: "3.2.5.1 Looping Constructs".
var subsectionNumber = regexp.MustCompile(`^[0-9A-Z]{1,3}(\.[0-9]{1,3})+\.? \S`)
