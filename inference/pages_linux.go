package inference

import (
	"os"
	"syscall"
	"unsafe"
)

// releasePages tells the kernel the whole pages inside b (a view of a read-only file
// mapping) are no longer needed, so a tensor's file pages leave the resident set as soon
// as it is converted: without it, loading holds the mapped file and the converted f32
// copy at once and the peak memory is twice the weights. Failures only cost memory.
func releasePages(b []byte) {
	if len(b) == 0 {
		return
	}
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	first := (start + page - 1) &^ (page - 1)
	end := (start + uintptr(len(b))) &^ (page - 1)
	if end <= first {
		return
	}
	_ = syscall.Madvise(b[first-start:end-start], syscall.MADV_DONTNEED)
}
