package ingest

import (
	"bufio"
	"bytes"
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// A PDF is one file, so the ingest's workers cannot share it, and pdftotext is most of
// its reading time (0.7 s of CPU for gnuplot's 311 pages). pdftotext lays out each page
// on its own, so page ranges run as separate processes give, joined in order, the same
// bytes as one run (checked on the bash and gnuplot manuals); the outline and the
// document information are read meanwhile.

// pdfPagesPerPart is the fewest pages worth a pdftotext process of their own.
const pdfPagesPerPart = 40

// pdfMeta is what pdfinfo says of a PDF: its page count and title (zero when unknown).
type pdfMeta struct {
	pages int
	title string
}

// pdfInfo runs pdfinfo once; a failure leaves the meta empty (pdftotext's own run then
// says what is wrong with the file).
func pdfInfo(ctx context.Context, data []byte) pdfMeta {
	out, err := runPoppler(ctx, data, "pdfinfo", "-enc", "UTF-8", "-")
	if err != nil {
		return pdfMeta{}
	}
	var m pdfMeta
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "Title:"); ok && m.title == "" {
			m.title = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
				m.pages = n
			}
		}
	}
	return m
}

// pdfText returns pdftotext's output for the whole PDF (pages ended by \f), from
// several processes over page ranges when it has pages enough and there are CPUs to
// run them. If a part fails, one run over the whole file decides (and names the error).
func pdfText(ctx context.Context, data []byte, pages int) ([]byte, error) {
	parts := min(runtime.GOMAXPROCS(0), pages/pdfPagesPerPart, 8)
	if parts > 1 {
		outs := make([][]byte, parts)
		errs := make([]error, parts)
		var wg sync.WaitGroup
		for i := range parts {
			// The last part runs to the end, whatever the count said.
			args := []string{"-layout", "-enc", "UTF-8", "-f", strconv.Itoa(1 + i*pages/parts)}
			if i < parts-1 {
				args = append(args, "-l", strconv.Itoa((i+1)*pages/parts))
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], errs[i] = runPoppler(ctx, data, "pdftotext", append(args, "-", "-")...)
			}()
		}
		wg.Wait()
		ok := ctx.Err() == nil
		for _, err := range errs {
			ok = ok && err == nil
		}
		if ok {
			return bytes.Join(outs, nil), nil
		}
	}
	return runPoppler(ctx, data, "pdftotext", "-layout", "-enc", "UTF-8", "-", "-")
}
