package noise

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"
)

// rfftNaiveSpectrum is the orthonormal 2-D DFT by its O(N⁴) definition, in the
// centred layout: Z[i,j] is frequency (i−rows/2, j−cols/2).
func rfftNaiveSpectrum(x mat.Matrix) [][]complex128 {
	rows, cols := x.Dims()
	z := make([][]complex128, rows)
	norm := 1 / math.Sqrt(float64(rows*cols))
	for i := range rows {
		z[i] = make([]complex128, cols)
		ky := float64(i - rows/2)
		for j := range cols {
			kx := float64(j - cols/2)
			var s complex128
			for p := range rows {
				for q := range cols {
					ph := -2 * math.Pi * (ky*float64(p)/float64(rows) + kx*float64(q)/float64(cols))
					s += complex(x.At(p, q), 0) * cmplx.Rect(1, ph)
				}
			}
			z[i][j] = s * complex(norm, 0)
		}
	}
	return z
}

// rfftNaive packs the naive spectrum by the documented rule, using At and
// the exported Involution/PartAt only.
func rfftNaive(x mat.Matrix) *mat.Dense {
	rows, cols := x.Dims()
	z := rfftNaiveSpectrum(x)
	out := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			ii, jj := Involution(rows, cols, i, j)
			switch PartAt(rows, cols, i, j) {
			case SelfConjugate:
				out.Set(i, j, real(z[i][j]))
			case RealPart:
				out.Set(i, j, math.Sqrt2*real(z[i][j]))
			case ImagPart:
				out.Set(i, j, math.Sqrt2*imag(z[ii][jj]))
			}
		}
	}
	return out
}

func rfftRandom(rnd *rand.Rand, rows, cols int) *mat.Dense {
	x := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			x.Set(i, j, rnd.NormFloat64())
		}
	}
	return x
}

var rfftSizes = [][2]int{{1, 1}, {1, 2}, {2, 1}, {1, 9}, {9, 1}, {2, 2}, {3, 3}, {3, 4}, {4, 3}, {5, 8}, {8, 5}, {6, 6}, {7, 7}, {11, 13}, {16, 12}, {17, 17}}

// rfftTol is the absolute tolerance for entries of transforms of n standard
// normal values: round-off is O(eps·log n·√n) per entry, far below 1e-12·n,
// and any indexing or scaling error is O(1).
func rfftTol(n int) float64 { return 1e-12 * float64(n) }

func TestRealFFT2AgainstNaive(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(11, 12))
	for _, sz := range rfftSizes {
		rows, cols := sz[0], sz[1]
		x := rfftRandom(rnd, rows, cols)
		orig := mat.DenseCopyOf(x)
		got := RealFFT2(x)
		want := rfftNaive(x)
		require.True(t, mat.EqualApprox(got, want, rfftTol(rows*cols)), "%dx%d:\ngot  %v\nwant %v", rows, cols, mat.Formatted(got), mat.Formatted(want))
		require.True(t, mat.Equal(x, orig), "%dx%d: input modified", rows, cols)
	}
}

func TestRealFFT2Golden(t *testing.T) {
	t.Parallel()
	// Golden values from numpy 1.24 (fftshift(fft2(x, norm="ortho")) packed
	// by the documented rule; /tmp/golden_rfft.py in the commit message).
	cases := []struct {
		rows, cols int
		x, want    []float64
	}{
		{3, 4, []float64{1, 2, 0, -1, 3, 0.5, -2, 4, 0, 1, 1, 2},
			[]float64{0.5303300858899107, -4.264623868494924, -0.5303300858899107, 0.02198318137563821, -1.587713240271471, 0.6123724356957947, 3.3197640478403487, 2.041241452319315, 1.1226827987756236, -1.2921317669470476, -1.1226827987756236, 0.47563518601932137}},
		{4, 3, []float64{1, 2, 0, -1, 3, 0.5, -2, 4, 0, 1, 1, 2},
			[]float64{-1.5909902576697321, -0.4330127018922194, -0.30618621784789735, 1.6256654347302395, 0.6123724356957947, 0.21145187235714447, -2.6516504294495533, 3.3197640478403487, -2.9598001058630072, 2.8704300289319105, 0.4082482904638632, 0.3955562947789941}},
		{2, 5, []float64{0.25, -1, 2, 3, -0.5, 1, 1, -1, 0, 2},
			[]float64{-0.13143277802978337, -0.21266270208800991, 0.2371708245126283, -3.128115294937453, 2.1218847050625476, -0.45635247426268966, 1.1637192183831635, 2.134537420613656, -0.6809016994374946, 0.5690983005625052}},
	}
	for i, c := range cases {
		got := RealFFT2(mat.NewDense(c.rows, c.cols, c.x))
		assert.InDeltaSlice(t, c.want, got.RawMatrix().Data, 1e-14, "case %d (%dx%d)", i, c.rows, c.cols)
	}
}

func TestRealFFT2Properties(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		rows := rapid.IntRange(1, 24).Draw(t, "rows")
		cols := rapid.IntRange(1, 24).Draw(t, "cols")
		seed := rapid.Uint64().Draw(t, "seed")
		rnd := rand.New(rand.NewPCG(seed, 7))
		x, y := rfftRandom(rnd, rows, cols), rfftRandom(rnd, rows, cols)
		n := rows * cols
		tol := rfftTol(n)
		X, Y := RealFFT2(x), RealFFT2(y)

		// Round trip to 1e-12 relative (of the largest entry).
		back := InverseRealFFT2(X)
		if !mat.EqualApprox(back, x, 1e-12*mat.Norm(x, math.Inf(1))) {
			t.Fatalf("round trip differs by %g", maxAbsDiff(back, x))
		}
		// Linearity over the reals.
		a, b := rapid.Float64Range(-3, 3).Draw(t, "a"), rapid.Float64Range(-3, 3).Draw(t, "b")
		var ax mat.Dense
		ax.Scale(a, x)
		ax.Add(&ax, scaled(b, y))
		var aX mat.Dense
		aX.Scale(a, X)
		aX.Add(&aX, scaled(b, Y))
		if d := maxAbsDiff(RealFFT2(&ax), &aX); d > tol*(math.Abs(a)+math.Abs(b)) {
			t.Fatalf("not linear: %g", d)
		}
		// Orthogonality: ‖F_R x‖ = ‖x‖.
		if nx, nX := mat.Norm(x, 2), mat.Norm(X, 2); math.Abs(nx-nX) > 1e-12*nx {
			t.Fatalf("‖x‖ = %v, ‖F_R x‖ = %v", nx, nX)
		}
		// Pairs carry the power of both members; self-conjugate entries
		// are the (real) DFT value.
		z := rfftNaiveSpectrum(x)
		for i := range rows {
			for j := range cols {
				ii, jj := Involution(rows, cols, i, j)
				if PartAt(rows, cols, i, j) == SelfConjugate {
					if math.Abs(X.At(i, j)-real(z[i][j])) > tol || math.Abs(imag(z[i][j])) > tol {
						t.Fatalf("self-conjugate (%d,%d): X=%v Z=%v", i, j, X.At(i, j), z[i][j])
					}
					continue
				}
				got := X.At(i, j)*X.At(i, j) + X.At(ii, jj)*X.At(ii, jj)
				want := cmplx.Abs(z[i][j])*cmplx.Abs(z[i][j]) + cmplx.Abs(z[ii][jj])*cmplx.Abs(z[ii][jj])
				if math.Abs(got-want) > tol*(1+want) {
					t.Fatalf("pair (%d,%d)/(%d,%d): X²+X'² = %v, |Z|²+|Z'|² = %v", i, j, ii, jj, got, want)
				}
			}
		}
	})
}

func TestInvolution(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		rows := rapid.IntRange(1, 40).Draw(t, "rows")
		cols := rapid.IntRange(1, 40).Draw(t, "cols")
		i := rapid.IntRange(0, rows-1).Draw(t, "i")
		j := rapid.IntRange(0, cols-1).Draw(t, "j")
		ii, jj := Involution(rows, cols, i, j)
		if ii < 0 || ii >= rows || jj < 0 || jj >= cols {
			t.Fatalf("(%d,%d) → (%d,%d) out of range", i, j, ii, jj)
		}
		if i2, j2 := Involution(rows, cols, ii, jj); i2 != i || j2 != j {
			t.Fatalf("not an involution: (%d,%d) → (%d,%d) → (%d,%d)", i, j, ii, jj, i2, j2)
		}
		// Frequency k maps to −k modulo the lattice.
		ky, kx := i-rows/2, j-cols/2
		ky2, kx2 := ii-rows/2, jj-cols/2
		if (ky+ky2)%rows != 0 || (kx+kx2)%cols != 0 {
			t.Fatalf("(%d,%d) has frequency (%d,%d), image (%d,%d) is not its negative", i, j, ky, kx, ky2, kx2)
		}
		// Parts are consistent across a pair.
		p, q := PartAt(rows, cols, i, j), PartAt(rows, cols, ii, jj)
		if (p == SelfConjugate) != (q == SelfConjugate) || (p == RealPart) != (q == ImagPart) {
			t.Fatalf("parts %v and %v across a pair", p, q)
		}
	})
}

func TestInvolutionFigure15(t *testing.T) {
	t.Parallel()
	// Odd axes rotate by 180°; on even axes index 0 (Nyquist) is fixed and
	// the rest rotate about n/2.
	cases := []struct{ rows, cols, i, j, wi, wj int }{
		{5, 5, 0, 0, 4, 4}, {5, 5, 2, 2, 2, 2}, {5, 5, 1, 3, 3, 1},
		{4, 4, 0, 0, 0, 0}, {4, 4, 0, 1, 0, 3}, {4, 4, 2, 2, 2, 2}, {4, 4, 1, 3, 3, 1},
		{4, 5, 0, 0, 0, 4}, {4, 5, 3, 4, 1, 0}, {1, 6, 0, 0, 0, 0}, {1, 6, 0, 5, 0, 1},
	}
	for k, c := range cases {
		i, j := Involution(c.rows, c.cols, c.i, c.j)
		assert.Equal(t, [2]int{c.wi, c.wj}, [2]int{i, j}, "case %d: %dx%d (%d,%d)", k, c.rows, c.cols, c.i, c.j)
	}
	assert.ElementsMatch(t, [][2]int{{2, 2}, {0, 2}, {2, 0}, {0, 0}}, SelfConjugates(4, 4))
	assert.ElementsMatch(t, [][2]int{{1, 1}}, SelfConjugates(3, 3))
	assert.ElementsMatch(t, [][2]int{{1, 2}, {1, 0}}, SelfConjugates(3, 4))
	parts := Packing(3, 4)
	for i := range 3 {
		for j := range 4 {
			assert.Equal(t, PartAt(3, 4, i, j), parts[i*4+j])
		}
	}
}

func TestRealFFT2WhiteNoise(t *testing.T) {
	t.Parallel()
	// F_R is orthogonal, so white noise of unit variance stays white with
	// unit variance at every position. Over m samples the sample variance
	// at one position has standard error √(2/m); with m = 4000 that is
	// 0.022, and 5 standard errors bound every one of the 35 positions.
	const rows, cols, m = 5, 7, 4000
	rnd := rand.New(rand.NewPCG(21, 22))
	sum2 := make([]float64, rows*cols)
	plan, err := NewRealFFT(rows, cols)
	require.NoError(t, err)
	X := mat.NewDense(rows, cols, nil)
	for range m {
		plan.Forward(X, rfftRandom(rnd, rows, cols))
		for k, v := range X.RawMatrix().Data {
			sum2[k] += v * v
		}
	}
	se := math.Sqrt(2.0 / m)
	for k, s := range sum2 {
		assert.InDelta(t, 1, s/m, 5*se, "position %d", k)
	}
}

func TestRealFFTPlanReuse(t *testing.T) {
	rnd := rand.New(rand.NewPCG(31, 32))
	for _, sz := range [][2]int{{32, 32}, {96, 96}, {33, 50}} {
		rows, cols := sz[0], sz[1]
		p, err := NewRealFFT(rows, cols)
		require.NoError(t, err)
		x := rfftRandom(rnd, rows, cols)
		X := mat.NewDense(rows, cols, nil)
		back := mat.NewDense(rows, cols, nil)
		allocs := testing.AllocsPerRun(10, func() {
			p.Forward(X, x)
			p.Inverse(back, X)
		})
		assert.Zero(t, allocs, "%dx%d allocations", rows, cols)
		assert.True(t, mat.EqualApprox(back, x, 1e-12), "%dx%d round trip", rows, cols)
		// In place, and through a strided view and a non-Dense matrix.
		y := mat.DenseCopyOf(x)
		p.Forward(y, y)
		assert.True(t, mat.EqualApprox(y, X, 1e-13), "%dx%d in place", rows, cols)
		big := mat.NewDense(rows+2, cols+3, nil)
		view := big.Slice(1, rows+1, 2, cols+2).(*mat.Dense)
		view.Copy(x)
		assert.True(t, mat.EqualApprox(p.Forward(nil, view), X, 1e-13), "%dx%d strided", rows, cols)
		assert.True(t, mat.EqualApprox(p.Inverse(nil, rfftPlain{X}), x, 1e-12), "%dx%d non-Dense", rows, cols)
	}
}

func TestRealFFTBadInput(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{0, 3}, {3, 0}, {-1, 2}, {1 << 14, 1 << 13}} {
		_, err := NewRealFFT(sz[0], sz[1])
		require.Error(t, err, "%v", sz)
		assert.Contains(t, err.Error(), "noise:")
	}
	assert.PanicsWithValue(t, "noise: empty 0×0 matrix", func() { RealFFT2(&mat.Dense{}) })
	assert.PanicsWithValue(t, "noise: empty 0×0 matrix", func() { InverseRealFFT2(&mat.Dense{}) })
	assert.Panics(t, func() { Wavenumbers(0, 4) })
	p, err := NewRealFFT(3, 3)
	require.NoError(t, err)
	assert.Panics(t, func() { p.Forward(nil, mat.NewDense(3, 4, nil)) })
	assert.Panics(t, func() { p.Forward(mat.NewDense(4, 3, nil), mat.NewDense(3, 3, nil)) })

	// NaN and Inf propagate instead of hanging or panicking.
	x := mat.NewDense(4, 4, nil)
	x.Set(1, 2, math.NaN())
	assert.True(t, floats.HasNaN(RealFFT2(x).RawMatrix().Data))
	x.Set(1, 2, math.Inf(1))
	X := RealFFT2(x)
	assert.True(t, math.IsInf(X.At(2, 2), 1), "DC of an Inf image")
}

func TestWavenumbers(t *testing.T) {
	t.Parallel()
	k := Wavenumbers(4, 5)
	assert.Equal(t, 0.0, k.At(2, 2))
	assert.InDelta(t, 0.5, k.At(0, 2), 1e-15)                   // ky = −2 of 4 rows
	assert.InDelta(t, 0.4, k.At(2, 0), 1e-15)                   // kx = −2 of 5 cols
	assert.InDelta(t, math.Hypot(0.25, 0.4), k.At(3, 4), 1e-15) // (1, 2)
	// Symmetric under the involution.
	for i := range 4 {
		for j := range 5 {
			ii, jj := Involution(4, 5, i, j)
			assert.Equal(t, k.At(i, j), k.At(ii, jj))
		}
	}
}

func FuzzRealFFT2RoundTrip(f *testing.F) {
	f.Add(uint8(3), uint8(4), uint64(1))
	f.Add(uint8(1), uint8(1), uint64(2))
	f.Add(uint8(16), uint8(9), uint64(3))
	f.Fuzz(func(t *testing.T, r, c uint8, seed uint64) {
		rows, cols := int(r%40)+1, int(c%40)+1
		x := rfftRandom(rand.New(rand.NewPCG(seed, 0)), rows, cols)
		back := InverseRealFFT2(RealFFT2(x))
		if d := maxAbsDiff(back, x); d > 1e-12*mat.Norm(x, math.Inf(1)) {
			t.Fatalf("%dx%d round trip error %g", rows, cols, d)
		}
	})
}

// rfftPlain hides the *mat.Dense behind the bare mat.Matrix interface.
type rfftPlain struct{ m *mat.Dense }

func (p rfftPlain) Dims() (int, int)    { return p.m.Dims() }
func (p rfftPlain) At(i, j int) float64 { return p.m.At(i, j) }
func (p rfftPlain) T() mat.Matrix       { return mat.Transpose{Matrix: p} }

func maxAbsDiff(a, b mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, math.Inf(1))
}

func scaled(f float64, m mat.Matrix) *mat.Dense {
	var d mat.Dense
	d.Scale(f, m)
	return &d
}

func BenchmarkRealFFT(b *testing.B) {
	for _, sz := range [][2]int{{32, 32}, {96, 96}, {256, 256}, {768, 768}, {200, 320}} {
		rows, cols := sz[0], sz[1]
		p, err := NewRealFFT(rows, cols)
		if err != nil {
			b.Fatal(err)
		}
		x := rfftRandom(rand.New(rand.NewPCG(1, 1)), rows, cols)
		X := mat.NewDense(rows, cols, nil)
		b.Run(fmt.Sprintf("forward/%dx%d", rows, cols), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Forward(X, x)
			}
		})
		b.Run(fmt.Sprintf("inverse/%dx%d", rows, cols), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.Inverse(x, X)
			}
		})
	}
}
