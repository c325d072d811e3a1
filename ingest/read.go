package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// readContent reads a file whole, gunzipping it when gz is set, and refuses more than
// maxBytes either way: the size check before reading catches big files cheaply, and the
// limit on the decompressed stream makes a gzip bomb stop at maxBytes.
func readContent(path string, gz bool, maxBytes int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, skipf("empty file")
			}
			return nil, skipf("not gzip data: %v", err)
		}
		defer zr.Close()
		r = zr
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		if gz {
			return nil, skipf("damaged gzip data: %v", err)
		}
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(data)) > maxBytes {
		if gz {
			return nil, skipf("decompresses to over %s (ingest.max_file_bytes)", humanBytes(maxBytes))
		}
		return nil, skipf("larger than %s (ingest.max_file_bytes)", humanBytes(maxBytes))
	}
	return data, nil
}

// parseDocument turns a manual's bytes into a Document with the reader of its format.
// name is the file name, the title of last resort.
func parseDocument(ctx context.Context, data []byte, f Format, name string) (*Document, error) {
	var (
		doc *Document
		err error
	)
	if f == FormatPDF {
		doc, err = readPDF(ctx, data, name)
	} else {
		if bytes.HasPrefix(data, []byte("%PDF-")) {
			return nil, skipf("a PDF file named as %s", f)
		}
		if f == FormatInfo {
			data = infoBytes(data)
		}
		text, terr := textContent(data)
		if terr != nil {
			return nil, terr
		}
		switch f {
		case FormatMarkdown:
			doc, err = readMarkdown(text, name)
		case FormatHTML:
			doc, err = readHTML(text, name)
		case FormatText:
			doc, err = readText(text, name)
		case FormatInfo:
			doc, err = readInfo(text, name)
		case FormatMan:
			doc, err = readMan(ctx, text, name)
		default:
			return nil, skipf("unsupported file type")
		}
	}
	if err != nil {
		return nil, err
	}
	if !hasText(doc) {
		return nil, skipf("no text found in the %s (only navigation or a table of contents?)", f)
	}
	return doc, nil
}

func hasText(doc *Document) bool {
	for _, s := range doc.Sections {
		if len(s.Blocks) > 0 {
			return true
		}
	}
	return false
}

// humanBytes prints a byte count the way people say it: "64 MiB", "200 MB" is close enough.
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
