// Package cli wires the manualbot subcommands: each file builds one command from the
// shared App and the packages that do the work; no logic of its own lives here.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"manualbot/configs"
)

// Version is set at build time with -ldflags "-X manualbot/cli.Version=...".
var Version = "dev"

// noConfig marks a command that must run even with a broken config (version).
const noConfig = "manualbot/no-config"

// App is what every subcommand shares: the loaded config, the logger and the streams.
// It is built once per process in PersistentPreRunE, after flags are parsed.
type App struct {
	Config *configs.Config
	Log    *slog.Logger
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader

	configFile string
	// flagKeys lists config keys with the flags that override them (flag > env > file >
	// default). Several commands bind the same key, so it is a list: only the flags of the
	// command that runs are ever set.
	flagKeys []flagKey
}

type flagKey struct {
	key  string
	flag *pflag.Flag
}

// BindFlag makes a command's flag override the config key when the user sets it.
func (a *App) BindFlag(key string, f *pflag.Flag) {
	a.flagKeys = append(a.flagKeys, flagKey{key, f})
}

// NewRoot builds the manualbot command tree.
func NewRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	app := &App{Stdout: stdout, Stderr: stderr, Stdin: stdin}
	root := &cobra.Command{
		Use:           "manualbot",
		Short:         "Answers questions about your manuals, in Slack and on the terminal",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Annotations[noConfig] != "" {
				return nil
			}
			return app.load(cmd)
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&app.configFile, "config", "", "config file (default ./manualbot.yaml if present)")
	pf.String("data-dir", "", "where the index, manifest and feedback live (env MANUALBOT_DATA_DIR)")
	pf.String("log-level", "", "debug, info, warn or error")
	pf.String("backend", "", `model backend: "go" (CPU) or "xla:/abs/path/pjrt_plugin.so" (GPU) (config model.backend)`)
	app.BindFlag("data_dir", pf.Lookup("data-dir"))
	app.BindFlag("log_level", pf.Lookup("log-level"))
	app.BindFlag("model.backend", pf.Lookup("backend"))
	for _, sub := range subcommands(app) {
		root.AddCommand(sub)
	}
	return root
}

// subcommands lists every command; each is built by its own file.
func subcommands(app *App) []*cobra.Command {
	return []*cobra.Command{
		newVersionCmd(app),
		newSearchCmd(app),
		newAskCmd(app),
		newAdaptersCmd(app),
		newIngestCmd(app),
		newTokenizeCmd(app),
		newGenerateCmd(app),
		newBenchCmd(app),
		newServeCmd(app),
		newFeedbackCmd(app),
		newEvalCmd(app),
	}
}

func (a *App) load(cmd *cobra.Command) error {
	set := map[string]*pflag.Flag{}
	for _, fk := range a.flagKeys {
		if fk.flag != nil && fk.flag.Changed {
			set[fk.key] = fk.flag
		}
	}
	c, err := configs.Load(a.configFile, set)
	if err != nil {
		return err
	}
	a.Config = c
	a.Log = newLogger(a.Stderr, c.LogLevel, c.LogFormat)
	return nil
}

func newLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" || (format == "auto" && !IsTerminal(w)) {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// IsTerminal reports whether w is an interactive terminal (progress bars, colours).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Execute runs the command line and returns the process exit code: 0 on success,
// 1 with a one-line error on stderr otherwise.
func Execute(ctx context.Context, args []string) int {
	root := NewRoot(os.Stdin, os.Stdout, os.Stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "manualbot: %v\n", oneLine(err))
		return 1
	}
	return 0
}
