package inference

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"manualbot/inference/testmodel"
	"manualbot/internal/testutil"
)

const tol = 1e-4

func loadModel(t testing.TB, dir string) *Model {
	t.Helper()
	m, err := Load(context.Background(), dir, Options{})
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	return m
}

// sentencePieceText renders ids with tokenizer.json's vocabulary the way a SentencePiece
// decoder does (▁ is a space, <0xNN> a byte), so this test does not depend on the
// tokenizer package.
func sentencePieceText(t testing.TB, dir string, ids []int) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tj struct {
		Model struct {
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(raw, &tj); err != nil {
		t.Fatal(err)
	}
	inv := map[int]string{}
	for s, id := range tj.Model.Vocab {
		inv[id] = s
	}
	var b []byte
	for _, id := range ids {
		p := inv[id]
		if strings.HasPrefix(p, "<0x") && len(p) == 6 {
			v, _ := strconv.ParseUint(p[3:5], 16, 8)
			b = append(b, byte(v))
			continue
		}
		b = append(b, strings.ReplaceAll(p, "▁", " ")...)
	}
	return strings.TrimPrefix(string(b), " ")
}

func TestStoriesGreedyGeneration(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	m := loadModel(t, dir)
	res, err := m.Generate(context.Background(), GenerateRequest{PromptIDs: []int{1}, MaxTokens: 60}, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := sentencePieceText(t, dir, res.IDs)
	const want = "Once upon a time, there was a little girl named Lily."
	if !strings.HasPrefix(text, want) {
		t.Fatalf("greedy text = %q, want it to begin %q (ids %v)", text, want, res.IDs)
	}
	t.Logf("greedy: %q (%s)", text, res.StopReason)
	if res.PromptTokens != 1 || res.StopReason == "" {
		t.Errorf("result = %+v", res)
	}
	// The KV-cache generation must agree with the reference's greedy choice at every step.
	ref := loadRef(t, dir)
	seq := append([]int{1}, res.IDs...)
	refLogits := ref.forward(seq[:len(seq)-1])
	for i, row := range refLogits {
		if got := argmax(row); got != res.IDs[i] {
			t.Fatalf("step %d: generated %d, reference argmax %d", i, res.IDs[i], got)
		}
	}
}

func TestStoriesLogitsMatchReference(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	m := loadModel(t, dir)
	ids := []int{1, 403, 407, 261, 378, 275, 412, 264, 400, 372, 262, 268, 282, 397, 287, 415, 46, 13}
	got, err := m.Logits(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	d := maxDiff(t, got, loadRef(t, dir).forward(ids))
	t.Logf("max relative logit difference %g", d)
	if d > tol {
		t.Fatalf("logits differ from the plain-Go reference by %g (> %g)", d, tol)
	}
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// variants covers the architecture features one at a time on tiny random models.
func variants() []struct {
	name string
	cfg  testmodel.Config
} {
	tiny := testmodel.Tiny
	with := func(f func(*testmodel.Config)) testmodel.Config { c := tiny(); f(&c); return c }
	return []struct {
		name string
		cfg  testmodel.Config
	}{
		{"llama-gqa2", tiny()},
		{"mha-ratio1", with(func(c *testmodel.Config) { c.NumKVHeads = 4 })},
		{"gqa-ratio4", with(func(c *testmodel.Config) { c.NumHeads = 8; c.HeadDim = 4; c.NumKVHeads = 2 })},
		{"qwen2-bias", with(func(c *testmodel.Config) { c.Architecture = "Qwen2ForCausalLM"; c.RopeTheta = 1e6 })},
		{"mistral", with(func(c *testmodel.Config) { c.Architecture = "MistralForCausalLM" })},
		{"llama3-rope", with(func(c *testmodel.Config) {
			c.RopeTheta = 500000
			c.RopeScaling = map[string]any{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
				"high_freq_factor": 4.0, "original_max_position_embeddings": 16}
		})},
		{"linear-rope", with(func(c *testmodel.Config) { c.RopeScaling = map[string]any{"type": "linear", "factor": 2.0} })},
		{"untied-head", with(func(c *testmodel.Config) { c.Tied = false })},
		{"tied-head", with(func(c *testmodel.Config) { c.Tied = true })},
		{"head-dim-12", with(func(c *testmodel.Config) { c.HeadDim = 12 })},
		{"bf16-weights", with(func(c *testmodel.Config) { c.DType = "BF16" })},
		{"f16-weights", with(func(c *testmodel.Config) { c.DType = "F16" })},
		// A head of >= 4M elements is split into row chunks for decode (Config.headChunks).
		{"chunked-head", with(func(c *testmodel.Config) { c.HiddenSize = 64; c.VocabSize = 66000; c.Tied = true })},
		// Linear weights of >= 128K elements are stored in row blocks on multi-core
		// machines (Model.storedShape), taking project's batched and whole-matrix paths.
		{"row-split", with(func(c *testmodel.Config) { c.HiddenSize = 384; c.IntermediateSize = 512; c.HeadDim = 96 })},
	}
}

func writeModel(t testing.TB, c testmodel.Config, seed int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := testmodel.Write(dir, c, seed); err != nil {
		t.Fatal(err)
	}
	return dir
}

var testIDs = []int{1, 5, 17, 42, 3, 96, 60, 7, 7, 31, 88, 12, 0, 54, 23, 9, 70, 2, 44, 13, 65}

// fullForwardMatchesReference loads variant i's random model and checks the full forward
// of ids against the plain-Go reference, returning the model and its logits.
func fullForwardMatchesReference(t *testing.T, i int, cfg testmodel.Config, ids []int) (*Model, [][]float32) {
	t.Helper()
	dir := writeModel(t, cfg, int64(i+1))
	m := loadModel(t, dir)
	got, err := m.Logits(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	d := maxDiff(t, got, loadRef(t, dir).forward(ids))
	limit := forwardTolerance(cfg)
	t.Logf("max relative logit difference %g over %d tokens", d, len(ids))
	if d > limit {
		t.Fatalf("full forward of %d tokens differs from the plain-Go reference by %g (> %g)", len(ids), d, limit)
	}
	return m, got
}

func TestVariantsMatchReference(t *testing.T) {
	for i, v := range variants() {
		t.Run(v.name, func(t *testing.T) { fullForwardMatchesReference(t, i, v.cfg, testIDs) })
	}
}

// TestKVCacheMatchesFullForward feeds a prompt through prefill and then one token per
// decode step, and checks every step's logits against the full-sequence forward.
func TestKVCacheMatchesFullForward(t *testing.T) {
	for i, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			dir := writeModel(t, v.cfg, int64(i+1))
			m := loadModel(t, dir)
			full, err := m.Logits(context.Background(), testIDs)
			if err != nil {
				t.Fatal(err)
			}
			for _, prompt := range []int{1, 5, 16, 17} {
				got := stepLogits(t, m, testIDs, prompt)
				d := maxDiff(t, got, full[prompt-1:])
				t.Logf("prompt %d: max relative difference %g", prompt, d)
				if d > forwardTolerance(v.cfg) {
					// Once seen in CI (bf16, prompt 1, 2.5) and never reproduced here: say
					// which step diverged and whether the same steps again agree, so the
					// next failure tells a wrong kernel from a nondeterministic one.
					again := maxDiff(t, stepLogits(t, m, testIDs, prompt), full[prompt-1:])
					t.Fatalf("prompt %d: cached decode logits differ from full forward by %g (worst at step %d; the same steps again: %g)",
						prompt, d, worstRow(got, full[prompt-1:]), again)
				}
			}
		})
	}
}

// worstRow is the row of got farthest from want (relative, as maxDiff measures).
func worstRow(got, want [][]float32) int {
	row, worst := 0, -1.0
	for i := range want {
		for j := range want[i] {
			d := math.Abs(float64(got[i][j]-want[i][j])) / math.Max(1, math.Abs(float64(want[i][j])))
			if d > worst {
				row, worst = i, d
			}
		}
	}
	return row
}

// TestLongSequencesMatchReference covers what the 21 shared test ids cannot: forwards
// longer than causalBlockRows, whose attention runs in query-row blocks (attention.go),
// with a last block shorter than the others (full forward of 150) and a prefill padded
// to a bucket of 256 with 126 padding rows.
func TestLongSequencesMatchReference(t *testing.T) {
	ids := make([]int, 150)
	for i := range ids {
		ids[i] = (i*37 + 11) % 97
	}
	all := variants()
	for _, i := range []int{0, 2, 3} { // llama-gqa2, gqa-ratio4, qwen2-bias
		v := all[i]
		t.Run(v.name, func(t *testing.T) {
			m, full := fullForwardMatchesReference(t, i, v.cfg, ids)
			if d := maxDiff(t, stepLogits(t, m, ids, 130), full[129:]); d > tol {
				t.Fatalf("prefill of 130 then decode differs from the full forward by %g", d)
			}
		})
	}
}

// stepLogits prefills ids[:prompt] and decodes the rest one token at a time, returning
// the logits after the prompt and after each decoded token.
func stepLogits(t testing.TB, m *Model, ids []int, prompt int) [][]float32 {
	t.Helper()
	st := m.state.Load()
	padded := bucket(prompt, 16, m.maxCtx)
	capacity := max(bucket(len(ids), 64, m.maxCtx), padded)
	tok := make([]int32, padded)
	for i := range prompt {
		tok[i] = int32(ids[i])
	}
	logits, caches, err := m.prefill(st, tok, prompt-1, capacity)
	if err != nil {
		t.Fatal(err)
	}
	out := [][]float32{logits}
	for pos := prompt; pos < len(ids); pos++ {
		logits, caches, err = m.step(st, []int32{int32(ids[pos])}, pos, 0, caches)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, logits)
	}
	finalizeAll(caches)
	return out
}

// TestChunkedHeadEmbedsFromEveryChunk checks the embedding lookup from a tied head kept
// as row chunks (head.go) with ids on both sides of a chunk boundary: the shared test ids
// all fall in the first chunk.
func TestChunkedHeadEmbedsFromEveryChunk(t *testing.T) {
	c := testmodel.Tiny()
	c.HiddenSize, c.VocabSize, c.Tied = 64, 66000, true
	dir := writeModel(t, c, 7)
	m := loadModel(t, dir)
	if len(m.head) < 2 {
		t.Fatalf("head kept as %d chunks, want several", len(m.head))
	}
	rows := m.cfg.headChunks()
	ids := []int{1, rows[0] - 1, rows[0], rows[0] + 1, c.VocabSize - 1, 5, rows[0] + rows[1]/2}
	got, err := m.Logits(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(t, got, loadRef(t, dir).forward(ids)); d > tol {
		t.Fatalf("logits differ from the plain-Go reference by %g (> %g)", d, tol)
	}
	if d := maxDiff(t, stepLogits(t, m, ids, 3), got[2:]); d > tol {
		t.Fatalf("cached decode logits differ from full forward by %g", d)
	}
}

// TestLargeLinearsStoredInRowBlocks checks the row-split variant really is split where
// the machine has several cores (elsewhere weights keep [out, in]).
func TestLargeLinearsStoredInRowBlocks(t *testing.T) {
	for i, v := range variants() {
		if v.name != "row-split" {
			continue
		}
		m := loadModel(t, writeModel(t, v.cfg, int64(i+1)))
		li := m.lay.layers[0]
		want := 2
		if m.split > 1 {
			want = 3
		}
		for _, w := range []int{li.q, li.o, li.gate, li.up, li.down} {
			if r := m.base[w].Shape().Rank(); r != want {
				t.Errorf("%s stored with rank %d, want %d (split %d)", m.lay.specs[w].Name, r, want, m.split)
			}
		}
	}
}
