package index

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/blevesearch/bleve/v2/search"
	bleveidx "github.com/blevesearch/bleve_index_api"
)

// Term locations. Rescoring needs each candidate's positions and offsets of the query's
// terms (and of the fuzzy neighbours it matched), which Bleve gives when a search asks
// for locations; but then it decodes and builds the locations of every posting of
// every term, in all the documents it visits, to keep 120. So the first stage runs
// without locations, and they are read here for the candidates only: one term reader
// per term, moved forward through the candidates in internal id order.
//
// What Bleve builds (DocumentMatch.Complete) is, per field and term, the term's vectors
// in the document, deduplicated and sorted when two searchers matched the same term
// (a fuzzy neighbour that is also a query word); a term's own vectors are already in
// position order and unique, so one read per distinct term gives the same list.

// readLocations returns, for each candidate (by position in refs), the fText locations
// of those of terms it holds; a candidate with none has a nil map, as Bleve gives it.
func readLocations(ctx context.Context, l *storedLoader, refs []docRef, terms []string) ([]search.TermLocationMap, error) {
	out := make([]search.TermLocationMap, len(refs))
	order := make([]int, len(refs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return bytes.Compare(refs[a].iid, refs[b].iid) })
	for _, term := range terms {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tfr, err := l.r.TermFieldReader(ctx, []byte(term), fText, true, false, true)
		if err != nil {
			return nil, fmt.Errorf("term locations %q: %w", term, err)
		}
		err = visitHolders(tfr, refs, order, func(i int, d *bleveidx.TermFieldDoc) {
			// One allocation for the locations, one for the list that points into it.
			backing := make([]search.Location, 0, len(d.Vectors))
			for _, v := range d.Vectors {
				if v.Field != fText {
					continue
				}
				loc := search.Location{Pos: v.Pos, Start: v.Start, End: v.End}
				if len(v.ArrayPositions) > 0 {
					loc.ArrayPositions = append(search.ArrayPositions(nil), v.ArrayPositions...)
				}
				backing = append(backing, loc)
			}
			if len(backing) == 0 {
				return
			}
			locs := make(search.Locations, len(backing))
			for j := range backing {
				locs[j] = &backing[j]
			}
			if out[i] == nil {
				out[i] = search.TermLocationMap{}
			}
			out[i][term] = locs
		})
		_ = tfr.Close()
		if err != nil {
			return nil, fmt.Errorf("term locations %q: %w", term, err)
		}
	}
	return out, nil
}

// visitHolders calls fn for each candidate (refs[order[k]], in ascending internal id)
// that the term reader holds. The reader only moves forward: scorch restarts it from
// the beginning when asked for an id at or before its current one.
func visitHolders(tfr bleveidx.TermFieldReader, refs []docRef, order []int, fn func(int, *bleveidx.TermFieldDoc)) error {
	// One document is reused for every read: fn is done with it before the next.
	var cur *bleveidx.TermFieldDoc
	reuse := &bleveidx.TermFieldDoc{}
	for _, i := range order {
		iid := refs[i].iid
		if cur != nil {
			switch c := bytes.Compare(cur.ID, iid); {
			case c > 0:
				continue // the term's next document is past this candidate
			case c == 0:
				fn(i, cur) // the same document twice in refs
				continue
			}
		}
		d, err := tfr.Advance(iid, reuse)
		if err != nil {
			return err
		}
		if d == nil {
			return nil // no more documents hold the term
		}
		cur = d
		if bytes.Equal(d.ID, iid) {
			fn(i, d)
		}
	}
	return nil
}

// hitLocations gives each hit's fText locations: read for the hits alone when the search
// ran without locations (l is not nil), else those the search returned. fuzzy holds the
// neighbours each fuzzy query term expanded to (Bleve's FuzzyMatchPhraseKey record);
// asked are the question's terms, with their related words.
func hitLocations(ctx context.Context, l *storedLoader, hits search.DocumentMatchCollection, refs []docRef, asked []queryTerm, fuzzy map[string][]string) ([]search.TermLocationMap, error) {
	if l == nil {
		out := make([]search.TermLocationMap, len(hits))
		for i, h := range hits {
			out[i] = h.Locations[fText]
		}
		return out, nil
	}
	var terms []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	for _, t := range asked {
		add(t.text) // a term the index lacks has no postings: nothing is read
		for _, r := range t.forms() {
			add(r)
		}
	}
	for _, typed := range slices.Sorted(maps.Keys(fuzzy)) {
		for _, t := range fuzzy[typed] {
			add(t)
		}
	}
	return readLocations(ctx, l, refs, terms)
}
