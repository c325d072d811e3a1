package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/numeric"
	bleveidx "github.com/blevesearch/bleve_index_api"
)

// columns hold, for every chunk of a generation by internal document number, what
// rescoring needs of each of Bleve's candidates: its document, body length and term
// count. Reading them from the stored documents cost a decompressed document per
// candidate (120 per search, a sixth of a search's time); a published generation never
// changes, so they are read once, from the doc values, on its first search (about
// 15-20 ms of CPU per 20,000 chunks, paid back after ~100 searches; held in ~12 bytes
// per chunk plus one string per document).
type columns struct {
	// segs are the snapshot's segments the columns were read from: internal numbers
	// mean the same only in a snapshot of the same segments (see matches). A
	// generation is opened read-only (no merger, no batches), so its snapshot is the
	// same for its whole life; the check only guards that assumption.
	segs    []any
	docID   []string // "" where a number holds no live chunk
	bodyLen []int32
	tokens  []int32
}

// candidateFacts are the fields of a candidate that rescoring needs.
type candidateFacts struct {
	docID           string
	bodyLen, tokens int
}

// columnsFor returns g's columns, read through l's snapshot the first time; nil when
// they cannot be used with l (no loader, another snapshot, or reading them failed: the
// caller reads the stored fields instead).
func (g *generation) columnsFor(l *storedLoader) *columns {
	if l == nil {
		return nil
	}
	g.columnsOnce.Do(func() { g.columns, _ = readColumns(l) })
	if g.columns == nil || !g.columns.matches(l) {
		return nil
	}
	return g.columns
}

// matches says whether l reads the snapshot of segments the columns were read from.
func (c *columns) matches(l *storedLoader) bool {
	if len(c.segs) != len(l.segs) {
		return false
	}
	for i, s := range l.segs {
		if any(s.Segment()) != c.segs[i] {
			return false
		}
	}
	return true
}

// readColumns reads the doc values of fDocID, fBodyLen and fTokens of every live chunk
// in l's snapshot. A chunk lacking one of them (an index written without doc values for
// a field) is left out, and found through its stored fields.
func readColumns(l *storedLoader) (*columns, error) {
	c := &columns{}
	var total uint64
	for _, s := range l.segs {
		c.segs = append(c.segs, s.Segment())
		total += s.Segment().Count()
	}
	c.docID = make([]string, total)
	c.bodyLen = make([]int32, total)
	c.tokens = make([]int32, total)
	all, err := l.r.DocIDReaderAll()
	if err != nil {
		return nil, fmt.Errorf("index columns: %w", err)
	}
	defer all.Close()
	dv, err := l.r.DocValueReader([]string{fDocID, fBodyLen, fTokens})
	if err != nil {
		return nil, fmt.Errorf("index columns: %w", err)
	}
	docs := map[string]string{} // one string per document, shared by its chunks
	for {
		id, err := all.Next()
		if err != nil {
			return nil, fmt.Errorf("index columns: %w", err)
		}
		if id == nil {
			return c, nil
		}
		num := id.Value()
		if len(id) != 8 || num >= total {
			continue
		}
		var doc string
		bodyLen, tokens := int64(-1), int64(-1)
		err = dv.VisitDocValues(id, func(field string, term []byte) {
			if field == fDocID {
				d, ok := docs[string(term)]
				if !ok {
					d = string(term)
					docs[d] = d
				}
				doc = d
				return
			}
			pc := numeric.PrefixCoded(term)
			if shift, err := pc.Shift(); err != nil || shift != 0 {
				return
			}
			v, err := pc.Int64()
			if err != nil {
				return
			}
			n := int64(numeric.Int64ToFloat64(v))
			switch field {
			case fBodyLen:
				bodyLen = n
			case fTokens:
				tokens = n
			}
		})
		if err != nil {
			return nil, fmt.Errorf("index columns: %w", err)
		}
		if doc == "" || bodyLen < 0 || tokens < 0 || bodyLen > 1<<31-1 || tokens > 1<<31-1 {
			continue
		}
		c.docID[num], c.bodyLen[num], c.tokens[num] = doc, int32(bodyLen), int32(tokens)
	}
}

// lookup returns the facts of the chunk with internal id iid; ok is false when the
// columns do not hold it.
func (c *columns) lookup(iid bleveidx.IndexInternalID) (candidateFacts, bool) {
	if c == nil || len(iid) != 8 {
		return candidateFacts{}, false
	}
	num := iid.Value()
	if num >= uint64(len(c.docID)) || c.docID[num] == "" {
		return candidateFacts{}, false
	}
	return candidateFacts{docID: c.docID[num], bodyLen: int(c.bodyLen[num]), tokens: int(c.tokens[num])}, true
}

// candidateFields returns each ref's facts, from g's columns where they hold it and
// from its stored fields otherwise.
func candidateFields(ctx context.Context, g *generation, l *storedLoader, refs []docRef) ([]candidateFacts, error) {
	cols := g.columnsFor(l)
	return fieldsOr(ctx, g, l, refs, []string{fDocID, fBodyLen, fTokens},
		func(r docRef) (candidateFacts, bool) { return cols.lookup(r.iid) },
		func(_ int, _ docRef, f map[string]any) candidateFacts {
			d, _ := f[fDocID].(string)
			bl, _ := f[fBodyLen].(float64)
			tk, _ := f[fTokens].(float64)
			return candidateFacts{docID: d, bodyLen: int(bl), tokens: int(tk)}
		})
}
