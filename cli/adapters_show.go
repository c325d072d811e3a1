package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"manualbot/adapters"
)

// showEntry finds what show prints: a folder given as a path (read as a registry of its
// parent, so a composition's sources are still found by name), else a registry name.
func showEntry(cmd *cobra.Command, app *App, arg string) (adapters.Entry, *adapters.Registry, error) {
	dirs := app.adapterDirs()
	name := arg
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		abs, err := filepath.Abs(arg)
		if err != nil {
			return adapters.Entry{}, nil, err
		}
		if _, err := os.Stat(filepath.Join(abs, adapters.ConfigFile)); err != nil {
			return adapters.Entry{}, nil, fmt.Errorf("%s is not an adapter folder (no %s)", arg, adapters.ConfigFile)
		}
		// Only the folder's own parent: another adapters folder may hold the same name.
		dirs, name = []string{filepath.Dir(abs)}, filepath.Base(abs)
	}
	reg, err := adapters.Scan(cmd.Context(), dirs, adapters.ScanOptions{Skills: app.adapterSkills(), Log: app.Log})
	if err != nil {
		return adapters.Entry{}, nil, err
	}
	e, err := reg.Get(name)
	return e, reg, err
}

// printComposition prints a composition's sources, tuning and weights table: one row per
// layer, one column per module kind, each cell the weights of the sources as w1/w2/...
func printComposition(w io.Writer, c *compositionInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	how := "given"
	if c.Learned {
		how = "learned"
	}
	fmt.Fprintf(tw, "composition:\tCAT of %d adapters, weights %s\n", len(c.Sources), how)
	for i, s := range c.Sources {
		fmt.Fprintf(tw, "  w%d\t%s (%s)\tsha256 %s\t%s\n", i+1, s.Name, orDash(string(s.Skill)), s.Hash[:min(12, len(s.Hash))], s.Path)
	}
	fmt.Fprintf(tw, "made for:\t%s (%s)\n", orDash(c.BaseModel.Name), shapeLine(c.BaseModel.Shape))
	if t := c.Tuned; t != nil {
		fmt.Fprintf(tw, "tuned on:\t%s: %d examples, %d held out; %d steps, best step %d; held-out loss %.4f -> %.4f\n",
			t.Data, t.Examples, t.Validation, t.Steps, t.BestStep, t.ValLossBefore, t.ValLossAfter)
		fmt.Fprintf(tw, "prompt:\t%s\n", t.Prompt)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	kinds := presentKinds(c.Weights)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "layer\t%s\t\n", strings.Join(kinds, "\t"))
	row := func(label string, cells map[string][]float64) {
		parts := make([]string, len(kinds))
		for i, k := range kinds {
			parts[i] = weightCell(cells[k])
		}
		fmt.Fprintf(tw, "%s\t%s\t\n", label, strings.Join(parts, "\t"))
	}
	for _, l := range c.Weights.Layers() {
		row(strconv.Itoa(l), c.Weights.PerLayer[l])
	}
	row("mean", c.Weights.PerKind)
	return tw.Flush()
}

func presentKinds(s adapters.WeightsSummary) []string {
	var out []string
	for _, k := range adapters.KindOrder() {
		if _, ok := s.PerKind[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

func weightCell(v []float64) string {
	if v == nil {
		return "-"
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strings.Join(parts, "/")
}

func shapeLine(s adapters.ModelShape) string {
	return fmt.Sprintf("hidden %d, ffn %d, %d layers, %d/%d heads", s.HiddenSize, s.IntermediateSize, s.NumLayers, s.NumHeads, s.NumKVHeads)
}
