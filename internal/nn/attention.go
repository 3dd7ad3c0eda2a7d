package nn

import (
	"fmt"
	"math"

	"github.com/cloud-diffusion/noise/internal/gemm"
	"github.com/cloud-diffusion/noise/internal/parallel"

	"gonum.org/v1/gonum/blas"
)

// Attention is single-head dot-product self-attention over the L = H·W
// pixels of an NCHW tensor, with 1×1 projections (as in the DDPM UNet, without
// the normalisation and residual connection, which the caller adds). For
// one sample x [C, L]:
//
//	[q; k; v] = Wqkv·x + bqkv          Wqkv [3C, C], bqkv [3C]; q, k, v [C, L]
//	P = softmax_rows(qᵀk / √C)         P [L, L]
//	o = v·Pᵀ                           o [C, L]
//	out = Wo·o + bo                    Wo [C, C], bo [C]
//
// Forward caches q, k, v, P and o for Backward, which must follow the Forward
// of the same input. An Attention is not safe for concurrent use.
type Attention[T Float] struct {
	C, L int

	qkv, p, o []T // [N, 3C, L], [N, L, L], [N, C, L]
	dqkv, dp  [][]T
	do        [][]T

	// Arguments of the forward call in progress, for the pool's workers.
	out, x, wqkv, bqkv, wo, bo []T
	grp                        parallel.Group
}

// NewAttention returns self-attention over c channels and l pixels. It panics
// if a size is not positive.
func NewAttention[T Float](c, l int) *Attention[T] {
	if c <= 0 || l <= 0 {
		panic(fmt.Sprintf("nn: bad Attention shape c=%d l=%d", c, l))
	}
	return &Attention[T]{C: c, L: l}
}

// Forward computes out [N, C, L] from x [N, C, L] and the parameters
// wqkv [3C, C], bqkv [3C], wo [C, C], bo [C]. out must not alias x.
func (a *Attention[T]) Forward(out, x, wqkv, bqkv, wo, bo []T, batch int) {
	c, l := a.C, a.L
	if len(x) != batch*c*l || len(out) != batch*c*l || len(wqkv) != 3*c*c || len(bqkv) != 3*c || len(wo) != c*c || len(bo) != c {
		panic("nn: Attention.Forward length mismatch")
	}
	if cap(a.qkv) < batch*3*c*l {
		a.qkv = make([]T, batch*3*c*l)
		a.p = make([]T, batch*l*l)
		a.o = make([]T, batch*c*l)
	}
	a.qkv, a.p, a.o = a.qkv[:batch*3*c*l], a.p[:batch*l*l], a.o[:batch*c*l]
	a.out, a.x, a.wqkv, a.bqkv, a.wo, a.bo = out, x, wqkv, bqkv, wo, bo
	runParallel(batch, workers(batch), a, &a.grp)
	a.out, a.x, a.wqkv, a.bqkv, a.wo, a.bo = nil, nil, nil, nil, nil, nil
}

// run computes the forward pass of samples [lo, hi).
func (a *Attention[T]) Run(_, lo, hi int) {
	c, l := a.C, a.L
	out, x, wqkv, bqkv, wo, bo := a.out, a.x, a.wqkv, a.bqkv, a.wo, a.bo
	scale := T(1 / math.Sqrt(float64(c)))
	for n := lo; n < hi; n++ {
		xn := x[n*c*l : (n+1)*c*l]
		qkv := a.qkv[n*3*c*l : (n+1)*3*c*l]
		for r := 0; r < 3*c; r++ {
			row := qkv[r*l : (r+1)*l]
			for i := range row {
				row[i] = bqkv[r]
			}
		}
		mm(blas.NoTrans, blas.NoTrans, 1, gen(3*c, c, wqkv), gen(c, l, xn), 1, gen(3*c, l, qkv))
		q, k, v := qkv[:c*l], qkv[c*l:2*c*l], qkv[2*c*l:]
		p := a.p[n*l*l : (n+1)*l*l]
		mm(blas.Trans, blas.NoTrans, scale, gen(c, l, q), gen(c, l, k), 0, gen(l, l, p))
		for i := 0; i < l; i++ {
			row := p[i*l : (i+1)*l]
			m := T(math.Inf(-1))
			for _, s := range row {
				m = max(m, s)
			}
			var sum T
			for j, s := range row {
				e := T(math.Exp(float64(s - m)))
				row[j] = e
				sum += e
			}
			for j := range row {
				row[j] /= sum
			}
		}
		o := a.o[n*c*l : (n+1)*c*l]
		mm(blas.NoTrans, blas.Trans, 1, gen(c, l, v), gen(l, l, p), 0, gen(c, l, o))
		on := out[n*c*l : (n+1)*c*l]
		for r := 0; r < c; r++ {
			row := on[r*l : (r+1)*l]
			for i := range row {
				row[i] = bo[r]
			}
		}
		mm(blas.NoTrans, blas.NoTrans, 1, gen(c, c, wo), gen(c, l, o), 1, gen(c, l, on))
	}
}

// Backward accumulates dx += ∂L/∂x (skipped if nil) and the parameter
// gradients given dOut = ∂L/∂out and the forward input x:
//
//	dWo += dOut·oᵀ, dbo += Σ dOut, do = Woᵀ·dOut,
//	dv = do·P, dP = doᵀ·v, dS = P ⊙ (dP − rowsum(P ⊙ dP)),
//	dq = k·dSᵀ/√C, dk = q·dS/√C,
//	dWqkv += dqkv·xᵀ, dbqkv += Σ dqkv, dx += Wqkvᵀ·dqkv.
//
// Parameter gradients are summed in sample order.
func (a *Attention[T]) Backward(dx, dwqkv, dbqkv, dwo, dbo, dOut, x, wqkv, wo []T, batch int) {
	c, l := a.C, a.L
	if len(x) != batch*c*l || len(dOut) != batch*c*l || len(a.qkv) != batch*3*c*l ||
		len(dwqkv) != 3*c*c || len(dbqkv) != 3*c || len(dwo) != c*c || len(dbo) != c || (dx != nil && len(dx) != batch*c*l) {
		panic("nn: Attention.Backward length mismatch")
	}
	if len(a.dqkv) == 0 {
		a.dqkv = [][]T{make([]T, 3*c*l)}
		a.dp = [][]T{make([]T, l*l)}
		a.do = [][]T{make([]T, c*l)}
	}
	dqkv, dp, do := a.dqkv[0], a.dp[0], a.do[0]
	scale := T(1 / math.Sqrt(float64(c)))
	for n := 0; n < batch; n++ {
		xn := x[n*c*l : (n+1)*c*l]
		dn := dOut[n*c*l : (n+1)*c*l]
		qkv := a.qkv[n*3*c*l : (n+1)*3*c*l]
		q, k, v := qkv[:c*l], qkv[c*l:2*c*l], qkv[2*c*l:]
		p := a.p[n*l*l : (n+1)*l*l]
		o := a.o[n*c*l : (n+1)*c*l]
		mm(blas.NoTrans, blas.Trans, 1, gen(c, l, dn), gen(c, l, o), 1, gen(c, c, dwo))
		for r := 0; r < c; r++ {
			var s T
			for _, d := range dn[r*l : (r+1)*l] {
				s += d
			}
			dbo[r] += s
		}
		mm(blas.Trans, blas.NoTrans, 1, gen(c, c, wo), gen(c, l, dn), 0, gen(c, l, do))
		dq, dk, dv := dqkv[:c*l], dqkv[c*l:2*c*l], dqkv[2*c*l:]
		mm(blas.NoTrans, blas.NoTrans, 1, gen(c, l, do), gen(l, l, p), 0, gen(c, l, dv))
		mm(blas.Trans, blas.NoTrans, 1, gen(c, l, do), gen(c, l, v), 0, gen(l, l, dp))
		for i := 0; i < l; i++ {
			pr := p[i*l : (i+1)*l]
			dr := dp[i*l : (i+1)*l]
			var s T
			for j, pv := range pr {
				s += pv * dr[j]
			}
			for j, pv := range pr {
				dr[j] = pv * (dr[j] - s)
			}
		}
		// dp now holds dS.
		mm(blas.NoTrans, blas.Trans, scale, gen(c, l, k), gen(l, l, dp), 0, gen(c, l, dq))
		mm(blas.NoTrans, blas.NoTrans, scale, gen(c, l, q), gen(l, l, dp), 0, gen(c, l, dk))
		mm(blas.NoTrans, blas.Trans, 1, gen(3*c, l, dqkv), gen(c, l, xn), 1, gen(3*c, c, dwqkv))
		for r := 0; r < 3*c; r++ {
			var s T
			for _, d := range dqkv[r*l : (r+1)*l] {
				s += d
			}
			dbqkv[r] += s
		}
		if dx != nil {
			mm(blas.Trans, blas.NoTrans, 1, gen(3*c, c, wqkv), gen(3*c, l, dqkv), 1, gen(c, l, dx[n*c*l:(n+1)*c*l]))
		}
	}
}

// mat is a row-major r×c matrix held in a slice.
type mat[T Float] struct {
	r, c int
	d    []T
}

// gen wraps a row-major r×c slice as a matrix.
func gen[T Float](r, c int, d []T) mat[T] { return mat[T]{r, c, d[:r*c]} }

// mm computes C = alpha·op(A)·op(B) + beta·C for dense row-major matrices
// with internal/gemm, on the calling goroutine.
func mm[T Float](tA, tB blas.Transpose, alpha T, a, b mat[T], beta T, c mat[T]) {
	k := a.c
	if tA != blas.NoTrans {
		k = a.r
	}
	gemm.Gemm(tA, tB, c.r, c.c, k, alpha, a.d, a.c, b.d, b.c, beta, c.d, c.c)
}
