package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"manualbot/bot"
)

func newFeedbackCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feedback",
		Short: "Work with the feedback people gave on the bot's answers",
	}
	cmd.AddCommand(newFeedbackExportCmd(app))
	return cmd
}

func newFeedbackExportCmd(app *App) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export [--out FILE]",
		Short: "Print the recorded feedback as JSONL (question, answer, citations, adapters, rating)",
		Long: "Print every helpful / not-helpful click recorded by `manualbot serve` as one JSON object\n" +
			"a line, from DATA_DIR/" + bot.FeedbackFile + ": tuning data for the CAT merge weights.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := bot.OpenFeedbackStore(filepath.Join(app.Config.DataDir, bot.FeedbackFile))
			if err != nil {
				return err
			}
			if out == "" {
				_, err := store.Export(app.Stdout)
				return err
			}
			// Write next to the target and rename, so a failed export never leaves half a file.
			tmp, err := os.CreateTemp(filepath.Dir(out), ".feedback-*.jsonl")
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			defer os.Remove(tmp.Name())
			n, err := store.Export(tmp)
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			_, err = fmt.Fprintf(app.Stderr, "exported %d feedback records to %s\n", n, out)
			return err
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to FILE instead of standard output")
	return cmd
}
