package eval

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
)

// Chart geometry, in SVG user units (pixels).
const (
	svgLeft    = 56.0
	svgRight   = 24.0
	svgTop     = 80.0
	svgPlotH   = 260.0
	svgBottom  = 96.0
	svgBarW    = 26.0
	svgBarGap  = 4.0
	svgGroupPd = 22.0
)

// seriesColours tells modes apart (colour-blind safe: blue, orange, then grey).
var seriesColours = [...]string{"#0072B2", "#E69F00", "#999999", "#009E73"}

// WriteSVG draws the main metric per method as bars, one colour per mode, with the
// bootstrap interval as whiskers: the at-a-glance comparison of methods. It is plain
// SVG 1.1 with no scripts or external fonts, so browsers, GitHub and rsvg all render it.
func WriteSVG(w io.Writer, rep *Report) error {
	methods, modes := axes(rep.Results)
	byKey := map[[2]string]Result{}
	for _, r := range rep.Results {
		byKey[[2]string{r.Method, string(r.Mode)}] = r
	}
	title := fmt.Sprintf("%s by method, %d questions", rep.Main.Label(), rep.Questions)
	const subtitle = "bars: mean; whiskers: 95% bootstrap interval"
	groupW := float64(len(modes))*(svgBarW+svgBarGap) - svgBarGap + svgGroupPd
	// Wide enough for the bars and for the title (under 9.5 units a bold 14-unit glyph).
	plotW := max(float64(len(methods))*groupW, 9.5*float64(len(title))-svgRight, 300)
	width := svgLeft + plotW + svgRight
	height := svgTop + svgPlotH + svgBottom
	y := func(v float64) float64 { return svgTop + svgPlotH*(1-clamp01(v)) }

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	text(&b, svgLeft, 22, "start", 14, "bold", title)
	text(&b, svgLeft, 40, "start", 11, "normal", subtitle)

	// Grid and y axis in percent.
	for t := 0; t <= 100; t += 20 {
		yy := y(float64(t) / 100)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#dddddd"/>`+"\n", svgLeft, yy, svgLeft+plotW, yy)
		text(&b, svgLeft-6, yy+4, "end", 11, "normal", fmt.Sprintf("%d", t))
	}
	fmt.Fprintf(&b, `<text x="14" y="%.1f" text-anchor="middle" font-size="12" transform="rotate(-90 14 %.1f)">%s (%%)</text>`+"\n",
		svgTop+svgPlotH/2, svgTop+svgPlotH/2, esc(rep.Main.Label()))

	for gi, m := range methods {
		x0 := svgLeft + float64(gi)*groupW + svgGroupPd/2
		for si, mode := range modes {
			r, ok := byKey[[2]string{m, mode}]
			if !ok {
				continue
			}
			x := x0 + float64(si)*(svgBarW+svgBarGap)
			top := y(r.MainMean)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
				x, top, svgBarW, svgTop+svgPlotH-top, seriesColours[si%len(seriesColours)],
				esc(fmt.Sprintf("%s, %s: %.1f [%.1f, %.1f]", m, mode, 100*r.MainMean, 100*r.CI.Lo, 100*r.CI.Hi)))
			cx, lo, hi := x+svgBarW/2, y(r.CI.Lo), y(r.CI.Hi)
			fmt.Fprintf(&b, `<path d="M%.1f %.1fV%.1fM%.1f %.1fh%.1fM%.1f %.1fh%.1f" stroke="black" stroke-width="1.2" fill="none"/>`+"\n",
				cx, lo, hi, cx-5, lo, 10.0, cx-5, hi, 10.0)
			text(&b, cx, hi-4, "middle", 10, "normal", fmt.Sprintf("%.0f", 100*r.MainMean))
		}
		lx := x0 + (groupW-svgGroupPd)/2
		ly := svgTop + svgPlotH + 14
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="12" transform="rotate(-35 %.1f %.1f)">%s</text>`+"\n",
			lx, ly, lx, ly, esc(m))
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n",
		svgLeft, svgTop+svgPlotH, svgLeft+plotW, svgTop+svgPlotH)

	// Legend, one swatch per mode.
	lx := svgLeft
	for si, mode := range modes {
		fmt.Fprintf(&b, `<rect x="%.1f" y="52" width="12" height="12" fill="%s"/>`+"\n", lx, seriesColours[si%len(seriesColours)])
		text(&b, lx+16, 62, "start", 12, "normal", mode)
		lx += 24 + 7*float64(len(mode))
	}
	b.WriteString("</svg>\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write SVG: %w", err)
	}
	return nil
}

// axes lists methods and modes in the order they first appear in results.
func axes(results []Result) (methods, modes []string) {
	seenM, seenMode := map[string]bool{}, map[string]bool{}
	for _, r := range results {
		if !seenM[r.Method] {
			seenM[r.Method] = true
			methods = append(methods, r.Method)
		}
		if !seenMode[string(r.Mode)] {
			seenMode[string(r.Mode)] = true
			modes = append(modes, string(r.Mode))
		}
	}
	return methods, modes
}

func text(b *bytes.Buffer, x, y float64, anchor string, size int, weight, s string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-size="%d" font-weight="%s">%s</text>`+"\n",
		x, y, anchor, size, weight, esc(s))
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer cannot fail
	return b.String()
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }
