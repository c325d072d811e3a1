package ingest

import (
	"bytes"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxInvalidUTF8 is the share of invalid bytes a text may have and still be read, with
// each bad byte shown as U+FFFD: a few stray Latin-1 bytes in a UTF-8 manual should not
// lose the manual, but a file that is mostly not UTF-8 (UTF-16, a legacy code page,
// random binary) would index as garbage, so it is skipped.
const maxInvalidUTF8 = 0.01

// sniffLen is how much of the start of a file is checked for binary content.
const sniffLen = 8 << 10

// textContent checks that data is a text manual and returns it as valid UTF-8, or a
// SkipError saying why it is not: empty, binary (NUL bytes), or mostly invalid UTF-8.
func textContent(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	if len(bytes.TrimSpace(data)) == 0 {
		return "", skipf("empty file")
	}
	head := data[:min(len(data), sniffLen)]
	if bytes.IndexByte(head, 0) >= 0 {
		return "", skipf("binary data (%s), not a text manual", http.DetectContentType(head))
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	bad := countInvalidUTF8(data)
	if float64(bad) > maxInvalidUTF8*float64(len(data)) {
		return "", skipf("not UTF-8 text (%d of %d bytes invalid)", bad, len(data))
	}
	return strings.ToValidUTF8(string(data), "\uFFFD"), nil
}

// countInvalidUTF8 counts the bytes that do not belong to a valid UTF-8 sequence.
func countInvalidUTF8(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			n++
		}
		b = b[size:]
	}
	return n
}
