package nn

import (
	"fmt"
	"github.com/cloud-diffusion/noise/internal/parallel"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
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
type Attention struct {
	C, L int

	qkv, p, o []float64 // [N, 3C, L], [N, L, L], [N, C, L]
	dqkv, dp  [][]float64
	do        [][]float64

	// Arguments of the forward call in progress, for the pool's workers.
	out, x, wqkv, bqkv, wo, bo []float64
	grp                        parallel.Group
}

// NewAttention returns self-attention over c channels and l pixels. It panics
// if a size is not positive.
func NewAttention(c, l int) *Attention {
	if c <= 0 || l <= 0 {
		panic(fmt.Sprintf("nn: bad Attention shape c=%d l=%d", c, l))
	}
	return &Attention{C: c, L: l}
}

// Forward computes out [N, C, L] from x [N, C, L] and the parameters
// wqkv [3C, C], bqkv [3C], wo [C, C], bo [C]. out must not alias x.
func (a *Attention) Forward(out, x, wqkv, bqkv, wo, bo []float64, batch int) {
	c, l := a.C, a.L
	if len(x) != batch*c*l || len(out) != batch*c*l || len(wqkv) != 3*c*c || len(bqkv) != 3*c || len(wo) != c*c || len(bo) != c {
		panic("nn: Attention.Forward length mismatch")
	}
	if cap(a.qkv) < batch*3*c*l {
		a.qkv = make([]float64, batch*3*c*l)
		a.p = make([]float64, batch*l*l)
		a.o = make([]float64, batch*c*l)
	}
	a.qkv, a.p, a.o = a.qkv[:batch*3*c*l], a.p[:batch*l*l], a.o[:batch*c*l]
	a.out, a.x, a.wqkv, a.bqkv, a.wo, a.bo = out, x, wqkv, bqkv, wo, bo
	runParallel(batch, workers(batch), a, &a.grp)
	a.out, a.x, a.wqkv, a.bqkv, a.wo, a.bo = nil, nil, nil, nil, nil, nil
}

// run computes the forward pass of samples [lo, hi).
func (a *Attention) Run(_, lo, hi int) {
	c, l := a.C, a.L
	out, x, wqkv, bqkv, wo, bo := a.out, a.x, a.wqkv, a.bqkv, a.wo, a.bo
	scale := 1 / math.Sqrt(float64(c))
	for n := lo; n < hi; n++ {
		xn := x[n*c*l : (n+1)*c*l]
		qkv := a.qkv[n*3*c*l : (n+1)*3*c*l]
		for r := 0; r < 3*c; r++ {
			row := qkv[r*l : (r+1)*l]
			for i := range row {
				row[i] = bqkv[r]
			}
		}
		gemmSerial(blas.NoTrans, blas.NoTrans, 1, gen(3*c, c, wqkv), gen(c, l, xn), 1, gen(3*c, l, qkv))
		q, k, v := qkv[:c*l], qkv[c*l:2*c*l], qkv[2*c*l:]
		p := a.p[n*l*l : (n+1)*l*l]
		gemmSerial(blas.Trans, blas.NoTrans, scale, gen(c, l, q), gen(c, l, k), 0, gen(l, l, p))
		for i := 0; i < l; i++ {
			row := p[i*l : (i+1)*l]
			m := math.Inf(-1)
			for _, s := range row {
				m = math.Max(m, s)
			}
			sum := 0.0
			for j, s := range row {
				e := math.Exp(s - m)
				row[j] = e
				sum += e
			}
			for j := range row {
				row[j] /= sum
			}
		}
		o := a.o[n*c*l : (n+1)*c*l]
		gemmSerial(blas.NoTrans, blas.Trans, 1, gen(c, l, v), gen(l, l, p), 0, gen(c, l, o))
		on := out[n*c*l : (n+1)*c*l]
		for r := 0; r < c; r++ {
			row := on[r*l : (r+1)*l]
			for i := range row {
				row[i] = bo[r]
			}
		}
		gemmSerial(blas.NoTrans, blas.NoTrans, 1, gen(c, c, wo), gen(c, l, o), 1, gen(c, l, on))
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
func (a *Attention) Backward(dx, dwqkv, dbqkv, dwo, dbo, dOut, x, wqkv, wo []float64, batch int) {
	c, l := a.C, a.L
	if len(x) != batch*c*l || len(dOut) != batch*c*l || len(a.qkv) != batch*3*c*l ||
		len(dwqkv) != 3*c*c || len(dbqkv) != 3*c || len(dwo) != c*c || len(dbo) != c || (dx != nil && len(dx) != batch*c*l) {
		panic("nn: Attention.Backward length mismatch")
	}
	if len(a.dqkv) == 0 {
		a.dqkv = [][]float64{make([]float64, 3*c*l)}
		a.dp = [][]float64{make([]float64, l*l)}
		a.do = [][]float64{make([]float64, c*l)}
	}
	dqkv, dp, do := a.dqkv[0], a.dp[0], a.do[0]
	scale := 1 / math.Sqrt(float64(c))
	for n := 0; n < batch; n++ {
		xn := x[n*c*l : (n+1)*c*l]
		dn := dOut[n*c*l : (n+1)*c*l]
		qkv := a.qkv[n*3*c*l : (n+1)*3*c*l]
		q, k, v := qkv[:c*l], qkv[c*l:2*c*l], qkv[2*c*l:]
		p := a.p[n*l*l : (n+1)*l*l]
		o := a.o[n*c*l : (n+1)*c*l]
		gemmSerial(blas.NoTrans, blas.Trans, 1, gen(c, l, dn), gen(c, l, o), 1, gen(c, c, dwo))
		for r := 0; r < c; r++ {
			s := 0.0
			for _, d := range dn[r*l : (r+1)*l] {
				s += d
			}
			dbo[r] += s
		}
		gemmSerial(blas.Trans, blas.NoTrans, 1, gen(c, c, wo), gen(c, l, dn), 0, gen(c, l, do))
		dq, dk, dv := dqkv[:c*l], dqkv[c*l:2*c*l], dqkv[2*c*l:]
		gemmSerial(blas.NoTrans, blas.NoTrans, 1, gen(c, l, do), gen(l, l, p), 0, gen(c, l, dv))
		gemmSerial(blas.Trans, blas.NoTrans, 1, gen(c, l, do), gen(c, l, v), 0, gen(l, l, dp))
		for i := 0; i < l; i++ {
			pr := p[i*l : (i+1)*l]
			dr := dp[i*l : (i+1)*l]
			s := 0.0
			for j, pv := range pr {
				s += pv * dr[j]
			}
			for j, pv := range pr {
				dr[j] = pv * (dr[j] - s)
			}
		}
		// dp now holds dS.
		gemmSerial(blas.NoTrans, blas.Trans, scale, gen(c, l, k), gen(l, l, dp), 0, gen(c, l, dq))
		gemmSerial(blas.NoTrans, blas.NoTrans, scale, gen(c, l, q), gen(l, l, dp), 0, gen(c, l, dk))
		gemmSerial(blas.NoTrans, blas.Trans, 1, gen(3*c, l, dqkv), gen(c, l, xn), 1, gen(3*c, c, dwqkv))
		for r := 0; r < 3*c; r++ {
			s := 0.0
			for _, d := range dqkv[r*l : (r+1)*l] {
				s += d
			}
			dbqkv[r] += s
		}
		if dx != nil {
			gemmSerial(blas.Trans, blas.NoTrans, 1, gen(3*c, c, wqkv), gen(3*c, l, dqkv), 1, gen(c, l, dx[n*c*l:(n+1)*c*l]))
		}
	}
}

// gen wraps a row-major r×c slice as a blas64.General.
func gen(r, c int, d []float64) blas64.General {
	return blas64.General{Rows: r, Cols: c, Stride: c, Data: d[:r*c]}
}
