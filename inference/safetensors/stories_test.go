package safetensors

import (
	"path/filepath"
	"slices"
	"testing"

	"manualbot/internal/testutil"
)

func TestStories260K(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	for _, path := range []string{dir, filepath.Join(dir, ModelFile)} {
		s, err := OpenDir(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		tests := []struct {
			name  string
			shape []int
		}{
			{"model.embed_tokens.weight", []int{512, 64}},
			{"model.layers.0.self_attn.k_proj.weight", []int{32, 64}},
			{"model.layers.4.mlp.down_proj.weight", []int{64, 172}},
			{"model.norm.weight", []int{64}},
		}
		for _, tc := range tests {
			info, ok := s.Info(tc.name)
			if !ok || info.DType != F32 || !slices.Equal(info.Shape, tc.shape) {
				t.Errorf("%s: %+v, want F32 %v", tc.name, info, tc.shape)
				continue
			}
			v, err := s.Float32(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if i, bad := HasNonFinite(v); bad {
				t.Errorf("%s: non-finite value at %d", tc.name, i)
			}
		}
		if got := len(s.Names()); got != 48 {
			t.Errorf("%d tensors, want 48", got)
		}
		if m := s.Metadata(); m["format"] != "pt" {
			t.Errorf("metadata %v", m)
		}
	}
}
