package fft

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// naiveDFT is the O(n²) definition of the unnormalised 1-D DFT with the
// exponent's sign given by sign, the independent reference for the
// engine. The phase index jk is reduced modulo n in integers, so the
// reference's own error is that of the sum, about eps·√n·|x|.
func naiveDFT(x []complex128, sign float64) []complex128 {
	n := len(x)
	out := make([]complex128, n)
	for k := range n {
		var s complex128
		for j, v := range x {
			s += v * cmplx.Rect(1, sign*2*math.Pi*float64((j*k)%n)/float64(n))
		}
		out[k] = s
	}
	return out
}

// relErr returns ‖got − want‖₂/‖want‖₂ (or the norm of got − want when want
// is zero).
func relErr(got, want []complex128) float64 {
	var d, w float64
	for k := range want {
		e := got[k] - want[k]
		d += real(e)*real(e) + imag(e)*imag(e)
		w += real(want[k])*real(want[k]) + imag(want[k])*imag(want[k])
	}
	if w == 0 {
		return math.Sqrt(d)
	}
	return math.Sqrt(d / w)
}

// seqTol is the relative (2-norm) error allowed for a transform of length
// n: FFT round-off grows like eps·log₂n (Cooley–Tukey with accurate
// twiddles; Bluestein adds two more transforms of length < 4n), so
// 50·eps·(1+log₂ 4n) ≈ 1e-14·(3+log₂n) leaves a wide margin above
// round-off (measured errors are 1–5·eps·log₂n) while any indexing or
// twiddle mistake gives an error of order 1.
func seqTol(n int) float64 {
	return 50 * 0x1p-52 * (3 + math.Log2(float64(n)))
}

// laneBatch returns lanes random sequences of length n in block layout and
// as slices.
func laneBatch(rnd *rand.Rand, n int) ([]float64, [][]complex128) {
	buf := make([]float64, n*block)
	seqs := make([][]complex128, lanes)
	for l := range lanes {
		seqs[l] = make([]complex128, n)
		for k := range n {
			v := complex(rnd.NormFloat64(), rnd.NormFloat64())
			seqs[l][k] = v
			buf[k*block+l], buf[k*block+lanes+l] = real(v), imag(v)
		}
	}
	return buf, seqs
}

func laneOf(buf []float64, l, n int) []complex128 {
	out := make([]complex128, n)
	for k := range n {
		out[k] = complex(buf[k*block+l], buf[k*block+lanes+l])
	}
	return out
}

// TestSeqAgainstNaiveAndGonum checks the forward transform of every length
// 1–300 (smooth, generic-radix and Bluestein lengths), with every kernel
// set the CPU runs (plain Go, AVX2, AVX-512), in every lane, against
// gonum's fourier.CmplxFFT, and lanes 0 and 5 against the naive DFT.
func TestSeqAgainstNaiveAndGonum(t *testing.T) {
	for _, ks := range kernelSets {
		t.Run(ks.name, func(t *testing.T) { testSeqAgainstNaiveAndGonum(t, ks) })
	}
}

func testSeqAgainstNaiveAndGonum(t *testing.T, ks *kernelSet) {
	rnd := rand.New(rand.NewPCG(1, 1))
	for n := 1; n <= 300; n++ {
		q := newSeqKernels(n, ks)
		x, seqs := laneBatch(rnd, n)
		y := make([]float64, q.bufLen())
		x = append(x, make([]float64, q.bufLen()-len(x))...)
		out := q.forward(x, y)
		g := fourier.NewCmplxFFT(n)
		for l := range lanes {
			got := laneOf(out, l, n)
			want := g.Coefficients(nil, seqs[l])
			if e := relErr(got, want); e > seqTol(n) {
				t.Fatalf("n=%d lane %d: error %.3g against gonum (tolerance %.3g)", n, l, e, seqTol(n))
			}
			if l == 0 || l == 5 {
				if e := relErr(got, naiveDFT(seqs[l], -1)); e > seqTol(n) {
					t.Fatalf("n=%d lane %d: error %.3g against the naive DFT", n, l, e)
				}
			}
		}
	}
}

// TestSeqLongLengths checks lengths beyond 300 of each kind: powers of two
// (radix 8 with a radix-2 or 4 tail), 5-smooth sizes of the sampler's grids,
// a generic radix and Bluestein primes.
func TestSeqLongLengths(t *testing.T) {
	if testing.Short() {
		t.Skip("long lengths")
	}
	rnd := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{384, 512, 768, 1000, 1024, 1536, 2048, 2187, 3125, 2401, 1009, 4099, 3 * 1021} {
		x0, seqs := laneBatch(rnd, n)
		g := fourier.NewCmplxFFT(n)
		for _, ks := range kernelSets {
			q := newSeqKernels(n, ks)
			x := append(append([]float64(nil), x0...), make([]float64, q.bufLen()-len(x0))...)
			out := q.forward(x, make([]float64, q.bufLen()))
			for _, l := range []int{0, 7} {
				if e := relErr(laneOf(out, l, n), g.Coefficients(nil, seqs[l])); e > seqTol(n) {
					t.Fatalf("%s n=%d lane %d: error %.3g against gonum", ks.name, n, l, e)
				}
			}
		}
	}
}

// TestKernelsAgainstGo runs every assembly kernel on stages of every shape
// class (first stage s = 1, last stage m = 1, and both m, s > 1, with odd
// and even counts) and compares its output block by block with the
// plain-Go kernel. The two differ only by the rounding of fused
// multiply-adds: a few ulps of the largest value (the tolerance, 1e-14
// relative to the largest output, is about 45 ulps).
func TestKernelsAgainstGo(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 3))
	for _, ks := range kernelSets[1:] {
		for _, r := range []int{2, 3, 4, 5, 8} {
			for _, ms := range [][2]int{{1, 1}, {1, 7}, {6, 1}, {3, 5}, {4, 8}, {9, 2}} {
				m, s := ms[0], ms[1]
				n := r * m * s
				tw := twiddles(r, m)
				x := make([]float64, n*block)
				for i := range x {
					x[i] = rnd.NormFloat64()
				}
				want := make([]float64, n*block)
				got := make([]float64, n*block)
				goKernels.kernel(r)(want, x, tw, m, s)
				ks.kernel(r)(got, x, tw, m, s)
				var big float64
				for _, v := range want {
					big = max(big, math.Abs(v))
				}
				for i := range want {
					if math.Abs(got[i]-want[i]) > 1e-14*big {
						t.Fatalf("%s radix %d m=%d s=%d: element %d lane %d: got %v want %v",
							ks.name, r, m, s, i/block, i%block, got[i], want[i])
					}
				}
			}
		}
	}
}

func TestRadices(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
		ok   bool
	}{
		{1, "[]", true}, {2, "[2]", true}, {4, "[4]", true}, {8, "[8]", true},
		{96, "[8 4 3]", true}, {256, "[8 8 4]", true}, {288, "[8 4 3 3]", true},
		{750, "[2 3 5 5 5]", true}, {7 * 11 * 13, "[7 11 13]", true}, {34, "[2]", false},
	} {
		rs, ok := radices(c.n)
		if got := fmt.Sprint(rs); ok != c.ok || (ok && got != c.want) {
			t.Errorf("radices(%d) = %s, %v; want %s, %v", c.n, got, ok, c.want, c.ok)
		}
	}
}

// TestSincos2pi checks the octant reduction against math.Sincos and the
// exact values at multiples of π/4.
func TestSincos2pi(t *testing.T) {
	for b := 1; b <= 64; b++ {
		for a := -b; a <= 2*b; a++ {
			s, c := sincos2pi(a, b)
			// The reference rounds 2π·a/b, an error of up to 2π·eps ≈ 1.4e-15
			// in the argument near 2π.
			ws, wc := math.Sincos(2 * math.Pi * float64((a%b+b)%b) / float64(b))
			if math.Abs(s-ws) > 2e-15 || math.Abs(c-wc) > 2e-15 {
				t.Fatalf("sincos2pi(%d, %d) = %v, %v; want %v, %v", a, b, s, c, ws, wc)
			}
			if (8*a)%b == 0 {
				// Multiples of π/4: sin and cos in {0, ±1, ±√2/2} exactly.
				k := ((8*a/b)%8 + 8) % 8
				exact := [8][2]float64{{0, 1}, {math.Sqrt2 / 2, math.Sqrt2 / 2}, {1, 0}, {math.Sqrt2 / 2, -math.Sqrt2 / 2},
					{0, -1}, {-math.Sqrt2 / 2, -math.Sqrt2 / 2}, {-1, 0}, {-math.Sqrt2 / 2, math.Sqrt2 / 2}}
				if s != exact[k][0] || c != exact[k][1] {
					t.Fatalf("sincos2pi(%d, %d) = %v, %v; want %v exactly", a, b, s, c, exact[k])
				}
			}
		}
	}
}

// BenchmarkSeq times the 1-D transform of a batch of lanes sequences with
// each kernel set, beside gonum's CmplxFFT of one sequence; ns/transform is
// per sequence.
func BenchmarkSeq(b *testing.B) {
	for _, n := range []int{96, 192, 256, 288, 512, 768} {
		for _, ks := range kernelSets {
			q := newSeqKernels(n, ks)
			x := make([]float64, q.bufLen())
			y := make([]float64, q.bufLen())
			for i := range x {
				x[i] = float64(i%7) - 3
			}
			b.Run(fmt.Sprintf("%s/%d", ks.name, n), func(b *testing.B) {
				for b.Loop() {
					q.forward(x, y)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lanes), "ns/transform")
			})
		}
		c := fourier.NewCmplxFFT(n)
		z := make([]complex128, n)
		b.Run(fmt.Sprintf("gonum/%d", n), func(b *testing.B) {
			for b.Loop() {
				c.Coefficients(z, z)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/transform")
		})
	}
}

// TestMovesAgainstGo checks the assembly transposes, splits, merges,
// exchanging copies and twiddled accumulations against the plain-Go ones,
// which are checked against their definitions here too. All but the last
// only move, add, subtract and halve, so the results must be identical bit
// for bit; the accumulation of values of order 1 rounds differently with
// fused multiply-adds, by a few 1e-16.
func TestMovesAgainstGo(t *testing.T) {
	rnd := rand.New(rand.NewPCG(4, 4))
	randSlice := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = rnd.NormFloat64()
		}
		return x
	}
	for _, ks := range kernelSets {
		// Transposes: strides of tiles in rows (ss = 8, 13), in blocks (16)
		// and tile steps that skip.
		for _, c := range [][5]int{{16, 128, 8, 8, 3}, {13, 8, 16, 128, 2}, {8, 64, 8, 64, 1}, {16, 200, 9, 72, 4}, {16, 16, 16, 16, 0}} {
			ds, dstep, ss, sstep, n := c[0], c[1], c[2], c[3], c[4]
			src := randSlice(max(n-1, 0)*sstep + 7*ss + 8)
			got := randSlice(max(n-1, 0)*dstep + 7*ds + 8)
			want := append([]float64(nil), got...)
			ks.transpose8(got, ds, dstep, src, ss, sstep, n)
			for tt := range n {
				for i := range 8 {
					for j := range 8 {
						want[tt*dstep+j*ds+i] = src[tt*sstep+i*ss+j]
					}
				}
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s transpose %v: element %d: got %v want %v", ks.name, c, i, got[i], want[i])
				}
			}
		}
		// Splits and merges of a batch of length n from v0.
		for _, c := range [][3]int{{96, 1, 47}, {9, 1, 4}, {16, 3, 5}, {8, 1, 0}} {
			n, v0, count := c[0], c[1], c[2]
			z := randSlice(n * block)
			a, b := randSlice(count*block), randSlice(count*block)
			ks.split(a, b, z, v0, count, n)
			wa, wb := make([]float64, len(a)), make([]float64, len(b))
			splitGo(wa, wb, z, v0, count, n)
			for tt := range count {
				for l := range lanes {
					v, w := v0+tt, n-v0-tt
					zr, zi := z[v*block+l], z[v*block+lanes+l]
					mr, mi := z[w*block+l], z[w*block+lanes+l]
					if wa[tt*block+l] != (zr+mr)/2 || wa[tt*block+lanes+l] != (zi-mi)/2 ||
						wb[tt*block+l] != (zi+mi)/2 || wb[tt*block+lanes+l] != (mr-zr)/2 {
						t.Fatalf("splitGo n=%d v=%d lane %d: wrong half spectra", n, v, l)
					}
				}
			}
			for i := range a {
				if a[i] != wa[i] || b[i] != wb[i] {
					t.Fatalf("%s split %v: element %d differs", ks.name, c, i)
				}
			}
			got := randSlice(n * block)
			want := append([]float64(nil), got...)
			ks.merge(got, a, b, v0, count, n)
			mergeGo(want, a, b, v0, count, n)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s merge %v: element %d differs", ks.name, c, i)
				}
			}
			for tt := range count {
				v := v0 + tt
				for l := range lanes {
					ar, ai, br, bi := a[tt*block+l], a[tt*block+lanes+l], b[tt*block+l], b[tt*block+lanes+l]
					// Z[v] = A + iB, stored as (Im, Re).
					if want[v*block+l] != ai+br || want[v*block+lanes+l] != ar-bi {
						t.Fatalf("mergeGo n=%d v=%d lane %d: wrong Z[v]", n, v, l)
					}
				}
			}
		}
		// Exchanging copies, with strides 1 and 3 (exact), and twiddled
		// accumulation (fused multiply-adds in the assembly: a few ulps).
		for _, stride := range []int{1, 3} {
			n := 11
			src := randSlice(n * stride * block)
			got, want := randSlice(n*block), make([]float64, n*block)
			ks.copySwap(got, src, n, stride)
			copySwapGo(want, src, n, stride)
			for k := range n {
				for l := range lanes {
					if want[k*block+l] != src[k*stride*block+lanes+l] || want[k*block+lanes+l] != src[k*stride*block+l] {
						t.Fatalf("copySwapGo: block %d lane %d not exchanged", k, l)
					}
				}
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s copySwap stride %d: element %d differs", ks.name, stride, i)
				}
			}
			z, tw := randSlice(n*block), randSlice(2*n)
			acc := randSlice(n * block)
			got, want = append([]float64(nil), acc...), append([]float64(nil), acc...)
			ks.twiddleAcc(got, z, tw, n)
			twiddleAccGo(want, z, tw, n)
			for k := range n {
				for l := range lanes {
					w := complex(tw[2*k], tw[2*k+1])
					v := complex(z[k*block+lanes+l], z[k*block+l])
					d := complex(acc[k*block+l], acc[k*block+lanes+l]) + w*v
					if math.Abs(real(d)-want[k*block+l]) > 1e-14 || math.Abs(imag(d)-want[k*block+lanes+l]) > 1e-14 {
						t.Fatalf("twiddleAccGo: block %d lane %d: got %v, %v want %v", k, l, want[k*block+l], want[k*block+lanes+l], d)
					}
				}
			}
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-14 {
					t.Fatalf("%s twiddleAcc: element %d: got %v want %v", ks.name, i, got[i], want[i])
				}
			}
		}
	}
}
