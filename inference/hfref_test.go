package inference

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"manualbot/internal/testutil"
)

// hfrefTolerance is how far a logit may be from Hugging Face's (both f32).
const hfrefTolerance = 1e-4

// hfrefStories is testdata/hfref/stories.json, written by scripts/reference/hf_reference.py
// with transformers: a plain greedy loop from BOS and the logits of the whole sequence at a
// few positions.
type hfrefStories struct {
	IDs    []int                `json:"ids"`
	Logits map[string][]float32 `json:"logits"`
}

// loadHFRefStories reads the transformers reference for stories260K.
func loadHFRefStories(t *testing.T) hfrefStories {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "testdata", "hfref", "stories.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s hfrefStories
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if len(s.IDs) != 61 || s.IDs[0] != 1 || len(s.Logits) == 0 {
		t.Fatalf("stories.json: %d ids starting %v, %d logit rows: not what hf_reference.py writes", len(s.IDs), s.IDs[:1], len(s.Logits))
	}
	return s
}

// TestHFRefStories checks the Go backend against transformers on stories260K: greedy
// generation (unfused path with the KV cache) reproduces transformers' ids exactly, and
// the full-sequence logits match at the recorded positions.
func TestHFRefStories(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a model")
	}
	ctx := context.Background()
	ref := loadHFRefStories(t)
	m, err := Load(ctx, testutil.Fixture(t, "models/stories260K"), Options{Backend: "go"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("greedy", func(t *testing.T) {
		res, err := m.Generate(ctx, GenerateRequest{PromptIDs: ref.IDs[:1], MaxTokens: len(ref.IDs) - 1, IgnoreEOS: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := append([]int{ref.IDs[0]}, res.IDs...)
		if !slices.Equal(got, ref.IDs) {
			for i := range min(len(got), len(ref.IDs)) {
				if got[i] != ref.IDs[i] {
					t.Fatalf("greedy ids diverge from transformers at position %d: got %d, want %d\ngot  %v\nwant %v", i, got[i], ref.IDs[i], got, ref.IDs)
				}
			}
			t.Fatalf("greedy ids: got %d ids, want %d\ngot  %v\nwant %v", len(got), len(ref.IDs), got, ref.IDs)
		}
	})

	t.Run("logits", func(t *testing.T) {
		rows, err := m.Logits(ctx, ref.IDs)
		if err != nil {
			t.Fatal(err)
		}
		positions := make([]int, 0, len(ref.Logits))
		for p := range ref.Logits {
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(rows) {
				t.Fatalf("stories.json: position %q is not in the sequence", p)
			}
			positions = append(positions, i)
		}
		slices.Sort(positions)
		worst := 0.0
		for _, i := range positions {
			want := ref.Logits[strconv.Itoa(i)]
			if len(rows[i]) != len(want) {
				t.Fatalf("position %d: %d logits, transformers has %d", i, len(rows[i]), len(want))
			}
			d := 0.0
			for j := range want {
				d = max(d, math.Abs(float64(rows[i][j])-float64(want[j])))
			}
			worst = max(worst, d)
			t.Logf("position %2d: max |logit - transformers| = %.3g", i, d)
			if d > hfrefTolerance {
				t.Errorf("position %d: max |logit - transformers| = %g > %g", i, d, hfrefTolerance)
			}
		}
		t.Logf("all positions: max |logit - transformers| = %.3g", worst)
	})
}
