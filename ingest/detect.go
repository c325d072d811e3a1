package ingest

import (
	"path/filepath"
	"strings"
)

// Format is the kind of manual a file holds, known from its extension.
type Format int

// The formats ingest reads. FormatUnknown files are not manuals and are passed over.
const (
	FormatUnknown Format = iota
	FormatMarkdown
	FormatHTML
	FormatText
	FormatPDF
	FormatInfo
	FormatMan
)

func (f Format) String() string {
	switch f {
	case FormatMarkdown:
		return "markdown"
	case FormatHTML:
		return "html"
	case FormatText:
		return "text"
	case FormatPDF:
		return "pdf"
	case FormatInfo:
		return "info"
	case FormatMan:
		return "man"
	}
	return "unknown"
}

// formatOf maps a lower-case extension to a format. Detection is by extension because a
// folder of manuals also holds images, archives and build files that must be passed over
// cheaply; the content is then sniffed to refuse files that lie about what they are.
func formatOf(ext string) Format {
	switch ext {
	case ".md", ".markdown", ".mdown":
		return FormatMarkdown
	case ".html", ".htm", ".xhtml":
		return FormatHTML
	case ".txt", ".text":
		return FormatText
	case ".pdf":
		return FormatPDF
	case ".info":
		return FormatInfo
	}
	if manExtension.MatchString(ext) {
		return FormatMan // "ls.1", "openssl.1ssl"
	}
	return FormatUnknown
}

// Detect returns the format of path and whether it is gzip-compressed (name.ext.gz).
func Detect(path string) (Format, bool) {
	name := strings.ToLower(filepath.Base(path))
	gz := false
	if strings.HasSuffix(name, ".gz") {
		gz = true
		name = strings.TrimSuffix(name, ".gz")
	}
	f := formatOf(filepath.Ext(name))
	if f == FormatUnknown && infoPart.MatchString(name) {
		return FormatInfo, gz // one part of a split Info manual, "find.info-1"
	}
	if f == FormatUnknown {
		// "bind.html.fr": one language of a page (see pageVariants).
		base, _, ok := languageSuffix(name)
		if !ok {
			return FormatUnknown, false
		}
		f = formatOf(filepath.Ext(base))
	}
	return f, gz
}
