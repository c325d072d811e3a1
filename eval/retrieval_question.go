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

// RetrievalQuestion is one item of a retrieval evaluation: a question as people ask it,
// the documents that answer it and, to pin the passage down, the section and/or pages.
// An Uncovered question is one no manual answers: the right result is a refusal.
type RetrievalQuestion struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	// Docs lists the acceptable documents, each the end of a source path
	// ("bash/bashref.pdf"): a manual shipped as PDF and HTML names both.
	Docs []string `json:"docs,omitempty"`
	// Section, when set, is a heading the passage's section path must contain (case
	// folded). Page..PageEnd, when Page is set, is the range a paged passage may start in.
	Section string `json:"section,omitempty"`
	Page    int    `json:"page,omitempty"`
	PageEnd int    `json:"page_end,omitempty"`
	// Also lists other passages that answer the question as well (judged by reading
	// them): another section, another manual.
	Also      []RetrievalTarget `json:"also,omitempty"`
	Uncovered bool              `json:"uncovered,omitempty"`
}

// Manual names the manual that answers q, for per-manual figures: the first folder of
// its first document ("postgresql-doc-15/html/sql-vacuum.html" -> "postgresql-doc-15"),
// or the document itself when it has no folder; empty for an uncovered question.
func (q RetrievalQuestion) Manual() string {
	if len(q.Docs) == 0 {
		return ""
	}
	m, _, _ := strings.Cut(q.Docs[0], "/")
	return m
}

// RetrievalTarget is one more answering place: documents (Docs; the question's own when
// empty) and a section or page range, as in RetrievalQuestion.
type RetrievalTarget struct {
	Docs    []string `json:"docs,omitempty"`
	Section string   `json:"section,omitempty"`
	Page    int      `json:"page,omitempty"`
	PageEnd int      `json:"page_end,omitempty"`
}

// Relevant says whether a retrieved passage answers q: one of q's documents and, when q
// names them, its section or its page range. Either locator is enough, because a PDF's
// passages cite pages whether or not the reader found the section's heading.
func (q RetrievalQuestion) Relevant(p RetrievedPassage) bool {
	if q.Uncovered {
		return false
	}
	if (RetrievalTarget{Docs: q.Docs, Section: q.Section, Page: q.Page, PageEnd: q.PageEnd}).matches(p) {
		return true
	}
	for _, t := range q.Also {
		if len(t.Docs) == 0 {
			t.Docs = q.Docs
		}
		if t.matches(p) {
			return true
		}
	}
	return false
}

func (q RetrievalTarget) matches(p RetrievedPassage) bool {
	docOK := false
	src := strings.ToLower(p.Source)
	for _, d := range q.Docs {
		if d = strings.ToLower(d); src == d || strings.HasSuffix(src, "/"+d) {
			docOK = true
			break
		}
	}
	if !docOK {
		return false
	}
	if q.Section == "" && q.Page == 0 {
		return true
	}
	if q.Section != "" && strings.Contains(strings.ToLower(p.Section), strings.ToLower(q.Section)) {
		return true
	}
	if q.Page > 0 && p.Page > 0 {
		end := max(q.PageEnd, q.Page)
		return p.Page >= q.Page && p.Page <= end
	}
	return false
}

// ReadRetrievalQuestions parses JSONL retrieval questions (blank lines skipped); errors
// name the line.
func ReadRetrievalQuestions(r io.Reader) ([]RetrievalQuestion, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var out []RetrievalQuestion
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var q RetrievalQuestion
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&q); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		switch {
		case strings.TrimSpace(q.Question) == "":
			return nil, fmt.Errorf("line %d: no question", n)
		case q.Uncovered && len(q.Docs) > 0:
			return nil, fmt.Errorf("line %d: an uncovered question names documents", n)
		case !q.Uncovered && len(q.Docs) == 0:
			return nil, fmt.Errorf("line %d: name the answering documents (docs) or mark it uncovered", n)
		case q.PageEnd > 0 && q.PageEnd < q.Page:
			return nil, fmt.Errorf("line %d: page_end %d before page %d", n, q.PageEnd, q.Page)
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
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no questions")
	}
	return out, nil
}

// LoadRetrievalQuestions reads a retrieval questions file.
func LoadRetrievalQuestions(path string) ([]RetrievalQuestion, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("retrieval questions: %w", err)
	}
	defer f.Close()
	qs, err := ReadRetrievalQuestions(f)
	if err != nil {
		return nil, fmt.Errorf("retrieval questions %s: %w", path, err)
	}
	return qs, nil
}
