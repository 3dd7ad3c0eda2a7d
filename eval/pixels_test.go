package eval

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// histTestSet returns the values as 1×len images of one row each, split in
// rows of width w (the last image may be shorter: w must divide len).
func histTestSet(v []float64, w int) []*mat.Dense {
	var out []*mat.Dense
	for i := 0; i < len(v); i += w {
		out = append(out, mat.NewDense(1, w, append([]float64(nil), v[i:i+w]...)))
	}
	return out
}

func histTestRandom(n, rows, cols int, scale, shift float64, src rand.Source) []*mat.Dense {
	rnd := rand.New(src)
	out := make([]*mat.Dense, n)
	for i := range out {
		m := mat.NewDense(rows, cols, nil)
		for p := range m.RawMatrix().Data {
			m.RawMatrix().Data[p] = shift + scale*rnd.NormFloat64()
		}
		out[i] = m
	}
	return out
}

func TestPixelWassersteinGolden(t *testing.T) {
	t.Parallel()
	// Values from scipy.stats.wasserstein_distance via /usr/bin/python3:
	//   wasserstein_distance([0.1,0.5,0.5,0.9,1.3], [0,0.2,0.7,2]) = 0.365
	//   wasserstein_distance([-1,0,3], [0.5,0.5,0.5,0.5,-2,4]) = 1.1666666666666667
	const tol = 1e-12
	for i, test := range []struct {
		a, b   []float64
		wa, wb int
		want   float64
	}{
		{[]float64{0.1, 0.5, 0.5, 0.9, 1.3}, []float64{0, 0.2, 0.7, 2}, 5, 2, 0.365},
		{[]float64{-1, 0, 3}, []float64{0.5, 0.5, 0.5, 0.5, -2, 4}, 1, 3, 1.1666666666666667},
	} {
		got, err := PixelWasserstein(histTestSet(test.a, test.wa), histTestSet(test.b, test.wb))
		require.NoError(t, err, "case %d", i)
		assert.InDelta(t, test.want, got, tol, "case %d", i)
		// Symmetric.
		back, err := PixelWasserstein(histTestSet(test.b, test.wb), histTestSet(test.a, test.wa))
		require.NoError(t, err)
		assert.InDelta(t, got, back, tol, "case %d reversed", i)
	}
}

func TestPixelWassersteinEqualSizes(t *testing.T) {
	t.Parallel()
	// For equal sample sizes W1 is the mean absolute difference of the
	// order statistics, an independent formula.
	xs := histTestRandom(5, 4, 6, 1, 0, rand.NewPCG(1, 2))
	ys := histTestRandom(5, 4, 6, 2, 0.3, rand.NewPCG(3, 4))
	var a, b []float64
	for i := range xs {
		a = append(a, xs[i].RawMatrix().Data...)
		b = append(b, ys[i].RawMatrix().Data...)
	}
	slices.Sort(a)
	slices.Sort(b)
	var want float64
	for i := range a {
		want += math.Abs(a[i] - b[i])
	}
	want /= float64(len(a))
	got, err := PixelWasserstein(xs, ys)
	require.NoError(t, err)
	assert.InDelta(t, want, got, 1e-12)
}

func TestPixelWassersteinShift(t *testing.T) {
	t.Parallel()
	// W1(x, x + c) = |c| exactly; W1(x, x) = 0; the inputs are not modified.
	xs := histTestRandom(3, 5, 5, 1, 0, rand.NewPCG(5, 6))
	orig := make([]*mat.Dense, len(xs))
	shifted := make([]*mat.Dense, len(xs))
	for i, x := range xs {
		orig[i] = mat.DenseCopyOf(x)
		shifted[i] = mat.DenseCopyOf(x)
		for p := range shifted[i].RawMatrix().Data {
			shifted[i].RawMatrix().Data[p] -= 0.75
		}
	}
	got, err := PixelWasserstein(xs, shifted)
	require.NoError(t, err)
	assert.InDelta(t, 0.75, got, 1e-12)
	self, err := PixelWasserstein(xs, xs)
	require.NoError(t, err)
	assert.Equal(t, 0.0, self)
	for i := range xs {
		assert.True(t, mat.Equal(orig[i], xs[i]), "input %d modified", i)
	}
}

func TestPixelTV(t *testing.T) {
	t.Parallel()
	const tol = 1e-12
	// Hand-computed: 4 bins over [0, 1] plus overflow bins.
	// xs: 0.1 (bin 1), 0.3 (bin 2), 0.3 (bin 2), 1.5 (over) → p = [0, .25, .5, 0, 0, .25]
	// ys: -1 (under), 0.1 (bin 1), 0.6 (bin 3), 1.0 (bin 4) → q = [.25, .25, 0, .25, .25, 0]
	// ½ Σ|p − q| = ½ (.25 + 0 + .5 + .25 + .25 + .25) = 0.75.
	xs := histTestSet([]float64{0.1, 0.3, 0.3, 1.5}, 2)
	ys := histTestSet([]float64{-1, 0.1, 0.6, 1.0}, 4)
	got, err := PixelTV(xs, ys, 4, 0, 1)
	require.NoError(t, err)
	assert.InDelta(t, 0.75, got, tol)

	self, err := PixelTV(xs, xs, 4, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, 0.0, self)

	// Disjoint histograms: 1.
	lo := histTestSet([]float64{0.01, 0.02}, 2)
	hi := histTestSet([]float64{0.98, 0.99}, 2)
	got, err = PixelTV(lo, hi, 8, 0, 1)
	require.NoError(t, err)
	assert.InDelta(t, 1.0, got, tol)
}

func TestHistogramBadInput(t *testing.T) {
	t.Parallel()
	good := histTestSet([]float64{0, 1}, 2)
	nan := histTestSet([]float64{0, math.NaN()}, 2)
	inf := histTestSet([]float64{math.Inf(1), 1}, 2)
	withNil := []*mat.Dense{good[0], nil}
	for i, test := range []struct {
		xs, ys []*mat.Dense
	}{
		{nil, good}, {good, nil}, {nan, good}, {good, inf}, {withNil, good},
	} {
		_, err := PixelWasserstein(test.xs, test.ys)
		assert.ErrorContains(t, err, "eval:", "W1 case %d", i)
		_, err = PixelTV(test.xs, test.ys, 4, 0, 1)
		assert.ErrorContains(t, err, "eval:", "TV case %d", i)
	}
	for i, test := range []struct {
		bins   int
		lo, hi float64
	}{
		{0, 0, 1}, {4, 1, 1}, {4, 2, 1}, {4, math.NaN(), 1}, {4, 0, math.Inf(1)},
	} {
		_, err := PixelTV(good, good, test.bins, test.lo, test.hi)
		assert.ErrorContains(t, err, "eval:", "TV range case %d", i)
	}
}
