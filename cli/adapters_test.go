package cli

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/adapters"
	"manualbot/internal/testutil"
)

// writeTestAdapter writes a random rank-r adapter on q_proj and v_proj of stories260K's shapes.
func writeTestAdapter(t *testing.T, dir string, r int, skill adapters.Skill, seed uint64) {
	t.Helper()
	shape, err := adapters.ShapeFromHFConfig(testutil.Fixture(t, "models/stories260K"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := adapters.ParseConfig([]byte(fmt.Sprintf(`{"peft_type":"LORA","r":%d,"lora_alpha":%d,"target_modules":["q_proj","v_proj"],"base_model_name_or_path":"stories260K"}`, r, 2*r)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	a := &adapters.Adapter{Config: cfg, Manifest: adapters.Manifest{Skill: skill, Products: []string{"router"}}, Modules: map[string]*adapters.Factors{}}
	for l := 0; l < shape.NumLayers; l++ {
		for _, p := range []string{"self_attn.q_proj", "self_attn.v_proj"} {
			in, out, _ := shape.ProjectionShape(p)
			f := &adapters.Factors{Rank: r, In: in, Out: out, A: make([]float32, r*in), B: make([]float32, out*r), Scale: 2}
			for i := range f.A {
				f.A[i] = float32(rng.NormFloat64())
			}
			for i := range f.B {
				f.B[i] = float32(rng.NormFloat64())
			}
			a.Modules[adapters.ModuleName(l, p)] = f
		}
	}
	if err := a.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
}

func TestAdaptersCommands(t *testing.T) {
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	root := t.TempDir()
	dir := filepath.Join(root, "adapters")
	writeTestAdapter(t, filepath.Join(dir, "router-manual"), 4, adapters.SkillDomain, 1)
	writeTestAdapter(t, filepath.Join(dir, "answering"), 8, "", 2)
	conf := filepath.Join(root, "manualbot.yaml")
	yaml := fmt.Sprintf("data_dir: %s\nadapters:\n  dirs: [%s]\n  qa: answering\n", filepath.Join(root, "data"), dir)
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	model := testutil.Fixture(t, "models/stories260K")
	wfile := filepath.Join(root, "weights.json")
	if err := os.WriteFile(wfile, []byte(`{"default":[0.7,0.3],"layers":{"2":[1,0]},"modules":{"v_proj":[0.5,0.5]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "soup")

	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"list", []string{"adapters", "list"}, []string{"answering", "qa", "router-manual", "domain", "q_proj,v_proj", "router"}, ""},
		{"list json", []string{"adapters", "list", "--json"}, []string{`"name": "answering"`, `"skill": "qa"`, `"rank": 8`}, ""},
		{"show", []string{"adapters", "show", "router-manual"}, []string{"rank:", "model.layers.4.self_attn.v_proj", "[64 -> 32]"}, ""},
		{"show json", []string{"adapters", "show", "answering", "--json"}, []string{`"modules"`, `"scale": 2`}, ""},
		{"show escape", []string{"adapters", "show", "../adapters/answering"}, nil, "path separator"},
		{"show unknown", []string{"adapters", "show", "nope"}, nil, "no such adapter"},
		{"merge linear refuses ranks", []string{"adapters", "merge", "--method", "linear", "--out", out, "router-manual", "answering"}, nil, "use method cat"},
		{"merge bad weights", []string{"adapters", "merge", "--weights", "0.7", "--out", out, "router-manual", "answering"}, nil, "1 weights for 2 adapters"},
		{"merge cat", []string{"adapters", "merge", "--method", "cat", "--weights", "0.7,0.3", "--model", model, "--out", out, "router-manual", filepath.Join(dir, "answering")},
			[]string{"cat merge of 2 adapters, 10 modules, rank 12"}, ""},
		{"merge per-module weights", []string{"adapters", "merge", "--weights-file", wfile, "--out", filepath.Join(root, "soup2"), "router-manual", "answering"},
			[]string{"rank 12"}, ""},
		{"merge bad weights file", []string{"adapters", "merge", "--weights-file", conf, "--out", filepath.Join(root, "soup3"), "router-manual", "answering"}, nil, "weights-file"},
		{"merge over existing", []string{"adapters", "merge", "--out", out, "router-manual"}, nil, "not empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, _, err := runCLI(t, append([]string{"--config", conf}, tc.args...)...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			if strings.HasSuffix(tc.name, "json") {
				var v map[string]any
				if err := json.Unmarshal([]byte(stdout), &v); err != nil {
					t.Errorf("not one JSON object: %v", err)
				}
			}
		})
	}
	// Per-module weights are recorded with the merge.
	man, err := os.ReadFile(filepath.Join(root, "soup2", adapters.ManifestFile))
	if err != nil || !strings.Contains(string(man), `"v_proj"`) || !strings.Contains(string(man), `"layer_weights"`) {
		t.Errorf("merge record lacks the per-module weights (%v):\n%s", err, man)
	}
	// The merged adapter is a PEFT adapter of rank 12 with lora_alpha 12.
	cfg, err := os.ReadFile(filepath.Join(out, adapters.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"r": 12`, `"lora_alpha": 12`, `"use_rslora": false`} {
		if !strings.Contains(string(cfg), w) {
			t.Errorf("merged config lacks %s:\n%s", w, cfg)
		}
	}
}
