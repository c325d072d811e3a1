package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"manualbot/index"
)

// DefaultMaxFileBytes is the size above which a file is skipped unread, as the config's
// ingest.max_file_bytes: manuals are rarely larger, and reading one whole must stay cheap.
const DefaultMaxFileBytes int64 = 64 << 20

// Options says what to ingest and how.
type Options struct {
	// Paths are the files and folders to ingest.
	Paths []string
	// Product and Version label every chunk (and filter searches later).
	Product, Version string
	Chunk            ChunkOptions
	// MaxFileBytes skips larger files without reading them; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// Prune removes documents whose file under Paths is gone. A folder in Paths that
	// holds no manual at all makes Run fail with ErrPruneEmpty when pruning would remove
	// documents ingested from it (it may be unmounted or emptied by mistake), unless
	// AllowEmpty is set.
	Prune      bool
	AllowEmpty bool
	// Workers bounds how many files are read and chunked at once; 0 means one per CPU.
	Workers int
	Log     *slog.Logger
	// Progress hears about each file; nil means no progress reports.
	Progress Progress
}

// result is one file read, hashed and (when changed) chunked by a worker.
type result struct {
	c         candidate
	id        string
	hash      string
	unchanged bool
	title     string
	chunks    []index.Chunk
	err       error
}

// Run ingests opt.Paths into store in one index update: new and changed manuals get
// their chunks (replacing old ones), unchanged ones cost a hash, and with Prune vanished
// ones are removed. Nothing changed means no update at all. Files that cannot be read
// are logged with a one-line reason and counted; a folder with no manuals in it is
// logged as a warning and listed in the summary. Run fails when a path does not exist or
// is neither a file nor a folder (ErrBadSource), when Prune would empty a source folder
// that holds no manuals (ErrPruneEmpty), when the walk or the index fails, or when ctx
// ends; then nothing of this run is published.
func Run(ctx context.Context, store *index.Store, opt Options) (Summary, error) {
	start := time.Now()
	opt = opt.normalized()
	log := opt.Log
	var sum Summary

	prev := newManifest()
	if dir := store.Dir(); dir != "" { // "" is a store with no index yet (CreateOnCommit)
		var err error
		if prev, err = ReadManifest(dir); err != nil {
			return sum, err
		}
	}
	w, err := walk(ctx, opt.Paths, opt.MaxFileBytes)
	if err != nil {
		return sum, err
	}
	if opt.Prune && !opt.AllowEmpty {
		if err := checkEmptyPrune(w, prev); err != nil {
			return sum, err
		}
	}
	sum.Ignored = w.ignored
	for _, s := range w.skips {
		sum.skip(log, s.Path, s.Reason)
	}
	for _, e := range w.empty {
		sum.Empty = append(sum.Empty, e.path)
		log.Warn("no manuals in this folder", "folder", e.path, "want", supportedFormats)
	}

	assignIDs(w.files, prev, opt.Product)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := process(ctx, w.files, prev, opt)
	ap := &applier{store: store, prev: prev, log: log, ids: map[string]string{}}
	defer ap.abort()

	opt.Progress.Start(len(w.files))
	var failure error
	for r := range results {
		opt.Progress.Step(r.c.path)
		if failure != nil {
			continue // drain: workers stop soon, their ctx is cancelled
		}
		if err := ap.apply(ctx, r, &sum); err != nil {
			failure = err
			cancel()
		}
	}
	opt.Progress.Finish()
	if failure == nil {
		failure = context.Cause(ctx)
	}
	if failure == nil && opt.Prune {
		failure = ap.prune(ctx, w, opt.AllowEmpty, &sum)
	}
	if failure != nil {
		return sum, failure
	}
	gen, err := ap.commit(ctx)
	if err != nil {
		return sum, err
	}
	sum.Generation = gen
	sum.Seconds = math.Round(time.Since(start).Seconds()*1000) / 1000
	log.Info("ingest done", "added", sum.Added, "updated", sum.Updated, "unchanged", sum.Unchanged,
		"removed", sum.Removed, "chunks", sum.Chunks, "skipped", sum.Skipped, "errors", sum.Errors,
		"seconds", fmt.Sprintf("%.1f", sum.Seconds))
	return sum, nil
}

func (o Options) normalized() Options {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Progress == nil {
		o.Progress = nopProgress{}
	}
	o.Chunk = o.Chunk.normalized()
	return o
}

// skip records and logs a file left out.
func (s *Summary) skip(log *slog.Logger, path, reason string) {
	s.Skipped++
	s.Skips = append(s.Skips, Skip{Path: path, Reason: reason})
	log.Warn("skipped", "file", path, "reason", reason)
}

// process reads, hashes and chunks files on opt.Workers goroutines. The channel closes
// when all are done or ctx ends.
func process(ctx context.Context, files []candidate, prev *Manifest, opt Options) <-chan result {
	jobs := make(chan candidate)
	results := make(chan result)
	go func() {
		defer close(jobs)
		for _, c := range files {
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(opt.Workers, max(1, len(files))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				r := readOne(ctx, c, prev, opt)
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	return results
}

// readOne reads one file and, unless its content hash is the manifest's, parses and
// chunks it.
func readOne(ctx context.Context, c candidate, prev *Manifest, opt Options) result {
	r := result{c: c, id: c.id}
	data, err := readContent(c.path, c.gz, opt.MaxFileBytes)
	if err == nil && c.format == FormatInfo {
		data, err = readInfoParts(c.path, data, opt.MaxFileBytes)
	}
	if err != nil {
		r.err = err
		return r
	}
	r.hash = contentHash(data, opt.Product, opt.Version, opt.Chunk)
	if old, ok := prev.Docs[r.id]; ok && old.Hash == r.hash {
		r.unchanged = true
		return r
	}
	doc, err := parseDocument(ctx, data, c.format, filepath.Base(c.path))
	if err != nil {
		r.err = err
		return r
	}
	r.title = doc.Title
	for i, tc := range chunkDocument(doc, opt.Chunk) {
		r.chunks = append(r.chunks, index.Chunk{
			ID:      chunkID(r.id, i, tc.Text),
			DocID:   r.id,
			Title:   doc.Title,
			Section: tc.Section,
			Page:    tc.Page,
			Product: opt.Product,
			Version: opt.Version,
			Source:  c.path,
			Ordinal: i,
			Text:    tc.Text,
		})
	}
	if len(r.chunks) == 0 {
		r.err = skipf("no text found in the %s", c.format)
	}
	return r
}

// applier turns results into one index update, begun only when something changes.
type applier struct {
	store *index.Store
	prev  *Manifest
	next  *Manifest // the manifest of the update, nil until it begins
	upd   *index.Update
	log   *slog.Logger
	// pending holds chunks not yet Put: Bleve writes one segment per batch, so small
	// documents are gathered into batches of putBatch chunks.
	pending []index.Chunk
	// ids maps the doc ids of this run to their files: two roots holding the same
	// relative path would otherwise overwrite each other's document.
	ids map[string]string
	// putting is the Put running in the background, nil when none (see put.go).
	putting chan error
}

// begin starts the update on the first change. The manifest the update starts from is
// the one in its own copy of the live generation, in case another ingest committed
// since this run read prev.
func (a *applier) begin(ctx context.Context) error {
	if a.upd != nil {
		return nil
	}
	upd, err := a.store.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin index update: %w", err)
	}
	next, err := ReadManifest(upd.Dir())
	if err != nil {
		_ = upd.Abort()
		return err
	}
	a.upd, a.next = upd, next
	return nil
}

func (a *applier) apply(ctx context.Context, r result, sum *Summary) error {
	if first, ok := a.ids[r.id]; ok {
		sum.skip(a.log, r.c.path, fmt.Sprintf("same relative path as %s: ingest one of them with another --product", first))
		return nil
	}
	a.ids[r.id] = r.c.path
	switch {
	case r.err != nil && IsSkip(r.err):
		sum.skip(a.log, r.c.path, r.err.Error())
		return nil
	case r.err != nil:
		if errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded) {
			return r.err
		}
		sum.Errors++
		sum.Skips = append(sum.Skips, Skip{Path: r.c.path, Reason: oneLineErr(r.err)})
		a.log.Error("cannot read", "file", r.c.path, "err", oneLineErr(r.err))
		return nil
	case r.unchanged:
		sum.Unchanged++
		return a.dropStale(ctx, r, sum)
	}
	if err := a.begin(ctx); err != nil {
		return err
	}
	if old, ok := a.next.Docs[r.id]; ok {
		if err := a.deleteDoc(ctx, r.id); err != nil {
			return fmt.Errorf("replace %s: %w", r.c.path, err)
		}
		sum.Updated++
		if p := r.chunks[0].Product; old.Product != p {
			a.log.Info("moved to another product", "file", r.c.path, "doc", r.id, "from", old.Product, "to", p)
		}
	} else {
		sum.Added++
	}
	a.pending = append(a.pending, r.chunks...)
	if len(a.pending) >= putBatch {
		if err := a.flush(ctx); err != nil {
			return err
		}
	}
	sum.Chunks += len(r.chunks)
	a.next.Docs[r.id] = ManifestDoc{
		Hash: r.hash, Source: r.c.abs, Title: r.title, Format: r.c.format.String(),
		Chunks: len(r.chunks), Product: r.chunks[0].Product, Version: r.chunks[0].Version,
		Size: r.c.size, MTime: r.c.mtime,
	}
	return a.dropStale(ctx, r, sum)
}

// dropStale removes the other documents the index holds for r's file, now that the file
// is one document under this run's product: second copies that an ingest under another
// --product made before it relabelled instead.
func (a *applier) dropStale(ctx context.Context, r result, sum *Summary) error {
	for _, id := range r.c.stale {
		m := a.prev
		if a.next != nil {
			m = a.next
		}
		old, ok := m.Docs[id]
		if !ok {
			continue
		}
		if err := a.begin(ctx); err != nil {
			return err
		}
		if err := a.deleteDoc(ctx, id); err != nil {
			return fmt.Errorf("remove second copy of %s: %w", r.c.path, err)
		}
		delete(a.next.Docs, id)
		sum.Removed++
		a.log.Info("removed a second copy under another product", "file", r.c.path, "doc", id,
			"product", old.Product, "kept", r.id)
	}
	return nil
}

// putBatch is how many chunks are gathered before a Put (one Bleve segment each, see
// index's batchSize).
const putBatch = 4000

// flush starts putting the pending chunks in the background (see put.go), once the Put
// before has finished. Deletions of replaced documents wait for it and went ahead of
// them, so a document's new chunks always land after its old ones are gone.
func (a *applier) flush(ctx context.Context) error {
	if err := a.wait(); err != nil {
		return err
	}
	if len(a.pending) == 0 {
		return nil
	}
	a.putting = startPut(ctx, a.upd, a.pending)
	a.pending = nil
	return nil
}

// prune removes documents whose source was under one of this run's roots and is gone:
// documents from other roots are not this run's business.
func (a *applier) prune(ctx context.Context, w *walkResult, allowEmpty bool, sum *Summary) error {
	m := a.prev
	if a.next != nil {
		m = a.next
	}
	if !allowEmpty {
		// Again, on the manifest this run updates: another ingest may have committed
		// documents under an empty root since Run checked.
		if err := checkEmptyPrune(w, m); err != nil {
			return err
		}
	}
	var gone []string
	for _, id := range sortedKeys(m.Docs) {
		src := m.Docs[id].Source
		if !w.seen[src] && underAny(src, w.roots) {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	if err := a.begin(ctx); err != nil {
		return err
	}
	for _, id := range gone {
		if err := a.deleteDoc(ctx, id); err != nil {
			return fmt.Errorf("prune %s: %w", id, err)
		}
		a.log.Info("removed", "doc", id, "source", a.next.Docs[id].Source)
		delete(a.next.Docs, id)
		sum.Removed++
	}
	return nil
}

// commit writes the manifest into the update and publishes both; it returns the new
// generation's name, or "" when there was nothing to do.
func (a *applier) commit(ctx context.Context) (string, error) {
	if a.upd == nil {
		return "", nil
	}
	if err := a.flush(ctx); err != nil {
		return "", err
	}
	if err := a.wait(); err != nil {
		return "", err
	}
	if err := a.next.write(a.upd.Dir()); err != nil {
		return "", err
	}
	if err := a.upd.Commit(ctx); err != nil {
		return "", fmt.Errorf("commit index update: %w", err)
	}
	gen := filepath.Base(a.upd.Dir())
	a.upd = nil
	return gen, nil
}

// abort drops an update that was not committed.
func (a *applier) abort() {
	_ = a.wait() // the update is dropped: its error no longer matters
	if a.upd != nil {
		if err := a.upd.Abort(); err != nil {
			a.log.Warn("abort index update", "err", err)
		}
		a.upd = nil
	}
}

// ErrPruneEmpty is what Run's error matches when Prune would remove every document
// ingested from a folder that now holds no manuals at all. An unmounted network share,
// a mount point, or a folder emptied by mistake look just like that, so Run refuses;
// Options.AllowEmpty (ingest --prune --allow-empty) says the folder is meant to be empty.
var ErrPruneEmpty = errors.New("refusing to prune")

// checkEmptyPrune fails with ErrPruneEmpty when a folder root that holds no manuals has
// documents in m that pruning would remove.
func checkEmptyPrune(w *walkResult, m *Manifest) error {
	var errs []error
	for _, e := range w.empty {
		n := 0
		for _, d := range m.Docs {
			if underAny(d.Source, []string{e.abs}) {
				n++
			}
		}
		if n > 0 {
			what := fmt.Sprintf("all %d documents", n)
			if n == 1 {
				what = "the 1 document"
			}
			errs = append(errs, fmt.Errorf("%w %s: it holds no manuals now, and pruning would remove %s ingested from it (unmounted or emptied by mistake?)",
				ErrPruneEmpty, e.path, what))
		}
	}
	return errors.Join(errs...)
}

// underAny reports whether path is one of roots or inside one.
func underAny(path string, roots []string) bool {
	for _, r := range roots {
		if path == r || strings.HasPrefix(path, r+string(os.PathSeparator)) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]ManifestDoc) []string {
	return slices.Sorted(maps.Keys(m))
}

// oneLineErr folds an error into one line for a log record.
func oneLineErr(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
