//go:build unix

package index

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// flockFile opens path and takes an flock on it without waiting: exclusive for the
// writer and for garbage collection, shared for readers. The kernel drops it when the
// process dies, so a killed ingest never leaves the index locked. It returns
// errWouldBlock when another holder conflicts.
func flockFile(path string, exclusive, create bool) (*os.File, error) {
	flag := os.O_RDWR
	if create {
		flag |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errWouldBlock
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// unlockFile releases an flock taken by flockFile.
func unlockFile(f *os.File) error {
	if f == nil {
		return nil
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return f.Close()
}

var errWouldBlock = errors.New("lock held by another process")
