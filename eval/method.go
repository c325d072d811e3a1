package eval

import (
	"context"
	"fmt"
	"time"
)

// Prediction is a method's answer to one question.
type Prediction struct {
	Text string `json:"text"`
	// Citations are the passages the answer cites. Nil means the method does not cite
	// (citation accuracy is then not scored for it); empty means it cited nothing.
	Citations []Citation `json:"citations,omitempty"`
	// Retrieved are the passages retrieval returned, best first, for recall@k. Nil
	// means the method does not retrieve (a closed-book model); empty means it found
	// nothing, which counts as a miss.
	Retrieved []Citation `json:"retrieved,omitempty"`
	// Latency is the time the answer took; when zero the runner's wall time is used.
	Latency time.Duration `json:"latency_ns"`
}

// Method is one way of answering: a model with some adapters, a merge, retrieval alone.
// Answer is called once per question and mode; openBook asks it to answer from
// retrieved (or given) passages rather than from what the model has learnt.
type Method struct {
	Name   string
	Answer func(ctx context.Context, q Question, openBook bool) (Prediction, error)
	// Modes lists the modes the method answers in; nil means all. Run skips the others
	// (retrieval alone has no closed book) rather than failing the run.
	Modes []Mode
}

// Mode says whether a method answers with retrieved context.
type Mode string

const (
	// ClosedBook answers from the model alone: what the adapters taught it.
	ClosedBook Mode = "closed-book"
	// OpenBook answers from retrieved (or gold) passages placed in the prompt.
	OpenBook Mode = "open-book"
)

// Metric names a per-question score.
type Metric string

const (
	// MetricEM is SQuAD exact match.
	MetricEM Metric = "em"
	// MetricF1 is SQuAD token F1, the default main metric: it gives partial credit to
	// short answers that are nearly right.
	MetricF1 Metric = "f1"
	// MetricRougeL is the ROUGE-L F-measure.
	MetricRougeL Metric = "rouge_l"
)

// ParseMetric accepts em, f1 and rouge_l (or rouge-l).
func ParseMetric(s string) (Metric, error) {
	switch s {
	case "em", "exact_match":
		return MetricEM, nil
	case "f1", "":
		return MetricF1, nil
	case "rouge_l", "rouge-l", "rougel":
		return MetricRougeL, nil
	}
	return "", fmt.Errorf("unknown metric %q (want em, f1 or rouge_l)", s)
}

// Label is the metric's name in tables and charts.
func (m Metric) Label() string {
	switch m {
	case MetricEM:
		return "EM"
	case MetricRougeL:
		return "ROUGE-L"
	}
	return "F1"
}
