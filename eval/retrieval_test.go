package eval

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"manualbot/internal/testutil"
)

func TestRetrievalRelevant(t *testing.T) {
	q := RetrievalQuestion{Docs: []string{"bash/bashref.pdf", "bash/bashref.html"}, Section: "Pipelines", Page: 16, PageEnd: 17,
		Also: []RetrievalTarget{{Section: "Exit Status"}, {Docs: []string{"other.md"}}}}
	for _, tc := range []struct {
		p    RetrievedPassage
		want bool
	}{
		{RetrievedPassage{Source: "/usr/share/doc/bash/bashref.html", Section: "3 Basic > 3.2.3 Pipelines"}, true},
		{RetrievedPassage{Source: "/usr/share/doc/bash/bashref.pdf", Section: "4 Builtins", Page: 17}, true}, // by page
		{RetrievedPassage{Source: "/usr/share/doc/bash/bashref.pdf", Section: "4 Builtins", Page: 18}, false},
		{RetrievedPassage{Source: "/x/bash/bashref.pdf", Section: "3.7.5 Exit Status"}, true}, // also: same docs
		{RetrievedPassage{Source: "/x/other.md", Section: "anything"}, true},                  // also: another doc
		{RetrievedPassage{Source: "/x/notbash/bashref.pdf.gz", Section: "Pipelines"}, false},
		{RetrievedPassage{Source: "/x/mybash/bashref.pdf", Section: "Pipelines"}, false}, // whole path parts only
	} {
		if got := q.Relevant(tc.p); got != tc.want {
			t.Errorf("%+v: relevant %v, want %v", tc.p, got, tc.want)
		}
	}
	if (RetrievalQuestion{Uncovered: true}).Relevant(RetrievedPassage{Source: "a"}) {
		t.Error("an uncovered question has no relevant passage")
	}
}

func TestNDCG(t *testing.T) {
	l := math.Log2
	for _, tc := range []struct {
		rels []bool
		want float64
	}{
		{[]bool{true}, 1},
		{[]bool{false, false, true}, 1 / l(4)},
		{[]bool{true, false, true}, (1 + 1/l(4)) / (1 + 1/l(3))},
		{[]bool{false, false}, 0},
	} {
		if got := ndcg(tc.rels); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("ndcg(%v) = %v, want %v", tc.rels, got, tc.want)
		}
	}
}

// TestRunRetrieval scores a system that answers from a fixed table.
func TestRunRetrieval(t *testing.T) {
	qs := []RetrievalQuestion{
		{ID: "a", Question: "qa", Docs: []string{"m1/a.md"}},
		{ID: "b", Question: "qb", Docs: []string{"m1/b.md"}},
		{ID: "c", Question: "qc", Docs: []string{"m2/c.md"}},
		{ID: "d", Question: "qd", Docs: []string{"m2/d.md"}},
		{ID: "u1", Question: "qu1", Uncovered: true},
		{ID: "u2", Question: "qu2", Uncovered: true},
	}
	ps := func(docs ...string) []RetrievedPassage {
		var out []RetrievedPassage
		for _, d := range docs {
			out = append(out, RetrievedPassage{Source: "/m/" + d})
		}
		return out
	}
	answers := map[string]Retrieval{
		"qa":  {Passages: ps("m1/a.md")},                                    // rank 1
		"qb":  {Passages: ps("x", "x", "m1/b.md")},                          // rank 3
		"qc":  {Passages: ps("x", "x", "x", "x", "x", "x", "x", "m2/c.md")}, // rank 8
		"qd":  {Refused: true},                                              // a miss
		"qu1": {Refused: true},
		"qu2": {Passages: ps("x")},
	}
	sys := RetrievalSystem{Name: "table", Retrieve: func(_ context.Context, q string, k int) (Retrieval, error) {
		if k != RetrievalDepth {
			t.Errorf("k %d, want %d", k, RetrievalDepth)
		}
		return answers[q], nil
	}}
	rep, err := RunRetrieval(context.Background(), []RetrievalSystem{sys}, qs)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Systems[0]
	want := RetrievalScores{System: "table", Covered: 4, Uncovered: 2, Recall1: 0.25, Recall5: 0.5, Recall10: 0.75,
		MRR10: (1 + 1.0/3 + 1.0/8) / 4, NDCG10: (1 + 1/math.Log2(4) + 1/math.Log2(9)) / 4, Refused: 0.5, CoveredRefused: 0.25}
	if math.Abs(s.MRR10-want.MRR10) > 1e-12 || math.Abs(s.NDCG10-want.NDCG10) > 1e-12 {
		t.Errorf("MRR %v nDCG %v, want %v %v", s.MRR10, s.NDCG10, want.MRR10, want.NDCG10)
	}
	// By manual: m1 answers a (rank 1) and b (rank 3), m2 c (rank 8) and d (refused).
	wantManuals := []ManualScores{
		{Manual: "m1", Covered: 2, Recall5: 1, MRR10: (1 + 1.0/3) / 2},
		{Manual: "m2", Covered: 2, Recall5: 0, MRR10: 1.0 / 8 / 2, CoveredRefused: 0.5},
	}
	if len(s.Manuals) != len(wantManuals) {
		t.Fatalf("manuals %+v, want %+v", s.Manuals, wantManuals)
	}
	for i, m := range s.Manuals {
		w := wantManuals[i]
		if math.Abs(m.MRR10-w.MRR10) > 1e-12 {
			t.Errorf("%s: MRR %v, want %v", m.Manual, m.MRR10, w.MRR10)
		}
		m.MRR10, w.MRR10 = 0, 0
		if m != w {
			t.Errorf("manual %+v, want %+v", m, w)
		}
	}
	s.MRR10, s.NDCG10, want.MRR10, want.NDCG10 = 0, 0, 0, 0
	s.Manuals = nil
	if !reflect.DeepEqual(s, want) {
		t.Errorf("scores %+v, want %+v", s, want)
	}
	var b strings.Builder
	if err := WriteRetrievalText(&b, rep); err != nil || !strings.Contains(b.String(), "recall@5") || !strings.Contains(b.String(), "50.0%") ||
		!strings.Contains(b.String(), "by manual") || !strings.Contains(b.String(), "m2                          2     0.0%  0.062     50.0%") {
		t.Errorf("table %q, %v", b.String(), err)
	}
}

// TestBM25Baseline checks the baseline's score against Lucene's formula by hand: two
// chunks, the heading counted twice, "servers" stemmed to "server".
func TestBM25Baseline(t *testing.T) {
	b := NewBM25Baseline([]BaselineChunk{
		{Source: "a", Heading: "Servers", Body: "start it"},     // server server start it: 4 tokens
		{Source: "b", Heading: "", Body: "stop the daemon now"}, // 4 tokens (no stop words)
	})
	got := b.Search("server", 5)
	if len(got) != 1 || got[0].Source != "a" {
		t.Fatalf("hits %+v", got)
	}
	idf := math.Log(1 + (2-1+0.5)/(1+0.5))
	want := idf * 2 * 2.2 / (2 + 1.2*(1-0.75+0.75*4/4))
	if math.Abs(got[0].Score-want) > 1e-12 {
		t.Errorf("score %v, want %v", got[0].Score, want)
	}
}

func TestReadRetrievalQuestionsErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"question":"q"}`, "name the answering documents"},
		{`{"question":"q","uncovered":true,"docs":["a"]}`, "uncovered question names documents"},
		{`{"question":"","docs":["a"]}`, "no question"},
		{`{"question":"q","docs":["a"],"page":5,"page_end":4}`, "page_end"},
		{`{"question":"q","docs":["a"],"secton":"typo"}`, "unknown field"},
		{`{"id":"x","question":"q","docs":["a"]}` + "\n" + `{"id":"x","question":"r","docs":["a"]}`, "already used"},
		{"", "no questions"},
	} {
		if _, err := ReadRetrievalQuestions(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestCommittedRetrievalSet checks the project's evaluation set is what the README says:
// at least 150 answerable questions over at least four manuals in at least three formats,
// and at least 20 that no manual answers.
func TestCommittedRetrievalSet(t *testing.T) {
	qs, err := LoadRetrievalQuestions(filepath.Join(testutil.RepoRoot(t), "testdata", "retrieval", "questions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	covered, uncovered := 0, 0
	manuals, formats := map[string]bool{}, map[string]bool{}
	for _, q := range qs {
		if q.Uncovered {
			uncovered++
			continue
		}
		covered++
		for _, d := range q.Docs {
			manuals[strings.SplitN(d, "/", 2)[0]] = true
			formats[strings.TrimSuffix(filepath.Ext(strings.TrimSuffix(d, ".gz")), ".gz")] = true
		}
	}
	if covered < 150 || uncovered < 20 || len(manuals) < 4 || len(formats) < 3 {
		t.Errorf("%d covered, %d uncovered, manuals %v, formats %v", covered, uncovered, manuals, formats)
	}
}

// TestCommittedHTTPDSet checks the generalisation set on Apache httpd's manual (a manual
// the main set does not use): at least 35 answerable questions, each naming a page of the
// English manual, and at least 6 that no manual answers.
func TestCommittedHTTPDSet(t *testing.T) {
	qs, err := LoadRetrievalQuestions(filepath.Join(testutil.RepoRoot(t), "testdata", "retrieval", "httpd.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	covered, uncovered := 0, 0
	for _, q := range qs {
		if q.Uncovered {
			uncovered++
			continue
		}
		covered++
		for _, d := range q.Docs {
			if !strings.HasPrefix(d, "apache2-doc/manual/en/") || !strings.HasSuffix(d, ".html") {
				t.Errorf("%s: document %q is not a page of the English httpd manual", q.ID, d)
			}
		}
	}
	if covered < 35 || uncovered < 6 {
		t.Errorf("%d covered, %d uncovered; want at least 35 and 6", covered, uncovered)
	}
}
