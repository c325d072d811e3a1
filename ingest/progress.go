package ingest

import (
	"io"
	"log/slog"

	"github.com/schollz/progressbar/v3"
)

// Progress hears about the run as it goes: the number of files once the walk is done,
// then one Step per file. The pipeline calls it from one goroutine.
type Progress interface {
	Start(total int)
	Step(path string)
	Finish()
}

// NewBarProgress draws a progress bar on w (a terminal's stderr).
func NewBarProgress(w io.Writer) Progress { return &barProgress{w: w} }

type barProgress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (p *barProgress) Start(total int) {
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("ingest"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
}

func (p *barProgress) Step(string) {
	if p.bar != nil {
		_ = p.bar.Add(1)
	}
}

func (p *barProgress) Finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// NewLogProgress reports progress as slog lines, one per tenth of the files, for logs
// that are not a terminal.
func NewLogProgress(log *slog.Logger) Progress { return &logProgress{log: log} }

type logProgress struct {
	log         *slog.Logger
	total, done int
	next        int
}

func (p *logProgress) Start(total int) {
	p.total, p.done = total, 0
	p.next = max(1, total/10)
	p.log.Info("ingest started", "files", total)
}

func (p *logProgress) Step(path string) {
	p.done++
	p.log.Debug("ingested", "file", path)
	if p.done >= p.next && p.done < p.total {
		p.log.Info("ingest progress", "done", p.done, "files", p.total)
		p.next += max(1, p.total/10)
	}
}

func (p *logProgress) Finish() {}

// nopProgress is the default: no progress reports.
type nopProgress struct{}

func (nopProgress) Start(int)   {}
func (nopProgress) Step(string) {}
func (nopProgress) Finish()     {}
