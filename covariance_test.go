package noise

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"
)

// viewsTestCov is the population covariance of pixels (i, j) and (k, l)
// over xs, by its definition.
func viewsTestCov(xs []*mat.Dense, i, j, k, l int) float64 {
	n := float64(len(xs))
	var ma, mb float64
	for _, x := range xs {
		ma += x.At(i, j)
		mb += x.At(k, l)
	}
	ma /= n
	mb /= n
	var c float64
	for _, x := range xs {
		c += (x.At(i, j) - ma) * (x.At(k, l) - mb)
	}
	return c / n
}

// TestCovarianceColumnsHand checks a set of three 2×3 images against values
// computed by hand.
func TestCovarianceColumnsHand(t *testing.T) {
	t.Parallel()
	xs := []*mat.Dense{
		mat.NewDense(2, 3, []float64{0, 1, 2, 3, 4, 5}),
		mat.NewDense(2, 3, []float64{1, 1, 1, 1, 1, 1}),
		mat.NewDense(2, 3, []float64{2, 4, 0, 2, 4, 3}),
	}
	c, err := NewCovarianceColumns(2, 3, [][2]int{{0, 0}, {1, 2}})
	require.NoError(t, err)
	for _, x := range xs {
		require.NoError(t, c.Add(x))
	}
	// Deviations of pixel (0,0) (mean 1): −1, 0, 1. Means of the others:
	// 2, 1, 2, 3, 3 (see TestSpectrumHandComputed). Column of (0,0):
	// (0,0): 2/3; (0,1): (−1·−1 + 0 + 1·2)/3 = 1; (0,2): (−1·1 + 0 + 1·−1)/3
	// = −2/3; (1,0): (−1·1 + 0 + 0)/3 = −1/3; (1,1): (−1·1 + 0 + 1·1)/3 = 0;
	// (1,2): (−1·2 + 0 + 0)/3 = −2/3.
	col, err := c.Column(0)
	require.NoError(t, err)
	covTestEqual(t, col, mat.NewDense(2, 3, []float64{2.0 / 3, 1, -2.0 / 3, -1.0 / 3, 0, -2.0 / 3}), covTol, "column (0,0)")
	// Column of (1,2) (deviations 2, −2, 0): at (1,2) the variance 8/3.
	col, err = c.Column(1)
	require.NoError(t, err)
	assert.InDelta(t, 8.0/3, col.At(1, 2), covTol)
	assert.InDelta(t, -2.0/3, col.At(0, 0), covTol)
	corr, err := c.Correlation(0)
	require.NoError(t, err)
	// Correlation of (0,0) and (0,1): 1/√(2/3·2) = √3/2.
	assert.InDelta(t, math.Sqrt(3)/2, corr.At(0, 1), covTol)
	assert.InDelta(t, 1, corr.At(0, 0), covTol)
	assert.Equal(t, [][2]int{{0, 0}, {1, 2}}, c.Pixels())
}

// TestCovarianceColumnsNaive compares the columns with the definition and
// with CovarianceMatrix, and merged accumulators with one over all images.
func TestCovarianceColumnsNaive(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		rows := rapid.IntRange(1, 5).Draw(rt, "rows")
		cols := rapid.IntRange(1, 5).Draw(rt, "cols")
		n := rapid.IntRange(2, 8).Draw(rt, "n")
		split := rapid.IntRange(0, n).Draw(rt, "split")
		rnd := rand.New(rand.NewPCG(rapid.Uint64().Draw(rt, "seed"), 1))
		xs := covTestImages(rnd, n, rows, cols, 5)
		pix := [][2]int{{rnd.IntN(rows), rnd.IntN(cols)}, {rows - 1, 0}}
		a, err := NewCovarianceColumns(rows, cols, pix)
		if err != nil {
			rt.Fatal(err)
		}
		b, _ := NewCovarianceColumns(rows, cols, pix)
		all, _ := NewCovarianceColumns(rows, cols, pix)
		for t, x := range xs {
			if t < split {
				_ = a.Add(x)
			} else {
				_ = b.Add(x)
			}
			_ = all.Add(x)
		}
		if err := a.Merge(b); err != nil {
			rt.Fatal(err)
		}
		full, err := CovarianceMatrix(xs)
		if err != nil {
			rt.Fatal(err)
		}
		for s, p := range pix {
			for _, acc := range []*CovarianceColumns{a, all} {
				col, err := acc.Column(s)
				if err != nil {
					rt.Fatal(err)
				}
				for i := range rows {
					for j := range cols {
						want := viewsTestCov(xs, i, j, p[0], p[1])
						if math.Abs(col.At(i, j)-want) > 1e-10 || math.Abs(full.At(i*cols+j, p[0]*cols+p[1])-want) > 1e-10 {
							rt.Fatalf("column %v at (%d,%d): %g, full %g, want %g", p, i, j, col.At(i, j), full.At(i*cols+j, p[0]*cols+p[1]), want)
						}
					}
				}
			}
		}
	})
}

// viewsTestZ returns the naive DFTs of xs and the mean pixel variance.
func viewsTestZ(xs []*mat.Dense) ([][][]complex128, float64) {
	rows, cols := xs[0].Dims()
	zs := make([][][]complex128, len(xs))
	for t, x := range xs {
		zs[t] = covTestDFT(x)
	}
	var mv float64
	for i := range rows {
		for j := range cols {
			mv += viewsTestCov(xs, i, j, i, j)
		}
	}
	return zs, mv / float64(rows*cols)
}

// TestFourierColumnsNaive compares Γ and C columns with the definitions
// E[(Z_k − m_k) conj(Z_l − m_l)] and E[(Z_k − m_k)(Z_l − m_l)] on the naive
// DFT, for every kind of frequency (self-conjugate, real and imaginary
// part members), and checks Γ_{k,k} = Power(k).
func TestFourierColumnsNaive(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(7, 8))
	for _, sz := range [][2]int{{1, 1}, {3, 3}, {4, 4}, {4, 5}, {6, 3}} {
		rows, cols := sz[0], sz[1]
		xs := covTestImages(rnd, 5, rows, cols, 1)
		var freqs [][2]int
		for i := range rows {
			for j := range cols {
				freqs = append(freqs, [2]int{i, j})
			}
		}
		fc, err := NewFourierColumns(rows, cols, freqs)
		require.NoError(t, err)
		half, _ := NewFourierColumns(rows, cols, freqs)
		sp := NewSpectrum(rows, cols)
		for idx, x := range xs {
			require.NoError(t, fc.Add(x))
			if idx < 2 {
				require.NoError(t, half.Add(x))
			}
			require.NoError(t, sp.Add(x))
		}
		rest, _ := NewFourierColumns(rows, cols, freqs)
		for _, x := range xs[2:] {
			require.NoError(t, rest.Add(x))
		}
		require.NoError(t, half.Merge(rest))
		power, err := sp.Power()
		require.NoError(t, err)
		zs, mv := viewsTestZ(xs)
		n := complex(float64(len(xs)), 0)
		mean := func(i, j int) complex128 {
			var m complex128
			for _, z := range zs {
				m += z[i][j]
			}
			return m / n
		}
		for f, k := range freqs {
			name := fmt.Sprintf("%v k=%v", sz, k)
			for _, acc := range []*FourierColumns{fc, half} {
				g, err := acc.Gamma(f)
				require.NoError(t, err)
				c, err := acc.C(f)
				require.NoError(t, err)
				mk := mean(k[0], k[1])
				for i := range rows {
					for j := range cols {
						ml := mean(i, j)
						var wg, wc complex128
						for _, z := range zs {
							dk, dl := z[k[0]][k[1]]-mk, z[i][j]-ml
							wg += dk * cmplx.Conj(dl)
							wc += dk * dl
						}
						wg /= n * complex(mv, 0)
						wc /= n * complex(mv, 0)
						assert.InDelta(t, 0, cmplx.Abs(g.At(i, j)-wg), 1e-11, "%s Γ at (%d,%d)", name, i, j)
						assert.InDelta(t, 0, cmplx.Abs(c.At(i, j)-wc), 1e-11, "%s C at (%d,%d)", name, i, j)
					}
				}
				assert.InDelta(t, power.At(k[0], k[1]), real(g.At(k[0], k[1])), 1e-11, name)
			}
		}
		assert.Equal(t, freqs, fc.Frequencies())
	}
}

// TestFourierColumnsStationary checks the paper's Figure 7 on periodic
// power-law fields: the Γ column of k is a spike at k and the C column a
// spike at −k. Off-diagonal |Γ_{k,l}|, estimated from n fields, has
// standard deviation about √(Γ_k Γ_l/n); the test bounds the largest
// off-diagonal value by 5 times that.
func TestFourierColumnsStationary(t *testing.T) {
	t.Parallel()
	const rows, cols, n = 12, 12, 400
	rnd := rand.New(rand.NewPCG(9, 10))
	k := [2]int{8, 3}
	fc, err := NewFourierColumns(rows, cols, [][2]int{k})
	require.NoError(t, err)
	sp := NewSpectrum(rows, cols)
	for range n {
		x := plawTestField(rnd, rows, cols, 1)
		require.NoError(t, fc.Add(x))
		require.NoError(t, sp.Add(x))
	}
	g, err := fc.Gamma(0)
	require.NoError(t, err)
	c, err := fc.C(0)
	require.NoError(t, err)
	p, err := sp.Power()
	require.NoError(t, err)
	ki, kj := Involution(rows, cols, k[0], k[1])
	for i := range rows {
		for j := range cols {
			bound := 5 * math.Sqrt(p.At(k[0], k[1])*p.At(i, j)/n)
			if i != k[0] || j != k[1] {
				assert.Less(t, cmplx.Abs(g.At(i, j)), bound, "Γ at (%d,%d)", i, j)
			}
			if i != ki || j != kj {
				assert.Less(t, cmplx.Abs(c.At(i, j)), bound, "C at (%d,%d)", i, j)
			}
		}
	}
	assert.InDelta(t, p.At(k[0], k[1]), real(g.At(k[0], k[1])), 1e-12)
	assert.InDelta(t, p.At(k[0], k[1]), real(c.At(ki, kj)), 1e-12)
}

// TestFourierCovarianceMatrix compares the full Fourier covariance with the
// covariance of RealFFT2 of each image computed with At, and checks that
// its trace equals that of the pixel covariance (F_R orthogonal).
func TestFourierCovarianceMatrix(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(11, 12))
	xs := covTestImages(rnd, 6, 3, 4, 2)
	Xs := make([]*mat.Dense, len(xs))
	for i, x := range xs {
		Xs[i] = RealFFT2(x)
	}
	got, err := FourierCovarianceMatrix(xs)
	require.NoError(t, err)
	pix, err := CovarianceMatrix(xs)
	require.NoError(t, err)
	for p := range 12 {
		for q := range 12 {
			assert.InDelta(t, viewsTestCov(Xs, p/4, p%4, q/4, q%4), got.At(p, q), 1e-12)
		}
	}
	assert.InDelta(t, mat.Trace(pix), mat.Trace(got), 1e-12)
}

func TestCovarianceViewsBadInput(t *testing.T) {
	t.Parallel()
	_, err := NewCovarianceColumns(0, 3, [][2]int{{0, 0}})
	assert.Error(t, err)
	_, err = NewCovarianceColumns(2, 3, nil)
	assert.Error(t, err)
	_, err = NewCovarianceColumns(2, 3, [][2]int{{2, 0}})
	assert.ErrorContains(t, err, "outside")
	_, err = NewFourierColumns(2, 3, [][2]int{{0, -1}})
	assert.ErrorContains(t, err, "outside")
	_, err = NewFourierColumns(2, 3, nil)
	assert.Error(t, err)
	_, err = NewCovarianceColumns(4096, 4096, make([][2]int, 3))
	assert.ErrorContains(t, err, "MaxPixels")

	c, err := NewCovarianceColumns(2, 3, [][2]int{{0, 0}})
	require.NoError(t, err)
	f, err := NewFourierColumns(2, 3, [][2]int{{1, 1}})
	require.NoError(t, err)
	_, err = c.Column(0)
	assert.ErrorContains(t, err, "empty")
	_, err = f.Gamma(0)
	assert.ErrorContains(t, err, "empty")
	_, err = f.C(0)
	assert.ErrorContains(t, err, "empty")
	good := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	nan := mat.DenseCopyOf(good)
	nan.Set(1, 1, math.Inf(1))
	var nilDense *mat.Dense
	for i, x := range []mat.Matrix{nil, nilDense, mat.NewDense(3, 2, nil), nan} {
		assert.Error(t, c.Add(x), "case %d", i)
		assert.Error(t, f.Add(x), "case %d", i)
	}
	assert.Zero(t, c.Count())
	assert.Zero(t, f.Count())
	require.NoError(t, c.Add(good))
	require.NoError(t, f.Add(good))
	_, err = c.Column(1)
	assert.Error(t, err)
	_, err = c.Column(-1)
	assert.Error(t, err)
	_, err = f.Gamma(1)
	assert.Error(t, err)
	_, err = c.Correlation(0)
	assert.ErrorContains(t, err, "zero variance")
	_, err = f.Gamma(0)
	assert.ErrorContains(t, err, "zero variance")
	other, _ := NewCovarianceColumns(2, 3, [][2]int{{0, 1}})
	assert.Error(t, c.Merge(other))
	assert.Error(t, c.Merge(nil))
	fo, _ := NewFourierColumns(3, 2, [][2]int{{1, 1}})
	assert.Error(t, f.Merge(fo))
	assert.Error(t, f.Merge(nil))

	_, err = CovarianceMatrix(nil)
	assert.Error(t, err)
	_, err = CovarianceMatrix([]*mat.Dense{nil})
	assert.Error(t, err)
	_, err = CovarianceMatrix([]*mat.Dense{good, mat.NewDense(3, 2, nil)})
	assert.ErrorContains(t, err, "xs[1]")
	_, err = FourierCovarianceMatrix([]*mat.Dense{good, nan})
	assert.ErrorContains(t, err, "xs[1]")
	_, err = CovarianceMatrix([]*mat.Dense{mat.NewDense(65, 64, nil)})
	assert.ErrorContains(t, err, "MaxCovarianceDim")
}

// TestChannelCovariance checks a hand-computed example and the
// eigen-decomposition on a random one.
func TestChannelCovariance(t *testing.T) {
	t.Parallel()
	// One 1×2 image: pixels (r, g, b) = (0, 0, 1) and (2, 4, 1). Means
	// (1, 2, 1); deviations (∓1, ∓2, 0): covariance [[1, 2, 0], [2, 4, 0],
	// [0, 0, 0]], eigenvalues 5, 0, 0 with first axis (1, 2, 0)/√5.
	img := [3]*mat.Dense{
		mat.NewDense(1, 2, []float64{0, 2}),
		mat.NewDense(1, 2, []float64{0, 4}),
		mat.NewDense(1, 2, []float64{1, 1}),
	}
	cc, err := NewChannelCovariance([][3]*mat.Dense{img})
	require.NoError(t, err)
	assert.Equal(t, [3]float64{1, 2, 1}, cc.Mean)
	covTestEqual(t, cc.Cov, mat.NewDense(3, 3, []float64{1, 2, 0, 2, 4, 0, 0, 0, 0}), covTol, "cov")
	assert.InDelta(t, 5, cc.Values[0], 1e-12)
	assert.InDelta(t, 0, cc.Values[1], 1e-12)
	assert.InDelta(t, 1/math.Sqrt(5), cc.Vectors.At(0, 0), 1e-12)
	assert.InDelta(t, 2/math.Sqrt(5), cc.Vectors.At(1, 0), 1e-12)

	// Random correlated channels in two images of different sizes.
	rnd := rand.New(rand.NewPCG(13, 14))
	var imgs [][3]*mat.Dense
	var all [][3]float64
	for _, sz := range [][2]int{{4, 5}, {3, 3}} {
		var im [3]*mat.Dense
		for c := range im {
			im[c] = mat.NewDense(sz[0], sz[1], nil)
		}
		for i := range sz[0] {
			for j := range sz[1] {
				a, b, e := rnd.NormFloat64(), rnd.NormFloat64(), rnd.NormFloat64()
				v := [3]float64{a + 3, 0.8*a + 0.3*b, 0.5*a - b + 0.1*e}
				for c := range im {
					im[c].Set(i, j, v[c])
				}
				all = append(all, v)
			}
		}
		imgs = append(imgs, im)
	}
	cc, err = NewChannelCovariance(imgs)
	require.NoError(t, err)
	n := float64(len(all))
	var mean [3]float64
	for _, v := range all {
		for c := range 3 {
			mean[c] += v[c] / n
		}
	}
	for a := range 3 {
		assert.InDelta(t, mean[a], cc.Mean[a], 1e-12)
		for b := range 3 {
			var s float64
			for _, v := range all {
				s += (v[a] - mean[a]) * (v[b] - mean[b])
			}
			assert.InDelta(t, s/n, cc.Cov.At(a, b), 1e-12)
		}
	}
	// Cov v = λ v, decreasing, unit, largest component positive.
	for c := range 3 {
		v := mat.Col(nil, c, cc.Vectors)
		var av mat.VecDense
		av.MulVec(cc.Cov, mat.NewVecDense(3, v))
		for r := range 3 {
			assert.InDelta(t, cc.Values[c]*v[r], av.AtVec(r), 1e-12)
		}
		assert.InDelta(t, 1, mat.Norm(mat.NewVecDense(3, v), 2), 1e-12)
		if c > 0 {
			assert.GreaterOrEqual(t, cc.Values[c-1], cc.Values[c])
		}
		big := 0
		for r := range 3 {
			if math.Abs(v[r]) > math.Abs(v[big]) {
				big = r
			}
		}
		assert.Positive(t, v[big])
	}

	// Bad input.
	_, err = NewChannelCovariance(nil)
	assert.Error(t, err)
	_, err = NewChannelCovariance([][3]*mat.Dense{{img[0], nil, img[2]}})
	assert.Error(t, err)
	_, err = NewChannelCovariance([][3]*mat.Dense{{img[0], mat.NewDense(2, 1, nil), img[2]}})
	assert.Error(t, err)
	bad := mat.DenseCopyOf(img[1])
	bad.Set(0, 1, math.NaN())
	_, err = NewChannelCovariance([][3]*mat.Dense{{img[0], bad, img[2]}})
	assert.ErrorContains(t, err, "non-finite")
}

// TestChannelCovarianceColour mixes three grey fields whose channel
// covariance is exactly the identity (zero-mean orthogonal ±1 patterns over
// four pixels) and checks that the result has exactly the channel mean and
// covariance it was built from.
func TestChannelCovarianceColour(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(15, 16))
	var img [3]*mat.Dense
	for c := range img {
		img[c] = mat.NewDense(5, 4, nil)
	}
	for i := range 5 {
		for j := range 4 {
			a, b := rnd.NormFloat64(), rnd.NormFloat64()
			img[0].Set(i, j, a)
			img[1].Set(i, j, 0.5*a+b+1)
			img[2].Set(i, j, 0.2*b-a+2)
		}
	}
	cc, err := NewChannelCovariance([][3]*mat.Dense{img})
	require.NoError(t, err)
	fields := [3]*mat.Dense{
		mat.NewDense(2, 2, []float64{1, -1, 1, -1}),
		mat.NewDense(2, 2, []float64{1, 1, -1, -1}),
		mat.NewDense(2, 2, []float64{1, -1, -1, 1}),
	}
	out, err := cc.Colour([3]*mat.Dense{}, fields)
	require.NoError(t, err)
	got, err := NewChannelCovariance([][3]*mat.Dense{out})
	require.NoError(t, err)
	for a := range 3 {
		assert.InDelta(t, cc.Mean[a], got.Mean[a], 1e-12)
	}
	covTestEqual(t, got.Cov, cc.Cov, 1e-12, "coloured covariance")

	_, err = cc.Colour([3]*mat.Dense{}, [3]*mat.Dense{fields[0], nil, fields[2]})
	assert.Error(t, err)
	_, err = cc.Colour([3]*mat.Dense{}, [3]*mat.Dense{fields[0], mat.NewDense(2, 3, nil), fields[2]})
	assert.Error(t, err)
	_, err = cc.Colour([3]*mat.Dense{mat.NewDense(3, 3, nil)}, fields)
	assert.Error(t, err)
}
