package fft

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
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

// planSizes are the shapes checked against the naive 2-D DFT: 1×N and N×1,
// odd, even, prime (up to Bluestein lengths: 17, 19, 31, 37), radix-8,
// batches of lanes rows and columns that are full, partial and single.
var planSizes = [][2]int{
	{1, 1}, {1, 7}, {7, 1}, {1, 34}, {34, 1}, {1, 96}, {2, 2}, {3, 4}, {4, 3}, {5, 5}, {6, 8},
	{13, 11}, {16, 16}, {9, 12}, {17, 2}, {2, 17}, {17, 19}, {24, 40}, {31, 37}, {64, 9}, {70, 66},
}

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

// gonumDFT2 computes the unnormalised 2-D DFT by gonum's 1-D transforms of
// the rows and then the columns, the reference for shapes too large for the
// naive sum.
func gonumDFT2(x []complex128, rows, cols int, inverse bool) []complex128 {
	out := append([]complex128(nil), x...)
	rf, cf := fourier.NewCmplxFFT(cols), fourier.NewCmplxFFT(rows)
	for i := range rows {
		r := out[i*cols : (i+1)*cols]
		if inverse {
			rf.Sequence(r, r)
		} else {
			rf.Coefficients(r, r)
		}
	}
	col := make([]complex128, rows)
	for j := range cols {
		for i := range rows {
			col[i] = out[i*cols+j]
		}
		if inverse {
			cf.Sequence(col, col)
		} else {
			cf.Coefficients(col, col)
		}
		for i := range rows {
			out[i*cols+j] = col[i]
		}
	}
	return out
}

// TestAgainstGonum checks the complex and real transforms of larger shapes,
// the sampler's and the benchmarks' included, with every kernel set the CPU
// runs, against gonum (relative 2-norm error, tolerance seqTol of the longer
// side: the 2-D error is at most the sum of the two passes' errors).
func TestAgainstGonum(t *testing.T) {
	for _, ks := range kernelSets {
		t.Run(ks.name, func(t *testing.T) { testAgainstGonum(t, ks) })
	}
}

func testAgainstGonum(t *testing.T, ks *kernelSet) {
	rnd := rand.New(rand.NewPCG(9, 9))
	shapes := [][2]int{{96, 96}, {100, 37}, {192, 192}, {1, 1000}, {1000, 1}, {97, 101}, {256, 256}, {288, 96}}
	if testing.Short() {
		shapes = shapes[:4]
	}
	for _, sz := range shapes {
		rows, cols := sz[0], sz[1]
		tol := 2 * seqTol(max(rows, cols))
		x := randComplex(rnd, rows*cols)
		for _, workers := range []int{1, 3} {
			p := newPlanKernels(rows, cols, workers, ks)
			for _, inv := range []bool{false, true} {
				got := append([]complex128(nil), x...)
				if inv {
					p.Inverse(got)
				} else {
					p.Forward(got)
				}
				if e := relErr(got, gonumDFT2(x, rows, cols, inv)); e > tol {
					t.Fatalf("%dx%d workers=%d inverse=%v: error %.3g", rows, cols, workers, inv, e)
				}
			}
			// Real input: the half spectrum is the first cols/2+1 columns.
			xr := make([]float64, rows*cols)
			xc := make([]complex128, rows*cols)
			for i := range xr {
				xr[i] = real(x[i])
				xc[i] = complex(xr[i], 0)
			}
			full := gonumDFT2(xc, rows, cols, false)
			h := p.HalfCols()
			half := make([]complex128, rows*h)
			p.ForwardReal(half, xr, cols)
			want := make([]complex128, rows*h)
			for u := range rows {
				copy(want[u*h:(u+1)*h], full[u*cols:u*cols+h])
			}
			if e := relErr(half, want); e > tol {
				t.Fatalf("%dx%d workers=%d real: error %.3g", rows, cols, workers, e)
			}
			back := make([]float64, rows*cols)
			p.InverseReal(back, cols, half)
			var d, n float64
			for i, v := range back {
				e := v/float64(rows*cols) - xr[i]
				d += e * e
				n += xr[i] * xr[i]
			}
			if e := math.Sqrt(d / n); e > 2*tol {
				t.Fatalf("%dx%d workers=%d real round trip: error %.3g", rows, cols, workers, e)
			}
		}
	}
}

// TestWorkersIndependent checks that every transform gives bit-identical
// results whatever the number of workers.
func TestWorkersIndependent(t *testing.T) {
	rnd := rand.New(rand.NewPCG(10, 10))
	for _, sz := range [][2]int{{96, 96}, {100, 37}, {33, 250}} {
		rows, cols := sz[0], sz[1]
		x := randComplex(rnd, rows*cols)
		xr := make([]float64, rows*cols)
		for i := range xr {
			xr[i] = real(x[i])
		}
		run := func(workers int) (fwd, inv, half []complex128, back []float64) {
			p := NewPlanWorkers(rows, cols, workers)
			fwd = append([]complex128(nil), x...)
			p.Forward(fwd)
			inv = append([]complex128(nil), x...)
			p.Inverse(inv)
			half = make([]complex128, rows*p.HalfCols())
			p.ForwardReal(half, xr, cols)
			back = make([]float64, rows*cols)
			p.InverseReal(back, cols, append([]complex128(nil), half...))
			return
		}
		f1, i1, h1, b1 := run(1)
		for _, w := range []int{2, 3, 7} {
			f, i, h, b := run(w)
			for k := range f1 {
				if f[k] != f1[k] || i[k] != i1[k] || b[k] != b1[k] {
					t.Fatalf("%dx%d: workers=%d differs from serial at %d", rows, cols, w, k)
				}
			}
			for k := range h1 {
				if h[k] != h1[k] {
					t.Fatalf("%dx%d: workers=%d half spectrum differs at %d", rows, cols, w, k)
				}
			}
		}
	}
}

// TestInverseRealIgnoresAsymmetry checks the documented handling of a half
// spectrum that is not Hermitian where it meets itself: the result is the
// real part of the inverse DFT of the spectrum extended by Z[−u,−v] =
// conj Z[u,v] for the columns the half spectrum leaves out, that is, the
// self-conjugate columns 0 and cols/2 contribute their Hermitian parts.
func TestInverseRealIgnoresAsymmetry(t *testing.T) {
	rnd := rand.New(rand.NewPCG(11, 11))
	for _, sz := range [][2]int{{6, 8}, {5, 7}, {7, 2}, {1, 6}, {9, 1}, {20, 34}} {
		rows, cols := sz[0], sz[1]
		p := NewPlan(rows, cols)
		h := p.HalfCols()
		half := randComplex(rnd, rows*h)
		full := make([]complex128, rows*cols)
		for u := range rows {
			for v := range cols {
				if v < h {
					full[u*cols+v] = half[u*h+v]
				} else {
					full[u*cols+v] = cmplx.Conj(half[((rows-u)%rows)*h+cols-v])
				}
			}
		}
		want := naiveDFT2(full, rows, cols, 1)
		got := make([]float64, rows*cols)
		p.InverseReal(got, cols, half)
		for k := range got {
			if d := math.Abs(got[k] - real(want[k])); d > tol(rows*cols) {
				t.Fatalf("%dx%d index %d: got %v want %v", rows, cols, k, got[k], real(want[k]))
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
