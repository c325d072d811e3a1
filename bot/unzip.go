package bot

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits on a zip archive of manuals shared for `ingest`. An archive's headers can lie
// about sizes, so every entry is read through a limit and the bytes actually written count.
const (
	maxZipEntries = 1000
	// maxZipRatio refuses entries that expand more than this over their compressed size:
	// text compresses 3-10x, a zip bomb thousands of times.
	maxZipRatio = 200
)

// zipEntry is one manual unpacked from an archive.
type zipEntry struct {
	Path string // where it was unpacked
	Name string // its path inside the archive, for messages and the stored name
}

// unzipManuals unpacks the archive at src into dir. It skips folders, links, hidden files
// and nested archives, refuses names that would escape dir, and stops with an error when
// the archive holds more than maxZipEntries files, when one entry would pass maxEntry bytes
// or expand suspiciously, or when all together would pass maxTotal bytes.
func unzipManuals(src, dir string, maxEntry, maxTotal int64) ([]zipEntry, error) {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return nil, fmt.Errorf("not a readable zip archive: %w", err)
	}
	defer zr.Close()
	var out []zipEntry
	var total int64
	files := 0
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		if f.FileInfo().IsDir() || !f.Mode().IsRegular() {
			continue
		}
		if escapes(name) {
			return nil, fmt.Errorf("archive entry %q points outside the archive", f.Name)
		}
		clean := path.Clean(name)
		base := path.Base(clean)
		if strings.HasPrefix(base, ".") || strings.Contains(clean, "/.") || strings.HasSuffix(strings.ToLower(base), ".zip") {
			continue
		}
		if files++; files > maxZipEntries {
			return nil, fmt.Errorf("the archive holds more than %d files", maxZipEntries)
		}
		if f.UncompressedSize64 > uint64(maxEntry) {
			return nil, fmt.Errorf("%s is larger than the %d MiB limit (ingest.max_file_bytes)", clean, maxEntry>>20)
		}
		if f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > maxZipRatio {
			return nil, fmt.Errorf("%s expands %dx: refused as a possible zip bomb", clean, f.UncompressedSize64/f.CompressedSize64)
		}
		dst := filepath.Join(dir, filepath.FromSlash(clean))
		if rel, err := filepath.Rel(dir, dst); err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("archive entry %q points outside the archive", f.Name)
		}
		n, err := extract(f, dst, min(maxEntry, maxTotal-total))
		if err != nil {
			return nil, err
		}
		total += n
		out = append(out, zipEntry{Path: dst, Name: clean})
	}
	if len(out) == 0 {
		return nil, errors.New("the archive holds no manual")
	}
	return out, nil
}

// extract writes one entry, failing once more than limit bytes come out of it.
func extract(f *zip.File, dst string, limit int64) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, fmt.Errorf("unpack %s: %w", f.Name, err)
	}
	rc, err := f.Open()
	if err != nil {
		return 0, fmt.Errorf("unpack %s: %w", f.Name, err)
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, fmt.Errorf("unpack %s: %w", f.Name, err)
	}
	n, err := io.Copy(out, io.LimitReader(rc, limit+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("unpack %s: %w", f.Name, err)
	}
	if n > limit {
		return n, fmt.Errorf("%s unpacks to more than the archive's limit: refused as a possible zip bomb", f.Name)
	}
	return n, nil
}

// escapes reports whether an archive name is absolute or climbs out with "..".
func escapes(name string) bool {
	if strings.HasPrefix(name, "/") || filepath.IsAbs(name) || filepath.VolumeName(name) != "" || strings.Contains(name, ":") {
		return true
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return true
		}
	}
	return false
}
