package index

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Names inside the index folder.
const (
	currentFile = "CURRENT"
	lockFile    = "LOCK"
	readersFile = "READERS"
	bleveDir    = "bleve"
	genPrefix   = "gen-"
)

// genName is the folder name of generation n; zero-padded so names sort by age.
func genName(n int) string { return fmt.Sprintf("%s%06d", genPrefix, n) }

// genNumber parses a generation folder name; ok is false for anything else.
func genNumber(name string) (n int, ok bool) {
	rest, found := strings.CutPrefix(name, genPrefix)
	if !found || rest == "" {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0
}

// readCurrent returns the live generation's name, or ErrNoIndex when none was committed.
func readCurrent(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", ErrNoIndex
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", currentFile, err)
	}
	name := strings.TrimSpace(string(b))
	if _, ok := genNumber(name); !ok {
		return "", fmt.Errorf("%s in %s names %q, not a generation", currentFile, dir, name)
	}
	return name, nil
}

// writeCurrent publishes generation name: write a temp file, fsync it, rename it over
// CURRENT and fsync the folder, so a crash leaves either the old or the new name.
func writeCurrent(dir, name string) error {
	tmp := filepath.Join(dir, currentFile+".tmp-"+name)
	if err := writeFileSync(tmp, []byte(name+"\n")); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, currentFile)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("publish generation %s: %w", name, err)
	}
	return syncDir(dir)
}

// listGenerations returns the generation numbers present in dir, oldest first.
func listGenerations(dir string) ([]int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list generations: %w", err)
	}
	var gens []int
	for _, e := range entries {
		if n, ok := genNumber(e.Name()); ok && e.IsDir() {
			gens = append(gens, n)
		}
	}
	sort.Ints(gens)
	return gens, nil
}

// removeStale deletes what an interrupted writer left: generations newer than the live
// one (never published, so no reader has them) and temp CURRENT files. The caller holds
// the writer lock. It returns the highest generation number seen, so a new generation
// never reuses a name.
func removeStale(dir string, live int, log *slog.Logger) (maxSeen int, err error) {
	gens, err := listGenerations(dir)
	if err != nil {
		return 0, err
	}
	maxSeen = live
	for _, n := range gens {
		maxSeen = max(maxSeen, n)
		if n > live {
			log.Info("removing generation left by an interrupted ingest", "generation", genName(n))
			if err := os.RemoveAll(filepath.Join(dir, genName(n))); err != nil {
				return 0, fmt.Errorf("remove stale generation: %w", err)
			}
		}
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, currentFile+".tmp-*"))
	for _, t := range tmps {
		_ = os.Remove(t)
	}
	return maxSeen, nil
}

// collectGarbage removes generations older than keep (the one before the live one, so
// a reader that just read CURRENT can still open it) that no reader holds: a reader
// holds a shared flock on the generation's READERS file, and one still in use is
// left for a later commit.
func collectGarbage(dir string, keep int, log *slog.Logger) {
	gens, err := listGenerations(dir)
	if err != nil {
		log.Warn("index garbage collection", "err", err)
		return
	}
	for _, n := range gens {
		if n >= keep {
			continue
		}
		gdir := filepath.Join(dir, genName(n))
		f, err := flockFile(filepath.Join(gdir, readersFile), true, false)
		if errors.Is(err, errWouldBlock) {
			log.Debug("generation still in use, kept", "generation", genName(n))
			continue
		}
		if err := os.RemoveAll(gdir); err != nil {
			log.Warn("remove old generation", "generation", genName(n), "err", err)
		}
		_ = unlockFile(f)
	}
}

// copyTree copies generation src into the new folder dst, file by file. Hard links
// would be cheaper, but scorch opens segment files O_RDWR|O_CREATE (no O_EXCL), so a
// shared inode could be written through from the new generation; a copy is safe and
// costs little at manual scale (see BenchmarkBegin). The READERS lock is not copied.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case rel == readersFile || !d.Type().IsRegular():
			return nil
		default:
			return copyFile(path, target)
		}
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return out.Close()
}

// syncTree fsyncs every file and folder under root, so a generation is on disk before
// CURRENT names it (copied files and the ingest's manifest included).
func syncTree(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		serr := f.Sync()
		cerr := f.Close()
		if serr != nil {
			return fmt.Errorf("fsync %s: %w", path, serr)
		}
		return cerr
	})
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return f.Close()
}

// statCurrent is when CURRENT was last replaced: when the live generation was published.
func statCurrent(dir string) (time.Time, error) {
	fi, err := os.Stat(filepath.Join(dir, currentFile))
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}
