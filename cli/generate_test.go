package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"manualbot/inference/testmodel"
	"manualbot/internal/testutil"
)

const storiesStart = "Once upon a time, there was a little girl named Lily."

func TestGenerateCommandReproducesStories(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	out, err := runWithStdin(t, "", "generate", "--model", dir, "--temperature", "0", "--max-tokens", "60", "--prompt-ids", "1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, storiesStart) {
		t.Fatalf("stdout = %q, want it to begin %q", out, storiesStart)
	}

	out, err = runWithStdin(t, "", "generate", "--model", dir, "--temperature", "0", "--max-tokens", "12", "--json", "Once upon a time")
	if err != nil {
		t.Fatal(err)
	}
	var got generateOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if got.PromptTokens < 2 || got.GeneratedTokens != 12 || len(got.IDs) != got.PromptTokens+12 || got.IDs[0] != 1 {
		t.Fatalf("--json = %+v", got)
	}
	if !strings.HasPrefix(got.Text, ", there was a little girl") {
		t.Fatalf("text = %q", got.Text)
	}
}

func TestGenerateCommandWithoutTokenizerStreamsIDs(t *testing.T) {
	dir := t.TempDir()
	if err := testmodel.Write(dir, testmodel.Tiny(), 1); err != nil {
		t.Fatal(err)
	}
	out, err := runWithStdin(t, "", "generate", "--model", dir, "--max-tokens", "5", "--prompt-ids", "1 2 3")
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(out); len(f) != 5 {
		t.Fatalf("stdout = %q, want 5 ids", out)
	}
}

func TestGenerateCommandErrors(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"generate", "--prompt-ids", "1"}, "no model"},
		{[]string{"generate", "--model", dir}, "either a PROMPT"},
		{[]string{"generate", "--model", dir, "--prompt-ids", "1", "hello"}, "not both"},
		{[]string{"generate", "--model", dir, "--prompt-ids", "1 x"}, "not an integer"},
		{[]string{"generate", "--model", dir, "--prompt-ids", "1 512"}, "outside the vocabulary"},
		{[]string{"generate", "--model", dir, "--adapter", "/nonexistent/a", "--prompt-ids", "1"}, "load adapter /nonexistent/a"},
		{[]string{"generate", "--model", dir, "--adapter", dir + ":abc", "--prompt-ids", "1"}, `weight "abc" is not a number`},
		{[]string{"generate", "--model", dir, "\xff"}, "UTF-8"},
		{[]string{"bench", "--model", dir, "--gen-tokens", "1"}, "gen-tokens"},
	}
	for _, c := range cases {
		_, err := runWithStdin(t, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to contain %q", c.args, err, c.want)
		}
	}
}

func TestBenchCommand(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	out, err := runWithStdin(t, "", "bench", "--model", dir, "--prompt-tokens", "16", "--gen-tokens", "8", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got benchOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bench --json %q: %v", out, err)
	}
	if got.PrefillTokensPerS <= 0 || got.DecodeTokensPerS <= 0 || got.PeakRSSBytes <= 0 || got.GeneratedTokens != 8 {
		t.Fatalf("bench = %+v", got)
	}
}

// TestBenchConcurrency: --concurrency N sends N requests at once and reports their
// aggregate rates and latencies alongside the single stream.
func TestBenchConcurrency(t *testing.T) {
	dir := testutil.Fixture(t, "models/stories260K")
	out, err := runWithStdin(t, "", "bench", "--model", dir, "--prompt-tokens", "16", "--gen-tokens", "8", "--concurrency", "3", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got benchOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bench --json %q: %v", out, err)
	}
	c := got.Concurrent
	if c == nil || c.Concurrency != 3 || c.AggregateTokensPerS <= 0 || c.AggregateDecodeTokensPerS <= 0 || c.DecodeSpeedup <= 0 {
		t.Fatalf("bench --concurrency 3 = %+v", c)
	}
	if c.TTFTP50S <= 0 || c.TTFTMaxS < c.TTFTP50S || c.LatencyMaxS < c.LatencyP50S || c.LatencyP50S < c.TTFTP50S || c.WallS < c.LatencyMaxS {
		t.Fatalf("inconsistent latencies: %+v", c)
	}
	if _, err := runWithStdin(t, "", "bench", "--model", dir, "--concurrency", "-1"); err == nil || !strings.Contains(err.Error(), "concurrency") {
		t.Fatalf("negative --concurrency: %v", err)
	}
}
