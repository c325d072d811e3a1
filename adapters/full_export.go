package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"manualbot/inference/safetensors"
)

// FullExportOptions configure ExportFull.
type FullExportOptions struct {
	// Base is the Hugging Face checkpoint folder the adapter was trained on.
	Base string
	// DType is the weights' dtype in the export: "" (the base's, tensor by tensor),
	// "bf16", "f16" or "f32".
	DType string
	// ShardBytes caps one safetensors file (0: 4 GiB); larger models get an index, as
	// transformers' save_pretrained writes them.
	ShardBytes int64
}

// tokenizerFiles are copied from the base unchanged: a fused export tokenizes and
// chats exactly as the base does.
var tokenizerFiles = []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
	"tokenizer.model", "chat_template.jinja", "generation_config.json"}

// ExportFull writes a complete Hugging Face checkpoint to out: the base's weights with
// the adapter merged in (W' = W + Scale·B·A per module, as PEFT's merge_and_unload does),
// its config.json (torch_dtype set to the export's) and its tokenizer files. Engines that
// take no runtime adapters (Ollama, llama.cpp's server) load or convert it as any other
// checkpoint. The folder appears whole or not at all; an existing non-empty out is refused.
func ExportFull(ctx context.Context, a *Adapter, out string, opts FullExportOptions) error {
	out = filepath.Clean(out)
	fail := func(err error) error { return fmt.Errorf("full export %s: %w", out, err) }
	dt, err := exportDType(opts.DType)
	if err != nil {
		return fail(err)
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return fail(errors.New("the folder exists and is not empty"))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	if err := a.checkAll(); err != nil {
		return fail(err)
	}
	set, err := safetensors.OpenDir(opts.Base)
	if err != nil {
		return fail(fmt.Errorf("base model: %w", err))
	}
	defer set.Close()
	for _, m := range a.ModuleNames() {
		info, ok := set.Info(m + ".weight")
		f := a.Modules[m]
		if !ok {
			return fail(fmt.Errorf("the adapter's module %s is not in the base model %s", m, opts.Base))
		}
		if len(info.Shape) != 2 || info.Shape[0] != f.Out || info.Shape[1] != f.In {
			return fail(fmt.Errorf("module %s: the adapter is [%d, %d], the base weight %v: a different base model", m, f.Out, f.In, info.Shape))
		}
	}
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fail(err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return fail(err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fail(err)
	}
	outDType, err := writeFusedWeights(ctx, set, a, tmp, dt, opts.ShardBytes)
	if err != nil {
		return fail(err)
	}
	if err := writeExportConfig(opts.Base, tmp, outDType); err != nil {
		return fail(err)
	}
	for _, f := range tokenizerFiles {
		b, err := os.ReadFile(filepath.Join(opts.Base, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fail(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			return fail(err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		return fail(err)
	}
	done = true
	return nil
}

func exportDType(s string) (safetensors.DType, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return "", nil
	case "bf16", "bfloat16":
		return safetensors.BF16, nil
	case "f16", "fp16", "float16":
		return safetensors.F16, nil
	case "f32", "fp32", "float32":
		return safetensors.F32, nil
	}
	return "", fmt.Errorf("dtype %q is not one of bf16, f16, f32 (or empty for the base's)", s)
}

func isFloat(d safetensors.DType) bool {
	return d == safetensors.F32 || d == safetensors.BF16 || d == safetensors.F16
}

// writeFusedWeights writes every tensor of the base, merged where the adapter has a
// module, converted to dt where dt is set, in shards of at most shardBytes. It returns
// the dtype of the largest share of the weights, for config.json's torch_dtype.
func writeFusedWeights(ctx context.Context, set *safetensors.Set, a *Adapter, dir string, dt safetensors.DType, shardBytes int64) (safetensors.DType, error) {
	if shardBytes <= 0 {
		shardBytes = 4 << 30
	}
	names := set.Names()
	slices.Sort(names)
	type plan struct {
		name string
		dt   safetensors.DType
		size int64
	}
	var shards [][]plan
	var cur []plan
	var curSize, total int64
	bytesBy := map[safetensors.DType]int64{}
	for _, n := range names {
		info, _ := set.Info(n)
		odt := info.DType
		if dt != "" && isFloat(odt) {
			odt = dt
		}
		if _, merged := a.Modules[strings.TrimSuffix(n, ".weight")]; merged && !isFloat(info.DType) {
			return "", fmt.Errorf("base weight %s is %s: only float weights can take an adapter", n, info.DType)
		}
		size := info.NumElements() * int64(odt.Size())
		if len(cur) > 0 && curSize+size > shardBytes {
			shards, cur, curSize = append(shards, cur), nil, 0
		}
		cur = append(cur, plan{n, odt, size})
		curSize += size
		total += size
		bytesBy[odt] += size
	}
	if len(cur) > 0 {
		shards = append(shards, cur)
	}
	weightMap := map[string]string{}
	for i, sh := range shards {
		file := "model.safetensors"
		if len(shards) > 1 {
			file = fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(shards))
		}
		tensors := make([]safetensors.Tensor, 0, len(sh))
		for _, p := range sh {
			if err := ctx.Err(); err != nil {
				return "", err
			}
			t, err := fusedTensor(set, a, p.name, p.dt)
			if err != nil {
				return "", err
			}
			tensors = append(tensors, t)
			weightMap[p.name] = file
		}
		if err := safetensors.Write(filepath.Join(dir, file), tensors, map[string]string{"format": "pt"}); err != nil {
			return "", err
		}
	}
	if len(shards) > 1 {
		idx, err := json.MarshalIndent(map[string]any{"metadata": map[string]any{"total_size": total}, "weight_map": weightMap}, "", "  ")
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), idx, 0o644); err != nil {
			return "", err
		}
	}
	var best safetensors.DType
	for d, n := range bytesBy {
		if isFloat(d) && (best == "" || n > bytesBy[best]) {
			best = d
		}
	}
	return best, nil
}

// fusedTensor is one base tensor in dtype dt, with the adapter's delta added when the
// adapter has the module. The delta is summed in float64 before the one rounding to dt.
func fusedTensor(set *safetensors.Set, a *Adapter, name string, dt safetensors.DType) (safetensors.Tensor, error) {
	info, _ := set.Info(name)
	f, merged := a.Modules[strings.TrimSuffix(name, ".weight")]
	if !merged && info.DType == dt {
		b, err := set.Bytes(name)
		if err != nil {
			return safetensors.Tensor{}, err
		}
		return safetensors.Tensor{Name: name, DType: dt, Shape: info.Shape, Data: slices.Clone(b)}, nil
	}
	w, err := set.Float32(name)
	if err != nil {
		return safetensors.Tensor{}, fmt.Errorf("base weight %s: %w", name, err)
	}
	if merged {
		d := f.Delta()
		for i := range w {
			w[i] = float32(float64(w[i]) + d[i])
		}
		if i, bad := safetensors.HasNonFinite(w); bad {
			return safetensors.Tensor{}, fmt.Errorf("module %s: the merged weight is not finite at %d", name, i)
		}
	}
	switch dt {
	case safetensors.BF16:
		return safetensors.BF16Tensor(name, info.Shape, w), nil
	case safetensors.F16:
		return safetensors.F16Tensor(name, info.Shape, w), nil
	}
	return safetensors.F32Tensor(name, info.Shape, w), nil
}

// writeExportConfig copies config.json with torch_dtype set to the export's dtype, so
// converters (llama.cpp's convert_hf_to_gguf.py) and loaders read the weights right.
func writeExportConfig(base, dir string, dt safetensors.DType) error {
	b, err := os.ReadFile(filepath.Join(base, "config.json"))
	if err != nil {
		return fmt.Errorf("base model: %w", err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("base model config.json: %w", err)
	}
	switch dt {
	case safetensors.BF16:
		cfg["torch_dtype"] = "bfloat16"
	case safetensors.F16:
		cfg["torch_dtype"] = "float16"
	case safetensors.F32:
		cfg["torch_dtype"] = "float32"
	}
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), append(out, '\n'), 0o644)
}
