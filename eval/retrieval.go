package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// RetrievalDepth is the deepest rank the retrieval metrics look at (recall@10, MRR@10,
// nDCG@10).
const RetrievalDepth = 10

// RetrievedPassage is one ranked passage as a retrieval evaluation sees it.
type RetrievedPassage struct {
	Source  string  `json:"source"`
	Section string  `json:"section"`
	Page    int     `json:"page,omitempty"`
	Score   float64 `json:"score"`
}

// Retrieval is what a system returns for one question: its ranked passages, best first,
// and whether it refused ("not in the manuals"), in which case it cites nothing.
type Retrieval struct {
	Passages []RetrievedPassage
	Refused  bool
}

// RetrievalSystem is one way of retrieving: manualbot's index, a baseline.
type RetrievalSystem struct {
	Name     string
	Retrieve func(ctx context.Context, question string, k int) (Retrieval, error)
}

// RetrievalScores are one system's figures. A covered question the system refused
// counts as a miss in every ranking metric: the user got nothing.
type RetrievalScores struct {
	System    string  `json:"system"`
	Covered   int     `json:"covered"`
	Uncovered int     `json:"uncovered"`
	Recall1   float64 `json:"recall_at_1"`
	Recall5   float64 `json:"recall_at_5"`
	Recall10  float64 `json:"recall_at_10"`
	MRR10     float64 `json:"mrr_at_10"`
	NDCG10    float64 `json:"ndcg_at_10"`
	// Refused is the share of uncovered questions refused; CoveredRefused the share of
	// covered ones refused (wrongly).
	Refused        float64 `json:"refused_uncovered"`
	CoveredRefused float64 `json:"refused_covered"`
	// Manuals breaks the covered questions down by the manual that answers them, so a
	// weak manual shows.
	Manuals []ManualScores `json:"manuals,omitempty"`
}

// ManualScores are one system's figures on the covered questions of one manual.
type ManualScores struct {
	Manual         string  `json:"manual"`
	Covered        int     `json:"covered"`
	Recall5        float64 `json:"recall_at_5"`
	MRR10          float64 `json:"mrr_at_10"`
	CoveredRefused float64 `json:"refused_covered"`
}

// RetrievalRecord is one question's outcome for one system, for error analysis.
type RetrievalRecord struct {
	System  string             `json:"system"`
	ID      string             `json:"id"`
	Rank    int                `json:"rank"` // of the first relevant passage, 0 when none in the top RetrievalDepth
	Refused bool               `json:"refused"`
	Top     []RetrievedPassage `json:"top,omitempty"`
}

// RetrievalReport holds every system's scores and per-question records.
type RetrievalReport struct {
	Systems []RetrievalScores `json:"systems"`
	Records []RetrievalRecord `json:"records,omitempty"`
}

// RunRetrieval asks every system every question for RetrievalDepth passages and scores
// them. Relevance is binary (RetrievalQuestion.Relevant); nDCG@10's ideal ranking puts
// the relevant passages the system found first, so it is 1 when every relevant passage
// retrieved outranks every other one.
func RunRetrieval(ctx context.Context, systems []RetrievalSystem, qs []RetrievalQuestion) (*RetrievalReport, error) {
	rep := &RetrievalReport{}
	for _, sys := range systems {
		sc := RetrievalScores{System: sys.Name}
		manuals := map[string]*ManualScores{}
		var order []string
		for _, q := range qs {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			res, err := sys.Retrieve(ctx, q.Question, RetrievalDepth)
			if err != nil {
				return nil, fmt.Errorf("%s: question %s: %w", sys.Name, q.ID, err)
			}
			rec := RetrievalRecord{System: sys.Name, ID: q.ID, Refused: res.Refused}
			rec.Top = res.Passages[:min(len(res.Passages), 5)]
			if q.Uncovered {
				sc.Uncovered++
				if res.Refused {
					sc.Refused++
				}
				rep.Records = append(rep.Records, rec)
				continue
			}
			sc.Covered++
			m := manuals[q.Manual()]
			if m == nil {
				m = &ManualScores{Manual: q.Manual()}
				manuals[m.Manual] = m
				order = append(order, m.Manual)
			}
			m.Covered++
			if res.Refused {
				sc.CoveredRefused++
				m.CoveredRefused++
				rep.Records = append(rep.Records, rec)
				continue
			}
			rels := make([]bool, 0, RetrievalDepth)
			for i, p := range res.Passages {
				if i == RetrievalDepth {
					break
				}
				r := q.Relevant(p)
				rels = append(rels, r)
				if r && rec.Rank == 0 {
					rec.Rank = i + 1
				}
			}
			if rec.Rank > 0 {
				sc.MRR10 += 1 / float64(rec.Rank)
				m.MRR10 += 1 / float64(rec.Rank)
				if rec.Rank <= 1 {
					sc.Recall1++
				}
				if rec.Rank <= 5 {
					sc.Recall5++
					m.Recall5++
				}
				sc.Recall10++
			}
			sc.NDCG10 += ndcg(rels)
			rep.Records = append(rep.Records, rec)
		}
		if sc.Covered > 0 {
			n := float64(sc.Covered)
			sc.Recall1 /= n
			sc.Recall5 /= n
			sc.Recall10 /= n
			sc.MRR10 /= n
			sc.NDCG10 /= n
			sc.CoveredRefused /= n
		}
		if sc.Uncovered > 0 {
			sc.Refused /= float64(sc.Uncovered)
		}
		sort.Strings(order)
		for _, name := range order {
			m := manuals[name]
			n := float64(m.Covered)
			m.Recall5 /= n
			m.MRR10 /= n
			m.CoveredRefused /= n
			sc.Manuals = append(sc.Manuals, *m)
		}
		rep.Systems = append(rep.Systems, sc)
	}
	return rep, nil
}

// ndcg is binary-relevance nDCG of one ranking against the ideal order of the same labels.
func ndcg(rels []bool) float64 {
	var dcg, idcg float64
	n := 0
	for i, r := range rels {
		if r {
			dcg += 1 / math.Log2(float64(i+2))
			n++
		}
	}
	for i := range n {
		idcg += 1 / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}

// WriteRetrievalText prints the scores as a table, one system a row.
func WriteRetrievalText(w io.Writer, rep *RetrievalReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %8s %9s %9s %10s %7s %8s %18s %16s\n",
		"system", "covered", "recall@1", "recall@5", "recall@10", "MRR@10", "nDCG@10", "uncovered refused", "covered refused")
	for _, s := range rep.Systems {
		fmt.Fprintf(&b, "%-12s %8d %8s%% %8s%% %9s%% %7.3f %8.3f %10d, %5s%% %15s%%\n",
			s.System, s.Covered, pct(s.Recall1), pct(s.Recall5), pct(s.Recall10), s.MRR10, s.NDCG10,
			s.Uncovered, pct(s.Refused), pct(s.CoveredRefused))
	}
	writeManualTable(&b, rep)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteRetrievalJSON writes the report as one JSON object, with the per-question records
// when withRecords is set.
func WriteRetrievalJSON(w io.Writer, rep *RetrievalReport, withRecords bool) error {
	out := *rep
	if !withRecords {
		out.Records = nil
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(&out)
}

// writeManualTable prints, when the covered questions span more than one manual, each
// manual's recall@5, MRR@10 and wrongly refused share, one column group a system.
func writeManualTable(b *strings.Builder, rep *RetrievalReport) {
	if len(rep.Systems) == 0 || len(rep.Systems[0].Manuals) < 2 {
		return
	}
	var row strings.Builder
	fmt.Fprintf(&row, "%-20s %8s", "manual", "covered")
	for _, s := range rep.Systems {
		fmt.Fprintf(&row, "  %-26s", s.System)
	}
	fmt.Fprintf(b, "\nby manual (recall@5, MRR@10, covered refused)\n%s\n", strings.TrimRight(row.String(), " "))
	for i, m := range rep.Systems[0].Manuals {
		row.Reset()
		fmt.Fprintf(&row, "%-20s %8d", m.Manual, m.Covered)
		for _, s := range rep.Systems {
			if i >= len(s.Manuals) {
				continue
			}
			sm := s.Manuals[i]
			fmt.Fprintf(&row, "  %6s%% %6.3f %8s%%  ", pct(sm.Recall5), sm.MRR10, pct(sm.CoveredRefused))
		}
		fmt.Fprintf(b, "%s\n", strings.TrimRight(row.String(), " "))
	}
}
