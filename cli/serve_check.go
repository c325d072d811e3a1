package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"manualbot/index"
)

// serveCheck is `serve --check`: what the bot would answer with, without connecting to
// Slack. For a serving engine it names the engine, the models it serves, the context
// window, the tokenizer comparison and the adapter in use there; it fails (exit 1) when
// the bot could not start. The index is opened read-only, so a running bot is no obstacle.
func (a *App) serveCheck(ctx context.Context) error {
	w := a.Stdout
	c := a.Config
	switch {
	case c.Model.Endpoint != "":
		llm, err := a.remoteGenerator(ctx)
		if err != nil {
			return fmt.Errorf("serve --check: %w", err)
		}
		st, err := llm.Status(ctx)
		if err != nil {
			return fmt.Errorf("serve --check: %w", err)
		}
		adapter := "none (the served model as it is)"
		if a := llm.Client().Adapter(); a != nil {
			adapter = fmt.Sprintf("%s (%s), on the engine as %s", a.Name, a.Dir, st.AdapterServed)
		}
		fmt.Fprintf(w, "engine:     %s at %s\n", st.Engine, st.Endpoint)
		fmt.Fprintf(w, "model:      %s (tokenizer and template from %s)\n", st.Model, c.Model.Path)
		fmt.Fprintf(w, "served:     %s\n", strings.Join(st.Served, ", "))
		fmt.Fprintf(w, "window:     %d tokens\n", llm.ContextWindow())
		fmt.Fprintf(w, "tokenizer:  %s\n", st.Tokenizer)
		fmt.Fprintf(w, "adapter:    %s\n", adapter)
	case c.Model.Path != "":
		fmt.Fprintf(w, "model:      %s in process (backend %s)\n", c.Model.Path, c.Model.Backend)
	default:
		fmt.Fprintln(w, "model:      none (retrieval-only answers)")
	}
	store, err := index.OpenReadOnly(ctx, c.IndexPath(), index.WithLogger(a.Log))
	if errors.Is(err, index.ErrNoIndex) {
		fmt.Fprintf(w, "index:      none in %s yet (run `manualbot ingest PATH...`)\n", c.IndexPath())
		return nil
	}
	if err != nil {
		return fmt.Errorf("serve --check: %w", err)
	}
	defer store.Close()
	st, err := store.Stats(ctx)
	if err != nil {
		return fmt.Errorf("serve --check: %w", err)
	}
	_, err = fmt.Fprintf(w, "index:      %d documents, %d chunks\n", st.Docs, st.Chunks)
	return err
}
