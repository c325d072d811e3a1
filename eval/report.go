package eval

import "time"

// Report is a whole evaluation: one Result per method and mode, and every answer.
type Report struct {
	Main      Metric   `json:"main_metric"`
	K         int      `json:"k"`
	Seed      uint64   `json:"seed"`
	Resamples int      `json:"resamples"`
	Questions int      `json:"questions"`
	Results   []Result `json:"results"`
	// Skipped are the methods that could not run (a missing adapter), with why.
	Skipped []Skip   `json:"skipped,omitempty"`
	Records []Record `json:"records,omitempty"`
}

// Result aggregates one method in one mode. CitationN and RecallN count the questions
// those two rates are over (0 means not applicable; the rate is then 0 and shown as -).
type Result struct {
	Method      string  `json:"method"`
	Mode        Mode    `json:"mode"`
	N           int     `json:"n"`
	Errors      int     `json:"errors"`
	EM          float64 `json:"em"`
	F1          float64 `json:"f1"`
	RougeL      float64 `json:"rouge_l"`
	CitationAcc float64 `json:"citation_accuracy"`
	CitationN   int     `json:"citation_n"`
	RecallAtK   float64 `json:"recall_at_k"`
	RecallN     int     `json:"recall_n"`
	// RefusalRate is the share of uncovered questions the method declined to answer, over
	// RefusalN of them; answer metrics are over the N - RefusalN covered ones.
	RefusalRate float64       `json:"refusal_rate"`
	RefusalN    int           `json:"refusal_n"`
	MeanLatency time.Duration `json:"mean_latency_ns"`
	// MainMean is the mean of the report's main metric, CI its bootstrap 95% interval.
	MainMean float64  `json:"main"`
	CI       Interval `json:"ci95"`
}

// aggregate averages records; failed answers count as zero on the answer metrics.
func aggregate(method string, mode Mode, recs []Record, opt Options) Result {
	res := Result{Method: method, Mode: mode, N: len(recs)}
	var em, f1, rl, cite, recall, main, refused []float64
	var lat time.Duration
	answered := 0
	for _, r := range recs {
		if r.Err != "" {
			res.Errors++
		} else {
			lat += r.Prediction.Latency
			answered++
		}
		if r.Refused != nil {
			refused = append(refused, *r.Refused)
			continue
		}
		em, f1, rl = append(em, r.EM), append(f1, r.F1), append(rl, r.RougeL)
		main = append(main, r.score(opt.Main))
		if r.Citation != nil {
			cite = append(cite, *r.Citation)
		}
		if r.Recall != nil {
			recall = append(recall, *r.Recall)
		}
	}
	res.EM, res.F1, res.RougeL = Mean(em), Mean(f1), Mean(rl)
	res.CitationAcc, res.CitationN = Mean(cite), len(cite)
	res.RecallAtK, res.RecallN = Mean(recall), len(recall)
	res.RefusalRate, res.RefusalN = Mean(refused), len(refused)
	if answered > 0 {
		res.MeanLatency = lat / time.Duration(answered)
	}
	res.MainMean = Mean(main)
	res.CI = BootstrapCI(main, opt.Resamples, opt.Seed)
	return res
}

func (r Record) score(m Metric) float64 {
	switch m {
	case MetricEM:
		return r.EM
	case MetricRougeL:
		return r.RougeL
	}
	return r.F1
}

// Skip is a method left out of a run, and why.
type Skip struct {
	Method string `json:"method"`
	Mode   Mode   `json:"mode,omitempty"`
	Reason string `json:"reason"`
}
