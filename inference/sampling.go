package inference

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// sampler picks the next token from one row of logits, with its own seeded generator so
// a request's output depends only on its seed, never on concurrent requests.
type sampler struct {
	rng         *rand.Rand
	temperature float64
	topK        int
	topP        float64
	penalty     float64

	// scratch reused across steps.
	cand []candidate
}

type candidate struct {
	id    int
	logit float64
	p     float64
}

func newSampler(req GenerateRequest) *sampler {
	seed := uint64(req.Seed)
	return &sampler{
		rng:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		temperature: req.Temperature,
		topK:        req.TopK,
		topP:        req.TopP,
		penalty:     req.RepetitionPenalty,
	}
}

// next returns the chosen id. seen is the set of ids in the prompt and output so far,
// for the repetition penalty (CTRL / Hugging Face style: positive logits divided by the
// penalty, negative ones multiplied).
func (s *sampler) next(logits []float32, seen map[int]bool) int {
	adjusted := func(id int) float64 {
		l := float64(logits[id])
		if s.penalty != 0 && s.penalty != 1 && seen[id] {
			if l > 0 {
				l /= s.penalty
			} else {
				l *= s.penalty
			}
		}
		return l
	}
	if s.temperature == 0 {
		best, bestL := 0, math.Inf(-1)
		for id := range logits {
			if l := adjusted(id); l > bestL {
				best, bestL = id, l
			}
		}
		return best
	}
	s.cand = s.cand[:0]
	for id := range logits {
		s.cand = append(s.cand, candidate{id: id, logit: adjusted(id) / s.temperature})
	}
	// Sort descending by logit (ties by id, for determinism) only when top-k or top-p
	// need the order: sorting the vocabulary costs milliseconds a step.
	needOrder := s.topK > 0 || (s.topP > 0 && s.topP < 1)
	if needOrder {
		slices.SortFunc(s.cand, func(a, b candidate) int {
			if c := cmp.Compare(b.logit, a.logit); c != 0 {
				return c
			}
			return a.id - b.id
		})
	}
	if s.topK > 0 && s.topK < len(s.cand) {
		s.cand = s.cand[:s.topK]
	}
	maxL := math.Inf(-1)
	for _, c := range s.cand {
		maxL = max(maxL, c.logit)
	}
	var sum float64
	for i := range s.cand {
		s.cand[i].p = math.Exp(s.cand[i].logit - maxL)
		sum += s.cand[i].p
	}
	// Top-p: the smallest prefix whose probability reaches topP.
	if s.topP > 0 && s.topP < 1 {
		var cum float64
		for i := range s.cand {
			cum += s.cand[i].p / sum
			if cum >= s.topP {
				s.cand = s.cand[:i+1]
				break
			}
		}
		sum = 0
		for _, c := range s.cand {
			sum += c.p
		}
	}
	r := s.rng.Float64() * sum
	for _, c := range s.cand {
		r -= c.p
		if r < 0 {
			return c.id
		}
	}
	return s.cand[len(s.cand)-1].id
}
