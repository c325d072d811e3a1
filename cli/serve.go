package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"manualbot/bot"
)

// ServeDeps is what `serve` needs from the answering pipeline.
type ServeDeps struct {
	Answerer bot.Answerer
	Admin    bot.Admin
	// Close releases the pipeline (model, index) once the bot has stopped; nil is fine.
	Close func() error
	// Queue admits questions when the engine schedules them itself (a batching scheduler
	// that knows each request's place); nil is the bot's FIFO of slack.max_concurrent.
	Queue bot.Queue
}

func newServeCmd(app *App) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Slack bot",
		Long: "Run the Slack bot: answer mentions and direct messages in threads from the manuals, with\n" +
			"sources, and take admin commands (/manualbot adapters|use|status|ingest|reindex).\n" +
			"Socket Mode (default) needs slack.bot_token and slack.app_token; HTTP mode\n" +
			"(--mode http) needs slack.bot_token and slack.signing_secret and listens on\n" +
			"slack.listen for POST /slack/events. /healthz and /metrics are served on\n" +
			"slack.metrics_listen. See bot/README.md to create the Slack app.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if check {
				return app.serveCheck(ctx)
			}
			return runServe(ctx, app, app.servePipeline)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&check, "check", false, "report the model (or serving engine, its models and adapter) and the index, then exit")
	f.String("mode", "", "socket (Socket Mode, no public URL) or http (Events API)")
	f.String("listen", "", "HTTP mode: address for POST /slack/events (e.g. :3000)")
	f.String("metrics-listen", "", "address for /healthz and /metrics (empty: off)")
	app.BindFlag("slack.mode", f.Lookup("mode"))
	app.BindFlag("slack.listen", f.Lookup("listen"))
	app.BindFlag("slack.metrics_listen", f.Lookup("metrics-listen"))
	return cmd
}

// runServe runs the bot until ctx is cancelled (SIGINT/SIGTERM), then lets answers in
// flight finish. build supplies the pipeline, so tests can serve with fakes.
func runServe(ctx context.Context, app *App, build func(context.Context) (ServeDeps, error)) error {
	if err := app.Config.ValidateForServe(); err != nil {
		return err
	}
	deps, err := build(ctx)
	if err != nil {
		return err
	}
	if deps.Close != nil {
		defer func() {
			if err := deps.Close(); err != nil {
				app.Log.Warn("closing the answering pipeline", "err", err)
			}
		}()
	}
	b, err := bot.New(bot.FromConfig(app.Config), bot.Deps{
		Answerer: deps.Answerer,
		Admin:    deps.Admin,
		Queue:    deps.Queue,
		Log:      app.Log.With("component", "bot"),
	})
	if err != nil {
		return err
	}
	if err := b.Run(ctx); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	app.Log.Info("stopped")
	return nil
}
