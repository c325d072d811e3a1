package index

import (
	"context"
	"fmt"
	"sort"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/numeric"
	"github.com/blevesearch/bleve/v2/search/query"
	bleveidx "github.com/blevesearch/bleve_index_api"
)

// storedLoader reads hits' stored fields straight from the segments of an index
// snapshot, by the internal id the search returned. Bleve's own way (a search request's
// Fields, or a DocIDQuery) looks every id up in the _id dictionary again and builds a
// document of every stored field before keeping the few asked for: for 120 candidates
// then 30 passages that was most of a search. An internal id is only meaningful in the
// snapshot that found it, so each read checks the document's _id against the hit's and
// reports a miss (the caller falls back to Bleve's way) when they differ.
type storedLoader struct {
	r       bleveidx.IndexReader
	segs    []*scorch.SegmentSnapshot
	offsets []uint64
}

// newStoredLoader opens a loader on g's current snapshot; nil (and no error) when the
// index is not scorch, and the caller uses Bleve's way.
func newStoredLoader(g *generation) (*storedLoader, error) {
	adv, err := g.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	is, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		_ = r.Close()
		return nil, nil
	}
	l := &storedLoader{r: r, segs: is.Segments()}
	var running uint64
	for _, s := range l.segs {
		l.offsets = append(l.offsets, running)
		running += s.Segment().Count()
	}
	return l, nil
}

func (l *storedLoader) close() {
	if l != nil {
		_ = l.r.Close()
	}
}

// load returns the stored fields named in want (text as string, numbers as float64, as
// a search request's Fields gives them) of the document with internal id iid, which must
// be the one with external id id; ok is false when it is not (another snapshot).
func (l *storedLoader) load(iid bleveidx.IndexInternalID, id string, want func(string) bool) (map[string]any, bool) {
	if l == nil || len(iid) != 8 {
		return nil, false
	}
	num := iid.Value()
	si := sort.Search(len(l.offsets), func(x int) bool { return l.offsets[x] > num }) - 1
	if si < 0 {
		return nil, false
	}
	local := num - l.offsets[si]
	if local >= l.segs[si].Segment().Count() {
		return nil, false
	}
	fields := make(map[string]any, 12)
	idOK, bad := false, false
	err := l.segs[si].VisitDocument(local, func(name string, typ byte, val []byte, _ []uint64) bool {
		if name == "_id" {
			idOK = string(val) == id
			return idOK
		}
		if !want(name) {
			return true
		}
		switch typ {
		case 't':
			fields[name] = string(val)
		case 'n':
			i, err := numeric.PrefixCoded(val).Int64()
			if err != nil {
				bad = true
				return false
			}
			fields[name] = numeric.Int64ToFloat64(i)
		default:
			bad = true
			return false
		}
		return true
	})
	if err != nil || bad || !idOK {
		return nil, false
	}
	return fields, true
}

// docRef names a document both ways: its internal id in the snapshot that found it, and
// its external id.
type docRef struct {
	iid bleveidx.IndexInternalID
	id  string
}

// loadFields returns the stored fields named in names of each document, by external id:
// through l where it can, through one DocIDQuery search for the rest. A document no
// longer in the index is left out, as that search leaves it out.
func loadFields(ctx context.Context, g *generation, l *storedLoader, docs []docRef, names []string) (map[string]map[string]any, error) {
	want := func(name string) bool {
		for _, n := range names {
			if n == name {
				return true
			}
		}
		return false
	}
	out := make(map[string]map[string]any, len(docs))
	var rest []string
	for _, d := range docs {
		if f, ok := l.load(d.iid, d.id, want); ok {
			out[d.id] = f
			continue
		}
		rest = append(rest, d.id)
	}
	if len(rest) == 0 {
		return out, nil
	}
	req := bleve.NewSearchRequestOptions(query.NewDocIDQuery(rest), len(rest), 0, false)
	req.Fields = names
	res, err := g.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, h := range res.Hits {
		out[h.ID] = h.Fields
	}
	return out, nil
}

// fieldsOr returns a value for every ref: known's where it answers (a cache, a column),
// and otherwise read's, made from the ref's stored fields names, which are loaded for
// just those refs in one pass.
func fieldsOr[T any](ctx context.Context, g *generation, l *storedLoader, refs []docRef, names []string,
	known func(docRef) (T, bool), read func(i int, r docRef, f map[string]any) T) ([]T, error) {
	out := make([]T, len(refs))
	var rest []docRef
	var restAt []int
	for i, r := range refs {
		if v, ok := known(r); ok {
			out[i] = v
			continue
		}
		rest = append(rest, r)
		restAt = append(restAt, i)
	}
	if len(rest) == 0 {
		return out, nil
	}
	fields, err := loadFields(ctx, g, l, rest, names)
	if err != nil {
		return nil, err
	}
	for j, r := range rest {
		out[restAt[j]] = read(restAt[j], r, fields[r.id])
	}
	return out, nil
}
