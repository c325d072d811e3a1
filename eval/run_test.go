package eval

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// testQuestions: two name their source passage, one does not.
func testQuestions() []Question {
	return []Question{
		{ID: "1", Question: "What colour is the Zibble?", Answers: []string{"blue"}, SourceDoc: "manual.md", SourceSection: "The Zibble"},
		{ID: "2", Question: "What does the Bimon make?", Answers: []string{"hot soup"}, SourceDoc: "manual.md", SourceSection: "The Bimon"},
		{ID: "3", Question: "Who came?", Answers: []string{"Tom"}},
	}
}

// oracle answers right and cites and retrieves the source passage (at rank 2 open-book).
var oracle = Method{Name: "oracle", Answer: func(_ context.Context, q Question, open bool) (Prediction, error) {
	p := Prediction{Text: "The " + q.Answers[0] + ".", Latency: 10 * time.Millisecond}
	if open {
		src := Citation{Doc: q.SourceDoc, Section: q.SourceSection}
		p.Citations = []Citation{src}
		p.Retrieved = []Citation{{Doc: "other.md", Section: "Other"}, src}
	}
	return p, nil
}}

// halfRight gets the first question right, gives half of the second, misses the third,
// and retrieves nothing useful.
var halfRight = Method{Name: "half", Answer: func(_ context.Context, q Question, _ bool) (Prediction, error) {
	text := map[string]string{"1": "blue", "2": "soup", "3": "Ann"}[q.ID]
	return Prediction{Text: text, Latency: 30 * time.Millisecond, Citations: []Citation{}, Retrieved: []Citation{}}, nil
}}

func TestRun(t *testing.T) {
	rep, err := Run(context.Background(), []Method{oracle, halfRight}, testQuestions(),
		Options{Modes: []Mode{ClosedBook, OpenBook}, K: 1, Resamples: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 4 || len(rep.Records) != 12 {
		t.Fatalf("got %d results, %d records", len(rep.Results), len(rep.Records))
	}
	want := []struct {
		method         string
		mode           Mode
		em, f1         float64
		cite, citeN    float64
		recall, recN   float64
		lat            time.Duration
		ciLoAtMostMean bool
	}{
		{"oracle", ClosedBook, 1, 1, 0, 0, 0, 0, 10 * time.Millisecond, true},
		{"half", ClosedBook, 1.0 / 3, (1 + 2.0/3) / 3, 0, 2, 0, 2, 30 * time.Millisecond, true},
		{"oracle", OpenBook, 1, 1, 1, 2, 0, 2, 10 * time.Millisecond, true}, // source at rank 2, k=1
		{"half", OpenBook, 1.0 / 3, (1 + 2.0/3) / 3, 0, 2, 0, 2, 30 * time.Millisecond, true},
	}
	for i, w := range want {
		r := rep.Results[i]
		if r.Method != w.method || r.Mode != w.mode || r.N != 3 {
			t.Fatalf("result %d is %s/%s n=%d", i, r.Method, r.Mode, r.N)
		}
		if !near(r.EM, w.em) || !near(r.F1, w.f1) || !near(r.MainMean, w.f1) {
			t.Errorf("%s/%s: EM %v F1 %v main %v", r.Method, r.Mode, r.EM, r.F1, r.MainMean)
		}
		if !near(r.CitationAcc, w.cite) || r.CitationN != int(w.citeN) || !near(r.RecallAtK, w.recall) || r.RecallN != int(w.recN) {
			t.Errorf("%s/%s: cite %v/%d recall %v/%d", r.Method, r.Mode, r.CitationAcc, r.CitationN, r.RecallAtK, r.RecallN)
		}
		if r.MeanLatency != w.lat {
			t.Errorf("%s/%s: latency %v", r.Method, r.Mode, r.MeanLatency)
		}
		if r.CI.Lo > r.MainMean+1e-9 || r.CI.Hi < r.MainMean-1e-9 {
			t.Errorf("%s/%s: CI %v does not contain mean %v", r.Method, r.Mode, r.CI, r.MainMean)
		}
	}
	// recall@2 finds the oracle's source.
	rep2, err := Run(context.Background(), []Method{oracle}, testQuestions(), Options{Modes: []Mode{OpenBook}, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep2.Results[0]; r.RecallAtK != 1 || r.RecallN != 2 || rep2.Main != MetricF1 || rep2.Resamples != DefaultResamples {
		t.Errorf("k=2: %+v", r)
	}
}

func TestRunErrors(t *testing.T) {
	calls := 0
	flaky := Method{Name: "flaky", Answer: func(_ context.Context, q Question, _ bool) (Prediction, error) {
		calls++
		if q.ID == "2" {
			return Prediction{}, errors.New("model fell over")
		}
		return Prediction{Text: q.Answers[0]}, nil
	}}
	_, err := Run(context.Background(), []Method{flaky}, testQuestions(), Options{})
	if err == nil || !strings.Contains(err.Error(), "method flaky, closed-book, question 2: model fell over") {
		t.Fatalf("err = %v", err)
	}
	if calls != 2 {
		t.Errorf("went on after the error: %d calls", calls)
	}

	rep, err := Run(context.Background(), []Method{flaky}, testQuestions(), Options{KeepGoing: true, Main: MetricEM})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Errors != 1 || !near(r.EM, 2.0/3) || !near(r.MainMean, 2.0/3) || rep.Records[1].Err == "" {
		t.Errorf("keep going: %+v", r)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, []Method{oracle}, testQuestions(), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	bad := []struct {
		name string
		m    []Method
		qs   []Question
		opt  Options
	}{
		{"no methods", nil, testQuestions(), Options{}},
		{"no questions", []Method{oracle}, nil, Options{}},
		{"nil answer", []Method{{Name: "x"}}, testQuestions(), Options{}},
		{"bad metric", []Method{oracle}, testQuestions(), Options{Main: "bleu"}},
	}
	for _, tc := range bad {
		if _, err := Run(context.Background(), tc.m, tc.qs, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestParseMetric(t *testing.T) {
	tests := []struct {
		in   string
		want Metric
		ok   bool
	}{{"em", MetricEM, true}, {"f1", MetricF1, true}, {"", MetricF1, true}, {"rouge-l", MetricRougeL, true}, {"bleu", "", false}}
	for _, tc := range tests {
		got, err := ParseMetric(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseMetric(%q) = %q, %v", tc.in, got, err)
		}
	}
}
