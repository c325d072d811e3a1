package eval

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteText prints the report as an aligned table, one row per method and mode, for
// people at a terminal and for pasting into the README.
func WriteText(w io.Writer, rep *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	main := rep.Main.Label()
	fmt.Fprintf(tw, "method\tmode\tn\tEM\tF1\tROUGE-L\tcite acc\trecall@%d\trefusals\tlatency\t%s 95%% CI\terrors\t\n", rep.K, main)
	for _, r := range rep.Results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t[%s, %s]\t%d\t\n",
			r.Method, r.Mode, r.N, pct(r.EM), pct(r.F1), pct(r.RougeL),
			rate(r.CitationAcc, r.CitationN), rate(r.RecallAtK, r.RecallN), rate(r.RefusalRate, r.RefusalN),
			latency(r.MeanLatency), pct(r.CI.Lo), pct(r.CI.Hi), r.Errors)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	if _, err := fmt.Fprintf(w, "scores in %%; %s interval: percentile bootstrap, %d resamples, seed %d\n",
		main, rep.Resamples, rep.Seed); err != nil {
		return err
	}
	for _, s := range rep.Skipped {
		mode := ""
		if s.Mode != "" {
			mode = " (" + string(s.Mode) + ")"
		}
		if _, err := fmt.Fprintf(w, "skipped %s%s: %s\n", s.Method, mode, s.Reason); err != nil {
			return err
		}
	}
	return nil
}

func pct(x float64) string { return fmt.Sprintf("%.1f", 100*x) }

func rate(x float64, n int) string {
	if n == 0 {
		return "-"
	}
	return pct(x)
}

func latency(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}
