package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"manualbot/index"
	"manualbot/qa"
)

func newAskCmd(app *App) *cobra.Command {
	var (
		product string
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   `ask "QUESTION"`,
		Short: "Answer a question from the manuals, with numbered citations",
		Long: "Retrieve the passages that match QUESTION and answer from them with the configured\n" +
			"model (model.path or --model), citing passages as [1], [2]. Without a model the\n" +
			"answer is retrieval-only: the best passages with their sources.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			p, closeAll, err := app.pipeline(ctx)
			if err != nil {
				return err
			}
			defer closeAll()
			if product != "" && p.Products != nil {
				known, err := p.Products(ctx)
				if err != nil {
					return err
				}
				if err := checkLabel("product", product, known); err != nil {
					return err
				}
			}
			q := qa.Question{Text: strings.Join(args, " "), Product: product, User: "cli"}
			if asJSON {
				ans, err := p.Ask(ctx, q, nil)
				if err != nil {
					return err
				}
				enc := json.NewEncoder(app.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(ans)
			}
			return askStreaming(ctx, app.Stdout, p, q)
		},
	}
	f := cmd.Flags()
	f.StringVar(&product, "product", "", "only search this product's manuals")
	f.BoolVar(&asJSON, "json", false, "print one JSON object: answer, citations, adapters, composition, timings")
	f.IntP("k", "k", 5, "passages to retrieve (config retrieval.k)")
	f.String("model", "", "Hugging Face checkpoint folder (config model.path); empty: retrieval-only")
	f.Int("max-tokens", 256, "most tokens in the answer (config model.max_tokens)")
	f.String("composition", "", "answer with this composition (adapters tune), by name or folder (config adapters.composition)")
	app.BindFlag("adapters.composition", f.Lookup("composition"))
	app.BindFlag("retrieval.k", f.Lookup("k"))
	app.BindFlag("model.path", f.Lookup("model"))
	app.BindFlag("model.max_tokens", f.Lookup("max-tokens"))
	return cmd
}

// askStreaming prints the answer as it is generated, then its sources.
func askStreaming(ctx context.Context, w io.Writer, p *qa.Pipeline, q qa.Question) error {
	printed := 0
	var werr error
	ans, err := p.Ask(ctx, q, func(sofar string) {
		if werr == nil && len(sofar) > printed && strings.HasPrefix(sofar, sofar[:printed]) {
			_, werr = io.WriteString(w, sofar[printed:])
			printed = len(sofar)
		}
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if printed == 0 {
		fmt.Fprint(w, ans.Text)
	}
	fmt.Fprintln(w)
	if len(ans.Citations) > 0 && !ans.RetrievalOnly {
		fmt.Fprintln(w, "\nSources:")
		for _, c := range ans.Citations {
			fmt.Fprintf(w, "[%d] %s\n", c.N, citationLine(c))
		}
	}
	switch c := ans.Composition; {
	case c != nil && c.Path != "":
		how := "given weights"
		if c.Learned {
			how = "learned weights"
		}
		fmt.Fprintf(w, "\n(composition: %s, %s of %s)\n", c.Name, how, strings.Join(c.Adapters, ", "))
	case len(ans.Adapters) > 0:
		fmt.Fprintf(w, "\n(adapters: %s)\n", strings.Join(ans.Adapters, ", "))
	}
	return nil
}

func citationLine(c qa.Citation) string {
	s := qa.Passage{Title: c.Title, DocID: c.DocID, Section: c.Section, Page: c.Page}.Source()
	if c.URL != "" {
		s += " <" + c.URL + ">"
	}
	return s
}

// pipeline builds the answering pipeline from the config: the index, and the model when
// one is configured. The returned func releases both.
func (a *App) pipeline(ctx context.Context) (*qa.Pipeline, func(), error) {
	dir := a.Config.IndexPath()
	store, err := index.OpenReadOnly(ctx, dir, index.WithLogger(a.Log))
	if errors.Is(err, index.ErrNoIndex) {
		return nil, nil, fmt.Errorf("no index in %s yet: run `manualbot ingest PATH...` first", dir)
	}
	if err != nil {
		return nil, nil, err
	}
	c := a.Config
	p := &qa.Pipeline{
		Retriever:    qa.IndexRetriever{Store: store, Fuzziness: c.Retrieval.Fuzziness, MinRelevance: c.Retrieval.MinRelevance},
		Products:     storeProducts(store),
		K:            c.Retrieval.K,
		MinScore:     c.Retrieval.MinScore,
		MaxTokens:    c.Model.MaxTokens,
		SystemPrompt: c.Model.SystemPrompt,
		Log:          a.Log,
	}
	closeAll := func() { store.Close() }
	if c.Model.Endpoint != "" {
		llm, err := a.remoteGenerator(ctx)
		if err != nil {
			store.Close()
			return nil, nil, err
		}
		p.Generator = llm
	} else if c.Model.Path != "" {
		llm, closeGen, err := a.generator(ctx)
		if err != nil {
			store.Close()
			return nil, nil, err
		}
		p.Generator = llm
		closeAll = func() { closeGen(); store.Close() }
	}
	return p, closeAll, nil
}

func storeProducts(s *index.Store) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		st, err := s.Stats(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]string, 0, len(st.Products))
		for _, f := range st.Products {
			out = append(out, f.Value)
		}
		return out, nil
	}
}
