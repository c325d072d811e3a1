package adapters

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"manualbot/inference/safetensors"
)

// A PEFT adapter read and written back, then read and written again, gives identical bytes;
// the factors survive exactly, and unknown config keys are kept.
func TestRoundTripBitForBit(t *testing.T) {
	shape := storiesShape(t)
	cases := []struct {
		name string
		s    spec
	}{
		{"plain", spec{rank: 4, alpha: 8, projs: []string{"q_proj", "v_proj"}, seed: 1}},
		{"all projections, patterns", spec{rank: 4, alpha: 16, projs: []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}, seed: 2,
			extra:  map[string]string{"rank_pattern": `{"down_proj": 2}`, "alpha_pattern": `{"layers.0.mlp.down_proj": 3.5}`, "use_rslora": "true"},
			rankOf: map[string]int{"model.layers.0.mlp.down_proj": 2, "model.layers.1.mlp.down_proj": 2, "model.layers.2.mlp.down_proj": 2, "model.layers.3.mlp.down_proj": 2, "model.layers.4.mlp.down_proj": 2}}},
		{"default keys", spec{rank: 2, alpha: 2, projs: []string{"o_proj"}, seed: 3, keyForm: "default"}},
		{"bare keys, layers_to_transform", spec{rank: 3, alpha: 6, projs: []string{"up_proj"}, layers: []int{1, 3}, seed: 4, keyForm: "bare",
			extra: map[string]string{"layers_to_transform": "[1, 3]"}}},
		{"regex targets, manifest", spec{rank: 2, alpha: 4, projs: []string{"k_proj"}, seed: 5, skill: SkillQA,
			extra: map[string]string{"target_modules": `"model\\.layers\\.\\d+\\.self_attn\\.k_proj"`}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			root := t.TempDir()
			src := filepath.Join(root, "src")
			want := writeSpec(t, src, shape, c.s)
			a, err := Load(ctx, src, nil)
			if err != nil {
				t.Fatal(err)
			}
			for m, f := range want {
				g := a.Modules[m]
				if g == nil || !slices.Equal(g.A, f.A) || !slices.Equal(g.B, f.B) || g.Scale != f.Scale {
					t.Fatalf("module %s did not load exactly", m)
				}
			}
			first := filepath.Join(root, "first")
			if err := a.WriteDir(first); err != nil {
				t.Fatal(err)
			}
			b, err := Load(ctx, first, nil)
			if err != nil {
				t.Fatal(err)
			}
			second := filepath.Join(root, "second")
			if err := b.WriteDir(second); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{ConfigFile, WeightsFile, ManifestFile} {
				x, errx := os.ReadFile(filepath.Join(first, f))
				y, erry := os.ReadFile(filepath.Join(second, f))
				if (errx == nil) != (erry == nil) || !bytes.Equal(x, y) {
					t.Errorf("%s differs after a second round trip", f)
				}
			}
			if !bytes.Contains(readFile(t, filepath.Join(first, ConfigFile)), []byte(`"task_type": "CAUSAL_LM"`)) {
				t.Errorf("unknown config key task_type was dropped")
			}
			for m, f := range want {
				g := b.Modules[m]
				if !slices.Equal(g.A, f.A) || !slices.Equal(g.B, f.B) || g.Scale != f.Scale {
					t.Fatalf("module %s changed in the round trip", m)
				}
			}
			if c.s.skill != "" && b.Manifest.Skill != c.s.skill {
				t.Errorf("skill %q, want %q", b.Manifest.Skill, c.s.skill)
			}
		})
	}
}

// rank_pattern and alpha_pattern give per-module scales the way PEFT matches them: a key
// matches the end of the module name at a dot, the first matching key wins, and use_rslora
// divides by sqrt(r).
func TestPatternScales(t *testing.T) {
	cfg := func(extra string) Config {
		c, err := ParseConfig([]byte(`{"peft_type":"LORA","r":4,"lora_alpha":8,"target_modules":["q_proj","v_proj","down_proj"]` + extra + `}`))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cases := []struct {
		name   string
		extra  string
		module string
		rank   int
		alpha  float64
		scale  float64
	}{
		{"default", "", "model.layers.0.self_attn.q_proj", 4, 8, 2},
		{"rank by suffix", `,"rank_pattern":{"q_proj":8}`, "model.layers.2.self_attn.q_proj", 8, 8, 1},
		{"suffix needs a dot boundary", `,"rank_pattern":{"_proj":8}`, "model.layers.2.self_attn.q_proj", 4, 8, 2},
		{"alpha by layer", `,"alpha_pattern":{"layers.1.self_attn.v_proj":32}`, "model.layers.1.self_attn.v_proj", 4, 32, 8},
		{"alpha other layer untouched", `,"alpha_pattern":{"layers.1.self_attn.v_proj":32}`, "model.layers.11.self_attn.v_proj", 4, 8, 2},
		{"regex key", `,"rank_pattern":{"layers\\.[0-2]\\.mlp\\.down_proj":2}`, "model.layers.2.mlp.down_proj", 2, 8, 4},
		{"first key wins", `,"rank_pattern":{"down_proj":2,"mlp.down_proj":16}`, "model.layers.0.mlp.down_proj", 2, 8, 4},
		{"rslora", `,"use_rslora":true,"rank_pattern":{"q_proj":16}`, "model.layers.0.self_attn.q_proj", 16, 8, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conf := cfg(c.extra)
			r, err := conf.ModuleRank(c.module)
			if err != nil {
				t.Fatal(err)
			}
			a, err := conf.ModuleAlpha(c.module)
			if err != nil {
				t.Fatal(err)
			}
			if s := conf.Scaling(r, a); r != c.rank || a != c.alpha || math.Abs(s-c.scale) > 1e-12 {
				t.Errorf("rank %d alpha %v scale %v, want %d %v %v", r, a, s, c.rank, c.alpha, c.scale)
			}
		})
	}
	// The same through real files: a module's tensor rank must agree with the pattern.
	shape := storiesShape(t)
	dir := t.TempDir()
	writeSpec(t, dir, shape, spec{rank: 4, alpha: 8, projs: []string{"q_proj"}, seed: 9, layers: []int{0, 1},
		extra:  map[string]string{"rank_pattern": `{"layers.1.self_attn.q_proj": 2}`, "alpha_pattern": `{"layers.1.self_attn.q_proj": 1}`},
		rankOf: map[string]int{"model.layers.1.self_attn.q_proj": 2}})
	a, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s0, s1 := a.Modules["model.layers.0.self_attn.q_proj"].Scale, a.Modules["model.layers.1.self_attn.q_proj"].Scale; s0 != 2 || s1 != 0.5 {
		t.Errorf("scales %v and %v, want 2 and 0.5", s0, s1)
	}
}

// fan_in_fan_out describes GPT-2's Conv1D base layers; PEFT forces it off for nn.Linear and
// stores lora_A/lora_B as [r,in]/[out,r] either way. Such an adapter loads with the very same
// factors, with a warning, and keeps the flag when written back.
func TestFanInFanOut(t *testing.T) {
	shape := storiesShape(t)
	root := t.TempDir()
	plain := writeSpec(t, filepath.Join(root, "plain"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj", "down_proj"}, seed: 11})
	writeSpec(t, filepath.Join(root, "fifo"), shape, spec{rank: 2, alpha: 4, projs: []string{"q_proj", "down_proj"}, seed: 11,
		extra: map[string]string{"fan_in_fan_out": "true"}})
	var log bytes.Buffer
	a, err := Load(context.Background(), filepath.Join(root, "fifo"), logTo(&log))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "fan_in_fan_out") {
		t.Errorf("no warning about fan_in_fan_out: %q", log.String())
	}
	for m, f := range plain {
		g := a.Modules[m]
		if g.In != f.In || g.Out != f.Out || !slices.Equal(g.A, f.A) || !slices.Equal(g.B, f.B) {
			t.Fatalf("module %s: factors differ from the same adapter without fan_in_fan_out", m)
		}
	}
	if err := Validate(a, shape, nil); err != nil {
		t.Fatal(err)
	}
	// Factors stored transposed are not PEFT's format: refused by validation, naming the shapes.
	dir := filepath.Join(root, "transposed")
	os.MkdirAll(dir, 0o755)
	f := plain["model.layers.0.self_attn.q_proj"]
	m := "model.layers.0.self_attn.q_proj"
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), []safetensors.Tensor{
		safetensors.F32Tensor(factorKey(m, "A"), []int{f.In, f.Rank}, f.A),
		safetensors.F32Tensor(factorKey(m, "B"), []int{f.Rank, f.Out}, f.B),
	}, nil); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, dir, map[string]string{"peft_type": `"LORA"`, "r": "2", "lora_alpha": "4", "target_modules": `["q_proj"]`, "fan_in_fan_out": "true"})
	if _, err := Load(context.Background(), dir, nil); err == nil || !strings.Contains(err.Error(), "rank") {
		t.Errorf("transposed factors: err = %v, want a rank disagreement", err)
	}
}

// Bad adapters are refused at load with an error that says what is wrong, and nothing on disk
// changes.
func TestLoadRefusesBadAdapters(t *testing.T) {
	shape := storiesShape(t)
	base := spec{rank: 2, alpha: 4, projs: []string{"q_proj"}, layers: []int{0}, seed: 21}
	with := func(k, v string) spec {
		s := base
		s.extra = map[string]string{k: v}
		return s
	}
	cases := []struct {
		name string
		s    spec
		edit func(t *testing.T, dir string)
		want string
	}{
		{"missing r", with("r", ""), nil, `missing field "r"`},
		{"missing lora_alpha", with("lora_alpha", ""), nil, `missing field "lora_alpha"`},
		{"missing target_modules", with("target_modules", ""), nil, `missing field "target_modules"`},
		{"missing peft_type", with("peft_type", ""), nil, `missing field "peft_type"`},
		{"not LoRA", with("peft_type", `"IA3"`), nil, "only LORA"},
		{"modules_to_save", with("modules_to_save", `["lm_head"]`), nil, "modules_to_save"},
		{"bias", with("bias", `"all"`), nil, "bias"},
		{"dora", with("use_dora", "true"), nil, "DoRA"},
		{"rank disagrees with r", with("r", "8"), nil, "config gives 8"},
		{"module not targeted", with("target_modules", `["v_proj"]`), nil, "target_modules does not select"},
		{"unsupported regex", with("target_modules", `"(?=q).*"`), nil, "regex"},
		{"no config", base, func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, ConfigFile)) }, ConfigFile},
		{"no weights", base, func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, WeightsFile)) }, WeightsFile},
		{"NaN", base, func(t *testing.T, dir string) { rewriteTensor(t, dir, 3, float32(math.NaN())) }, "NaN"},
		{"Inf", base, func(t *testing.T, dir string) { rewriteTensor(t, dir, 0, float32(math.Inf(-1))) }, "-Inf"},
		{"stray tensor", base, func(t *testing.T, dir string) { addTensor(t, dir, "base_model.model.lm_head.weight") }, "not a LoRA factor"},
		{"lonely A", base, func(t *testing.T, dir string) {
			addTensor(t, dir, "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight")
		}, "not both"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSpec(t, dir, shape, c.s)
			if c.edit != nil {
				c.edit(t, dir)
			}
			before := snapshot(t, dir)
			_, err := Load(context.Background(), dir, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
			if !sameSnapshot(before, snapshot(t, dir)) {
				t.Errorf("a failed load changed the adapter folder")
			}
		})
	}
}

// rewriteTensor sets value i of lora_B (i=3) or lora_A (i=0) of the first module to v.
func rewriteTensor(t *testing.T, dir string, i int, v float32) {
	t.Helper()
	ts := readTensors(t, dir)
	for k := range ts {
		part := "lora_A"
		if i > 0 {
			part = "lora_B"
		}
		if strings.Contains(ts[k].Name, part) {
			vals := tensorFloats(t, ts[k])
			vals[i] = v
			ts[k] = safetensors.F32Tensor(ts[k].Name, ts[k].Shape, vals)
			break
		}
	}
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), ts, nil); err != nil {
		t.Fatal(err)
	}
}

func addTensor(t *testing.T, dir, name string) {
	t.Helper()
	ts := append(readTensors(t, dir), safetensors.F32Tensor(name, []int{2, 64}, make([]float32, 128)))
	if err := safetensors.Write(filepath.Join(dir, WeightsFile), ts, nil); err != nil {
		t.Fatal(err)
	}
}

func readTensors(t *testing.T, dir string) []safetensors.Tensor {
	t.Helper()
	set, err := safetensors.OpenDir(filepath.Join(dir, WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	var out []safetensors.Tensor
	for _, n := range set.Names() {
		info, _ := set.Info(n)
		v, err := set.Float32(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, safetensors.F32Tensor(n, info.Shape, v))
	}
	return out
}

func tensorFloats(t *testing.T, x safetensors.Tensor) []float32 {
	t.Helper()
	v := make([]float32, len(x.Data)/4)
	if err := safetensors.ToFloat32(v, x.DType, x.Data); err != nil {
		t.Fatal(err)
	}
	return v
}
