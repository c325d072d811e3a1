package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"manualbot/internal/testutil"
	"manualbot/qa"
)

func TestAskRetrievalOnlyOnTheExampleManual(t *testing.T) {
	data := t.TempDir()
	manuals := testutil.RepoRoot(t) + "/examples/manuals"
	if _, _, err := runCLI(t, "--data-dir", data, "ingest", manuals); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	out, _, err := runCLI(t, "--data-dir", data, "ask", "--json", "How do I descale the Brewmaster 3000?")
	if err != nil {
		t.Fatal(err)
	}
	var ans qa.Answer
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("ask --json is not one JSON object: %v\n%s", err, out)
	}
	if !ans.RetrievalOnly || len(ans.Citations) == 0 || !strings.Contains(ans.Text, "Generation is off") {
		t.Fatalf("answer = %+v", ans)
	}
	found := false
	for _, c := range ans.Citations {
		found = found || strings.Contains(c.Section, "Descal")
	}
	if !found {
		t.Errorf("no citation of a descaling section: %+v", ans.Citations)
	}

	out, _, err = runCLI(t, "--data-dir", data, "ask", "What is the airspeed velocity of an unladen swallow?")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, qa.NothingFound) {
		t.Errorf("an unrelated question should find nothing, got:\n%s", out)
	}
}

func TestAskWithoutIndex(t *testing.T) {
	_, _, err := runCLI(t, "--data-dir", t.TempDir(), "ask", "anything")
	if err == nil || !strings.Contains(err.Error(), "manualbot ingest") {
		t.Fatalf("err = %v, want a hint to run ingest", err)
	}
}
