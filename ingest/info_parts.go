package ingest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// readInfoParts returns data, read from path, followed by the parts of the split Info
// manual whose table it is, each read from path's folder under the name the table
// gives, gzipped or not: the manual is then one document, and its content hash changes
// when any part does. Data that is no such table comes back as it is. A part that is
// missing, or named with a folder, skips the manual with the reason; the parts together
// are held to maxBytes as one file is.
func readInfoParts(path string, data []byte, maxBytes int64) ([]byte, error) {
	i := bytes.Index(data, []byte("\x1f\nIndirect:\n"))
	if i < 0 {
		return data, nil
	}
	table := data[i+len("\x1f\nIndirect:\n"):]
	if j := bytes.IndexByte(table, 0x1f); j >= 0 {
		table = table[:j]
	}
	names := infoIndirect(string(table))
	if len(names) == 0 {
		return data, nil
	}
	dir := filepath.Dir(path)
	out := append([]byte(nil), data...)
	for _, name := range names {
		if name != filepath.Base(name) || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
			return nil, skipf("split Info manual names a part outside its folder: %q", name)
		}
		part, err := readInfoPart(filepath.Join(dir, name), maxBytes-int64(len(out)))
		if err != nil {
			return nil, skipf("split Info manual: part %s: %v", name, err)
		}
		out = append(out, part...)
	}
	return out, nil
}

// readInfoPart reads one part, as named or gzipped beside that name.
func readInfoPart(p string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		return nil, errors.New("the parts together are over ingest.max_file_bytes")
	}
	for _, c := range []struct {
		path string
		gz   bool
	}{{p, strings.HasSuffix(p, ".gz")}, {p + ".gz", true}} {
		data, err := readContent(c.path, c.gz, maxBytes)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return data, err
	}
	if _, err := os.Stat(filepath.Dir(p)); err != nil {
		return nil, err
	}
	return nil, errors.New("missing")
}
