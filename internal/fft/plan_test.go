package fft

import (
	"fmt"

	"gonum.org/v1/gonum/dsp/fourier"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// naiveDFT2 is the O(N⁴) definition of the unnormalised 2-D DFT, the
// independent reference for every pass in this package.
func naiveDFT2(x []complex128, rows, cols int, sign float64) []complex128 {
	out := make([]complex128, rows*cols)
	for u := range rows {
		for v := range cols {
			var s complex128
			for i := range rows {
				for j := range cols {
					ph := sign * 2 * math.Pi * (float64(u*i)/float64(rows) + float64(v*j)/float64(cols))
					s += x[i*cols+j] * cmplx.Rect(1, ph)
				}
			}
			out[u*cols+v] = s
		}
	}
	return out
}

var planSizes = [][2]int{{1, 1}, {1, 7}, {7, 1}, {2, 2}, {3, 4}, {4, 3}, {5, 5}, {6, 8}, {13, 11}, {16, 16}, {9, 12}, {17, 2}, {70, 66}}

func randComplex(rnd *rand.Rand, n int) []complex128 {
	x := make([]complex128, n)
	for i := range x {
		x[i] = complex(rnd.NormFloat64(), rnd.NormFloat64())
	}
	return x
}

// tol is the absolute tolerance for a transform of n standard normal values:
// round-off grows like eps·sqrt(n)·log n; 1e-12·n is far above it and far
// below any indexing error (which is O(1)).
func tol(n int) float64 { return 1e-12 * float64(n) }

func TestForwardInverseAgainstNaive(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, sz := range planSizes {
		rows, cols := sz[0], sz[1]
		n := rows * cols
		x := randComplex(rnd, n)
		p := NewPlan(rows, cols)
		for _, inv := range []bool{false, true} {
			got := append([]complex128(nil), x...)
			sign := -1.0
			if inv {
				p.Inverse(got)
				sign = 1
			} else {
				p.Forward(got)
			}
			want := naiveDFT2(x, rows, cols, sign)
			for k := range got {
				if cmplx.Abs(got[k]-want[k]) > tol(n) {
					t.Fatalf("%dx%d inverse=%v index %d: got %v want %v", rows, cols, inv, k, got[k], want[k])
				}
			}
		}
	}
}

func TestRealHalfSpectrum(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, sz := range planSizes {
		rows, cols := sz[0], sz[1]
		n := rows * cols
		stride := cols + 3 // a padded source exercises the stride
		x := make([]float64, rows*stride)
		xc := make([]complex128, n)
		for i := range rows {
			for j := range cols {
				v := rnd.NormFloat64()
				x[i*stride+j] = v
				xc[i*cols+j] = complex(v, 0)
			}
		}
		p := NewPlan(rows, cols)
		h := p.HalfCols()
		half := make([]complex128, rows*h)
		p.ForwardReal(half, x, stride)
		want := naiveDFT2(xc, rows, cols, -1)
		for u := range rows {
			for v := range h {
				if d := cmplx.Abs(half[u*h+v] - want[u*cols+v]); d > tol(n) {
					t.Fatalf("%dx%d (%d,%d): got %v want %v", rows, cols, u, v, half[u*h+v], want[u*cols+v])
				}
			}
		}
		back := make([]float64, rows*stride)
		p.InverseReal(back, stride, half)
		for i := range rows {
			for j := range cols {
				if d := math.Abs(back[i*stride+j]/float64(n) - x[i*stride+j]); d > tol(n) {
					t.Fatalf("%dx%d round trip (%d,%d): got %v want %v", rows, cols, i, j, back[i*stride+j]/float64(n), x[i*stride+j])
				}
			}
		}
	}
}

func TestPartialPasses(t *testing.T) {
	// A row pass over all rows followed by a column pass over a subset of
	// columns must equal the full transform on those columns (the pruned
	// inverse used by the sampler).
	rnd := rand.New(rand.NewPCG(5, 6))
	rows, cols := 12, 15
	x := randComplex(rnd, rows*cols)
	p := NewPlan(rows, cols)
	got := append([]complex128(nil), x...)
	p.RowPass(got, cols, 0, rows, true)
	p.ColPass(got, cols, 5, 10, true)
	want := naiveDFT2(x, rows, cols, 1)
	for i := range rows {
		for j := 5; j < 10; j++ {
			if d := cmplx.Abs(got[i*cols+j] - want[i*cols+j]); d > tol(rows*cols) {
				t.Fatalf("(%d,%d): got %v want %v", i, j, got[i*cols+j], want[i*cols+j])
			}
		}
	}
}

func TestShiftUnshift(t *testing.T) {
	for _, sz := range planSizes {
		rows, cols := sz[0], sz[1]
		src := make([]int, rows*cols)
		for i := range src {
			src[i] = i
		}
		c := make([]int, len(src))
		Shift(c, src, rows, cols)
		// The zero frequency (unshifted index 0) sits at (rows/2, cols/2).
		if c[(rows/2)*cols+cols/2] != 0 {
			t.Fatalf("%dx%d: centre holds %d", rows, cols, c[(rows/2)*cols+cols/2])
		}
		back := make([]int, len(src))
		Unshift(back, c, rows, cols)
		for i := range back {
			if back[i] != i {
				t.Fatalf("%dx%d: unshift(shift) differs at %d", rows, cols, i)
			}
		}
	}
}

func TestNoAllocations(t *testing.T) {
	for _, sz := range [][2]int{{8, 8}, {96, 96}, {64, 90}} {
		rows, cols := sz[0], sz[1]
		p := NewPlan(rows, cols)
		x := make([]float64, rows*cols)
		half := make([]complex128, rows*p.HalfCols())
		c := make([]complex128, rows*cols)
		a := testing.AllocsPerRun(20, func() {
			p.ForwardReal(half, x, cols)
			p.InverseReal(x, cols, half)
			p.Forward(c)
			p.Inverse(c)
		})
		if a != 0 {
			t.Errorf("%dx%d: %v allocations per call", rows, cols, a)
		}
	}
}

func TestScale(t *testing.T) {
	f := []float64{1, -2}
	Scale(f, 0.5)
	c := []complex128{complex(2, -4)}
	Scale(c, 0.25)
	if f[0] != 0.5 || f[1] != -1 || c[0] != complex(0.5, -1) {
		t.Fatalf("Scale: got %v %v", f, c)
	}
}

func TestLinesAgainstNaive(t *testing.T) {
	rnd := rand.New(rand.NewPCG(12, 13))
	for _, m := range []int{1, 2, 3, 4, 5, 8, 16, 48, 80, 96, 112, 144, 160, 192, 240, 288, 320, 384, 768, 1536, 1000, 97} {
		x := randComplex(rnd, m)
		l := newLine(m)
		for _, inv := range []bool{false, true} {
			got := append([]complex128(nil), x...)
			sign := -1.0
			if inv {
				l.inverse(got)
				sign = 1
			} else {
				l.forward(got)
			}
			for k := range m {
				var want complex128
				for j := range m {
					want += x[j] * cmplx.Rect(1, sign*2*math.Pi*float64((j*k)%m)/float64(m))
				}
				if d := cmplx.Abs(got[k] - want); d > 1e-12*float64(m) {
					t.Fatalf("m=%d kind=%d inverse=%v index %d: got %v want %v", m, l.kind, inv, k, got[k], want)
				}
			}
		}
	}
}

func BenchmarkLine(b *testing.B) {
	for _, m := range []int{96, 192, 256, 288, 384, 768} {
		x := make([]complex128, m)
		for i := range x {
			x[i] = complex(float64(i%7), 1)
		}
		l := newLine(m)
		c := fourier.NewCmplxFFT(m)
		b.Run(fmt.Sprintf("ours/%d", m), func(b *testing.B) {
			for b.Loop() {
				l.forward(x)
			}
		})
		b.Run(fmt.Sprintf("fftpack/%d", m), func(b *testing.B) {
			for b.Loop() {
				c.Coefficients(x, x)
			}
		})
	}
}
