package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"manualbot/index"
	"manualbot/ingest"
)

func newIngestCmd(app *App) *cobra.Command {
	var prune, asJSON bool
	cmd := &cobra.Command{
		Use:   "ingest PATH...",
		Short: "Index manuals (Markdown, HTML, text, PDF, gzipped or not) from files or folders",
		Long: "Read the manuals under each PATH (or ingest.sources), cut them into section-aware\n" +
			"chunks and index them in one atomic update. Re-ingesting is incremental: unchanged\n" +
			"manuals are left alone, changed ones replaced, and with --prune those whose file is\n" +
			"gone are removed. Files that cannot be read are skipped with a reason in the log.",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg := app.Config
			paths := args
			if len(paths) == 0 {
				paths = cfg.Ingest.Sources
			}
			if len(paths) == 0 {
				return errors.New("nothing to ingest: give PATH... or set ingest.sources")
			}
			store, err := index.Open(ctx, cfg.IndexPath(), index.WithLogger(app.Log))
			if err != nil {
				return fmt.Errorf("open index: %w", err)
			}
			defer store.Close()
			progress := ingest.NewLogProgress(app.Log)
			if IsTerminal(app.Stderr) {
				progress = ingest.NewBarProgress(app.Stderr)
			}
			sum, err := ingest.Run(ctx, store, ingest.Options{
				Paths:        paths,
				Product:      cfg.Ingest.Product,
				Version:      cfg.Ingest.Version,
				Chunk:        ingest.ChunkOptions{Size: cfg.Ingest.ChunkSize, Overlap: cfg.Ingest.ChunkOverlap},
				MaxFileBytes: cfg.Ingest.MaxFileBytes,
				Prune:        prune,
				Log:          app.Log,
				Progress:     progress,
			})
			if err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
			if asJSON {
				enc := json.NewEncoder(app.Stdout)
				enc.SetEscapeHTML(false)
				err = enc.Encode(sum)
			} else {
				_, err = fmt.Fprintf(app.Stdout, "ingest: %s\n", sum)
			}
			if err != nil {
				return err
			}
			if sum.Ingested() == 0 && sum.Removed == 0 {
				return fmt.Errorf("nothing ingested from %s: %d skipped, %d errors (reasons in the log)",
					strings.Join(paths, ", "), sum.Skipped, sum.Errors)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.String("product", "", "label every chunk with this product (config ingest.product)")
	f.String("version", "", "label every chunk with this product version (config ingest.version)")
	f.BoolVar(&prune, "prune", false, "remove documents whose file under PATH is gone")
	f.BoolVar(&asJSON, "json", false, "print the summary as one JSON object")
	app.BindFlag("ingest.product", f.Lookup("product"))
	app.BindFlag("ingest.version", f.Lookup("version"))
	return cmd
}
