package cli

import (
	"bytes"
	"encoding/json"
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

func newAdaptersCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "adapters",
		Short: "List, inspect and merge the LoRA adapters (domain and QA skills)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newAdaptersListCmd(app), newAdaptersShowCmd(app), newAdaptersMergeCmd(app))
	cmd.AddCommand(newAdaptersTrainCmd(app))
	cmd.AddCommand(newAdaptersTuneCmd(app))
	return cmd
}

// scanAdapters builds the registry from the configured folders; adapters.domain and
// adapters.qa give skills to adapters whose manifest names none.
func scanAdapters(cmd *cobra.Command, app *App) (*adapters.Registry, error) {
	return adapters.Scan(cmd.Context(), app.adapterDirs(), adapters.ScanOptions{Skills: app.adapterSkills(), Log: app.Log})
}

// adapterInfo is what list and show print about one adapter.
type adapterInfo struct {
	Name      string                `json:"name"`
	Skill     string                `json:"skill"`
	Rank      int                   `json:"rank"`
	Alpha     float64               `json:"alpha"`
	RSLoRA    bool                  `json:"use_rslora,omitempty"`
	Targets   any                   `json:"target_modules"`
	Products  []string              `json:"products"`
	Manuals   []string              `json:"manuals,omitempty"`
	BaseModel string                `json:"base_model"`
	Path      string                `json:"path"`
	Problem   string                `json:"problem,omitempty"`
	Modules   []moduleInfo          `json:"modules,omitempty"`
	Merge     *adapters.MergeRecord `json:"merge,omitempty"`
	// Composition is set for a composition: its sources, base model, tuning and weights.
	Composition *compositionInfo `json:"composition,omitempty"`
}

// compositionInfo is what list and show print about a composition.
type compositionInfo struct {
	Sources   []adapters.Source       `json:"sources"`
	BaseModel adapters.BaseModel      `json:"base_model"`
	Learned   bool                    `json:"learned"`
	Tuned     *adapters.TuneRecord    `json:"tuned,omitempty"`
	Weights   adapters.WeightsSummary `json:"weights"`
}

// moduleInfo is one adapted module, for show.
type moduleInfo struct {
	Name  string  `json:"name"`
	Rank  int     `json:"rank"`
	In    int     `json:"in"`
	Out   int     `json:"out"`
	Scale float64 `json:"scale"`
}

func infoOf(e adapters.Entry) adapterInfo {
	c := e.Config
	var targets any = nonNilStrings(c.Targets.Names)
	if c.Targets.IsRegex {
		targets = c.Targets.Regex
	}
	skill := string(e.Skill)
	var comp *compositionInfo
	if c := e.Composition; c != nil {
		skill = "composition"
		comp = &compositionInfo{Sources: c.Sources, BaseModel: c.BaseModel, Learned: c.Learned(), Tuned: c.Tuned, Weights: c.Summary()}
	}
	return adapterInfo{
		Composition: comp,
		Name:        e.Name, Skill: skill, Rank: c.R, Alpha: c.Alpha, RSLoRA: c.UseRSLoRA, Targets: targets,
		Products: nonNilStrings(e.Manifest.Products), Manuals: e.Manifest.Manuals, BaseModel: c.BaseModel,
		Path: e.Path, Problem: e.Problem, Merge: e.Manifest.Merge,
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func targetsText(t any) string {
	if l, ok := t.([]string); ok {
		return strings.Join(l, ",")
	}
	return fmt.Sprint(t)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newAdaptersListCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the adapters in the configured folders (adapters.dirs)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg, err := scanAdapters(cmd, app)
			if err != nil {
				return err
			}
			infos := []adapterInfo{}
			for _, e := range reg.List() {
				infos = append(infos, infoOf(e))
			}
			if asJSON {
				return writeJSON(app.Stdout, map[string]any{"adapters": infos})
			}
			if len(infos) == 0 {
				_, err := fmt.Fprintf(app.Stdout, "no adapters in %v (set adapters.dirs)\n", app.Config.Adapters.Dirs)
				return err
			}
			tw := tabwriter.NewWriter(app.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSKILL\tRANK\tALPHA\tTARGETS\tPRODUCTS\tBASE MODEL\tPATH")
			for _, i := range infos {
				if i.Problem != "" {
					fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t%s (unusable: %s)\n", i.Name, i.Path, i.Problem)
					continue
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%g\t%s\t%s\t%s\t%s\n", i.Name, orDash(i.Skill), i.Rank, i.Alpha,
					targetsText(i.Targets), orDash(strings.Join(i.Products, ",")), orDash(i.BaseModel), i.Path)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func newAdaptersShowCmd(app *App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME|DIR",
		Short: "Show one adapter or composition: config, skill, products, weights and every adapted module",
		Long: "Show an adapter of the registry by name, or the adapter in a folder. For a composition\n" +
			"(made by adapters tune) it prints its source adapters and the real CAT weights: a table\n" +
			"of layers by module kind, each cell one weight per source (w1/w2); --json has them all.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, reg, err := showEntry(cmd, app, args[0])
			if err != nil {
				return err
			}
			info := infoOf(e)
			if e.Problem == "" {
				a, err := reg.Load(cmd.Context(), e.Name, app.Log)
				if err != nil {
					return err
				}
				info.Merge = a.Manifest.Merge
				for _, m := range a.ModuleNames() {
					f := a.Modules[m]
					info.Modules = append(info.Modules, moduleInfo{Name: m, Rank: f.Rank, In: f.In, Out: f.Out, Scale: f.Scale})
				}
			}
			if asJSON {
				return writeJSON(app.Stdout, info)
			}
			return printShow(app.Stdout, info)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

func printShow(w io.Writer, i adapterInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "name:\t%s\nskill:\t%s\npath:\t%s\nbase model:\t%s\n", i.Name, orDash(i.Skill), i.Path, orDash(i.BaseModel))
	if i.Problem != "" {
		fmt.Fprintf(tw, "problem:\t%s\n", i.Problem)
		return tw.Flush()
	}
	fmt.Fprintf(tw, "rank:\t%d\nalpha:\t%g\nuse_rslora:\t%v\ntarget modules:\t%s\nproducts:\t%s\n",
		i.Rank, i.Alpha, i.RSLoRA, targetsText(i.Targets), orDash(strings.Join(i.Products, ",")))
	if len(i.Manuals) > 0 {
		fmt.Fprintf(tw, "manuals:\t%s\n", strings.Join(i.Manuals, ","))
	}
	if i.Merge != nil && i.Composition == nil {
		fmt.Fprintf(tw, "merged:\t%s of %s, weights %v\n", i.Merge.Method, strings.Join(i.Merge.Sources, ", "), i.Merge.Weights)
	}
	if i.Composition != nil {
		if err := tw.Flush(); err != nil {
			return err
		}
		if err := printComposition(w, i.Composition); err != nil {
			return err
		}
	}
	fmt.Fprintf(tw, "modules:\t%d\n", len(i.Modules))
	for _, m := range i.Modules {
		fmt.Fprintf(tw, "  %s\trank %d\t[%d -> %d]\tscale %g\n", m.Name, m.Rank, m.In, m.Out, m.Scale)
	}
	return tw.Flush()
}

func newAdaptersMergeCmd(app *App) *cobra.Command {
	var (
		method, weights, weightsFile, out, sign, name, model string
		density                                              float64
		rank                                                 int
		seed                                                 uint64
		full                                                 bool
		dtype                                                string
	)
	cmd := &cobra.Command{
		Use:   "merge --method METHOD --out DIR ADAPTER...",
		Short: "Merge adapters into one standard PEFT adapter (cat: exact, any ranks)",
		Long: `Merge adapters into one PEFT adapter written to --out (atomically; an existing
non-empty folder is refused). ADAPTER is a folder, or the name of an adapter in adapters.dirs.

Methods, as Hugging Face PEFT's add_weighted_adapter defines them:
  cat          delta = sum_i w_i s_i B_i A_i exactly; rank = sum of ranks; any ranks
  linear       A and B combined separately with sqrt weights (equal ranks)
  ties         linear after magnitude pruning (--density) and sign election
  dare_linear  linear after random drops (--density, --seed)
  dare_ties    ties with random drops instead of magnitude pruning
  svd          the summed delta truncated to --rank by SVD (default: the largest input rank)
Weights default to 1 for every adapter.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("merge: --out DIR is required")
			}
			opts := adapters.MergeOptions{Method: adapters.Method(method), Density: density, Rank: rank, Seed: seed,
				MajoritySign: adapters.MajoritySign(sign), Name: name}
			if opts.Name == "" {
				opts.Name = filepath.Base(filepath.Clean(out))
			}
			if weightsFile != "" {
				w, err := readWeightsFile(weightsFile)
				if err != nil {
					return err
				}
				opts.Weights = w
			}
			if weights != "" {
				w, err := parseWeights(weights, len(args))
				if err != nil {
					return err
				}
				opts.Weights.Default = w
			}
			inputs, err := loadMergeInputs(cmd, app, args)
			if err != nil {
				return err
			}
			var shape *adapters.ModelShape
			if model != "" {
				s, err := adapters.ShapeFromHFConfig(model)
				if err != nil {
					return err
				}
				shape = &s
				for _, a := range inputs {
					if err := adapters.Validate(a, s, app.Log); err != nil {
						return err
					}
				}
			}
			merged, err := adapters.Merge(cmd.Context(), inputs, opts)
			if err != nil {
				return err
			}
			if shape != nil {
				if err := adapters.Validate(merged, *shape, app.Log); err != nil {
					return err
				}
			}
			if full {
				if model == "" {
					return fmt.Errorf("merge --full: --model DIR (the base checkpoint) is required")
				}
				if err := adapters.ExportFull(cmd.Context(), merged, out, adapters.FullExportOptions{Base: model, DType: dtype}); err != nil {
					return err
				}
				_, err = fmt.Fprintf(app.Stdout, "wrote %s: %s with the %s merge of %d adapters fused in (rank %d)\n",
					out, model, method, len(inputs), merged.MaxRank())
				return err
			}
			if err := merged.WriteDir(out); err != nil {
				return err
			}
			_, err = fmt.Fprintf(app.Stdout, "wrote %s: %s merge of %d adapters, %d modules, rank %d\n",
				out, method, len(inputs), len(merged.Modules), merged.MaxRank())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&method, "method", "cat", "cat, linear, ties, dare_linear, dare_ties or svd")
	f.StringVar(&weights, "weights", "", "comma-separated weight per adapter, e.g. 0.7,0.3 (default 1 each)")
	f.StringVar(&weightsFile, "weights-file", "", `JSON per-layer/per-module weights: {"default":[..],"layers":{"3":[..]},"modules":{"q_proj":[..]}}`)
	f.Float64Var(&density, "density", 0, "fraction of entries kept by ties and dare, in (0,1]")
	f.StringVar(&sign, "majority-sign", "total", "ties sign election: total or frequency")
	f.IntVar(&rank, "rank", 0, "svd target rank (default: the largest input rank)")
	f.Uint64Var(&seed, "seed", 0, "seed of dare's random drops")
	f.StringVar(&out, "out", "", "folder to write the merged adapter to (must not exist or be empty)")
	f.StringVar(&name, "name", "", "name recorded in the merged adapter (default: the --out folder name)")
	f.StringVar(&model, "model", "", "validate inputs and result against this checkpoint's config.json (the base with --full)")
	f.BoolVar(&full, "full", false, "write a complete checkpoint: --model's weights with the merge fused in, config and tokenizer")
	f.StringVar(&dtype, "dtype", "", "--full weights' dtype: bf16, f16, f32 (default: the base's)")
	return cmd
}

// readWeightsFile reads CAT weights that vary by layer or module (e.g. learned ones).
func readWeightsFile(path string) (adapters.Weights, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return adapters.Weights{}, fmt.Errorf("--weights-file: %w", err)
	}
	var w adapters.Weights
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return adapters.Weights{}, fmt.Errorf("--weights-file %s: %w", path, err)
	}
	return w, nil
}

// parseWeights reads "0.7,0.3": one number per adapter.
func parseWeights(s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("--weights %q: %d weights for %d adapters", s, len(parts), n)
	}
	w := make([]float64, n)
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("--weights %q: %q is not a number", s, p)
		}
		w[i] = v
	}
	return w, nil
}

// loadMergeInputs loads each argument as a folder if it is one, else as a registry name.
func loadMergeInputs(cmd *cobra.Command, app *App, args []string) ([]*adapters.Adapter, error) {
	var reg *adapters.Registry
	var inputs []*adapters.Adapter
	for _, arg := range args {
		if st, err := os.Stat(arg); err == nil && st.IsDir() {
			a, err := adapters.Load(cmd.Context(), arg, app.Log)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, a)
			continue
		}
		if reg == nil {
			r, err := scanAdapters(cmd, app)
			if err != nil {
				return nil, fmt.Errorf("adapter %s is not a folder, and the registry failed: %w", arg, err)
			}
			reg = r
		}
		a, err := reg.Load(cmd.Context(), arg, app.Log)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, a)
	}
	return inputs, nil
}
