package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"manualbot/index"
	"manualbot/qa"
)

// searchJSON is `search --json`'s one object: what scripts and evaluations need of
// each hit, with the section path as one " > " string as people read it.
type searchJSON struct {
	Query string          `json:"query"`
	Hits  []searchHitJSON `json:"hits"`
}

type searchHitJSON struct {
	Doc     string  `json:"doc"`
	Title   string  `json:"title"`
	Section string  `json:"section"`
	Page    int     `json:"page"`
	ChunkID string  `json:"chunk_id"`
	Score   float64 `json:"score"`
	// Relevance is the share of the query's informative words the passage holds (0..1),
	// which decides "not in the manuals" for ask and the bot.
	Relevance float64 `json:"relevance"`
	Snippet   string  `json:"snippet"`
	Product   string  `json:"product"`
	Version   string  `json:"version"`
	URL       string  `json:"url"`
}

func newSearchCmd(app *App) *cobra.Command {
	var (
		q      index.Query
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   `search "QUERY"`,
		Short: "Show the passages of the manuals that best match a query",
		Long: "Search the index for the passages that best match QUERY (BM25 over body, title and\n" +
			"section, typo-tolerant) and print them with document, section, score and snippet.\n" +
			"Run `manualbot ingest` first to build the index.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			q.Text = strings.Join(args, " ")
			q.K = app.Config.Retrieval.K
			q.Fuzziness = app.Config.Retrieval.Fuzziness
			dir := app.Config.IndexPath()
			s, err := index.OpenReadOnly(ctx, dir, index.WithLogger(app.Log))
			if errors.Is(err, index.ErrNoIndex) {
				return fmt.Errorf("no index in %s yet: run `manualbot ingest PATH...` first", dir)
			}
			if err != nil {
				return err
			}
			defer s.Close()
			hits, err := s.Search(ctx, q)
			if err != nil {
				return err
			}
			if len(hits) == 0 {
				if err := checkFilters(ctx, s, q.Product, q.Version); err != nil {
					return err
				}
			}
			if asJSON {
				return writeSearchJSON(app.Stdout, q.Text, hits)
			}
			return writeSearchText(app.Stdout, q.Text, hits)
		},
	}
	f := cmd.Flags()
	f.IntP("k", "k", 5, "how many passages to show (config retrieval.k)")
	f.StringVar(&q.Product, "product", "", "only passages of this product")
	f.StringVar(&q.Version, "version", "", "only passages of this product version")
	f.StringVar(&q.DocID, "doc", "", "only passages of this document id")
	f.Int("fuzziness", 1, "typos tolerated per word, 0 to 2 (config retrieval.fuzziness)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	app.BindFlag("retrieval.k", f.Lookup("k"))
	app.BindFlag("retrieval.fuzziness", f.Lookup("fuzziness"))
	return cmd
}

// writeSearchText prints one block per hit, best first, for people at a terminal.
func writeSearchText(w io.Writer, query string, hits []index.Hit) error {
	if len(hits) == 0 {
		_, err := fmt.Fprintf(w, "No passages match %q.\n", query)
		return err
	}
	var b strings.Builder
	for i, h := range hits {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d. [%.3f] %s\n", i+1, h.Score, citation(h.Chunk))
		fmt.Fprintf(&b, "   doc: %s  chunk: %s", h.DocID, h.ID)
		if h.Product != "" || h.Version != "" {
			fmt.Fprintf(&b, "  product: %s", strings.TrimSpace(h.Product+" "+h.Version))
		}
		b.WriteByte('\n')
		if h.URL != "" {
			fmt.Fprintf(&b, "   %s\n", h.URL)
		}
		fmt.Fprintf(&b, "   %s\n", h.Snippet)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// citation is "Title — Section > Sub (p. N)", leaving out what the chunk lacks.
func citation(c index.Chunk) string {
	s := c.Title
	if s == "" {
		s = c.Source
	}
	if sec := qa.SectionBelowTitle(c.Title, strings.Join(c.Section, index.SectionSep)); sec != "" {
		s += " — " + sec
	}
	if c.Page > 0 {
		s += fmt.Sprintf(" (p. %d)", c.Page)
	}
	return s
}

func writeSearchJSON(w io.Writer, query string, hits []index.Hit) error {
	out := searchJSON{Query: query, Hits: make([]searchHitJSON, 0, len(hits))}
	for _, h := range hits {
		out.Hits = append(out.Hits, searchHitJSON{
			Doc: h.DocID, Title: h.Title, Section: strings.Join(h.Section, index.SectionSep),
			Page: h.Page, ChunkID: h.ID, Score: h.Score, Relevance: h.Relevance, Snippet: h.Snippet,
			Product: h.Product, Version: h.Version, URL: h.URL,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
