package nn

import "math"

// AdamW holds the hyperparameters of the AdamW optimiser (Loshchilov and
// Hutter, decoupled weight decay) with PyTorch's semantics.
type AdamW struct {
	LR          float64 // learning rate; PyTorch default 1e-3
	Beta1       float64 // first-moment decay; default 0.9
	Beta2       float64 // second-moment decay; default 0.999
	Eps         float64 // denominator offset; default 1e-8
	WeightDecay float64 // decoupled weight decay; default 1e-2
}

// DefaultAdamW returns PyTorch's torch.optim.AdamW defaults.
func DefaultAdamW() AdamW {
	return AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}
}

// Step applies update number step (1 for the first update) to the flat
// parameters p given gradients g, updating the first and second moments m
// and v in place (all four share one layout; m and v start at zero). As in
// torch.optim.AdamW, for every element
//
//	p ← p·(1 − LR·WeightDecay)
//	m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
//	p ← p − (LR/(1−β1^step)) · m / (√v/√(1−β2^step) + Eps).
//
// Step panics if the lengths differ or step < 1.
func (o AdamW) Step(p, g, m, v []float64, step int) {
	if len(g) != len(p) || len(m) != len(p) || len(v) != len(p) {
		panic("nn: AdamW.Step length mismatch")
	}
	if step < 1 {
		panic("nn: AdamW.Step step must be at least 1")
	}
	bc1 := 1 - math.Pow(o.Beta1, float64(step))
	bc2 := 1 - math.Pow(o.Beta2, float64(step))
	stepSize := o.LR / bc1
	rbc2 := 1 / math.Sqrt(bc2)
	decay := 1 - o.LR*o.WeightDecay
	b1, b2 := o.Beta1, o.Beta2
	g = g[:len(p)]
	m = m[:len(p)]
	v = v[:len(p)]
	for i, gi := range g {
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		m[i], v[i] = mi, vi
		p[i] = p[i]*decay - stepSize*mi/(math.Sqrt(vi)*rbc2+o.Eps)
	}
}

// ClipGradNorm scales g in place so that its Euclidean norm is at most
// maxNorm, as torch.nn.utils.clip_grad_norm_ does: with total = ‖g‖₂, if
// maxNorm/(total+1e-6) < 1 every element is multiplied by that factor. It
// returns total, the norm before clipping, which is NaN or +Inf if g holds a
// non-finite value (g is then left unchanged, so the caller can detect it).
// maxNorm ≤ 0 or +Inf only computes the norm.
func ClipGradNorm(g []float64, maxNorm float64) float64 {
	// Scaled sum of squares, as in gonum's floats.Norm, avoids overflow.
	scale, ssq := 0.0, 1.0
	for _, v := range g {
		if math.IsNaN(v) {
			return math.NaN()
		}
		if v == 0 {
			continue
		}
		a := math.Abs(v)
		if math.IsInf(a, 1) {
			return math.Inf(1)
		}
		if scale < a {
			r := scale / a
			ssq = 1 + ssq*r*r
			scale = a
		} else {
			r := a / scale
			ssq += r * r
		}
	}
	total := scale * math.Sqrt(ssq)
	if maxNorm <= 0 || math.IsInf(maxNorm, 1) {
		return total
	}
	coef := maxNorm / (total + 1e-6)
	if coef < 1 {
		for i := range g {
			g[i] *= coef
		}
	}
	return total
}
