package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Adapter is an exported PEFT adapter folder with a name: what
// `manualbot adapters merge --method cat --out DIR` writes, or a saved composition's
// export. Dir must be the path the engine reads it at (a shared volume, or the same
// machine).
type Adapter struct {
	Name string
	Dir  string
	// Rank is the adapter's LoRA rank (a CAT's is the sum of its parts); 0 reads it from
	// Dir/adapter_config.json.
	Rank int
}

// lease is one adapter registered on the engine. Requests hold a reference while they
// stream, so a swap never pulls an adapter out from under an answer in flight.
type lease struct {
	adapter Adapter
	served  string // the model name requests use for it
	refs    int
	retired bool
}

// Adapter is the adapter answers use now, nil for none.
func (c *Client) Adapter() *Adapter {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current == nil {
		return nil
	}
	a := c.current.adapter
	return &a
}

// ErrNoRuntimeAdapters is returned by UseAdapter on the generic engine.
var ErrNoRuntimeAdapters = errors.New("this engine takes no runtime adapters: export the composition with " +
	"`manualbot adapters merge ... --full --out DIR` and serve that checkpoint")

// UseAdapter makes a the adapter of answers that start afterwards (nil: the base model).
// It checks and registers a completely first (vLLM: POST /v1/load_lora_adapter under a
// name derived from its content; LoRAX: a one-token request that makes LoRAX load it),
// so an adapter the engine refuses changes nothing. Answers in flight finish on the
// adapter they started with; the one replaced is unloaded from vLLM when the last ends.
func (c *Client) UseAdapter(ctx context.Context, a *Adapter) error {
	c.swap.Lock()
	defer c.swap.Unlock()
	if a == nil {
		c.publish(nil)
		return nil
	}
	if c.opts.Engine == OpenAI {
		return fmt.Errorf("adapter %s: %w", a.Name, ErrNoRuntimeAdapters)
	}
	ad := *a
	if ad.Rank == 0 {
		r, err := adapterRank(ad.Dir)
		if err != nil {
			return fmt.Errorf("adapter %s: %w", ad.Name, err)
		}
		ad.Rank = r
	}
	if m := c.opts.MaxLoRARank; m > 0 && ad.Rank > m {
		return fmt.Errorf("adapter %s has rank %d (a CAT's rank is the sum of its parts) but the engine allows %d "+
			"(model.max_lora_rank): restart vLLM with --max-lora-rank %d or more", ad.Name, ad.Rank, m, nextRank(ad.Rank))
	}
	served, err := c.servedName(ad)
	if err != nil {
		return fmt.Errorf("adapter %s: %w", ad.Name, err)
	}
	c.mu.Lock()
	same := c.current != nil && c.current.served == served && c.current.adapter.Name == ad.Name
	c.mu.Unlock()
	if same {
		return nil
	}
	if err := c.register(ctx, ad, served); err != nil {
		return fmt.Errorf("adapter %s: %w", ad.Name, err)
	}
	c.publish(&lease{adapter: ad, served: served})
	c.log.Info("engine adapter in use", "adapter", ad.Name, "served_as", served, "rank", ad.Rank, "engine", c.opts.Engine)
	return nil
}

// servedName is the model name requests use for a: on vLLM NAME-HASH of its files, so the
// same export is one registration and a re-export to the same folder a new one (vLLM caches
// by name); on LoRAX the folder itself.
func (c *Client) servedName(a Adapter) (string, error) {
	if c.opts.Engine != VLLM {
		return a.Dir, nil
	}
	sum, err := contentHash(a.Dir)
	if err != nil {
		return "", err
	}
	return a.Name + "-" + sum, nil
}

// register puts the adapter on the engine under served.
func (c *Client) register(ctx context.Context, a Adapter, served string) error {
	switch c.opts.Engine {
	case VLLM:
		err := c.callJSON(ctx, http.MethodPost, "/v1/load_lora_adapter", map[string]any{"lora_name": served, "lora_path": a.Dir}, nil)
		var he *HTTPError
		switch {
		case errors.As(err, &he) && strings.Contains(he.Message, "already been loaded"):
			// Same name means same content: registered by an earlier run or swap.
		case errors.As(err, &he) && he.Status == http.StatusNotFound:
			return c.fail(fmt.Errorf("%w (start vLLM with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True and --enable-lora)", err))
		case errors.As(err, &he) && strings.Contains(strings.ToLower(he.Message), "rank"):
			return c.fail(fmt.Errorf("%w (the adapter's rank is %d: start vLLM with --max-lora-rank %d or more)", err, a.Rank, nextRank(a.Rank)))
		case err != nil:
			return c.fail(err)
		}
		return nil
	case LoRAX:
		err := c.callJSON(ctx, http.MethodPost, "/v1/completions", map[string]any{
			"model": served, "adapter_source": "local", "prompt": "a", "max_tokens": 1,
		}, nil)
		if err != nil {
			return c.fail(fmt.Errorf("the engine did not load it: %w", err))
		}
		return nil
	}
	return ErrNoRuntimeAdapters
}

// publish makes l current and retires the lease it replaces.
func (c *Client) publish(l *lease) {
	c.mu.Lock()
	old := c.current
	c.current = l
	drop := old != nil && old.refs == 0 && (l == nil || old.served != l.served)
	if old != nil {
		old.retired = true
	}
	c.mu.Unlock()
	if drop {
		c.unload(old)
	}
}

func (c *Client) acquire() *lease {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current != nil {
		c.current.refs++
	}
	return c.current
}

func (c *Client) release(l *lease) {
	if l == nil {
		return
	}
	c.mu.Lock()
	l.refs--
	drop := l.retired && l.refs == 0 && (c.current == nil || c.current.served != l.served)
	c.mu.Unlock()
	if drop {
		c.unload(l)
	}
}

// unload removes a retired vLLM registration, so replaced compositions do not pile up
// in the engine's adapter slots. A failure only costs a slot: it is logged.
func (c *Client) unload(l *lease) {
	if c.opts.Engine != VLLM {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.callJSON(ctx, http.MethodPost, "/v1/unload_lora_adapter", map[string]any{"lora_name": l.served}, nil); err != nil {
		c.log.Warn("unloading a replaced adapter from the engine failed", "adapter", l.served, "err", err)
		return
	}
	c.log.Info("replaced adapter unloaded from the engine", "adapter", l.served)
}

// adapterRank reads a PEFT adapter_config.json's rank: the largest of r and rank_pattern.
func adapterRank(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "adapter_config.json"))
	if err != nil {
		return 0, fmt.Errorf("not a PEFT adapter folder: %w", err)
	}
	var v struct {
		R           int            `json:"r"`
		RankPattern map[string]int `json:"rank_pattern"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return 0, fmt.Errorf("adapter_config.json: %w", err)
	}
	r := v.R
	for _, x := range v.RankPattern {
		r = max(r, x)
	}
	if r <= 0 {
		return 0, errors.New("adapter_config.json has no rank r")
	}
	return r, nil
}

// nextRank is the smallest rank vLLM accepts for --max-lora-rank that holds r.
func nextRank(r int) int {
	for _, x := range []int{8, 16, 32, 64, 128, 256, 320, 512} {
		if x >= r {
			return x
		}
	}
	return r
}

// contentHash names an adapter's content, so re-registering the same export is a no-op
// and a changed export at the same path gets a new name (vLLM caches by name).
func contentHash(dir string) (string, error) {
	h := sha256.New()
	for _, f := range []string{"adapter_config.json", "adapter_model.safetensors"} {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			return "", fmt.Errorf("not a PEFT adapter folder: %w", err)
		}
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:8], nil
}
