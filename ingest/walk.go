package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// supportedFormats names the files ingest reads, for messages.
const supportedFormats = ".md, .html, .txt, .pdf, .info, man pages (.1 to .9), or one of them .gz"

// candidate is a file the walk found that looks like a manual.
type candidate struct {
	path   string // as reached from the root given (shown in citations and logs)
	abs    string // absolute, for the manifest and --prune
	rel    string // slash-separated, relative to the root's parent folder: the doc id's base
	id     string // the doc id, set by assignIDs before the files are read
	format Format
	gz     bool
	size   int64
	mtime  time.Time
	// stale are the manifest's other documents for this file (second copies under other
	// products, from before relabelling): removed once the file is ingested.
	stale []string
}

// Skip is a file or folder left out, with why.
type Skip struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// walkResult is what walking the roots found.
type walkResult struct {
	files   []candidate
	skips   []Skip
	seen    map[string]bool // absolute paths of every manual-looking file met, skipped or not
	ignored int             // files that are not manuals (other extensions, hidden)
	roots   []string        // absolute roots, for --prune
	empty   []emptyRoot     // folder roots holding no manual-looking file
	met     int             // manual-looking files (and second paths to folders) met so far
}

// emptyRoot is a folder given to ingest in which the walk met no manual.
type emptyRoot struct {
	path string // as given
	abs  string
}

// ErrBadSource is what Run's error matches when a path given to ingest does not exist
// or is neither a file nor a folder. Run checks every path before it reads anything, so
// such a run changes nothing.
var ErrBadSource = errors.New("bad ingest source")

// sourceError is one path given to ingest that cannot be ingested at all.
type sourceError struct{ path, reason string }

func (e *sourceError) Error() string        { return e.path + ": " + e.reason }
func (e *sourceError) Is(target error) bool { return target == ErrBadSource }

// checkRoots returns an error naming every root that does not exist (a typo, a removed
// or unmounted folder, a broken symlink) or is neither a file nor a folder (a device, a
// pipe, a socket), joined.
func checkRoots(roots []string) error {
	var errs []error
	for _, root := range roots {
		root = filepath.Clean(root)
		fi, err := os.Stat(root)
		switch {
		case err != nil:
			errs = append(errs, &sourceError{root, statReason(root, err)})
		case !fi.IsDir() && !fi.Mode().IsRegular():
			errs = append(errs, &sourceError{root, fmt.Sprintf("not a file or folder (%s)", fileKind(fi.Mode()))})
		}
	}
	return errors.Join(errs...)
}

// walk lists the manuals under roots, following symlinks (manual folders are often
// assembled from links) while detecting loops and second paths to one file by device and
// inode: every file is ingested once. Files over maxBytes are skipped from their size
// alone, without reading them. It walks with an explicit stack, so deep trees cost no
// recursion. A root that is missing or neither file nor folder fails the walk before
// anything is read (see checkRoots).
func walk(ctx context.Context, roots []string, maxBytes int64) (*walkResult, error) {
	if err := checkRoots(roots); err != nil {
		return nil, err
	}
	w := &walkResult{seen: map[string]bool{}}
	dirs := map[fileID]string{}
	files := map[fileID]string{}
	for _, root := range roots {
		root = filepath.Clean(root)
		abs, err := filepath.Abs(root)
		if err != nil {
			return nil, fmt.Errorf("ingest root %s: %w", root, err)
		}
		w.roots = append(w.roots, abs)
		fi, err := os.Stat(root)
		if err != nil { // gone since checkRoots
			return nil, &sourceError{root, statReason(root, err)}
		}
		base := filepath.Dir(abs)
		if !fi.IsDir() {
			w.file(root, abs, base, fi, files, maxBytes, true)
			continue
		}
		met := w.met
		stack := []string{root}
		for len(stack) > 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			dir := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			dfi, err := os.Stat(dir)
			if err != nil {
				w.skips = append(w.skips, Skip{dir, statReason(dir, err)})
				continue
			}
			id := idOf(dfi, dir)
			if first, ok := dirs[id]; ok {
				w.skips = append(w.skips, Skip{dir, fmt.Sprintf("same folder as %s (symlink loop or second path), walked once", first)})
				w.met++ // its manuals, if any, were met by the first path
				continue
			}
			dirs[id] = dir
			entries, err := os.ReadDir(dir)
			if err != nil {
				w.skips = append(w.skips, Skip{dir, fmt.Sprintf("unreadable folder: %v", unwrapPath(err))})
				continue
			}
			// One language of a manual filed in several (see languages.go).
			names := make([]string, len(entries))
			for i, e := range entries {
				names[i] = e.Name()
			}
			variants, langs := pageVariants(names)
			present := make(map[string]bool, len(names))
			for _, n := range names {
				present[n] = true
			}
			dropped := 0
			// Push sub-folders in reverse so they pop in name order.
			var sub []string
			for _, e := range entries {
				name := e.Name()
				p := filepath.Join(dir, name)
				if strings.HasPrefix(name, ".") {
					w.ignored++
					continue
				}
				if variants[name] {
					dropped++
					continue
				}
				if tables := infoPartOf(name); tables != nil && (present[tables[0]] || present[tables[1]]) {
					w.ignored++ // read with its split manual's table (readInfoParts)
					continue
				}
				efi, err := os.Stat(p)
				if err != nil {
					if f, _ := Detect(name); f != FormatUnknown || e.Type()&fs.ModeSymlink != 0 {
						w.skips = append(w.skips, Skip{p, statReason(p, err)})
					} else {
						w.ignored++
					}
					continue
				}
				if efi.IsDir() {
					sub = append(sub, p)
					continue
				}
				w.file(p, filepath.Join(abs, mustRel(root, p)), base, efi, files, maxBytes, false)
			}
			if dropped > 0 {
				w.skips = append(w.skips, translationSkip(dir, dropped, langs))
			}
			sub = w.skipTranslations(dir, sub)
			for i := len(sub) - 1; i >= 0; i-- {
				stack = append(stack, sub[i])
			}
		}
		if w.met == met {
			w.empty = append(w.empty, emptyRoot{path: root, abs: abs})
		}
	}
	return w, nil
}

// skipTranslations drops from sub (paths of dir's sub-folders) the folders that hold
// other languages of the manual beside its preferred-language folder, one Skip each.
func (w *walkResult) skipTranslations(dir string, sub []string) []string {
	base := make([]string, len(sub))
	for i, p := range sub {
		base[i] = filepath.Base(p)
	}
	tr, pref := translationFolders(dir, base)
	if len(tr) == 0 {
		return sub
	}
	kept := "the " + pref + " folder is"
	if pref == "." {
		kept = "the English pages here are"
	}
	skip := map[string]bool{}
	for _, t := range tr {
		skip[t] = true
	}
	walked := sub[:0]
	for i, p := range sub {
		if skip[base[i]] {
			w.skips = append(w.skips, Skip{p, fmt.Sprintf("the manual in another language (%s), beside %s: not ingested, %s",
				base[i], filepath.Join(dir, pref), kept)})
			continue
		}
		walked = append(walked, p)
	}
	return walked
}

// file considers one file: a manual by its extension, not seen by another path, a
// regular file, and not too big.
func (w *walkResult) file(p, abs, base string, fi fs.FileInfo, files map[fileID]string, maxBytes int64, explicit bool) {
	f, gz := Detect(p)
	if f == FormatUnknown {
		if explicit {
			w.skips = append(w.skips, Skip{p, "unsupported file type (want " + supportedFormats + ")"})
		} else {
			w.ignored++
		}
		return
	}
	w.met++
	w.seen[abs] = true
	if !fi.Mode().IsRegular() {
		w.skips = append(w.skips, Skip{p, fmt.Sprintf("not a regular file (%s)", fileKind(fi.Mode()))})
		return
	}
	id := idOf(fi, abs)
	if first, ok := files[id]; ok {
		w.skips = append(w.skips, Skip{p, fmt.Sprintf("same file as %s, ingested once", first)})
		return
	}
	files[id] = p
	if fi.Size() > maxBytes {
		w.skips = append(w.skips, Skip{p, fmt.Sprintf("file is %s, over ingest.max_file_bytes (%s)", humanBytes(fi.Size()), humanBytes(maxBytes))})
		return
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil {
		rel = filepath.Base(abs)
	}
	w.files = append(w.files, candidate{
		path: p, abs: abs, rel: filepath.ToSlash(rel), format: f, gz: gz,
		size: fi.Size(), mtime: fi.ModTime(),
	})
}

// statReason says in words why a path could not be looked at.
func statReason(p string, err error) string {
	if lfi, lerr := os.Lstat(p); lerr == nil && lfi.Mode()&fs.ModeSymlink != 0 {
		if target, terr := os.Readlink(p); terr == nil {
			if isLoop(err) {
				return fmt.Sprintf("symlink loop (-> %s)", target)
			}
			return fmt.Sprintf("broken symlink (-> %s)", target)
		}
	}
	if os.IsPermission(err) {
		return "unreadable: permission denied"
	}
	if os.IsNotExist(err) {
		return "no such file or folder"
	}
	return fmt.Sprintf("unreadable: %v", unwrapPath(err))
}

// unwrapPath drops the path from a *fs.PathError: the log line names the path already.
func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

func mustRel(root, p string) string {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return filepath.Base(p)
	}
	return rel
}

// fileKind names a non-regular file type for a skip reason.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return m.Type().String()
}
