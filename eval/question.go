package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Question is one evaluation item. Answers holds every acceptable reference answer;
// scores take the best match over them, as SQuAD does.
type Question struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answers  []string `json:"answers"`
	// SourceDoc and SourceSection name the passage that holds the answer, when known;
	// citation accuracy and recall@k are computed only over questions that name one.
	SourceDoc     string `json:"source_doc,omitempty"`
	SourceSection string `json:"source_section,omitempty"`
	// Context is an optional gold passage, for methods that answer from given context
	// instead of retrieving it.
	Context string `json:"context,omitempty"`
	// Uncovered marks a question the manuals do not answer: the right answer is a refusal.
	// It needs no reference answer, counts in the refusal rate, and stays out of EM, F1 and
	// ROUGE-L.
	Uncovered bool `json:"uncovered,omitempty"`
}

// HasSource reports whether the question names the passage its answer comes from.
func (q Question) HasSource() bool { return q.SourceDoc != "" || q.SourceSection != "" }

// questionLine is the file format: "answers" (a list) or "answer" (one string).
type questionLine struct {
	Question
	Answer *string `json:"answer,omitempty"`
}

// ReadQuestions parses JSONL questions (blank lines skipped). Errors name the line, so
// a hand-edited file can be fixed without guessing.
func ReadQuestions(r io.Reader) ([]Question, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var out []Question
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		q, err := parseQuestion(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if q.ID == "" {
			q.ID = fmt.Sprintf("line%d", n)
		}
		if prev, dup := seen[q.ID]; dup {
			return nil, fmt.Errorf("line %d: id %q already used on line %d", n, q.ID, prev)
		}
		seen[q.ID] = n
		out = append(out, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read questions: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("no questions")
	}
	return out, nil
}

func parseQuestion(line []byte) (Question, error) {
	var ql questionLine
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&ql); err != nil {
		return Question{}, fmt.Errorf("bad JSON: %w", err)
	}
	q := ql.Question
	if ql.Answer != nil {
		q.Answers = append([]string{*ql.Answer}, q.Answers...)
	}
	q.Question = strings.TrimSpace(q.Question)
	if q.Question == "" {
		return Question{}, errors.New(`"question" is missing or empty`)
	}
	var answers []string
	for _, a := range q.Answers {
		if strings.TrimSpace(a) != "" {
			answers = append(answers, a)
		}
	}
	if len(answers) == 0 && !q.Uncovered {
		return Question{}, errors.New(`no reference answer: give "answers" (a list) or "answer"`)
	}
	q.Answers = answers
	return q, nil
}

// LoadQuestions reads a JSONL questions file.
func LoadQuestions(path string) ([]Question, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load questions: %w", err)
	}
	defer f.Close()
	qs, err := ReadQuestions(f)
	if err != nil {
		return nil, fmt.Errorf("load questions %s: %w", path, err)
	}
	return qs, nil
}
