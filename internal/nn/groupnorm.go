package nn

import (
	"fmt"
	"math"

	"github.com/cloud-diffusion/noise/internal/parallel"
	"github.com/cloud-diffusion/noise/internal/vmath"
)

// GroupNorm normalises each sample over groups of channels (PyTorch's
// GroupNorm): the C channels are split into G contiguous groups, and for
// sample n and group g with mean μ and biased variance σ² over its C/G
// channels and HW pixels,
//
//	out[n, c, p] = γ[c] · (in[n, c, p] − μ) / √(σ² + Eps) + β[c].
//
// With SiLU set the layer is fused with the activation that follows it:
// out = SiLU(γ·x̂ + β), and Backward takes the gradient with respect to that
// output, recomputing the pre-activation from the cached statistics (one pass
// over memory instead of three, and no pre-activation buffer).
//
// Shapes: in, out [N, C, HW]; γ, β [C]. Forward caches μ and 1/√(σ²+Eps) per
// (n, g) for Backward, which must be called with the input of the latest
// Forward. A GroupNorm is not safe for concurrent use.
type GroupNorm[T Float] struct {
	C, G, HW int
	Eps      float64 // 1e-5 by default, as in PyTorch
	SiLU     bool    // apply SiLU to the output (fused)

	mean, rstd []float64 // [N, G], in float64 whatever T
	sums       []float64 // [N, C, 2] per-sample Σ dy·x̂ and Σ dy
	da         [][]T     // per-worker gradient of the pre-activation of one group (SiLU)

	// Arguments of the call in progress, for the pool's workers.
	backward             bool
	out, in, gamma, beta []T
	dIn, dOut            []T
	grp                  parallel.Group
}

// NewGroupNorm returns a group normalisation of c channels in g groups over
// hw pixels with Eps = 1e-5. It panics if g does not divide c or a size is
// not positive.
func NewGroupNorm[T Float](c, g, hw int) *GroupNorm[T] {
	if c <= 0 || g <= 0 || hw <= 0 || c%g != 0 {
		panic(fmt.Sprintf("nn: bad GroupNorm shape c=%d g=%d hw=%d", c, g, hw))
	}
	return &GroupNorm[T]{C: c, G: g, HW: hw, Eps: 1e-5}
}

// Forward computes the normalisation of batch samples of in into out, which
// may alias in. It panics on slice length mismatch.
func (gn *GroupNorm[T]) Forward(out, in, gamma, beta []T, batch int) {
	sz := gn.C * gn.HW
	if len(in) != batch*sz || len(out) != batch*sz || len(gamma) != gn.C || len(beta) != gn.C {
		panic("nn: GroupNorm.Forward length mismatch")
	}
	if cap(gn.mean) < batch*gn.G {
		gn.mean = make([]float64, batch*gn.G)
		gn.rstd = make([]float64, batch*gn.G)
	}
	gn.mean, gn.rstd = gn.mean[:batch*gn.G], gn.rstd[:batch*gn.G]
	gn.backward, gn.out, gn.in, gn.gamma, gn.beta = false, out, in, gamma, beta
	runParallel(batch, workers(batch), gn, &gn.grp)
	gn.release()
}

// Backward accumulates dIn += ∂L/∂in (skipped if nil), dGamma += ∂L/∂γ and
// dBeta += ∂L/∂β given dOut = ∂L/∂out and the input in of the latest Forward
// (β is only read when SiLU is set, to recompute the pre-activation).
// With x̂ = (x − μ)·r, r = 1/√(σ²+Eps), and means ⟨·⟩ over the group,
//
//	dx = r · (dx̂ − ⟨dx̂⟩ − x̂ ⟨dx̂ · x̂⟩), dx̂ = γ · dOut,
//	dγ[c] = Σ dOut · x̂, dβ[c] = Σ dOut.
//
// dIn must not alias dOut or in.
func (gn *GroupNorm[T]) Backward(dIn, dGamma, dBeta, dOut, in, gamma, beta []T, batch int) {
	sz := gn.C * gn.HW
	if len(in) != batch*sz || len(dOut) != batch*sz || len(gamma) != gn.C ||
		len(dGamma) != gn.C || len(dBeta) != gn.C || len(beta) != gn.C || (dIn != nil && len(dIn) != batch*sz) ||
		len(gn.mean) != batch*gn.G {
		panic("nn: GroupNorm.Backward length mismatch")
	}
	if cap(gn.sums) < 2*batch*gn.C {
		gn.sums = make([]float64, 2*batch*gn.C)
	}
	sums := gn.sums[:2*batch*gn.C]
	w := workers(batch)
	if gn.SiLU {
		for len(gn.da) < w {
			gn.da = append(gn.da, make([]T, gn.C/gn.G*gn.HW))
		}
	}
	gn.backward, gn.in, gn.gamma, gn.beta, gn.dIn, gn.dOut = true, in, gamma, beta, dIn, dOut
	runParallel(batch, w, gn, &gn.grp)
	gn.release()
	for n := 0; n < batch; n++ {
		for c := 0; c < gn.C; c++ {
			dGamma[c] += T(sums[2*(n*gn.C+c)])
			dBeta[c] += T(sums[2*(n*gn.C+c)+1])
		}
	}
}

// release drops the references to the caller's slices.
func (gn *GroupNorm[T]) release() {
	gn.out, gn.in, gn.gamma, gn.beta, gn.dIn, gn.dOut = nil, nil, nil, nil, nil, nil
}

// run normalises (or back-propagates through) samples [lo, hi).
func (gn *GroupNorm[T]) Run(wk, lo, hi int) {
	sz := gn.C * gn.HW
	if gn.backward {
		gn.runBackward(lo, hi, sz, wk)
		return
	}
	in, out, gamma, beta := gn.in, gn.out, gn.gamma, gn.beta
	cg := gn.C / gn.G
	gl := cg * gn.HW
	for n := lo; n < hi; n++ {
		for g := 0; g < gn.G; g++ {
			off := n*sz + g*gl
			x := in[off : off+gl]
			mu := vmath.Sum(x) / float64(gl)
			r := 1 / math.Sqrt(vmath.SumSqDev(x, mu)/float64(gl)+gn.Eps)
			gn.mean[n*gn.G+g] = mu
			gn.rstd[n*gn.G+g] = r
			y := out[off : off+gl]
			for cc := 0; cc < cg; cc++ {
				c := g*cg + cc
				af := float64(gamma[c]) * r
				a, b := T(af), T(float64(beta[c])-mu*af)
				xs := x[cc*gn.HW : (cc+1)*gn.HW]
				ys := y[cc*gn.HW : (cc+1)*gn.HW]
				if gn.SiLU {
					vmath.AffineSiLU(ys, xs, a, b)
					continue
				}
				for i, v := range xs {
					ys[i] = v*a + b
				}
			}
		}
	}
}

func (gn *GroupNorm[T]) runBackward(lo, hi, sz, wk int) {
	cg := gn.C / gn.G
	gl := cg * gn.HW
	for n := lo; n < hi; n++ {
		for g := 0; g < gn.G; g++ {
			mu, r := gn.mean[n*gn.G+g], gn.rstd[n*gn.G+g]
			off := n*sz + g*gl
			x := gn.in[off : off+gl]
			dy := gn.dOut[off : off+gl]
			if gn.SiLU {
				// Gradient with respect to the pre-activation z = γ·x̂ + β:
				// dz = dOut·σ(z)(1 + z(1 − σ(z))), in the worker's scratch.
				dz := gn.da[wk][:gl]
				for cc := 0; cc < cg; cc++ {
					c := g*cg + cc
					af := float64(gn.gamma[c]) * r
					a, b := T(af), T(float64(gn.beta[c])-mu*af)
					xs := x[cc*gn.HW : (cc+1)*gn.HW]
					ds := dy[cc*gn.HW : (cc+1)*gn.HW]
					dd := dz[cc*gn.HW : (cc+1)*gn.HW]
					vmath.AffineSiLUGrad(dd, ds, xs, a, b)
				}
				dy = dz
			}
			var dx []T
			if gn.dIn != nil {
				dx = gn.dIn[off : off+gl]
			}
			gn.groupBackward(dx, dy, x, n, g, mu, r)
		}
	}
}

// groupBackward back-propagates through the normalisation of group g of
// sample n: x and dy are the group's input and the gradient with respect to
// its normalised output, [C/G, HW]; dx, if not nil, accumulates the input
// gradient. The per-channel Σ dy·x̂ and Σ dy go to gn.sums.
func (gn *GroupNorm[T]) groupBackward(dx, dy, x []T, n, g int, mu, r float64) {
	cg := gn.C / gn.G
	hw := gn.HW
	gamma, sums := gn.gamma, gn.sums
	// Per-channel Σ dy·x̂ and Σ dy, then the group means of dx̂ and dx̂·x̂.
	var mdx, mdxx float64
	for cc := 0; cc < cg; cc++ {
		c := g*cg + cc
		xs := x[cc*hw : (cc+1)*hw]
		ds := dy[cc*hw : (cc+1)*hw]
		sdx, sd := vmath.DotDev(ds, xs, mu)
		sdx *= r
		sums[2*(n*gn.C+c)] = sdx
		sums[2*(n*gn.C+c)+1] = sd
		mdx += float64(gamma[c]) * sd
		mdxx += float64(gamma[c]) * sdx
	}
	if dx == nil {
		return
	}
	mdx /= float64(cg * hw)
	mdxx /= float64(cg * hw)
	for cc := 0; cc < cg; cc++ {
		c := g*cg + cc
		// dx = γr·dy − r·mdx − r²·mdxx·(x − μ).
		vmath.NormGrad(dx[cc*hw:(cc+1)*hw], dy[cc*hw:(cc+1)*hw], x[cc*hw:(cc+1)*hw],
			float64(gamma[c])*r, -r*r*mdxx, mu, -r*mdx)
	}
}
