//go:build !unix

package ingest

import (
	"io/fs"
	"path/filepath"
)

// fileID identifies a file by its fully resolved path where there are no inode numbers.
type fileID struct {
	dev, ino uint64
	path     string
}

func idOf(_ fs.FileInfo, path string) fileID {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		path = p
	}
	return fileID{path: path}
}
