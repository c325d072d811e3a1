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
	var prune, allowEmpty, asJSON bool
	cmd := &cobra.Command{
		Use:   "ingest PATH...",
		Short: "Index manuals (Markdown, HTML, text, PDF, GNU Info, man pages, gzipped or not) from files or folders",
		Long: "Read the manuals under each PATH (or ingest.sources), cut them into section-aware\n" +
			"chunks and index them in one atomic update. Re-ingesting is incremental: unchanged\n" +
			"manuals are left alone, changed ones replaced, and with --prune those whose file is\n" +
			"gone are removed. Files that cannot be read are skipped with a reason in the log.\n\n" +
			"A file is one manual in the index, under one product: ingesting it again with another\n" +
			"--product moves it there (its chunks are relabelled, keeping their ids) instead of\n" +
			"indexing a second copy, and a second copy left by an older manualbot is removed.\n\n" +
			"A PATH that does not exist, or is neither a file nor a folder, is an error and nothing\n" +
			"is changed. A folder with no manuals in it is a warning: the run succeeds and leaves\n" +
			"the index as it was (a first ingest creates no index). With --prune, such a folder\n" +
			"would lose every manual ingested from it; an unmounted or emptied folder looks the\n" +
			"same, so ingest refuses unless --allow-empty is given too. To drop the manuals of a\n" +
			"folder you deleted, make it again, empty, and ingest it with --prune --allow-empty.",
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
			// The index is created by the first commit, so a run that finds nothing to
			// write (a mistyped path, an empty folder) leaves no empty index behind.
			store, err := index.Open(ctx, cfg.IndexPath(), index.WithLogger(app.Log), index.CreateOnCommit())
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
				AllowEmpty:   allowEmpty,
				Log:          app.Log,
				Progress:     progress,
			})
			if errors.Is(err, ingest.ErrPruneEmpty) {
				return fmt.Errorf("ingest: %w; nothing was changed (add --allow-empty to prune it anyway)", err)
			}
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
			// Manuals found and none of them ingested is a failure; no manuals found at all
			// (empty folders only) is the warning the summary already gave.
			if sum.Ingested() == 0 && sum.Removed == 0 && sum.Skipped+sum.Errors > 0 {
				return fmt.Errorf("nothing ingested from %s: %d skipped, %d errors (reasons in the log)",
					strings.Join(paths, ", "), sum.Skipped, sum.Errors)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.String("product", "", "label every chunk with this product (config ingest.product); manuals ingested before under another product move to this one")
	f.String("version", "", "label every chunk with this product version (config ingest.version)")
	f.BoolVar(&prune, "prune", false, "remove documents whose file under PATH is gone")
	f.BoolVar(&allowEmpty, "allow-empty", false, "with --prune, let a PATH folder that holds no manuals lose all its documents")
	f.BoolVar(&asJSON, "json", false, "print the summary as one JSON object")
	app.BindFlag("ingest.product", f.Lookup("product"))
	app.BindFlag("ingest.version", f.Lookup("version"))
	return cmd
}
