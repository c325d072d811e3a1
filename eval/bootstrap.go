package eval

import (
	"math/rand/v2"
	"slices"
)

// Interval is a confidence interval of a mean.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// DefaultResamples is the number of bootstrap resamples: enough for stable 2.5% tails.
const DefaultResamples = 1000

// BootstrapCI is the percentile bootstrap 95% interval of the mean of xs. The same seed
// and length draw the same resamples, so methods scored on the same questions are
// resampled identically (a paired comparison) and reruns give identical intervals.
func BootstrapCI(xs []float64, resamples int, seed uint64) Interval {
	n := len(xs)
	if n == 0 {
		return Interval{}
	}
	if resamples <= 0 {
		resamples = DefaultResamples
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d616e75616c626f)) // "manualbo"
	means := make([]float64, resamples)
	for b := range means {
		sum := 0.0
		for range n {
			sum += xs[rng.IntN(n)]
		}
		means[b] = sum / float64(n)
	}
	slices.Sort(means)
	return Interval{Lo: quantile(means, 0.025), Hi: quantile(means, 0.975)}
}

// quantile interpolates linearly between order statistics of sorted xs.
func quantile(sorted []float64, p float64) float64 {
	pos := p * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}

// Mean is the arithmetic mean, 0 for no values.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
