package eval

// ExactMatch is 1 when the normalised prediction equals some normalised reference.
func ExactMatch(pred string, refs []string) float64 {
	p := Normalize(pred)
	for _, r := range refs {
		if Normalize(r) == p {
			return 1
		}
	}
	return 0
}

// F1 is SQuAD's token F1 (bag-of-tokens overlap), the best over the references. When a
// side normalises to nothing, the score is 1 if both do and 0 otherwise (SQuAD v2's rule).
func F1(pred string, refs []string) float64 {
	pt := Tokens(pred)
	best := 0.0
	for _, r := range refs {
		best = max(best, tokenF1(pt, Tokens(r)))
	}
	return best
}

func tokenF1(pred, ref []string) float64 {
	if len(pred) == 0 || len(ref) == 0 {
		if len(pred) == len(ref) {
			return 1
		}
		return 0
	}
	counts := map[string]int{}
	for _, t := range ref {
		counts[t]++
	}
	same := 0
	for _, t := range pred {
		if counts[t] > 0 {
			counts[t]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	p := float64(same) / float64(len(pred))
	r := float64(same) / float64(len(ref))
	return 2 * p * r / (p + r)
}

// RougeL is the ROUGE-L F-measure (β = 1) on normalised tokens: the longest common
// subsequence rewards answers that keep the reference's words in order. Best over refs.
func RougeL(pred string, refs []string) float64 {
	pt := Tokens(pred)
	best := 0.0
	for _, r := range refs {
		rt := Tokens(r)
		if len(pt) == 0 || len(rt) == 0 {
			if len(pt) == len(rt) {
				best = max(best, 1)
			}
			continue
		}
		l := lcs(pt, rt)
		if l == 0 {
			continue
		}
		p := float64(l) / float64(len(pt))
		rc := float64(l) / float64(len(rt))
		best = max(best, 2*p*rc/(p+rc))
	}
	return best
}

// lcs is the length of the longest common subsequence, in O(len(b)) memory.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
