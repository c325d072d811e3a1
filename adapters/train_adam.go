package adapters

import "math"

// adam is the Adam optimizer (Kingma & Ba, with bias correction) over named float32
// parameter slices; its state is exported-field plain data so checkpoints can store it.
type adam struct {
	LR, Beta1, Beta2, Eps float64
	// Step counts the updates made so far (the t of the bias correction).
	Step int
	M, V map[string][]float32
}

func newAdam(lr float64) *adam {
	return &adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, M: map[string][]float32{}, V: map[string][]float32{}}
}

// next starts an update step; every parameter is then updated once with update.
func (o *adam) next() { o.Step++ }

// update moves p against its gradient g.
func (o *adam) update(name string, p, g []float32) {
	m, v := o.M[name], o.V[name]
	if m == nil {
		m, v = make([]float32, len(p)), make([]float32, len(p))
		o.M[name], o.V[name] = m, v
	}
	b1, b2 := float32(o.Beta1), float32(o.Beta2)
	c1 := 1 - math.Pow(o.Beta1, float64(o.Step))
	c2 := 1 - math.Pow(o.Beta2, float64(o.Step))
	lr := float32(o.LR * math.Sqrt(c2) / c1)
	eps := float32(o.Eps * math.Sqrt(c2))
	for i, gi := range g {
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		p[i] -= lr * m[i] / (float32(math.Sqrt(float64(v[i]))) + eps)
	}
}
