package adapters

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"manualbot/inference/safetensors"
	"manualbot/internal/testutil"
)

// fuzzModules are module names the config and weights parsers get asked about.
var fuzzModules = []string{
	"model.layers.0.self_attn.q_proj", "model.layers.3.mlp.down_proj", "model.layers.10.self_attn.v_proj",
	"q_proj", "", "model.layers.x.self_attn.k_proj", "lm_head",
}

// FuzzParseConfig parses arbitrary adapter_config.json bytes: a bad file is an error,
// never a panic; a config that parses answers every module question without a panic, and
// writing it back and parsing again gives the same file.
func FuzzParseConfig(f *testing.F) {
	for _, d := range []string{"adapter_a", "adapter_b", "merged_cat"} {
		b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(f), "testdata", "hfref", d, ConfigFile))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"peft_type":"LORA","r":2,"lora_alpha":4,"target_modules":".*\\.(q|v)_proj","rank_pattern":{"q_proj":8,"^model.layers.1\\.":3},"alpha_pattern":{"v_proj":1e308},"use_rslora":true,"layers_to_transform":[0,2],"layers_pattern":"layers"}`))
	f.Add([]byte(`{"peft_type":"LORA","r":0,"lora_alpha":-1,"target_modules":"(","rank_pattern":{"(":1}}`))
	f.Add([]byte(`{"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":"all-linear","exclude_modules":["down_proj"],"layers_to_transform":3}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		if m, err := c.Targets.matcher(c); err == nil {
			for _, mod := range fuzzModules {
				m.match(mod)
			}
		}
		for _, mod := range fuzzModules {
			if r, err := c.ModuleRank(mod); err == nil {
				if a, err := c.ModuleAlpha(mod); err == nil {
					c.Scaling(r, a)
				}
			}
		}
		out, err := c.Marshal()
		if err != nil {
			return // e.g. a NaN or infinite alpha that JSON cannot hold
		}
		c2, err := ParseConfig(out)
		if err != nil {
			t.Fatalf("re-parse own output: %v\n%s", err, out)
		}
		out2, err := c2.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("config changed on a second round trip:\n%s\n%s", out, out2)
		}
	})
}

// tinyAdapter is a one-module rank-1 adapter's weights.
func tinyAdapter(f *testing.F) []byte {
	p := filepath.Join(f.TempDir(), WeightsFile)
	if err := safetensors.Write(p, []safetensors.Tensor{
		safetensors.F32Tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", []int{1, 4}, []float32{1, 2, 3, 4}),
		safetensors.F32Tensor("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", []int{4, 1}, []float32{0.5, 0, -1, 2}),
	}, nil); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzLoad loads an adapter folder made of arbitrary adapter_config.json,
// adapter_model.safetensors and manualbot.json bytes: an error, never a panic, and an
// adapter that loads has only finite factors of the sizes it claims.
func FuzzLoad(f *testing.F) {
	weights := tinyAdapter(f)
	cfg := []byte(`{"peft_type":"LORA","r":1,"lora_alpha":2,"target_modules":["q_proj"]}`)
	f.Add(cfg, weights, []byte(`{"skill":"domain","products":["widget"]}`))
	f.Add(cfg, weights, []byte(`{"skill":"chef"}`))
	f.Add([]byte(`{"peft_type":"LORA","r":2,"lora_alpha":2,"target_modules":["q_proj"]}`), weights, []byte(nil))
	f.Add([]byte(`{"peft_type":"LORA","r":1,"lora_alpha":2,"target_modules":["k_proj"],"use_dora":true}`), weights, []byte(`{"merge":{"method":"cat","sources":["a"],"weights":[1],"module_weights":{"q_proj":[0.5]}}}`))
	f.Fuzz(func(t *testing.T, config, weights, manifest []byte) {
		dir := t.TempDir()
		for name, data := range map[string][]byte{ConfigFile: config, WeightsFile: weights, ManifestFile: manifest} {
			if data == nil {
				continue
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		a, err := Load(context.Background(), dir, nil)
		if err != nil {
			return
		}
		for name, fc := range a.Modules {
			if len(fc.A) != fc.Rank*fc.In || len(fc.B) != fc.Out*fc.Rank {
				t.Fatalf("module %s: A %d, B %d values for rank %d, in %d, out %d", name, len(fc.A), len(fc.B), fc.Rank, fc.In, fc.Out)
			}
			for _, v := range append(append([]float32(nil), fc.A...), fc.B...) {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("module %s: non-finite factor %v loaded", name, v)
				}
			}
		}
	})
}

// FuzzWeightsFile decodes arbitrary CAT weights files (merge --weights-file, learned CAT
// weights) as the CLI does: once check accepts them, every module gets one finite weight
// per adapter.
func FuzzWeightsFile(f *testing.F) {
	f.Add([]byte(`{"default":[0.7,0.3],"layers":{"1":[1,0]},"modules":{"q_proj":[0.5,0.5],"model.layers.3.mlp.down_proj":[2,-1]}}`), uint8(2))
	f.Add([]byte(`{"default":[1e309]}`), uint8(1))
	f.Add([]byte(`{"layers":{"-1":[1]},"modules":{"":[1]}}`), uint8(1))
	f.Add([]byte(`{"modules":{"q_proj":[]}}`), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		var w Weights
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&w); err != nil {
			return
		}
		if err := w.check(int(n)); err != nil {
			return
		}
		for _, mod := range fuzzModules {
			v := w.For(mod, int(n))
			if len(v) != int(n) {
				t.Fatalf("%s: %d weights for %d adapters", mod, len(v), n)
			}
			for _, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("%s: weight %v accepted", mod, x)
				}
			}
		}
	})
}
