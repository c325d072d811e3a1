package adapters

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"manualbot/inference/safetensors"
)

// Load reads a PEFT adapter folder (adapter_config.json, adapter_model.safetensors and an
// optional manualbot.json). It checks everything that does not need the base model: the
// config, that every tensor is a lora_A/lora_B pair of consistent rank, that the ranks agree
// with r and rank_pattern, that the config targets each module, and that no value is NaN or
// infinite. Shapes against a model are checked by Validate.
func Load(ctx context.Context, dir string, log *slog.Logger) (*Adapter, error) {
	log = orDiscard(log)
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("load adapter %s: %w", dir, err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("load adapter %s: %w", dir, err)
	}
	man, err := readManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("load adapter %s: %w", dir, err)
	}
	a := &Adapter{Name: filepath.Base(filepath.Clean(dir)), Dir: dir, Config: cfg, Manifest: man}
	if cfg.FanInFanOut {
		// PEFT itself resets the flag for nn.Linear targets (every Llama projection) and
		// stores lora_A/lora_B as [r,in]/[out,r] whatever the flag says.
		log.Warn("adapter sets fan_in_fan_out, which PEFT ignores for Llama's linear layers; factors are read as [r,in] and [out,r]", "adapter", dir)
	}
	if a.Modules, err = loadFactors(ctx, filepath.Join(dir, WeightsFile), cfg); err != nil {
		return nil, fmt.Errorf("load adapter %s: %w", dir, err)
	}
	return a, nil
}

// loadFactors reads and pairs every module's factors from the safetensors file.
func loadFactors(ctx context.Context, path string, cfg Config) (map[string]*Factors, error) {
	set, err := safetensors.OpenDir(path)
	if err != nil {
		return nil, err
	}
	defer set.Close()
	targets, err := cfg.Targets.matcher(cfg)
	if err != nil {
		return nil, err
	}
	type pair struct {
		a, b           []float32
		aShape, bShape []int
	}
	pairs := map[string]*pair{}
	for _, key := range set.Names() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		module, part, err := parseFactorKey(key)
		if err != nil {
			return nil, err
		}
		info, _ := set.Info(key)
		if len(info.Shape) != 2 {
			return nil, fmt.Errorf("tensor %s: shape %v, want 2 dimensions", key, info.Shape)
		}
		v, err := set.Float32(key)
		if err != nil {
			return nil, err
		}
		p := pairs[module]
		if p == nil {
			p = &pair{}
			pairs[module] = p
		}
		if (part == "A" && p.a != nil) || (part == "B" && p.b != nil) {
			return nil, fmt.Errorf("module %s: lora_%s appears twice", module, part)
		}
		if part == "A" {
			p.a, p.aShape = v, info.Shape
		} else {
			p.b, p.bShape = v, info.Shape
		}
	}
	mods := make(map[string]*Factors, len(pairs))
	for _, module := range sortedModules(pairs) {
		p := pairs[module]
		if p.a == nil || p.b == nil {
			return nil, fmt.Errorf("module %s: has lora_A or lora_B but not both", module)
		}
		if p.aShape[0] != p.bShape[1] {
			return nil, fmt.Errorf("module %s: lora_A %v and lora_B %v disagree on the rank", module, p.aShape, p.bShape)
		}
		mods[module] = &Factors{A: p.a, B: p.b, Rank: p.aShape[0], In: p.aShape[1], Out: p.bShape[0]}
	}
	if len(mods) == 0 {
		return nil, errors.New("no LoRA tensors in " + WeightsFile)
	}
	for _, module := range sortedModules(mods) {
		f := mods[module]
		if !targets.match(module) {
			return nil, fmt.Errorf("module %s: has LoRA tensors but target_modules does not select it", module)
		}
		want, err := cfg.ModuleRank(module)
		if err != nil {
			return nil, err
		}
		if f.Rank != want {
			return nil, fmt.Errorf("module %s: LoRA rank is %d but the config gives %d (r or rank_pattern)", module, f.Rank, want)
		}
		if f.Alpha, err = cfg.ModuleAlpha(module); err != nil {
			return nil, err
		}
		f.Scale = cfg.Scaling(f.Rank, f.Alpha)
		if err := f.check(module); err != nil {
			return nil, err
		}
	}
	return mods, nil
}

// orDiscard lets callers pass a nil logger when they do not care about warnings.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return log
}
