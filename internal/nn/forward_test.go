package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nnFwdTol bounds the difference between a layer and its naive loop
// reference: both sum O(100) products of O(1) terms in different orders, so
// they agree to a few hundred ulps of the result's O(10) size.
const nnFwdTol = 1e-11

// nnPadModes are the padding modes every convolution test runs through.
var nnPadModes = []Padding{PadZero, PadReplicate, PadCircular}

// nnPad returns the plane [h, w] padded by p on every side, [h+2p, w+2p],
// built without the layers' index mapping: zero padding copies the plane
// into zeros; replicate padding copies it into the centre and then extends
// the edge rows outwards one at a time and then the edge columns; circular
// padding crops the centre of a (2m+1)×(2m+1) tiling of the plane with
// m = ⌈p/h⌉ or ⌈p/w⌉ copies on each side.
func nnPad(plane []float64, h, w, p int, mode Padding) []float64 {
	ph, pw := h+2*p, w+2*p
	out := make([]float64, ph*pw)
	switch mode {
	case PadZero, PadReplicate:
		for y := 0; y < h; y++ {
			copy(out[(y+p)*pw+p:(y+p)*pw+p+w], plane[y*w:(y+1)*w])
		}
		if mode == PadZero {
			return out
		}
		for q := 1; q <= p; q++ {
			copy(out[(p-q)*pw+p:(p-q)*pw+p+w], out[(p-q+1)*pw+p:(p-q+1)*pw+p+w])
			copy(out[(p+h-1+q)*pw+p:(p+h-1+q)*pw+p+w], out[(p+h-2+q)*pw+p:(p+h-2+q)*pw+p+w])
		}
		for y := 0; y < ph; y++ {
			for q := 1; q <= p; q++ {
				out[y*pw+p-q] = out[y*pw+p-q+1]
				out[y*pw+p+w-1+q] = out[y*pw+p+w-2+q]
			}
		}
	case PadCircular:
		my, mx := (p+h-1)/h, (p+w-1)/w
		th, tw := (2*my+1)*h, (2*mx+1)*w
		tile := make([]float64, th*tw)
		for ty := 0; ty < 2*my+1; ty++ {
			for tx := 0; tx < 2*mx+1; tx++ {
				for y := 0; y < h; y++ {
					copy(tile[(ty*h+y)*tw+tx*w:(ty*h+y)*tw+tx*w+w], plane[y*w:(y+1)*w])
				}
			}
		}
		for y := 0; y < ph; y++ {
			oy, ox := my*h-p+y, mx*w-p
			copy(out[y*pw:(y+1)*pw], tile[oy*tw+ox:oy*tw+ox+pw])
		}
	default:
		panic("bad mode")
	}
	return out
}

// nnNaiveConv is the direct definition of a convolution (PyTorch's Conv2d
// with the given padding_mode): pad every input plane (nnPad), then sum over
// the valid windows.
func nnNaiveConv(in, w, b []float64, batch, inC, outC, h, wd, k, s, p int, mode Padding) []float64 {
	oh, ow := (h+2*p-k)/s+1, (wd+2*p-k)/s+1
	pw := wd + 2*p
	padded := make([][]float64, batch*inC)
	for i := range padded {
		padded[i] = nnPad(in[i*h*wd:(i+1)*h*wd], h, wd, p, mode)
	}
	out := make([]float64, batch*outC*oh*ow)
	for n := 0; n < batch; n++ {
		for o := 0; o < outC; o++ {
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					sum := 0.0
					if b != nil {
						sum = b[o]
					}
					for c := 0; c < inC; c++ {
						pl := padded[n*inC+c]
						for i := 0; i < k; i++ {
							for j := 0; j < k; j++ {
								sum += w[((o*inC+c)*k+i)*k+j] * pl[(s*y+i)*pw+s*x+j]
							}
						}
					}
					out[((n*outC+o)*oh+y)*ow+x] = sum
				}
			}
		}
	}
	return out
}

// TestPad checks nnPad itself on a 2×3 plane padded by 2, against arrays
// written out by hand (the first row of each).
func TestPad(t *testing.T) {
	plane := []float64{1, 2, 3, 4, 5, 6}
	for _, tc := range []struct {
		mode Padding
		row0 []float64 // padded row 0, above the plane by 2
		row2 []float64 // padded row 2, the plane's first row
	}{
		{PadZero, []float64{0, 0, 0, 0, 0, 0, 0}, []float64{0, 0, 1, 2, 3, 0, 0}},
		{PadReplicate, []float64{1, 1, 1, 2, 3, 3, 3}, []float64{1, 1, 1, 2, 3, 3, 3}},
		// Circular: row −2 is row 0 (2 mod 2); columns −2, −1 are 2, 3 → values 2, 3.
		{PadCircular, []float64{2, 3, 1, 2, 3, 1, 2}, []float64{2, 3, 1, 2, 3, 1, 2}},
	} {
		got := nnPad(plane, 2, 3, 2, tc.mode)
		require.Len(t, got, 6*7)
		assert.Equal(t, tc.row0, got[:7], "%v row 0", tc.mode)
		assert.Equal(t, tc.row2, got[14:21], "%v row 2", tc.mode)
	}
	// Circular row 1 (row −1) is the plane's last row, 4 5 6, wrapped.
	assert.Equal(t, []float64{5, 6, 4, 5, 6, 4, 5}, nnPad(plane, 2, 3, 2, PadCircular)[7:14])
	// Replicate row 5 (row 3, below the plane) is the last row extended.
	assert.Equal(t, []float64{4, 4, 4, 5, 6, 6, 6}, nnPad(plane, 2, 3, 2, PadReplicate)[35:42])
}

func TestConv2dForward(t *testing.T) {
	for i, tc := range []struct{ inC, outC, h, w, k, s, p, batch int }{
		{3, 4, 7, 5, 3, 1, 1, 5},
		{4, 3, 8, 8, 3, 2, 1, 3},
		{2, 2, 7, 9, 3, 2, 1, 2},
		{5, 3, 4, 6, 1, 1, 0, 3},
		{2, 3, 6, 5, 3, 1, 0, 2},
		{1, 8, 1, 1, 3, 1, 1, 2}, // 1×1 image: only the kernel centre sees data
		{16, 8, 16, 16, 3, 1, 1, 4},
		{2, 3, 2, 3, 5, 1, 2, 2}, // padding as large as the image
		{2, 2, 8, 7, 5, 2, 2, 2}, // 5×5 stride 2: two padded columns
		{1, 2, 5, 5, 3, 3, 1, 1}, // stride 3
	} {
		for _, mode := range nnPadModes {
			rnd := rand.New(rand.NewPCG(uint64(i), 20))
			c := NewConv2d[float64](tc.inC, tc.outC, tc.h, tc.w, tc.k, tc.s, tc.p)
			c.Padding = mode
			x := nnRandSlice(rnd, tc.batch*c.InLen(), 1)
			w := nnRandSlice(rnd, c.WeightLen(), 1)
			b := nnRandSlice(rnd, tc.outC, 1)
			xc := append([]float64(nil), x...)
			for _, bias := range [][]float64{b, nil} {
				out := make([]float64, tc.batch*c.OutLen())
				for j := range out {
					out[j] = math.NaN() // Forward must overwrite
				}
				c.Forward(out, x, w, bias, tc.batch)
				want := nnNaiveConv(x, w, bias, tc.batch, tc.inC, tc.outC, tc.h, tc.w, tc.k, tc.s, tc.p, mode)
				assert.InDeltaSlice(t, want, out, nnFwdTol, "case %d %v", i, mode)
			}
			assert.Equal(t, xc, x, "case %d %v: input modified", i, mode)
		}
	}
}

func TestConv2dBackwardAdjoint(t *testing.T) {
	// ⟨dOut, conv(x)⟩ = ⟨dIn, x⟩ for a bias-free convolution, since conv is
	// linear in x: checks col2im against im2col on larger stride-1 and
	// stride-2 cases in every padding mode.
	for _, tc := range []struct{ k, s, p int }{{3, 2, 1}, {3, 1, 1}, {5, 1, 2}} {
		for _, mode := range nnPadModes {
			rnd := rand.New(rand.NewPCG(21, 21))
			c := NewConv2d[float64](6, 5, 12, 10, tc.k, tc.s, tc.p)
			c.Padding = mode
			const batch = 3
			x := nnRandSlice(rnd, batch*c.InLen(), 1)
			w := nnRandSlice(rnd, c.WeightLen(), 1)
			d := nnRandSlice(rnd, batch*c.OutLen(), 1)
			out := make([]float64, len(d))
			c.Forward(out, x, w, nil, batch)
			dx := make([]float64, len(x))
			dw := make([]float64, len(w))
			c.Backward(dx, dw, nil, d, x, w, batch)
			var lhs, rhs, rw float64
			for i := range d {
				lhs += d[i] * out[i]
			}
			for i := range x {
				rhs += dx[i] * x[i]
			}
			for i := range w {
				rw += dw[i] * w[i] // conv is also linear in w
			}
			assert.InDelta(t, lhs, rhs, 1e-9*math.Abs(lhs), "%+v %v", tc, mode)
			assert.InDelta(t, lhs, rw, 1e-9*math.Abs(lhs), "%+v %v", tc, mode)
		}
	}
}

func TestGroupNormForward(t *testing.T) {
	const batch, c, g, hw = 3, 6, 2, 7
	rnd := rand.New(rand.NewPCG(22, 22))
	gn := NewGroupNorm[float64](c, g, hw)
	x := nnRandSlice(rnd, batch*c*hw, 2)
	gamma := nnRandSlice(rnd, c, 1)
	beta := nnRandSlice(rnd, c, 1)
	out := make([]float64, len(x))
	gn.Forward(out, x, gamma, beta, batch)
	cg := c / g
	for n := 0; n < batch; n++ {
		for gi := 0; gi < g; gi++ {
			// Naive: mean and biased variance over the group by definition.
			var vals []float64
			for cc := gi * cg; cc < (gi+1)*cg; cc++ {
				vals = append(vals, x[(n*c+cc)*hw:(n*c+cc+1)*hw]...)
			}
			mu, m2 := 0.0, 0.0
			for _, v := range vals {
				mu += v
			}
			mu /= float64(len(vals))
			for _, v := range vals {
				m2 += (v - mu) * (v - mu)
			}
			sd := math.Sqrt(m2/float64(len(vals)) + 1e-5)
			for cc := gi * cg; cc < (gi+1)*cg; cc++ {
				for p := 0; p < hw; p++ {
					i := (n*c+cc)*hw + p
					want := gamma[cc]*(x[i]-mu)/sd + beta[cc]
					assert.InDelta(t, want, out[i], nnFwdTol)
				}
			}
		}
	}
	// In place.
	y := append([]float64(nil), x...)
	gn.Forward(y, y, gamma, beta, batch)
	assert.InDeltaSlice(t, out, y, 0)
	// Fused with SiLU: the activation of the same output, bit for bit.
	gn.SiLU = true
	fused := make([]float64, len(x))
	gn.Forward(fused, x, gamma, beta, batch)
	SiLUForward(out, out)
	assert.Equal(t, out, fused)
}

func TestMeanPoolForward(t *testing.T) {
	// The mean of 1…6 is 3.5 and of 7…12 is 9.5; a float32 plane of 10⁶
	// copies of 0.1 (float32) averages to float32(0.1) exactly when summed in
	// float64, while a float32 running sum would drift by ~1e-3 relative.
	in := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	out := []float64{math.NaN(), math.NaN()}
	MeanPoolForward(out, in, 2, 6)
	assert.Equal(t, []float64{3.5, 9.5}, out)
	const n = 1000000
	big := make([]float32, n)
	for i := range big {
		big[i] = 0.1
	}
	m := make([]float32, 1)
	MeanPoolForward(m, big, 1, n)
	assert.Equal(t, float32(0.1), m[0])
	assert.Panics(t, func() { MeanPoolForward(out, in, 2, 5) })
}

func TestLinearForward(t *testing.T) {
	const batch, nIn, nOut = 4, 5, 3
	rnd := rand.New(rand.NewPCG(23, 23))
	x := nnRandSlice(rnd, batch*nIn, 1)
	w := nnRandSlice(rnd, nIn*nOut, 1)
	b := nnRandSlice(rnd, nOut, 1)
	out := make([]float64, batch*nOut)
	LinearForward(out, x, w, b, batch, nIn, nOut)
	for n := 0; n < batch; n++ {
		for o := 0; o < nOut; o++ {
			want := b[o]
			for i := 0; i < nIn; i++ {
				want += w[o*nIn+i] * x[n*nIn+i]
			}
			assert.InDelta(t, want, out[n*nOut+o], nnFwdTol)
		}
	}
}

func TestUpsampleConcatSiLUForward(t *testing.T) {
	// Upsampling: out[.., y, x] = in[.., y/2, x/2].
	in := []float64{1, 2, 3, 4, 5, 6} // one 2×3 plane
	out := make([]float64, 24)
	Upsample2xForward(out, in, 1, 2, 3)
	for y := 0; y < 4; y++ {
		for x := 0; x < 6; x++ {
			assert.Equal(t, in[(y/2)*3+x/2], out[y*6+x])
		}
	}
	// Concatenation: per sample, a's channels then b's.
	a := []float64{1, 2, 3, 4} // [N=2, Ca=1, HW=2]
	b := []float64{5, 6, 7, 8} // [N=2, Cb=1, HW=2]
	cat := make([]float64, 8)
	ConcatForward(cat, a, b, 2, 1, 1, 2)
	assert.Equal(t, []float64{1, 2, 5, 6, 3, 4, 7, 8}, cat)
	// SiLU against its definition at known points: silu(0) = 0,
	// silu(x) → x for large x, silu(−x) = silu(x) − x.
	xs := []float64{0, 1, -1, 40, -40, 2.5}
	ys := make([]float64, len(xs))
	SiLUForward(ys, xs)
	for i, x := range xs {
		assert.InDelta(t, x/(1+math.Exp(-x)), ys[i], 1e-15)
	}
	assert.InDelta(t, ys[1]-1, ys[2], 1e-15)
	assert.InDelta(t, 40, ys[3], 1e-15)
}

func TestTimeEmbedding(t *testing.T) {
	// Golden values computed with torch (float64) via /usr/bin/python3 using
	// the twin's formula: half = 4, f = exp(−ln(10000)·arange(4)/4),
	// a = t·1000·f, cat([sin a, cos a]).
	want := []float64{
		0, 0, 0, 0, 1, 1, 1, 1,
		-0.9997558399011496, -0.9880316240928629, 0.14112000805986855, 0.2955202066613394,
		-0.022096619278683942, 0.15425144988757702, -0.9899924966004453, 0.9553364891256061,
		0.6831956801127874, 0.37960773902754796, -0.271760626410939, 0.8248857133384497,
		-0.7302353474567126, -0.9251475365964031, -0.9623648798313112, 0.5652995311603548,
	}
	out := make([]float64, 24)
	TimeEmbedding(out, []float64{0, 0.3, 0.97}, 8)
	assert.InDeltaSlice(t, want, out, 1e-12)
	assert.Panics(t, func() { TimeEmbedding(make([]float64, 3), []float64{0}, 3) })
}

func TestAttentionForward(t *testing.T) {
	const batch, c, l = 2, 3, 5
	rnd := rand.New(rand.NewPCG(24, 24))
	att := NewAttention[float64](c, l)
	x := nnRandSlice(rnd, batch*c*l, 1)
	wqkv := nnRandSlice(rnd, 3*c*c, 1)
	bqkv := nnRandSlice(rnd, 3*c, 1)
	wo := nnRandSlice(rnd, c*c, 1)
	bo := nnRandSlice(rnd, c, 1)
	out := make([]float64, len(x))
	att.Forward(out, x, wqkv, bqkv, wo, bo, batch)
	for n := 0; n < batch; n++ {
		xn := x[n*c*l:]
		proj := func(r, i int) float64 { // row r of Wqkv·x + b at pixel i
			s := bqkv[r]
			for cc := 0; cc < c; cc++ {
				s += wqkv[r*c+cc] * xn[cc*l+i]
			}
			return s
		}
		for i := 0; i < l; i++ {
			// Naive softmax over j of q_i·k_j/√c.
			sc := make([]float64, l)
			z := 0.0
			for j := 0; j < l; j++ {
				for cc := 0; cc < c; cc++ {
					sc[j] += proj(cc, i) * proj(c+cc, j)
				}
				sc[j] = math.Exp(sc[j] / math.Sqrt(c))
				z += sc[j]
			}
			o := make([]float64, c)
			for cc := 0; cc < c; cc++ {
				for j := 0; j < l; j++ {
					o[cc] += proj(2*c+cc, j) * sc[j] / z
				}
			}
			for r := 0; r < c; r++ {
				want := bo[r]
				for cc := 0; cc < c; cc++ {
					want += wo[r*c+cc] * o[cc]
				}
				assert.InDelta(t, want, out[(n*c+r)*l+i], nnFwdTol)
			}
		}
	}
}

func TestAdamW(t *testing.T) {
	// Golden values: torch.optim.AdamW([p]) with default hyperparameters,
	// float64, three steps with the gradients below, computed via
	// /usr/bin/python3 (torch 1.13).
	p := []float64{0.5, -1.25, 2.0, 0.0, 3.0}
	gs := [][]float64{{0.1, -0.2, 0.3, 0.0, 1e-3}, {-0.5, 0.25, 0.0, 2.0, -1e-3}, {1.0, 1.0, -1.0, 0.5, 0.0}}
	m := make([]float64, 5)
	v := make([]float64, 5)
	opt := DefaultAdamW()
	for i, g := range gs {
		opt.Step(p, g, m, v, i+1)
	}
	assert.InDeltaSlice(t, []float64{0.4992242276135779, -1.2497720155488692, 1.9987331947838787, -0.0014571662525193064, 2.9990033452905953}, p, 1e-14)
	assert.InDeltaSlice(t, []float64{0.06309999999999999, 0.10629999999999998, -0.07569999999999999, 0.22999999999999995, -9e-06}, m, 1e-15)
	assert.InDeltaSlice(t, []float64{0.0012597300100000012, 0.001102357540000001, 0.001089820090000001, 0.004246000000000004, 1.997001000000002e-09}, v, 1e-15)
	assert.Panics(t, func() { opt.Step(p, gs[0], m, v, 0) })
	assert.Panics(t, func() { opt.Step(p, gs[0][:4], m, v, 1) })
}

func TestClipGradNorm(t *testing.T) {
	g := []float64{3, 4}
	n := ClipGradNorm(g, 1)
	assert.Equal(t, 5.0, n)
	// torch: coef = max/(total + 1e-6).
	assert.InDeltaSlice(t, []float64{3 / (5 + 1e-6), 4 / (5 + 1e-6)}, g, 1e-15)
	g = []float64{3, 4}
	assert.Equal(t, 5.0, ClipGradNorm(g, 10))
	assert.Equal(t, []float64{3, 4}, g, "no clipping below the threshold")
	g = []float64{1e200, 1e200}
	assert.InDelta(t, math.Sqrt2*1e200, ClipGradNorm(g, 0), 1e186, "no overflow")
	g = []float64{1, math.NaN()}
	assert.True(t, math.IsNaN(ClipGradNorm(g, 1)))
	assert.Equal(t, 1.0, g[0], "non-finite gradient left unchanged")
	assert.True(t, math.IsInf(ClipGradNorm([]float64{math.Inf(-1)}, 1), 1))
	assert.Equal(t, 0.0, ClipGradNorm(nil, 1))
}

func TestLayout(t *testing.T) {
	var l Layout
	a := l.Add("a.weight", 1000, FanIn(4))
	b := l.Add("a.bias", 3, Const(1))
	require.Equal(t, 1003, l.Len())
	assert.Equal(t, 0, a.Off)
	assert.Equal(t, 1000, b.Off)
	v, ok := l.View("a.bias")
	require.True(t, ok)
	assert.Equal(t, b, v)
	_, ok = l.View("nope")
	assert.False(t, ok)
	assert.Panics(t, func() { l.Add("a.bias", 2, Const(0)) })
	assert.Panics(t, func() { l.Add("z", 0, Const(0)) })

	p := make([]float64, l.Len())
	l.Initialize(p, rand.NewPCG(1, 2))
	q := make([]float64, l.Len())
	l.Initialize(q, rand.NewPCG(1, 2))
	assert.Equal(t, p, q, "same seed, same parameters")
	assert.Equal(t, []float64{1, 1, 1}, b.Of(p))
	// U(−1/2, 1/2): variance 1/12; the sample mean of 1000 draws has
	// standard error √(1/12/1000) ≈ 0.0091; allow 4 of them.
	mean, ss := 0.0, 0.0
	for _, x := range a.Of(p) {
		require.True(t, x >= -0.5 && x < 0.5)
		mean += x
		ss += x * x
	}
	mean /= 1000
	assert.InDelta(t, 0, mean, 4*0.0091)
	// The variance estimate Σx²/n has standard error √((E x⁴ − (E x²)²)/n)
	// = √((1/80 − 1/144)/1000) ≈ 0.0024 for U(−1/2, 1/2).
	assert.InDelta(t, 1.0/12, ss/1000, 4*0.0024)
	assert.Equal(t, 3, cap(b.Of(p)))
}

func TestConv2dIndependentOfWorkers(t *testing.T) {
	// The batch and weight-gradient splits must not change any result: one
	// goroutine and many give identical bits. Uneven sizes make the chunks
	// differ (7 samples, fan-in 5·9 = 45 rows).
	rnd := rand.New(rand.NewPCG(25, 25))
	c := NewConv2d[float64](5, 6, 9, 7, 3, 1, 1)
	const batch = 7
	x := nnRandSlice(rnd, batch*c.InLen(), 1)
	w := nnRandSlice(rnd, c.WeightLen(), 1)
	b := nnRandSlice(rnd, c.OutC, 1)
	d := nnRandSlice(rnd, batch*c.OutLen(), 1)
	run := func(limit int) (out, dx, dw, db []float64) {
		workerLimit = limit
		defer func() { workerLimit = 0 }()
		out = make([]float64, batch*c.OutLen())
		dx, dw, db = make([]float64, len(x)), make([]float64, len(w)), make([]float64, len(b))
		c.Forward(out, x, w, b, batch)
		c.Backward(dx, dw, db, d, x, w, batch)
		return out, dx, dw, db
	}
	o1, dx1, dw1, db1 := run(1)
	for _, limit := range []int{2, 3, 0} {
		o, dx, dw, db := run(limit)
		assert.Equal(t, o1, o, "limit %d", limit)
		assert.Equal(t, dx1, dx, "limit %d", limit)
		assert.Equal(t, dw1, dw, "limit %d", limit)
		assert.Equal(t, db1, db, "limit %d", limit)
	}
}

func TestUpConv2dForward(t *testing.T) {
	// Against its definition: nearest upsampling, then the naive convolution
	// with the same padding mode.
	for i, tc := range []struct{ inC, outC, h, w, batch int }{
		{3, 4, 5, 4, 3},
		{2, 2, 1, 2, 1},
		{8, 6, 8, 8, 2},
	} {
		for _, mode := range nnPadModes {
			rnd := rand.New(rand.NewPCG(uint64(i), 32))
			u := NewUpConv2d[float64](tc.inC, tc.outC, tc.h, tc.w)
			u.Padding = mode
			x := nnRandSlice(rnd, tc.batch*tc.inC*tc.h*tc.w, 1)
			w := nnRandSlice(rnd, u.WeightLen(), 1)
			b := nnRandSlice(rnd, tc.outC, 1)
			up := make([]float64, 4*len(x))
			Upsample2xForward(up, x, tc.batch*tc.inC, tc.h, tc.w)
			want := nnNaiveConv(up, w, b, tc.batch, tc.inC, tc.outC, 2*tc.h, 2*tc.w, 3, 1, 1, mode)
			out := make([]float64, len(want))
			for j := range out {
				out[j] = math.NaN()
			}
			u.Forward(out, x, w, b, tc.batch)
			assert.InDeltaSlice(t, want, out, nnFwdTol, "case %d %v", i, mode)
		}
	}
}
