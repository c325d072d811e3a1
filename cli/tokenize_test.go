package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

// runWithStdin runs the command line through NewRoot, as main does, feeding stdin.
func runWithStdin(t *testing.T, stdin string, args ...string) (stdout string, err error) {
	t.Helper()
	t.Setenv("MANUALBOT_LOG_LEVEL", "error")
	t.Setenv("MANUALBOT_DATA_DIR", t.TempDir())
	var out, errb bytes.Buffer
	root := NewRoot(strings.NewReader(stdin), &out, &errb)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), err
}

// firstGolden returns the first golden line of a tokenizer: its text as a JSON line and
// its ids as the JSON array the command must print.
func firstGolden(t *testing.T, dir, name string) (in, want string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "golden.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var g struct {
			Tokenizer string `json:"tokenizer"`
			Text      string `json:"text"`
			IDs       []int  `json:"ids"`
		}
		if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
			t.Fatal(err)
		}
		if g.Tokenizer == name {
			text, _ := json.Marshal(g.Text)
			ids, _ := json.Marshal(g.IDs)
			return string(text), string(ids)
		}
	}
	t.Fatalf("no golden line for %s", name)
	return "", ""
}

func TestTokenizeCommand(t *testing.T) {
	fixtures := testutil.Fixture(t, "tokenizers")
	llamaIn, llamaWant := firstGolden(t, fixtures, "llama3")
	mistral := testutil.Fixture(t, "tokenizers/mistral")
	llama3 := testutil.Fixture(t, "tokenizers/llama3")

	tests := []struct {
		name    string
		args    []string
		stdin   string
		want    string // exact stdout
		wantErr string // substring of the error
	}{
		{"golden line", []string{"tokenize", "--model", llama3}, llamaIn + "\n", llamaWant + "\n", ""},
		{"two lines, no trailing newline", []string{"tokenize", "--model", mistral}, "\"Hello\"\n\"\"", "[22557]\n[]\n", ""},
		{"add special", []string{"tokenize", "--model", mistral, "--add-special"}, "\"Hello\"\n", "[1,22557]\n", ""},
		{"bad line names its number", []string{"tokenize", "--model", mistral}, "\"Hello\"\nHello\n", "[22557]\n", "line 2"},
		{"empty line is bad", []string{"tokenize", "--model", mistral}, "\n", "", "line 1"},
		{"no model", []string{"tokenize"}, "\"x\"\n", "", "--model"},
		{"missing model dir", []string{"tokenize", "--model", filepath.Join(t.TempDir(), "none")}, "\"x\"\n", "", "tokenizer.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := runWithStdin(t, tc.stdin, tc.args...)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("error: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("stdout = %q, want %q", got, tc.want)
			}
		})
	}
}
