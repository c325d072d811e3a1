//go:build !linux

package inference

// releasePages is a no-op where madvise is not available; see pages_linux.go.
func releasePages([]byte) {}
