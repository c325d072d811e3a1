package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"manualbot/adapters"
	"manualbot/bot"
	"manualbot/inference"
	"manualbot/inference/remote"
	"manualbot/qa"
)

// remoteGenerator is the Generator for model.endpoint: the local tokenizer and template
// in model.path, generation on the serving engine with model.engine_adapter on it.
func (a *App) remoteGenerator(ctx context.Context) (*qa.RemoteLLM, error) {
	c := a.Config.Model
	client, err := remote.New(remote.Options{
		Endpoint: c.Endpoint, APIKey: c.APIKey, Model: c.RemoteModel, Engine: remote.Engine(c.Engine),
		Timeout: c.Timeout, IdleTimeout: c.IdleTimeout, Retries: c.Retries, MaxLoRARank: c.MaxLoRARank,
		Log: a.Log.With("component", "engine"),
	})
	if err != nil {
		return nil, fmt.Errorf("model.endpoint: %w", err)
	}
	var ad *remote.Adapter
	if c.EngineAdapter != "" {
		dir, err := filepath.Abs(c.EngineAdapter)
		if err != nil {
			return nil, err
		}
		ad = &remote.Adapter{Name: adapterNameOf(dir), Dir: dir}
	}
	return qa.NewRemoteLLM(ctx, qa.RemoteOptions{
		Dir: c.Path, Client: client, Temperature: c.Temperature, TopP: c.TopP, Seed: c.Seed,
		RepetitionPenalty: c.RepetitionPenalty, Adapter: ad, Log: a.Log,
	})
}

// remoteServeDeps completes servePipeline for model.endpoint: the engine generates, the
// admin's `use` swaps the engine's adapter.
func (a *App) remoteServeDeps(ctx context.Context, p *qa.Pipeline, adm *admin) (ServeDeps, error) {
	llm, err := a.remoteGenerator(ctx)
	if err == nil {
		adm.composer, err = a.composer(ctx)
	}
	if err != nil {
		adm.store.Close()
		return ServeDeps{}, err
	}
	p.Generator = llm
	return ServeDeps{Answerer: p, Admin: remoteAdmin{admin: adm, llm: llm}, Close: adm.store.Close}, nil
}

// adapterNameOf is the name an exported adapter goes by: its folder's, as
// `adapters merge --out DIR` names the merge.
func adapterNameOf(dir string) string { return filepath.Base(dir) }

// remoteAdmin is the admin of a bot answering through an engine: `use` merges the
// selection by CAT into an exported adapter under data_dir and makes the engine answer
// with it (answers in flight finish on the old one); status names the engine.
type remoteAdmin struct {
	*admin
	llm *qa.RemoteLLM
}

// Use builds the selection's adapter completely (load, merge, write) before the engine
// sees it, so a bad selection or a refused adapter changes nothing.
func (d remoteAdmin) Use(ctx context.Context, req bot.UseRequest) error {
	if d.llm.Client().Engine() == remote.OpenAI {
		return fmt.Errorf("model.engine openai: %w", remote.ErrNoRuntimeAdapters)
	}
	if req.Composition != "" {
		return d.useComposition(ctx, req.Composition)
	}
	names := append(append([]string(nil), req.Domain...), nonEmptyName(req.QA)...)
	if len(names) == 0 {
		return d.llm.Client().UseAdapter(ctx, nil)
	}
	if d.composer == nil {
		return errors.New("no adapters are configured (adapters.dirs)")
	}
	method := req.Method
	if method == "" {
		method = string(adapters.MethodCat)
	}
	if !validMethod(method) {
		return fmt.Errorf("unknown merge method %q", method)
	}
	if len(req.Weights) > 0 && len(req.Weights) != len(names) {
		return fmt.Errorf("%d weights for %d adapters (%s)", len(req.Weights), len(names), strings.Join(names, ", "))
	}
	name := strings.Join(names, "+")
	dir, err := d.export(ctx, name, names, method, req.Weights)
	if err != nil {
		return err
	}
	return d.llm.Client().UseAdapter(ctx, &remote.Adapter{Name: name, Dir: dir})
}

// useComposition makes the engine answer with a saved composition (made by adapters tune):
// its sources are checked against their recorded hashes and the base model's shapes first,
// then the composition's own folder, which holds the exported CAT as a PEFT adapter, is
// registered. A stale or foreign composition is refused before the engine sees it.
func (d remoteAdmin) useComposition(ctx context.Context, name string) error {
	if d.composer == nil {
		return errors.New("no adapters are configured (adapters.dirs)")
	}
	reg := d.composer.Registry()
	comp, err := reg.Composition(name)
	if err != nil {
		return err
	}
	e, err := reg.Get(name)
	if err != nil {
		return err
	}
	cfg, err := inference.LoadConfig(d.app.Config.Model.Path)
	if err != nil {
		return fmt.Errorf("use composition %s: %w", name, err)
	}
	if _, err := comp.Resolve(ctx, reg, adapters.ShapeOf(cfg, d.app.Config.Model.Path), d.app.Log); err != nil {
		return err
	}
	dir, err := filepath.Abs(e.Path)
	if err != nil {
		return err
	}
	return d.llm.Client().UseAdapter(ctx, &remote.Adapter{Name: name, Dir: dir})
}

// export merges names into DATA_DIR/engine-adapters/NAME-HASH (kept: the engine reads it
// from there for as long as it serves it) and returns the absolute folder.
func (d remoteAdmin) export(ctx context.Context, name string, names []string, method string, weights []float64) (string, error) {
	key := sha256.Sum256(fmt.Appendf(nil, "%s|%v|%v", method, names, weights))
	dir, err := filepath.Abs(filepath.Join(d.app.Config.DataDir, "engine-adapters", name+"-"+hex.EncodeToString(key[:4])))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, adapters.WeightsFile)); err == nil {
		return dir, nil
	}
	loaded := make([]*adapters.Adapter, 0, len(names))
	for _, n := range names {
		a, err := d.composer.Registry().Load(ctx, n, d.app.Log)
		if err != nil {
			return "", err
		}
		loaded = append(loaded, a)
	}
	w := weights
	if len(w) == 0 {
		w = make([]float64, len(names))
		for i := range w {
			w[i] = 1
		}
	}
	merged, err := adapters.Merge(ctx, loaded, adapters.MergeOptions{Method: adapters.Method(method),
		Weights: adapters.Weights{Default: w}, Density: 0.5, Name: name})
	if err != nil {
		return "", err
	}
	if err := merged.WriteDir(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// Status reports the engine and the adapter in use there.
func (d remoteAdmin) Status(ctx context.Context) (bot.Status, error) {
	s, err := d.admin.Status(ctx)
	if err != nil {
		return s, err
	}
	st, err := d.llm.Status(ctx)
	s.Model = fmt.Sprintf("%s on %s at %s", d.llm.Client().Model(), d.llm.Client().Engine(), d.llm.Client().Endpoint())
	if err != nil {
		s.Model += " (unavailable: " + oneLine(err) + ")"
	}
	s.Adapters, s.Method = nil, ""
	if a := d.llm.Client().Adapter(); a != nil {
		s.Adapters = []string{a.Name + " (on the engine as " + st.AdapterServed + ")"}
	}
	return s, nil
}

func nonEmptyName(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
