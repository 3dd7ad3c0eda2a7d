package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
)

// Gradient checks. Every layer is checked by comparing its Backward with
// central finite differences (gonum diff/fd, step h = 1e-5) of the scalar
// loss L = Σ r ⊙ out for a fixed random r. The loss is a smooth function of
// O(1) size; the central-difference truncation error is h²/6·|L”'| ≈ 1e-11
// and the rounding error ε·|L|/h ≈ 1e-16·10/1e-5 = 1e-10, so an absolute or
// relative tolerance of nnGradTol = 1e-6 leaves four orders of margin while
// still catching any wrong term (those are O(1) or at least O(1e-3)).
const nnGradTol = 1e-6

// nnGradInput is one tensor whose gradient is checked: its values and the
// buffer Backward accumulates its gradient into.
type nnGradInput struct {
	name string
	x    []float64
	grad []float64
}

// nnGradCheck checks the gradients of L = Σ r ⊙ forward() with respect to
// each input. forward must read the inputs' x slices and return the output;
// backward must accumulate the gradients of L, given dOut = r, into the
// inputs' grad slices. Before backward every grad is filled with the
// constant 0.5, which is subtracted afterwards: this checks that Backward
// accumulates rather than overwrites.
func nnGradCheck(t testing.TB, src rand.Source, inputs []nnGradInput, forward func() []float64, backward func(dOut []float64)) {
	t.Helper()
	rnd := rand.New(src)
	out := forward()
	r := make([]float64, len(out))
	for i := range r {
		r[i] = rnd.NormFloat64()
	}
	loss := func() float64 {
		s := 0.0
		for i, v := range forward() {
			s += r[i] * v
		}
		return s
	}
	for _, in := range inputs {
		for i := range in.grad {
			in.grad[i] = 0.5
		}
	}
	forward()
	backward(r)
	for _, in := range inputs {
		for i := range in.grad {
			in.grad[i] -= 0.5
		}
	}
	for _, in := range inputs {
		orig := append([]float64(nil), in.x...)
		want := fd.Gradient(nil, func(x []float64) float64 {
			copy(in.x, x)
			return loss()
		}, orig, &fd.Settings{Formula: fd.Central, Step: 1e-5})
		copy(in.x, orig)
		bad := 0
		for i := range want {
			if !scalar.EqualWithinAbsOrRel(in.grad[i], want[i], nnGradTol, nnGradTol) {
				if bad < 5 {
					t.Errorf("%s: gradient[%d] = %v, finite differences %v", in.name, i, in.grad[i], want[i])
				}
				bad++
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d gradient entries wrong", in.name, bad, len(want))
		}
	}
}

// nnRandSlice returns n standard normal values scaled by s.
func nnRandSlice(rnd *rand.Rand, n int, s float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = s * rnd.NormFloat64()
	}
	return x
}

func TestConv2dGradient(t *testing.T) {
	for i, tc := range []struct{ inC, outC, h, w, k, s, p, batch int }{
		{2, 3, 5, 4, 3, 1, 1, 2}, // 3×3 same padding, rectangular odd/even
		{2, 2, 6, 6, 3, 2, 1, 2}, // stride-2 downsampling
		{3, 2, 5, 3, 3, 2, 1, 1}, // stride 2 on odd sizes
		{3, 4, 3, 5, 1, 1, 0, 2}, // 1×1 (direct, no im2col)
		{1, 2, 4, 4, 3, 1, 0, 1}, // no padding
		{1, 2, 3, 2, 5, 1, 2, 1}, // padding as large as the image
	} {
		for _, mode := range nnPadModes {
			rnd := rand.New(rand.NewPCG(uint64(i), 1))
			c := NewConv2d[float64](tc.inC, tc.outC, tc.h, tc.w, tc.k, tc.s, tc.p)
			c.Padding = mode
			x := nnRandSlice(rnd, tc.batch*c.InLen(), 1)
			w := nnRandSlice(rnd, c.WeightLen(), 0.5)
			b := nnRandSlice(rnd, tc.outC, 0.5)
			dx := make([]float64, len(x))
			dw := make([]float64, len(w))
			db := make([]float64, len(b))
			out := make([]float64, tc.batch*c.OutLen())
			name := fmt.Sprintf("case %d %v: conv", i, mode)
			nnGradCheck(t, rand.NewPCG(uint64(i), 2),
				[]nnGradInput{{name + " in", x, dx}, {name + " weight", w, dw}, {name + " bias", b, db}},
				func() []float64 { c.Forward(out, x, w, b, tc.batch); return out },
				func(d []float64) { c.Backward(dx, dw, db, d, x, w, tc.batch) })
		}
	}
}

func TestGroupNormGradient(t *testing.T) {
	for i, tc := range []struct {
		c, g, hw, batch int
		silu            bool
	}{
		{4, 2, 6, 2, false},
		{6, 3, 5, 1, false},
		{4, 4, 3, 2, false}, // instance norm
		{3, 1, 4, 2, false}, // layer norm
		{4, 2, 6, 3, true},  // fused with SiLU
		{6, 1, 5, 1, true},
	} {
		rnd := rand.New(rand.NewPCG(uint64(i), 3))
		gn := NewGroupNorm[float64](tc.c, tc.g, tc.hw)
		gn.SiLU = tc.silu
		x := nnRandSlice(rnd, tc.batch*tc.c*tc.hw, 1)
		for j := range x {
			x[j] += 0.3 // nonzero mean
		}
		gamma := nnRandSlice(rnd, tc.c, 1)
		beta := nnRandSlice(rnd, tc.c, 1)
		dx := make([]float64, len(x))
		dg := make([]float64, tc.c)
		dbeta := make([]float64, tc.c)
		out := make([]float64, len(x))
		nnGradCheck(t, rand.NewPCG(uint64(i), 4),
			[]nnGradInput{{"gn in", x, dx}, {"gn gamma", gamma, dg}, {"gn beta", beta, dbeta}},
			func() []float64 { gn.Forward(out, x, gamma, beta, tc.batch); return out },
			func(d []float64) { gn.Backward(dx, dg, dbeta, d, x, gamma, beta, tc.batch) })
	}
}

func TestSiLUGradient(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 5))
	x := nnRandSlice(rnd, 20, 3)
	dx := make([]float64, len(x))
	out := make([]float64, len(x))
	nnGradCheck(t, rand.NewPCG(5, 6), []nnGradInput{{"silu in", x, dx}},
		func() []float64 { SiLUForward(out, x); return out },
		func(d []float64) { SiLUBackward(dx, d, x) })
}

func TestLinearGradient(t *testing.T) {
	const batch, nIn, nOut = 3, 4, 5
	rnd := rand.New(rand.NewPCG(6, 6))
	x := nnRandSlice(rnd, batch*nIn, 1)
	w := nnRandSlice(rnd, nIn*nOut, 1)
	b := nnRandSlice(rnd, nOut, 1)
	dx, dw, db := make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(b))
	out := make([]float64, batch*nOut)
	nnGradCheck(t, rand.NewPCG(6, 7),
		[]nnGradInput{{"linear in", x, dx}, {"linear weight", w, dw}, {"linear bias", b, db}},
		func() []float64 { LinearForward(out, x, w, b, batch, nIn, nOut); return out },
		func(d []float64) { LinearBackward(dx, dw, db, d, x, w, batch, nIn, nOut) })
}

func TestUpsample2xGradient(t *testing.T) {
	const planes, h, w = 3, 2, 3
	rnd := rand.New(rand.NewPCG(7, 7))
	x := nnRandSlice(rnd, planes*h*w, 1)
	dx := make([]float64, len(x))
	out := make([]float64, 4*len(x))
	nnGradCheck(t, rand.NewPCG(7, 8), []nnGradInput{{"upsample in", x, dx}},
		func() []float64 { Upsample2xForward(out, x, planes, h, w); return out },
		func(d []float64) { Upsample2xBackward(dx, d, planes, h, w) })
}

func TestConcatGradient(t *testing.T) {
	const batch, ca, cb, hw = 2, 2, 3, 4
	rnd := rand.New(rand.NewPCG(8, 8))
	a := nnRandSlice(rnd, batch*ca*hw, 1)
	b := nnRandSlice(rnd, batch*cb*hw, 1)
	da, db := make([]float64, len(a)), make([]float64, len(b))
	out := make([]float64, len(a)+len(b))
	nnGradCheck(t, rand.NewPCG(8, 9), []nnGradInput{{"concat a", a, da}, {"concat b", b, db}},
		func() []float64 { ConcatForward(out, a, b, batch, ca, cb, hw); return out },
		func(d []float64) { ConcatBackward(da, db, d, batch, ca, cb, hw) })
}

func TestAttentionGradient(t *testing.T) {
	const batch, c, l = 2, 3, 4
	rnd := rand.New(rand.NewPCG(9, 9))
	att := NewAttention[float64](c, l)
	x := nnRandSlice(rnd, batch*c*l, 1)
	wqkv := nnRandSlice(rnd, 3*c*c, 0.7)
	bqkv := nnRandSlice(rnd, 3*c, 0.5)
	wo := nnRandSlice(rnd, c*c, 0.7)
	bo := nnRandSlice(rnd, c, 0.5)
	g := func(n int) []float64 { return make([]float64, n) }
	dx, dwqkv, dbqkv, dwo, dbo := g(len(x)), g(len(wqkv)), g(len(bqkv)), g(len(wo)), g(len(bo))
	out := g(len(x))
	nnGradCheck(t, rand.NewPCG(9, 10),
		[]nnGradInput{{"attn in", x, dx}, {"attn wqkv", wqkv, dwqkv}, {"attn bqkv", bqkv, dbqkv}, {"attn wo", wo, dwo}, {"attn bo", bo, dbo}},
		func() []float64 { att.Forward(out, x, wqkv, bqkv, wo, bo, batch); return out },
		func(d []float64) { att.Backward(dx, dwqkv, dbqkv, dwo, dbo, d, x, wqkv, wo, batch) })
}

func TestGradCheckDetectsError(t *testing.T) {
	// The checker itself must fail on a wrong gradient: SiLU with a
	// gradient that ignores the x(1−σ) term.
	rnd := rand.New(rand.NewPCG(10, 10))
	x := nnRandSlice(rnd, 5, 2)
	dx := make([]float64, len(x))
	out := make([]float64, len(x))
	ft := &nnRecorder{TB: t}
	nnGradCheck(ft, rand.NewPCG(10, 11), []nnGradInput{{"wrong", x, dx}},
		func() []float64 { SiLUForward(out, x); return out },
		func(d []float64) {
			for i, v := range x {
				dx[i] += d[i] / (1 + math.Exp(-v))
			}
		})
	if !ft.failed {
		t.Error("gradient check passed a wrong gradient")
	}
}

// nnRecorder is a testing.TB that records errors instead of reporting them.
type nnRecorder struct {
	testing.TB
	failed bool
}

func (r *nnRecorder) Helper()               {}
func (r *nnRecorder) Errorf(string, ...any) { r.failed = true }

func TestUpConv2dGradient(t *testing.T) {
	for i, tc := range []struct{ inC, outC, h, w, batch int }{
		{2, 3, 3, 4, 2},
		{3, 2, 1, 1, 1},
		{1, 2, 2, 3, 3},
	} {
		for _, mode := range nnPadModes {
			rnd := rand.New(rand.NewPCG(uint64(i), 30))
			u := NewUpConv2d[float64](tc.inC, tc.outC, tc.h, tc.w)
			u.Padding = mode
			x := nnRandSlice(rnd, tc.batch*tc.inC*tc.h*tc.w, 1)
			w := nnRandSlice(rnd, u.WeightLen(), 0.5)
			b := nnRandSlice(rnd, tc.outC, 0.5)
			dx, dw, db := make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(b))
			out := make([]float64, tc.batch*tc.outC*4*tc.h*tc.w)
			name := fmt.Sprintf("case %d %v: upconv", i, mode)
			nnGradCheck(t, rand.NewPCG(uint64(i), 31),
				[]nnGradInput{{name + " in", x, dx}, {name + " weight", w, dw}, {name + " bias", b, db}},
				func() []float64 { u.Forward(out, x, w, b, tc.batch); return out },
				func(d []float64) { u.Backward(dx, dw, db, d, x, w, tc.batch) })
		}
	}
}

func TestMeanPoolGradient(t *testing.T) {
	rnd := rand.New(rand.NewPCG(50, 50))
	const planes, hw = 6, 7
	x := nnRandSlice(rnd, planes*hw, 1)
	dx := make([]float64, len(x))
	out := make([]float64, planes)
	nnGradCheck(t, rand.NewPCG(50, 51), []nnGradInput{{"mean pool in", x, dx}},
		func() []float64 { MeanPoolForward(out, x, planes, hw); return out },
		func(d []float64) { MeanPoolBackward(dx, d, planes, hw) })
}
