package eval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Options configure Run. The zero value runs closed-book, scores recall@5, uses F1 as
// the main metric and 1,000 bootstrap resamples with seed 1.
type Options struct {
	Modes     []Mode
	K         int
	Main      Metric
	Resamples int
	Seed      uint64
	// KeepGoing records a method's error on a question as a zero score and goes on,
	// instead of stopping the run: for long runs where one bad question should not
	// cost the rest. Errors are counted in Result.Errors either way.
	KeepGoing bool
	Log       *slog.Logger
}

func (o Options) withDefaults() Options {
	if len(o.Modes) == 0 {
		o.Modes = []Mode{ClosedBook}
	}
	if o.K <= 0 {
		o.K = 5
	}
	if o.Main == "" {
		o.Main = MetricF1
	}
	if o.Resamples <= 0 {
		o.Resamples = DefaultResamples
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// Record is one method's answer to one question in one mode, with its scores.
// Citation and Recall are nil when they do not apply: the question names no source
// passage, or the method neither cites nor retrieves (see Prediction), or it failed.
type Record struct {
	Method     string     `json:"method"`
	Mode       Mode       `json:"mode"`
	QuestionID string     `json:"question_id"`
	Prediction Prediction `json:"prediction"`
	EM         float64    `json:"em"`
	F1         float64    `json:"f1"`
	RougeL     float64    `json:"rouge_l"`
	Citation   *float64   `json:"citation,omitempty"`
	Recall     *float64   `json:"recall,omitempty"`
	// Refused is set for an uncovered question: 1 when the answer declines to answer.
	Refused *float64 `json:"refused,omitempty"`
	Err     string   `json:"error,omitempty"`
}

// Run answers every question with every method in every mode and scores the answers.
// It stops at the first error (unless opt.KeepGoing) and when ctx is done.
func Run(ctx context.Context, methods []Method, qs []Question, opt Options) (*Report, error) {
	opt = opt.withDefaults()
	if len(methods) == 0 {
		return nil, errors.New("eval: no methods")
	}
	if len(qs) == 0 {
		return nil, errors.New("eval: no questions")
	}
	if _, err := ParseMetric(string(opt.Main)); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	rep := &Report{Main: opt.Main, K: opt.K, Seed: opt.Seed, Resamples: opt.Resamples, Questions: len(qs)}
	for _, mode := range opt.Modes {
		for _, m := range methods {
			if m.Answer == nil {
				return nil, fmt.Errorf("eval: method %q has no Answer func", m.Name)
			}
			if m.Modes != nil && !slices.Contains(m.Modes, mode) {
				rep.Skipped = append(rep.Skipped, Skip{Method: m.Name, Mode: mode, Reason: "answers only " + modesText(m.Modes)})
				continue
			}
			start := time.Now()
			recs := make([]Record, 0, len(qs))
			for _, q := range qs {
				if err := ctx.Err(); err != nil {
					return nil, fmt.Errorf("eval: %w", err)
				}
				r, err := answerOne(ctx, m, q, mode, opt.K)
				if err != nil && !opt.KeepGoing {
					return nil, err
				}
				recs = append(recs, r)
			}
			res := aggregate(m.Name, mode, recs, opt)
			opt.Log.Info("eval method done", "method", m.Name, "mode", mode, "n", res.N,
				string(opt.Main), res.MainMean, "errors", res.Errors, "took", time.Since(start))
			rep.Results = append(rep.Results, res)
			rep.Records = append(rep.Records, recs...)
		}
	}
	if len(rep.Results) == 0 {
		why := make([]string, len(rep.Skipped))
		for i, s := range rep.Skipped {
			why[i] = s.Method + " " + s.Reason
		}
		return nil, fmt.Errorf("eval: no method answers in the modes asked (%s)", strings.Join(why, "; "))
	}
	return rep, nil
}

// answerOne asks m and scores the answer; on error the record carries it with zero scores.
func answerOne(ctx context.Context, m Method, q Question, mode Mode, k int) (Record, error) {
	r := Record{Method: m.Name, Mode: mode, QuestionID: q.ID}
	start := time.Now()
	p, err := m.Answer(ctx, q, mode == OpenBook)
	if err != nil {
		err = fmt.Errorf("eval: method %s, %s, question %s: %w", m.Name, mode, q.ID, err)
		r.Err = err.Error()
		return r, err
	}
	if p.Latency <= 0 {
		p.Latency = time.Since(start)
	}
	r.Prediction = p
	if q.Uncovered {
		refused := 0.0
		if IsRefusal(p.Text) {
			refused = 1
		}
		r.Refused = &refused
		return r, nil
	}
	r.EM = ExactMatch(p.Text, q.Answers)
	r.F1 = F1(p.Text, q.Answers)
	r.RougeL = RougeL(p.Text, q.Answers)
	if q.HasSource() && p.Citations != nil {
		c := CitationHit(p.Citations, q)
		r.Citation = &c
	}
	if q.HasSource() && p.Retrieved != nil {
		rc := RecallAtK(p.Retrieved, q, k)
		r.Recall = &rc
	}
	return r, nil
}

func modesText(ms []Mode) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	return strings.Join(out, ", ")
}
