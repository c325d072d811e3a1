package ingest

import (
	"bytes"
	"context"
	"os"
	"testing"
)

// pdftotext over page ranges, joined, gives the bytes of one run over the whole file,
// whatever page count it is given.
func TestPDFTextInParts(t *testing.T) {
	needFile(t, bashRefPDF, "bash-doc")
	needTool(t, "pdftotext", "poppler-utils")
	ctx := context.Background()
	data, err := os.ReadFile(bashRefPDF)
	if err != nil {
		t.Fatal(err)
	}
	meta := pdfInfo(ctx, data)
	if meta.pages < 2*pdfPagesPerPart {
		t.Fatalf("pdfinfo: %+v, want over %d pages", meta, 2*pdfPagesPerPart)
	}
	whole, err := runPoppler(ctx, data, "pdftotext", "-layout", "-enc", "UTF-8", "-", "-")
	if err != nil {
		t.Fatal(err)
	}
	// The true count; a count short of the truth (the last part runs
	// to the end); one past it (a part fails, and one run decides).
	for _, pages := range []int{meta.pages, 2 * pdfPagesPerPart, 2 * meta.pages} {
		got, err := pdfText(ctx, data, pages)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, whole) {
			t.Fatalf("pages=%d: %d bytes in parts, %d in one run", pages, len(got), len(whole))
		}
	}
}
