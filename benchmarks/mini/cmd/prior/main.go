// Command prior scores the guessing floor of the mini benchmark: each question answered
// with the most common answer of its kind ("What colour is ...?" -> the most common
// colour) among the other test questions, leave-one-out, so no answer is looked up. A
// method must beat this to show that it knows or reads anything; below it, a score is
// answer-format matching ("a little ...", "in the ...").
//
//	go run ./benchmarks/mini/cmd/prior -questions test.jsonl
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"manualbot/eval"
)

func main() {
	path := flag.String("questions", "", "test questions (JSONL, ids NAME-KIND as the generator writes)")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "usage: prior -questions test.jsonl")
		os.Exit(2)
	}
	qs, err := eval.LoadQuestions(*path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "prior: %v\n", err)
		os.Exit(1)
	}
	var em, f1 []float64
	for i, q := range qs {
		guess := majority(qs, i)
		em = append(em, eval.ExactMatch(guess, q.Answers))
		f1 = append(f1, eval.F1(guess, q.Answers))
	}
	ci := eval.BootstrapCI(f1, eval.DefaultResamples, 1)
	fmt.Printf("prior (most common answer of the question's kind, leave-one-out): n %d  EM %.1f  F1 %.1f  F1 95%% CI [%.1f, %.1f]\n",
		len(qs), 100*eval.Mean(em), 100*eval.Mean(f1), 100*ci.Lo, 100*ci.Hi)
}

// kind is the fact a question asks about: the id's part after the gadget's name.
func kind(id string) string {
	if _, k, ok := strings.Cut(id, "-"); ok {
		return k
	}
	return id
}

// majority is the most common first answer among the other questions of qs[i]'s kind
// (ties broken alphabetically, so the result is deterministic).
func majority(qs []eval.Question, i int) string {
	counts := map[string]int{}
	for j, q := range qs {
		if j != i && kind(q.ID) == kind(qs[i].ID) {
			counts[q.Answers[0]]++
		}
	}
	answers := make([]string, 0, len(counts))
	for a := range counts {
		answers = append(answers, a)
	}
	sort.Slice(answers, func(x, y int) bool {
		if counts[answers[x]] != counts[answers[y]] {
			return counts[answers[x]] > counts[answers[y]]
		}
		return answers[x] < answers[y]
	})
	if len(answers) == 0 {
		return ""
	}
	return answers[0]
}
