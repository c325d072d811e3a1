package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadQuestions(t *testing.T) {
	in := `{"id":"q1","question":"What colour is the button on the Zibble?","answers":["blue","light blue"],"source_doc":"manual.md","source_section":"The Zibble"}

{"question":" Who? ","answer":"Tom","context":"Tom came.","extra":"ignored"}
{"id":"q3","question":"x","answer":"a","answers":["b"]}
`
	qs, err := ReadQuestions(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 3 {
		t.Fatalf("got %d questions", len(qs))
	}
	if q := qs[0]; q.ID != "q1" || len(q.Answers) != 2 || !q.HasSource() || q.SourceSection != "The Zibble" {
		t.Errorf("q1 = %+v", q)
	}
	if q := qs[1]; q.ID != "line3" || q.Question != "Who?" || q.Answers[0] != "Tom" || q.HasSource() || q.Context != "Tom came." {
		t.Errorf("second = %+v", q)
	}
	if got := qs[2].Answers; len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("answer+answers = %v", got)
	}
}

func TestReadQuestionsErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bad json", "{\"question\":\"a\",\"answer\":\"b\"}\n{oops\n", "line 2: bad JSON"},
		{"no question", `{"answer":"b"}`, `line 1: "question" is missing`},
		{"no answer", `{"question":"a","answers":[" "]}`, "line 1: no reference answer"},
		{"duplicate id", "{\"id\":\"x\",\"question\":\"a\",\"answer\":\"b\"}\n{\"id\":\"x\",\"question\":\"c\",\"answer\":\"d\"}", `line 2: id "x" already used on line 1`},
		{"empty", "\n\n", "no questions"},
		{"wrong type", `{"question":"a","answers":"b"}`, "line 1: bad JSON"},
	}
	for _, tc := range tests {
		_, err := ReadQuestions(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadQuestions(t *testing.T) {
	p := filepath.Join(t.TempDir(), "q.jsonl")
	if err := os.WriteFile(p, []byte(`{"question":"a","answer":"b"}`+"\n{\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadQuestions(p)
	if err == nil || !strings.Contains(err.Error(), p+": line 2") {
		t.Errorf("err = %v, want the path and line", err)
	}
	if _, err := LoadQuestions(filepath.Join(t.TempDir(), "none.jsonl")); err == nil {
		t.Error("missing file: no error")
	}
}
