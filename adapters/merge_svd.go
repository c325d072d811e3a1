package adapters

import (
	"errors"

	"gonum.org/v1/gonum/mat"
)

// svdModule is PEFT's svd combination: the dense delta sum_i w_i s_i B_i A_i truncated to the
// target rank t by SVD, factored as B = U_t S_t and A = V_t^T (scale 1). The delta is never
// built densely when its rank R = sum r_i fits: with Bc = [B_1 .. B_k] and
// Ac = [w_1 s_1 A_1; ..; w_k s_k A_k], delta = Bc Ac; Bc = U1 S1 V1^T and
// (S1 V1^T Ac)^T = U2 S2 V2^T give delta = (U1 V2) S2 U2^T, which is the delta's thin SVD at
// a cost linear in its size. Singular vectors are unique only up to sign (and rotation among
// equal singular values), so the factors may differ from torch's while B A is the same.
// rank is the target rank, capped at min(in, out).
func svdModule(parts []*Factors, w []float64, rank int) (*Factors, error) {
	cat := catModule(parts, w)
	in, out, r := cat.In, cat.Out, cat.Rank
	t := min(rank, in, out)
	var u, v *mat.Dense
	var s []float64
	if r <= min(in, out) {
		bc := mat.NewDense(out, r, toFloat64(cat.B))
		ac := mat.NewDense(r, in, toFloat64(cat.A))
		var s1 mat.SVD
		if !s1.Factorize(bc, mat.SVDThin) {
			return nil, errors.New("SVD of the concatenated B factors did not converge")
		}
		var u1, v1 mat.Dense
		s1.UTo(&u1)
		s1.VTo(&v1)
		sv1 := s1.Values(nil)
		// n = S1 V1^T Ac, R x in.
		var n mat.Dense
		n.Mul(v1.T(), ac)
		for i := 0; i < r; i++ {
			row := n.RawRowView(i)
			for j := range row {
				row[j] *= sv1[i]
			}
		}
		var s2 mat.SVD
		if !s2.Factorize(n.T(), mat.SVDThin) {
			return nil, errors.New("SVD of the projected A factors did not converge")
		}
		var u2, v2 mat.Dense
		s2.UTo(&u2)
		s2.VTo(&v2)
		s = s2.Values(nil)
		u = &mat.Dense{}
		u.Mul(&u1, &v2)
		v = &u2
	} else {
		d := mat.NewDense(out, in, cat.denseUnscaled())
		var sd mat.SVD
		if !sd.Factorize(d, mat.SVDThin) {
			return nil, errors.New("SVD of the merged delta did not converge")
		}
		u, v = &mat.Dense{}, &mat.Dense{}
		sd.UTo(u)
		sd.VTo(v)
		s = sd.Values(nil)
	}
	f := &Factors{Rank: t, In: in, Out: out, A: make([]float32, t*in), B: make([]float32, out*t)}
	k := min(t, len(s))
	for j := 0; j < k; j++ {
		for o := 0; o < out; o++ {
			f.B[o*t+j] = float32(u.At(o, j) * s[j])
		}
		for i := 0; i < in; i++ {
			f.A[j*in+i] = float32(v.At(i, j))
		}
	}
	// Components past the delta's own rank have singular value 0: their rows stay zero.
	return f, nil
}

// denseUnscaled is B A without the scale (the cat factors already carry w_i s_i).
func (f *Factors) denseUnscaled() []float64 {
	g := *f
	g.Scale = 1
	return g.Delta()
}
