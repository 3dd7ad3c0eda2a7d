package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The float32 layers are checked against the float64 ones (themselves
// checked against naive references and finite differences) on the same
// inputs, rounded to float32. float32 rounds every operation to a relative
// 2⁻²⁴ ≈ 6e-8; rounding errors of random sign in a sum of k terms grow like
// √k·2⁻²⁴ of the terms' scale, 1.5e-6 for the largest k = 600 below (the
// worst case, k·2⁻²⁴ = 3.6e-5, needs every error to have the same sign).
// The largest error measured here is 3.1e-7 of the tensor's largest entry;
// nnF32Tol = 1e-5 of it leaves a factor 30, while a wrong term (any bug) is
// off by O(1) of it.
const nnF32Tol = 1e-5

// nnF32Compare checks got (float32) against want (float64) entry by entry,
// to nnF32Tol of want's largest magnitude.
func nnF32Compare(t *testing.T, name string, want []float64, got []float32) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%s: length %d, want %d", name, len(got), len(want))
	}
	scale := 0.0
	for _, v := range want {
		scale = max(scale, math.Abs(v))
	}
	bad := 0
	for i, w := range want {
		if d := math.Abs(float64(got[i]) - w); !(d <= nnF32Tol*scale) {
			if bad < 3 {
				t.Errorf("%s[%d] = %g in float32, %g in float64 (scale %g)", name, i, got[i], w, scale)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d entries off", name, bad, len(want))
	}

}

func nnTo[T Float](x []float64) []T {
	y := make([]T, len(x))
	for i, v := range x {
		y[i] = T(v)
	}
	return y
}

// nnPrecisionCase runs a layer forward and backward in precision T on
// inputs given in float64 and returns its output and gradients (the input
// gradient first, then the parameters'), each accumulated onto zero.
type nnPrecisionCase struct {
	name string
	in   [][]float64 // inputs and parameters
	dOut []float64
	run  func(in [][]float64, dOut []float64, f32 bool) (out []float64, grads [][]float64, out32 []float32, grads32 [][]float32)
}

// run2 adapts a generic forward/backward to nnPrecisionCase.run.
func run2(f64 func(in [][]float64, dOut []float64) ([]float64, [][]float64), f32 func(in [][]float32, dOut []float32) ([]float32, [][]float32)) func(in [][]float64, dOut []float64, f bool) ([]float64, [][]float64, []float32, [][]float32) {
	return func(in [][]float64, dOut []float64, f bool) ([]float64, [][]float64, []float32, [][]float32) {
		if !f {
			o, g := f64(in, dOut)
			return o, g, nil, nil
		}
		in32 := make([][]float32, len(in))
		for i, x := range in {
			in32[i] = nnTo[float32](x)
		}
		o, g := f32(in32, nnTo[float32](dOut))
		return nil, nil, o, g
	}
}

func convRun[T Float](inC, outC, h, w, k, s, p, batch int, mode Padding) func(in [][]T, dOut []T) ([]T, [][]T) {
	return func(in [][]T, dOut []T) ([]T, [][]T) {
		c := NewConv2d[T](inC, outC, h, w, k, s, p)
		c.Padding = mode
		x, wt, b := in[0], in[1], in[2]
		out := make([]T, batch*c.OutLen())
		c.Forward(out, x, wt, b, batch)
		dx, dw, db := make([]T, len(x)), make([]T, len(wt)), make([]T, len(b))
		c.Backward(dx, dw, db, dOut, x, wt, batch)
		return out, [][]T{dx, dw, db}
	}
}

func upConvRun[T Float](inC, outC, h, w, batch int, mode Padding) func(in [][]T, dOut []T) ([]T, [][]T) {
	return func(in [][]T, dOut []T) ([]T, [][]T) {
		u := NewUpConv2d[T](inC, outC, h, w)
		u.Padding = mode
		x, wt, b := in[0], in[1], in[2]
		out := make([]T, batch*outC*4*h*w)
		u.Forward(out, x, wt, b, batch)
		dx, dw, db := make([]T, len(x)), make([]T, len(wt)), make([]T, len(b))
		u.Backward(dx, dw, db, dOut, x, wt, batch)
		return out, [][]T{dx, dw, db}
	}
}

func groupNormRun[T Float](c, g, hw, batch int, silu bool) func(in [][]T, dOut []T) ([]T, [][]T) {
	return func(in [][]T, dOut []T) ([]T, [][]T) {
		gn := NewGroupNorm[T](c, g, hw)
		gn.SiLU = silu
		x, gamma, beta := in[0], in[1], in[2]
		out := make([]T, len(x))
		gn.Forward(out, x, gamma, beta, batch)
		dx, dg, db := make([]T, len(x)), make([]T, c), make([]T, c)
		gn.Backward(dx, dg, db, dOut, x, gamma, beta, batch)
		return out, [][]T{dx, dg, db}
	}
}

func attentionRun[T Float](c, l, batch int) func(in [][]T, dOut []T) ([]T, [][]T) {
	return func(in [][]T, dOut []T) ([]T, [][]T) {
		a := NewAttention[T](c, l)
		x, wqkv, bqkv, wo, bo := in[0], in[1], in[2], in[3], in[4]
		out := make([]T, len(x))
		a.Forward(out, x, wqkv, bqkv, wo, bo, batch)
		g := func(n int) []T { return make([]T, n) }
		dx, dwqkv, dbqkv, dwo, dbo := g(len(x)), g(len(wqkv)), g(len(bqkv)), g(len(wo)), g(len(bo))
		a.Backward(dx, dwqkv, dbqkv, dwo, dbo, dOut, x, wqkv, wo, batch)
		return out, [][]T{dx, dwqkv, dbqkv, dwo, dbo}
	}
}

func linearSiLURun[T Float](batch, nIn, nOut int) func(in [][]T, dOut []T) ([]T, [][]T) {
	return func(in [][]T, dOut []T) ([]T, [][]T) {
		x, w, b := in[0], in[1], in[2]
		h, out := make([]T, batch*nOut), make([]T, batch*nOut)
		LinearForward(h, x, w, b, batch, nIn, nOut)
		SiLUForward(out, h)
		dh := make([]T, len(h))
		SiLUBackward(dh, dOut, h)
		dx, dw, db := make([]T, len(x)), make([]T, len(w)), make([]T, len(b))
		LinearBackward(dx, dw, db, dh, x, w, batch, nIn, nOut)
		return out, [][]T{dx, dw, db}
	}
}

func resampleConcatRun[T Float](batch, c, h, w int) func(in [][]T, dOut []T) ([]T, [][]T) {
	return func(in [][]T, dOut []T) ([]T, [][]T) {
		x, skip := in[0], in[1]
		up := make([]T, 4*len(x))
		Upsample2xForward(up, x, batch*c, h, w)
		out := make([]T, len(up)+len(skip))
		ConcatForward(out, up, skip, batch, c, len(skip)/(batch*4*h*w), 4*h*w)
		dup, dskip := make([]T, len(up)), make([]T, len(skip))
		ConcatBackward(dup, dskip, dOut, batch, c, len(skip)/(batch*4*h*w), 4*h*w)
		dx := make([]T, len(x))
		Upsample2xBackward(dx, dup, batch*c, h, w)
		return out, [][]T{dx, dskip}
	}
}

// TestFloat32MatchesFloat64 checks every layer in float32 against float64,
// forward and backward, at shapes like the UNet's.
func TestFloat32MatchesFloat64(t *testing.T) {
	rnd := rand.New(rand.NewPCG(40, 40))
	r := func(n int, s float64) []float64 { return nnRandSlice(rnd, n, s) }
	const batch = 3
	cases := []nnPrecisionCase{
		{"conv 3×3", [][]float64{r(batch*16*100, 1), r(24*16*9, 0.1), r(24, 0.1)}, r(batch*24*100, 1),
			run2(convRun[float64](16, 24, 10, 10, 3, 1, 1, batch, PadZero), convRun[float32](16, 24, 10, 10, 3, 1, 1, batch, PadZero))},
		{"conv 3×3 replicate", [][]float64{r(batch*16*100, 1), r(24*16*9, 0.1), r(24, 0.1)}, r(batch*24*100, 1),
			run2(convRun[float64](16, 24, 10, 10, 3, 1, 1, batch, PadReplicate), convRun[float32](16, 24, 10, 10, 3, 1, 1, batch, PadReplicate))},
		{"conv 3×3 circular", [][]float64{r(batch*16*100, 1), r(24*16*9, 0.1), r(24, 0.1)}, r(batch*24*100, 1),
			run2(convRun[float64](16, 24, 10, 10, 3, 1, 1, batch, PadCircular), convRun[float32](16, 24, 10, 10, 3, 1, 1, batch, PadCircular))},
		{"conv stride 2", [][]float64{r(batch*8*81, 1), r(8*8*9, 0.1), r(8, 0.1)}, r(batch*8*25, 1),
			run2(convRun[float64](8, 8, 9, 9, 3, 2, 1, batch, PadZero), convRun[float32](8, 8, 9, 9, 3, 2, 1, batch, PadZero))},
		{"conv stride 2 replicate", [][]float64{r(batch*8*81, 1), r(8*8*9, 0.1), r(8, 0.1)}, r(batch*8*25, 1),
			run2(convRun[float64](8, 8, 9, 9, 3, 2, 1, batch, PadReplicate), convRun[float32](8, 8, 9, 9, 3, 2, 1, batch, PadReplicate))},
		{"conv stride 2 circular", [][]float64{r(batch*8*81, 1), r(8*8*9, 0.1), r(8, 0.1)}, r(batch*8*25, 1),
			run2(convRun[float64](8, 8, 9, 9, 3, 2, 1, batch, PadCircular), convRun[float32](8, 8, 9, 9, 3, 2, 1, batch, PadCircular))},
		{"conv 1×1", [][]float64{r(batch*12*49, 1), r(6*12, 0.2), r(6, 0.1)}, r(batch*6*49, 1),
			run2(convRun[float64](12, 6, 7, 7, 1, 1, 0, batch, PadZero), convRun[float32](12, 6, 7, 7, 1, 1, 0, batch, PadZero))},
		{"upconv", [][]float64{r(batch*8*36, 1), r(8*8*9, 0.1), r(8, 0.1)}, r(batch*8*144, 1),
			run2(upConvRun[float64](8, 8, 6, 6, batch, PadZero), upConvRun[float32](8, 8, 6, 6, batch, PadZero))},
		{"upconv replicate", [][]float64{r(batch*8*36, 1), r(8*8*9, 0.1), r(8, 0.1)}, r(batch*8*144, 1),
			run2(upConvRun[float64](8, 8, 6, 6, batch, PadReplicate), upConvRun[float32](8, 8, 6, 6, batch, PadReplicate))},
		{"upconv circular", [][]float64{r(batch*8*36, 1), r(8*8*9, 0.1), r(8, 0.1)}, r(batch*8*144, 1),
			run2(upConvRun[float64](8, 8, 6, 6, batch, PadCircular), upConvRun[float32](8, 8, 6, 6, batch, PadCircular))},
		{"groupnorm", [][]float64{r(batch*8*64, 2), r(8, 1), r(8, 1)}, r(batch*8*64, 1),
			run2(groupNormRun[float64](8, 4, 64, batch, false), groupNormRun[float32](8, 4, 64, batch, false))},
		{"groupnorm+silu", [][]float64{r(batch*8*64, 2), r(8, 1), r(8, 1)}, r(batch*8*64, 1),
			run2(groupNormRun[float64](8, 2, 64, batch, true), groupNormRun[float32](8, 2, 64, batch, true))},
		{"attention", [][]float64{r(batch*8*16, 1), r(3*8*8, 0.3), r(3*8, 0.1), r(8*8, 0.3), r(8, 0.1)}, r(batch*8*16, 1),
			run2(attentionRun[float64](8, 16, batch), attentionRun[float32](8, 16, batch))},
		{"linear+silu", [][]float64{r(batch*32, 1), r(32*64, 0.2), r(64, 0.1)}, r(batch*64, 1),
			run2(linearSiLURun[float64](batch, 32, 64), linearSiLURun[float32](batch, 32, 64))},
		{"upsample+concat", [][]float64{r(batch*4*12, 1), r(batch*3*48, 1)}, r(batch*7*48, 1),
			run2(resampleConcatRun[float64](batch, 4, 3, 4), resampleConcatRun[float32](batch, 4, 3, 4))},
	}
	for _, c := range cases {
		out, grads, _, _ := c.run(c.in, c.dOut, false)
		_, _, out32, grads32 := c.run(c.in, c.dOut, true)
		nnF32Compare(t, c.name+" out", out, out32)
		for i := range grads {
			nnF32Compare(t, c.name+" grad", grads[i], grads32[i])
		}
	}
	// The time embedding takes float64 times in both precisions.
	ts := []float64{0, 0.3, 0.999}
	e64, e32 := make([]float64, 3*32), make([]float32, 3*32)
	TimeEmbedding(e64, ts, 32)
	TimeEmbedding(e32, ts, 32)
	nnF32Compare(t, "time embedding", e64, e32)
}
