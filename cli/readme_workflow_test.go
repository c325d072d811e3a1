package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// readmeAdapterCommands returns the commands of the README's adapters section as argument
// lists (the leading ./manualbot dropped), with $M replaced by model.
func readmeAdapterCommands(t *testing.T, model string) [][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Adapters")
	if !ok {
		t.Fatal("README.md has no Adapters section")
	}
	_, block, ok := strings.Cut(section, "```sh\n")
	if !ok {
		t.Fatal("the Adapters section has no sh block")
	}
	block, _, _ = strings.Cut(block, "```")
	var out [][]string
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, "./manualbot ")
		if !ok {
			if line != "" && !strings.HasPrefix(line, "M=") && !strings.HasPrefix(line, "#") {
				t.Fatalf("README line %q is neither M=... nor ./manualbot ...", line)
			}
			continue
		}
		out = append(out, shellWords(t, strings.ReplaceAll(rest, "$M", model)))
	}
	if len(out) < 5 {
		t.Fatalf("only %d commands in the README's adapters block", len(out))
	}
	return out
}

// shellWords splits a command line on spaces, keeping double-quoted words whole.
func shellWords(t *testing.T, s string) []string {
	var out []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quote in %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

var heldOutLoss = regexp.MustCompile(`held-out loss ([0-9.]+) -> ([0-9.]+)`)

// TestReadmeAdapterWorkflow runs every command of the README's adapters section, as
// written, on stories260K in a fresh folder holding only the clone's examples, after the
// README's first command (ingest examples/manuals). Tuning on the serving prompt must lower
// the held-out loss; the composition must answer ask, name itself, and give the same greedy
// ids as generate with its exported PEFT adapter; nothing may be written outside data/.
func TestReadmeAdapterWorkflow(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("trains two adapters and tunes their composition (a few minutes; single-threaded work the race run need not repeat)")
	}
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	model := testutil.Fixture(t, "models/stories260K")
	cmds := readmeAdapterCommands(t, model)
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "examples"), os.DirFS(filepath.Join(testutil.RepoRoot(t), "examples"))); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if _, stderr, err := runCLI(t, "ingest", "examples/manuals"); err != nil {
		t.Fatalf("ingest: %v\n%s", err, stderr)
	}
	outputs := map[string]string{}
	for _, args := range cmds {
		stdout, stderr, err := runCLI(t, args...)
		if err != nil {
			t.Fatalf("README command %q: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		outputs[args[0]+" "+args[1]] += stdout
		t.Logf("%s\n%s", strings.Join(args, " "), stdout)
	}

	m := heldOutLoss.FindStringSubmatch(outputs["adapters tune"])
	if m == nil {
		t.Fatalf("tune printed no held-out loss:\n%s", outputs["adapters tune"])
	}
	before, _ := strconv.ParseFloat(m[1], 64)
	after, _ := strconv.ParseFloat(m[2], 64)
	if !(after < before) {
		t.Errorf("tuning on the serving prompt did not lower the held-out loss: %v -> %v", before, after)
	}
	if show := outputs["adapters show"]; !strings.Contains(show, "weights learned") || !strings.Contains(show, "q_proj") || !strings.Contains(show, "mean") {
		t.Errorf("show prints no learned weights table:\n%s", show)
	}
	if ask := outputs["ask --model"]; !strings.Contains(ask, "(composition: brew+qa, learned weights of brew, qa)") {
		t.Errorf("ask does not name the composition:\n%s", ask)
	}
	if list := outputs["adapters list"]; !strings.Contains(list, "brew+qa") || !strings.Contains(list, "composition") || !strings.Contains(list, "brewmaster") {
		t.Errorf("list does not show the composition with its product:\n%s", list)
	}

	// ask --composition and generate --adapter with the exported PEFT folder: same greedy ids.
	stdout, stderr, err := runCLI(t, "ask", "--model", model, "--composition", "brew+qa", "--max-tokens", "24", "--json", "How do I descale the Brewmaster 3000?")
	if err != nil {
		t.Fatalf("ask --json: %v\n%s", err, stderr)
	}
	var ans struct {
		IDs     []int `json:"ids"`
		Timings struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"timings"`
		Composition struct {
			Name     string   `json:"name"`
			Path     string   `json:"path"`
			Adapters []string `json:"adapters"`
			Learned  bool     `json:"learned"`
			Weights  struct {
				PerKind  map[string][]float64            `json:"per_kind"`
				PerLayer map[string]map[string][]float64 `json:"per_layer"`
			} `json:"weights"`
		} `json:"composition"`
	}
	if err := json.Unmarshal([]byte(stdout), &ans); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	c := ans.Composition
	if c.Name != "brew+qa" || !c.Learned || !slices.Equal(c.Adapters, []string{"brew", "qa"}) || len(c.Weights.PerLayer) != 5 || len(c.Weights.PerKind["q_proj"]) != 2 {
		t.Fatalf("ask --json composition = %+v", c)
	}
	if w := c.Weights.PerKind["q_proj"]; w[0] == 0.5 && w[1] == 0.5 {
		t.Errorf("the learned weights are still the initial 0.5/0.5")
	}
	n := ans.Timings.PromptTokens
	if n == 0 || len(ans.IDs) <= n {
		t.Fatalf("ask --json gave %d ids for %d prompt tokens", len(ans.IDs), n)
	}
	prompt := make([]string, n)
	for i, id := range ans.IDs[:n] {
		prompt[i] = fmt.Sprint(id)
	}
	stdout, stderr, err = runCLI(t, "generate", "--model", model, "--adapter", filepath.Join("data", "adapters", "brew+qa"),
		"--prompt-ids", strings.Join(prompt, " "), "--max-tokens", "24", "--repetition-penalty", "1.1", "--json")
	if err != nil {
		t.Fatalf("generate --adapter: %v\n%s", err, stderr)
	}
	var gen struct {
		IDs []int `json:"ids"`
	}
	if err := json.Unmarshal([]byte(stdout), &gen); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if !slices.Equal(gen.IDs, ans.IDs) {
		t.Errorf("generate --adapter (exported PEFT) ids differ from ask --composition:\n%v\n%v", gen.IDs[n:], ans.IDs[n:])
	}

	// show takes the folder too, and --json has every layer's learned weights.
	stdout, stderr, err = runCLI(t, "adapters", "show", "--json", filepath.Join(dir, "data", "adapters", "brew+qa"))
	if err != nil {
		t.Fatalf("show DIR --json: %v\n%s", err, stderr)
	}
	var shown struct {
		Rank        int    `json:"rank"`
		Skill       string `json:"skill"`
		Composition struct {
			Sources []struct {
				Name, Sha256 string
			} `json:"sources"`
			Learned bool `json:"learned"`
			Weights struct {
				PerLayer map[string]map[string][]float64 `json:"per_layer"`
			} `json:"weights"`
		} `json:"composition"`
	}
	if err := json.Unmarshal([]byte(stdout), &shown); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	// brew has rank 4 and qa rank 8: CAT merges unequal ranks exactly, to rank 12.
	if shown.Rank != 12 || shown.Skill != "composition" || !shown.Composition.Learned || len(shown.Composition.Sources) != 2 ||
		len(shown.Composition.Sources[0].Sha256) != 64 || !slices.Equal(shown.Composition.Weights.PerLayer["4"]["down_proj"], c.Weights.PerLayer["4"]["down_proj"]) {
		t.Errorf("show DIR --json = %+v", shown)
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"data", "examples"}) {
		t.Errorf("the workflow wrote outside data/: %v", names)
	}
}
