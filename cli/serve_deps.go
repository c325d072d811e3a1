package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
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
	if c.Model.Endpoint != "" {
		return a.remoteServeDeps(ctx, p, adm)
	}
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
	if c := d.composer.InUseComposition(); c != nil && c.Path != "" {
		inUse[c.Name] = true
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
		kind := string(e.Skill)
		if e.Composition != nil {
			kind = "composition of " + strings.Join(e.Composition.SourceNames(), " + ")
		}
		out = append(out, bot.AdapterInfo{Name: e.Name, Kind: kind, InUse: inUse[e.Name], Rank: e.Config.R, Description: desc})
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
	if req.Composition != "" {
		return d.composer.Use(ctx, qa.Selection{Composition: req.Composition})
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

// uploadsDir keeps manuals shared in Slack, so a reindex still has them: one folder per
// product (globalUploads for the configured default), each file under a name of its own.
func (d *admin) uploadsDir() string { return filepath.Join(d.app.Config.DataDir, "uploads") }

// globalUploads is the uploads folder of manuals filed under no particular product.
const globalUploads = "_default"

func (d *admin) IngestFile(ctx context.Context, path, name, product string) (string, error) {
	base := filepath.Base(filepath.Clean("/" + strings.ReplaceAll(name, "\\", "/")))
	if base == "/" || base == "." || strings.HasPrefix(base, ".") {
		return "", fmt.Errorf("unusable file name %q", name)
	}
	folder := globalUploads
	if product != "" {
		if !validProductDir(product) {
			return "", fmt.Errorf("unusable product name %q (letters, digits, '-', '_' and '.')", product)
		}
		folder = product
	}
	dir := filepath.Join(d.uploadsDir(), folder)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// The content's hash in the name: two manuals called alike do not overwrite each
	// other, and the same manual shared twice is one file (re-ingested incrementally).
	sum, err := fileHash(path)
	if err != nil {
		return "", fmt.Errorf("read upload %s: %w", base, err)
	}
	ext := filepath.Ext(base)
	dst := filepath.Join(dir, strings.TrimSuffix(base, ext)+"-"+sum[:12]+ext)
	if err := copyFile(path, dst); err != nil {
		return "", fmt.Errorf("keep upload %s: %w", base, err)
	}
	return d.ingest(ctx, []string{dst}, d.productOr(product), false)
}

func (d *admin) productOr(p string) string {
	if p == "" {
		return d.app.Config.Ingest.Product
	}
	return p
}

// validProductDir keeps a product name usable as one folder name.
func validProductDir(p string) bool {
	if p == "" || p == globalUploads || strings.HasPrefix(p, ".") || len(p) > 100 {
		return false
	}
	for _, r := range p {
		if !(r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Reindex rebuilds from the configured sources and the kept uploads, each product's
// folder under its product.
func (d *admin) Reindex(ctx context.Context) (string, error) {
	global := append([]string(nil), d.app.Config.Ingest.Sources...)
	perProduct := map[string][]string{}
	entries, _ := os.ReadDir(d.uploadsDir())
	for _, e := range entries {
		p := filepath.Join(d.uploadsDir(), e.Name())
		switch {
		case !e.IsDir():
			// Kept by an older version, before uploads had product folders.
			global = append(global, p)
		case e.Name() == globalUploads:
			global = append(global, p)
		default:
			perProduct[e.Name()] = append(perProduct[e.Name()], p)
		}
	}
	if len(global) == 0 && len(perProduct) == 0 {
		return "", errors.New("nothing to reindex: set ingest.sources or share a manual with the bot")
	}
	var sums []string
	if len(global) > 0 {
		s, err := d.ingest(ctx, global, d.app.Config.Ingest.Product, true)
		if err != nil {
			return "", err
		}
		sums = append(sums, s)
	}
	for _, p := range slices.Sorted(maps.Keys(perProduct)) {
		s, err := d.ingest(ctx, perProduct[p], p, true)
		if err != nil {
			return "", fmt.Errorf("product %s: %w", p, err)
		}
		sums = append(sums, p+": "+s)
	}
	return strings.Join(sums, "; "), nil
}

func (d *admin) ingest(ctx context.Context, paths []string, product string, prune bool) (string, error) {
	c := d.app.Config
	sum, err := ingest.Run(ctx, d.store, ingest.Options{
		Paths: paths, Product: product, Version: c.Ingest.Version,
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
