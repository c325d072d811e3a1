package mini

// TuneRecords are the tuning questions as QA training records for learning CAT weights
// (adapters tune reads {question, context, answer}): each question twice, closed-book
// (no context) and open-book (its gold passage), so that the learnt weights serve both
// settings the benchmark evaluates rather than favouring one. The answer is the first
// reference, the manual's own wording.
func (b *Benchmark) TuneRecords() []QARecord {
	out := make([]QARecord, 0, 2*len(b.Tune))
	for _, q := range b.Tune {
		out = append(out, newQARecord(q.ID+"-closed", q.Question, "", q.Answers[0]))
		out = append(out, newQARecord(q.ID+"-open", q.Question, q.Context, q.Answers[0]))
	}
	return out
}
