package ingest

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ChunkOptions sizes chunks, in characters (runes): about four make a token.
type ChunkOptions struct {
	// Size is the target length of a chunk. A chunk exceeds it only to take in a tiny
	// last piece of its section (under a fifth of Size), or for a single word longer
	// than Size, which is then cut.
	Size int
	// Overlap is how much of a chunk's end (whole words) starts the next chunk of the same
	// section, so a sentence cut between two chunks is whole in one of them.
	Overlap int
}

// Defaults for ChunkOptions, the same as the config's ingest.chunk_size/chunk_overlap.
const (
	DefaultChunkSize    = 1200
	DefaultChunkOverlap = 150
)

// normalized returns usable options: defaults for unset values, and an overlap below half
// the size so every chunk carries new text.
func (o ChunkOptions) normalized() ChunkOptions {
	if o.Size <= 0 {
		o.Size = DefaultChunkSize
	}
	if o.Size < 20 {
		o.Size = 20
	}
	if o.Overlap < 0 {
		o.Overlap = 0
	}
	if o.Overlap > o.Size/2 {
		o.Overlap = o.Size / 2
	}
	return o
}

// textChunk is one chunk before it gets its document's labels and its ids.
type textChunk struct {
	Section []string
	Page    int
	Text    string
}

// chunkDocument cuts every section of doc into chunks. A chunk never spans two sections:
// a passage then has one heading to cite, and BM25 does not mix topics.
func chunkDocument(doc *Document, opt ChunkOptions) []textChunk {
	opt = opt.normalized()
	var out []textChunk
	for _, s := range doc.Sections {
		for _, d := range packSection(s, opt) {
			text, _ := d.render()
			if text = strings.TrimSpace(text); text == "" {
				continue
			}
			page := d.overlapPage
			if d.overlap == "" && len(d.units) > 0 {
				page = d.units[0].page
			}
			out = append(out, textChunk{Section: s.Path, Page: page, Text: text})
		}
	}
	return out
}

// unit is a piece of a block no longer than the chunk size: a whole paragraph when it
// fits, else a sentence, a line or a run of words. Units are contiguous slices of the
// block (trailing white space included), so joining them gives the block back.
type unit struct {
	text       string
	page       int
	blockStart bool // first unit of its block: joined to the previous one by a blank line
	runes      int
}

// draft is a chunk being filled: the overlap copied from the previous chunk, then units.
type draft struct {
	overlap     string
	overlapPage int
	units       []unit
	runes       int
}

// packSection fills drafts greedily with the section's units, starting each new draft
// with the overlap, and folds a tiny last draft into the one before.
func packSection(s Section, opt ChunkOptions) []draft {
	var drafts []draft
	cur := draft{}
	for _, b := range s.Blocks {
		for i, piece := range splitToFit(b.Text, opt.Size) {
			u := unit{text: piece, page: b.Page, blockStart: i == 0, runes: utf8.RuneCountInString(piece)}
			sep := 0
			if u.blockStart && cur.runes > 0 {
				sep = 2
			}
			if len(cur.units) > 0 && cur.runes+sep+u.runes > opt.Size {
				drafts = append(drafts, cur)
				cur = nextDraft(cur, opt.Overlap)
				if cur.runes+2+u.runes > opt.Size {
					cur = draft{} // the overlap would push this unit over the size
				}
				sep = 0
				if u.blockStart && cur.runes > 0 {
					sep = 2
				}
			}
			cur.units = append(cur.units, u)
			cur.runes += sep + u.runes
		}
	}
	if len(cur.units) > 0 {
		drafts = append(drafts, cur)
	}
	if n := len(drafts); n >= 2 {
		last := drafts[n-1]
		own := 0
		for _, u := range last.units {
			own += u.runes
		}
		if own < opt.Size/5 {
			// Fold only if the result, with the blank lines between its blocks, stays
			// within Size+Size/5: many tiny blocks add more separators than text
			// (found by FuzzChunk).
			merged := drafts[n-2]
			merged.units = append(slices.Clone(merged.units), last.units...)
			if text, _ := merged.render(); utf8.RuneCountInString(strings.TrimSpace(text)) <= opt.Size+opt.Size/5 {
				drafts[n-2] = merged
				drafts = drafts[:n-1]
			}
		}
	}
	return drafts
}

// nextDraft starts the draft after prev with prev's last words (at most overlap runes,
// and at most half of prev) and the page those words are on.
func nextDraft(prev draft, overlap int) draft {
	if overlap <= 0 {
		return draft{}
	}
	text, starts := prev.render()
	text = strings.TrimRightFunc(text, unicode.IsSpace)
	limit := min(overlap, utf8.RuneCountInString(text)/2)
	i := len(text)
	for k := 0; k < limit && i > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(text[:i])
		i -= size
	}
	if i > 0 {
		// Move forward to a word start: never begin the overlap inside a word.
		if r, _ := utf8.DecodeLastRuneInString(text[:i]); !unicode.IsSpace(r) {
			j := strings.IndexFunc(text[i:], unicode.IsSpace)
			if j < 0 {
				return draft{}
			}
			i += j
		}
		i += len(text[i:]) - len(strings.TrimLeftFunc(text[i:], unicode.IsSpace))
	}
	tail := text[i:]
	if tail == "" || i == 0 {
		return draft{}
	}
	page := prev.overlapPage
	for k, st := range starts {
		if st <= i {
			page = prev.units[k].page
		}
	}
	tail += " "
	return draft{overlap: tail, overlapPage: page, runes: utf8.RuneCountInString(tail)}
}

// render joins the draft's overlap and units; starts are the byte offsets of the units.
func (d draft) render() (string, []int) {
	b := make([]byte, 0, len(d.overlap)+d.runes*2)
	b = append(b, d.overlap...)
	starts := make([]int, len(d.units))
	for k, u := range d.units {
		if len(b) > 0 {
			if u.blockStart {
				b = trimRightSpace(b)
				b = append(b, "\n\n"...)
			} else if r, _ := utf8.DecodeLastRune(b); !unicode.IsSpace(r) {
				b = append(b, ' ')
			}
		}
		starts[k] = len(b)
		b = append(b, u.text...)
	}
	return string(b), starts
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 {
		r, size := utf8.DecodeLastRune(b)
		if !unicode.IsSpace(r) {
			break
		}
		b = b[:len(b)-size]
	}
	return b
}
