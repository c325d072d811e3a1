package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Store is the on-disk index with atomic generations: readers always see the last
// committed generation. A long-lived Store (the bot) checks CURRENT on every search and
// moves to a newer generation when an ingest has published one. It is safe for
// concurrent use.
type Store struct {
	dir      string
	readOnly bool
	// onCommit defers creating the index to the first commit (see CreateOnCommit).
	onCommit bool
	log      *slog.Logger

	mu     sync.Mutex
	cur    *generation // guarded by mu; nil while a CreateOnCommit store has no index
	closed bool        // guarded by mu
}

// generation is one opened, read-only generation. refs counts the Store's own
// reference and every search in flight, so moving to a newer generation never closes
// an index under a running search.
type generation struct {
	name    string
	dir     string
	idx     bleve.Index
	readers *os.File // shared flock that keeps garbage collection away
	refs    int      // guarded by Store.mu

	// lengths are the BM25 length statistics, read once on first search (see rank.go);
	// a generation never changes once committed.
	lengthsOnce sync.Once
	lengths     lengthStats
	lengthsErr  error

	// manuals remembers how many manuals use each word (see relevance.go).
	manuals manualCache

	// related is the related-words table in this generation's analysis (related_words.go).
	related relatedCache

	// columns are the candidates' facts by internal number, read on first search (see
	// columns.go); nil when they could not be read.
	columnsOnce sync.Once
	columns     *columns
	// leaves are chunks' products and own-heading spans by chunk id, read once each (see leafSpans).
	leaves sync.Map
}

// Option adjusts how a Store is opened.
type Option func(*Store)

// WithLogger sets where the Store reports generation changes and clean-ups.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.log = l
		}
	}
}

// CreateOnCommit makes Open leave a folder that holds no index as it is (not even
// creating the folder) until an Update commits: that commit publishes the first
// generation. Until then searches fail with ErrNoIndex and Dir is "". For writers that
// may end up with nothing to write (an ingest of an empty folder), so that they leave
// nothing behind.
func CreateOnCommit() Option {
	return func(s *Store) { s.onCommit = true }
}

// Open opens the index in dir for searching and writing, creating an empty index
// (and dir) when none exists yet, unless CreateOnCommit says to wait for a commit.
func Open(ctx context.Context, dir string, opts ...Option) (*Store, error) {
	s := newStore(dir, false, opts)
	if s.onCommit {
		if _, err := readCurrent(dir); errors.Is(err, ErrNoIndex) {
			return s, nil
		}
		if err := s.openCurrent(ctx); err != nil {
			return nil, err
		}
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	if _, err := readCurrent(dir); errors.Is(err, ErrNoIndex) {
		if err := s.create(ctx); err != nil {
			return nil, err
		}
	}
	if err := s.openCurrent(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// OpenReadOnly opens an existing index for searching only; it never writes to dir, so
// it works while another process ingests. With no index yet it returns an error that
// matches ErrNoIndex (and fs.ErrNotExist).
func OpenReadOnly(ctx context.Context, dir string, opts ...Option) (*Store, error) {
	s := newStore(dir, true, opts)
	if err := s.openCurrent(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func newStore(dir string, readOnly bool, opts []Option) *Store {
	s := &Store{dir: dir, readOnly: readOnly, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

// create makes the first, empty generation under the writer lock. Another process may
// be doing the same, so it waits for the lock and checks again.
func (s *Store) create(ctx context.Context) error {
	lock, err := s.waitLock(ctx)
	if err != nil {
		return err
	}
	defer unlockFile(lock)
	if _, err := readCurrent(s.dir); err == nil {
		return nil // another process created it meanwhile
	}
	maxSeen, err := removeStale(s.dir, 0, s.log)
	if err != nil {
		return err
	}
	name := genName(maxSeen + 1)
	gdir := filepath.Join(s.dir, name)
	if err := newGeneration(gdir); err != nil {
		return err
	}
	if err := syncTree(gdir); err != nil {
		return err
	}
	s.log.Info("created empty index", "dir", s.dir, "generation", name)
	return writeCurrent(s.dir, name)
}

// newGeneration makes an empty generation in the new folder gdir: its READERS file
// and an empty Bleve index, closed.
func newGeneration(gdir string) error {
	if err := os.MkdirAll(gdir, 0o755); err != nil {
		return fmt.Errorf("create index: %w", err)
	}
	if err := writeFileSync(filepath.Join(gdir, readersFile), nil); err != nil {
		return err
	}
	m, err := newMapping()
	if err != nil {
		return err
	}
	idx, err := bleve.NewUsing(filepath.Join(gdir, bleveDir), m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return fmt.Errorf("create index in %s: %w", gdir, err)
	}
	if err := idx.Close(); err != nil {
		return fmt.Errorf("create index: %w", err)
	}
	return nil
}

// waitLock takes the writer lock, waiting while another process holds it briefly.
func (s *Store) waitLock(ctx context.Context) (*os.File, error) {
	for {
		f, err := flockFile(filepath.Join(s.dir, lockFile), true, true)
		if !errors.Is(err, errWouldBlock) {
			return f, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for index lock: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// openCurrent opens the live generation as the Store's current one. CURRENT may move
// (and the old generation go) between reading it and opening, so it retries a few times.
func (s *Store) openCurrent(ctx context.Context) error {
	var lastErr error
	for range 5 {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, err := readCurrent(s.dir)
		if err != nil {
			if errors.Is(err, ErrNoIndex) {
				return fmt.Errorf("index %s: %w", s.dir, err)
			}
			return err
		}
		g, err := openGeneration(s.dir, name)
		if err == nil {
			s.mu.Lock()
			s.cur = g
			s.mu.Unlock()
			return nil
		}
		lastErr = err
	}
	return lastErr
}

// openGeneration opens a committed generation read-only, holding its READERS lock so it
// is not garbage-collected while open.
func openGeneration(dir, name string) (*generation, error) {
	gdir := filepath.Join(dir, name)
	rpath := filepath.Join(gdir, readersFile)
	lock, err := flockFile(rpath, false, false)
	if err != nil {
		return nil, fmt.Errorf("open generation %s: %w", name, err)
	}
	// Garbage collection may have removed the folder between our open and our lock.
	fi, err1 := lock.Stat()
	pi, err2 := os.Stat(rpath)
	if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
		_ = unlockFile(lock)
		return nil, fmt.Errorf("open generation %s: removed while opening", name)
	}
	idx, err := bleve.OpenUsing(filepath.Join(gdir, bleveDir), map[string]any{"read_only": true})
	if err != nil {
		_ = unlockFile(lock)
		return nil, fmt.Errorf("open generation %s: %w", name, err)
	}
	return &generation{name: name, dir: gdir, idx: idx, readers: lock, refs: 1}, nil
}

// acquire returns the generation to search, first moving to a newer one if an ingest
// published it. The caller must release it.
func (s *Store) acquire() (*generation, error) {
	name, cerr := readCurrent(s.dir)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.cur == nil { // CreateOnCommit, and no index yet when opened
		if cerr != nil {
			if errors.Is(cerr, ErrNoIndex) {
				return nil, fmt.Errorf("index %s: %w", s.dir, cerr)
			}
			return nil, cerr
		}
		g, err := openGeneration(s.dir, name)
		if err != nil {
			return nil, err
		}
		s.cur = g
	} else if cerr != nil {
		s.log.Warn("cannot read the live generation; searching the one open", "err", cerr)
	} else if name != s.cur.name {
		g, err := openGeneration(s.dir, name)
		if err != nil {
			// Keep answering from the open generation; the next search tries again.
			s.log.Warn("cannot open the new generation; searching the one open", "err", err)
		} else {
			s.log.Info("index generation changed", "from", s.cur.name, "to", name)
			_ = s.releaseLocked(s.cur)
			s.cur = g
		}
	}
	s.cur.refs++
	return s.cur, nil
}

// release drops a reference taken by acquire.
func (s *Store) release(g *generation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = s.releaseLocked(g)
}

// releaseLocked drops a reference and closes the generation with the last one.
func (s *Store) releaseLocked(g *generation) error {
	g.refs--
	if g.refs > 0 {
		return nil
	}
	err := g.idx.Close()
	if err != nil {
		s.log.Warn("close index generation", "generation", g.name, "err", err)
		err = fmt.Errorf("close index generation %s: %w", g.name, err)
	}
	_ = unlockFile(g.readers)
	return err
}

// Dir is the current generation's folder, where the ingest keeps its manifest; "" while
// a CreateOnCommit store has no index yet.
func (s *Store) Dir() string {
	g, err := s.acquire()
	if err != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cur == nil {
			return ""
		}
		return s.cur.dir
	}
	defer s.release(g)
	return g.dir
}

// Generation names the generation searches currently use (for status and logs).
func (s *Store) Generation() string {
	g, err := s.acquire()
	if err != nil {
		return ""
	}
	defer s.release(g)
	return g.name
}

// Close releases the Store's generation once searches in flight finish. Later calls
// return ErrClosed; closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.cur == nil {
		return nil
	}
	return s.releaseLocked(s.cur)
}
