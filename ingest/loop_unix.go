//go:build unix

package ingest

import (
	"errors"
	"syscall"
)

// isLoop reports a "too many levels of symbolic links" error.
func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
