package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"manualbot/adapters"
	"manualbot/bot"
	"manualbot/index"
	"manualbot/ingest"
	"manualbot/qa"
)

// servePipeline builds what `serve` answers with: the index (writable, for admin
// ingests), the model with its adapters when one is configured, and the admin actions.
func (a *App) servePipeline(ctx context.Context) (ServeDeps, error) {
	c := a.Config
	store, err := index.Open(ctx, c.IndexPath(), index.WithLogger(a.Log))
	if err != nil {
		return ServeDeps{}, fmt.Errorf("open index: %w", err)
	}
	p := &qa.Pipeline{
		Retriever: qa.IndexRetriever{Store: store, Fuzziness: c.Retrieval.Fuzziness, MinRelevance: c.Retrieval.MinRelevance},
		Products:  storeProducts(store), K: c.Retrieval.K, MinScore: c.Retrieval.MinScore,
		MaxTokens: c.Model.MaxTokens, SystemPrompt: c.Model.SystemPrompt, Log: a.Log,
	}
	adm := &admin{app: a, store: store, started: time.Now()}
	if c.Model.Path != "" {
		llm, _, err := a.generator(ctx)
		if err != nil {
			store.Close()
			return ServeDeps{}, err
		}
		p.Generator = llm
		adm.composer = llm.Composer()
	} else if adm.composer, err = a.composer(ctx); err != nil {
		store.Close()
		return ServeDeps{}, err
	}
	return ServeDeps{Answerer: p, Admin: adm, Close: store.Close}, nil
}

// admin carries out the Slack admin commands on the live pipeline.
type admin struct {
	app      *App
	store    *index.Store
	composer *qa.Composer // nil without adapters
	started  time.Time
}

func (d *admin) Adapters(ctx context.Context) ([]bot.AdapterInfo, error) {
	if d.composer == nil {
		return nil, nil
	}
	inUse := map[string]bool{}
	for _, n := range d.composer.InUse() {
		inUse[n] = true
	}
	var out []bot.AdapterInfo
	for _, e := range d.composer.Registry().List() {
		desc := e.Manifest.Description
		if len(e.Manifest.Products) > 0 {
			desc = strings.TrimSpace(desc + " (products: " + strings.Join(e.Manifest.Products, ", ") + ")")
		}
		if e.Problem != "" {
			desc = "unusable: " + e.Problem
		}
		out = append(out, bot.AdapterInfo{Name: e.Name, Kind: string(e.Skill), InUse: inUse[e.Name], Rank: e.Config.R, Description: desc})
	}
	return out, nil
}

func (d *admin) Use(ctx context.Context, req bot.UseRequest) error {
	if d.composer == nil {
		return errors.New("no adapters are configured (adapters.dirs)")
	}
	if req.Method != "" && !validMethod(req.Method) {
		return fmt.Errorf("unknown merge method %q", req.Method)
	}
	return d.composer.Use(ctx, qa.Selection{Domain: req.Domain, QA: req.QA, Method: req.Method, Weights: req.Weights})
}

func validMethod(m string) bool {
	for _, x := range adapters.Methods() {
		if string(x) == m {
			return true
		}
	}
	return false
}

func (d *admin) Status(ctx context.Context) (bot.Status, error) {
	st, err := d.store.Stats(ctx)
	if err != nil {
		return bot.Status{}, err
	}
	s := bot.Status{Model: d.app.Config.Model.Path, IndexDocs: st.Docs, IndexChunks: int(st.Chunks), Uptime: time.Since(d.started)}
	if d.composer != nil {
		s.Adapters = d.composer.InUse()
		s.Method = d.composer.Current().Method
	}
	return s, nil
}

// uploadsDir keeps manuals shared in Slack, so a reindex still has them.
func (d *admin) uploadsDir() string { return filepath.Join(d.app.Config.DataDir, "uploads") }

func (d *admin) IngestFile(ctx context.Context, path, name string) (string, error) {
	base := filepath.Base(filepath.Clean("/" + name))
	if base == "/" || base == "." || strings.HasPrefix(base, ".") {
		return "", fmt.Errorf("unusable file name %q", name)
	}
	if err := os.MkdirAll(d.uploadsDir(), 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(d.uploadsDir(), base)
	if err := copyFile(path, dst); err != nil {
		return "", fmt.Errorf("keep upload %s: %w", base, err)
	}
	return d.ingest(ctx, []string{dst}, false)
}

func (d *admin) Reindex(ctx context.Context) (string, error) {
	paths := append([]string(nil), d.app.Config.Ingest.Sources...)
	if _, err := os.Stat(d.uploadsDir()); err == nil {
		paths = append(paths, d.uploadsDir())
	}
	if len(paths) == 0 {
		return "", errors.New("nothing to reindex: set ingest.sources or share a manual with the bot")
	}
	return d.ingest(ctx, paths, true)
}

func (d *admin) ingest(ctx context.Context, paths []string, prune bool) (string, error) {
	c := d.app.Config
	sum, err := ingest.Run(ctx, d.store, ingest.Options{
		Paths: paths, Product: c.Ingest.Product, Version: c.Ingest.Version,
		Chunk:        ingest.ChunkOptions{Size: c.Ingest.ChunkSize, Overlap: c.Ingest.ChunkOverlap},
		MaxFileBytes: c.Ingest.MaxFileBytes, Prune: prune, Log: d.app.Log,
	})
	if err != nil {
		return "", err
	}
	if sum.Ingested() == 0 && sum.Removed == 0 {
		reason := "see the bot's log"
		if len(sum.Skips) > 0 {
			reason = sum.Skips[0].Reason
		}
		return "", fmt.Errorf("nothing ingested: %s", reason)
	}
	return sum.String(), nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".part"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}
