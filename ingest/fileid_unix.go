//go:build unix

package ingest

import (
	"io/fs"
	"syscall"
)

// fileID identifies a file or folder whatever path reaches it: symlinks, bind mounts
// and hard links all share the device and inode numbers.
type fileID struct {
	dev, ino uint64
	path     string // fallback where the platform has no inode numbers
}

func idOf(fi fs.FileInfo, path string) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}
	}
	return fileID{path: path}
}
