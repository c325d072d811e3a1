//go:build !unix

package ingest

// isLoop cannot tell symlink loops apart on this platform.
func isLoop(error) bool { return false }
