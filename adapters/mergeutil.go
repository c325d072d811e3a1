package adapters

import (
	"math/rand/v2"
	"slices"
)

// The functions below are PEFT's peft.utils.merge_utils on flat float64 tensors: task
// arithmetic, magnitude and random pruning, sign election and disjoint merge. Each takes the
// task tensors (one per adapter, same length) and returns the merged tensor.

// taskArithmetic is sum_i w_i t_i.
func taskArithmetic(ts [][]float64, w []float64) []float64 {
	out := make([]float64, len(ts[0]))
	for i, t := range ts {
		for j, v := range t {
			out[j] += w[i] * v
		}
	}
	return out
}

// magnitudePrune keeps the k = int(density * n) entries of largest magnitude (PEFT's
// magnitude_based_pruning). torch.topk leaves ties unordered; here the earlier index wins,
// so results are reproducible. density >= 1 keeps everything, as PEFT does.
func magnitudePrune(t []float64, density float64) []float64 {
	if density >= 1 {
		return slices.Clone(t)
	}
	k := int(density * float64(len(t)))
	idx := make([]int, len(t))
	for i := range idx {
		idx[i] = i
	}
	abs := func(x float64) float64 {
		if x < 0 {
			return -x
		}
		return x
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch x, y := abs(t[a]), abs(t[b]); {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return 0
	})
	out := make([]float64, len(t))
	for _, i := range idx[:k] {
		out[i] = t[i]
	}
	return out
}

// randomPrune keeps each entry with probability density and divides the kept ones by density
// (PEFT's random_pruning with rescale=True, the DARE step). density >= 1 keeps everything.
func randomPrune(t []float64, density float64, rng *rand.Rand) []float64 {
	if density >= 1 {
		return slices.Clone(t)
	}
	out := make([]float64, len(t))
	for i, v := range t {
		if rng.Float64() < density {
			out[i] = v / density
		}
	}
	return out
}

// sign is torch.sign: -1, 0 or 1.
func sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// majoritySignMask elects each entry's sign from the unweighted tensors ("total": the sign of
// their sum; "frequency": the sign held by more tensors; a tie counts as +) and marks which
// tensors agree with it. A zero entry agrees with nothing.
func majoritySignMask(ts [][]float64, method MajoritySign) [][]bool {
	n := len(ts[0])
	mask := make([][]bool, len(ts))
	for i := range mask {
		mask[i] = make([]bool, n)
	}
	for j := 0; j < n; j++ {
		var m float64
		for _, t := range ts {
			if method == SignFrequency {
				m += sign(t[j])
			} else {
				m += t[j]
			}
		}
		major := 1.0
		if m < 0 {
			major = -1
		}
		for i, t := range ts {
			mask[i][j] = sign(t[j]) == major
		}
	}
	return mask
}

// disjointMerge averages the weighted tensors over the ones that agree with the elected sign
// (dividing by at least 1).
func disjointMerge(ts [][]float64, w []float64, mask [][]bool) []float64 {
	out := make([]float64, len(ts[0]))
	for j := range out {
		var sum, count float64
		for i, t := range ts {
			if mask[i][j] {
				sum += w[i] * t[j]
				count++
			}
		}
		out[j] = sum / max(count, 1)
	}
	return out
}

// ties is TIES-merging: magnitude pruning, sign election, disjoint merge.
func ties(ts [][]float64, w []float64, density float64, method MajoritySign) []float64 {
	pruned := make([][]float64, len(ts))
	for i, t := range ts {
		pruned[i] = magnitudePrune(t, density)
	}
	return disjointMerge(pruned, w, majoritySignMask(pruned, method))
}

// dareLinear is DARE (random drop and rescale) followed by task arithmetic.
func dareLinear(ts [][]float64, w []float64, density float64, rng *rand.Rand) []float64 {
	pruned := make([][]float64, len(ts))
	for i, t := range ts {
		pruned[i] = randomPrune(t, density, rng)
	}
	return taskArithmetic(pruned, w)
}

// dareTies is DARE followed by TIES' sign election and disjoint merge.
func dareTies(ts [][]float64, w []float64, density float64, method MajoritySign, rng *rand.Rand) []float64 {
	pruned := make([][]float64, len(ts))
	for i, t := range ts {
		pruned[i] = randomPrune(t, density, rng)
	}
	return disjointMerge(pruned, w, majoritySignMask(pruned, method))
}
