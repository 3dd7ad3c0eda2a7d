package eval

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// nearestTestNaive returns the RMS distance from each x to its nearest y,
// skipping ys[i] for xs[i] if self, with At: the reference for NearestCheck.
func nearestTestNaive(xs, ys []*mat.Dense, self bool) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		r, c := x.Dims()
		best := math.Inf(1)
		for j, y := range ys {
			if self && i == j {
				continue
			}
			var s float64
			for a := range r {
				for b := range c {
					d := x.At(a, b) - y.At(a, b)
					s += d * d
				}
			}
			best = min(best, math.Sqrt(s/float64(r*c)))
		}
		out[i] = best
	}
	return out
}

func TestNearestCheckNaive(t *testing.T) {
	t.Parallel()
	const tol = 1e-9 // Gram-matrix rounding on distances of order 1
	train := histTestRandom(40, 6, 5, 1, 0.5, rand.NewPCG(7, 8))
	samples := histTestRandom(13, 6, 5, 1.2, 0.5, rand.NewPCG(9, 10))
	nn, err := NearestCheck(samples, train)
	require.NoError(t, err)
	assert.InDeltaSlice(t, nearestTestNaive(samples, train, false), nn.Samples, tol)
	assert.InDeltaSlice(t, nearestTestNaive(train, train, true), nn.Train, tol)
	assert.InDelta(t, nn.MedianSample/nn.MedianTrain, nn.Ratio, 1e-15)
	assert.True(t, nn.BelowShare >= 0 && nn.BelowShare <= 1)
}

func TestNearestCheckCopies(t *testing.T) {
	t.Parallel()
	// Copies of training images (new matrices, same values) are at distance
	// 0: Ratio 0 and every sample below the train-train 5th percentile.
	train := histTestRandom(30, 4, 4, 1, 0, rand.NewPCG(11, 12))
	copies := make([]*mat.Dense, 10)
	for i := range copies {
		copies[i] = mat.DenseCopyOf(train[3*i])
	}
	nn, err := NearestCheck(copies, train)
	require.NoError(t, err)
	for i, d := range nn.Samples {
		assert.InDelta(t, 0, d, 1e-7, "sample %d", i) // √ of a rounding error of order 1e-15
	}
	assert.Less(t, nn.Ratio, 1e-6)
	assert.Equal(t, 1.0, nn.BelowShare)

	// Fresh draws from the same distribution are not copies: their median
	// nearest distance is close to the train-train one. With 30 training
	// and 200 sample images of 16 Gaussian pixels the ratio was 0.99–1.04
	// and the share below the 5th percentile 0.03–0.19 (a percentile of 30
	// values is noisy) over seeds 0–9; the bounds 0.8 and 0.3 are loose but
	// a copying generator (ratio 0, share 1) cannot meet them.
	fresh := histTestRandom(200, 4, 4, 1, 0, rand.NewPCG(13, 14))
	nn, err = NearestCheck(fresh, train)
	require.NoError(t, err)
	assert.Greater(t, nn.Ratio, 0.8)
	assert.Less(t, nn.BelowShare, 0.3)
}

func TestNearestCheckBadInput(t *testing.T) {
	t.Parallel()
	train := histTestRandom(3, 4, 4, 1, 0, rand.NewPCG(1, 1))
	odd := histTestRandom(1, 4, 5, 1, 0, rand.NewPCG(1, 1))
	nan := histTestRandom(1, 4, 4, 1, 0, rand.NewPCG(1, 1))
	nan[0].Set(1, 1, math.NaN())
	for i, test := range []struct {
		samples, train []*mat.Dense
	}{
		{train, train[:1]},             // too few training images
		{nil, train},                   // no samples
		{[]*mat.Dense{nil}, train},     // nil sample
		{odd, train},                   // wrong shape
		{nan, train},                   // NaN sample
		{train, append(train, nan...)}, // NaN training image
		{train, append(train, odd...)}, // mixed training shapes
	} {
		_, err := NearestCheck(test.samples, test.train)
		assert.ErrorContains(t, err, "eval:", "case %d", i)
	}
}

func TestNearestIndexReuse(t *testing.T) {
	t.Parallel()
	// One index checks several sample sets with the results of separate
	// NearestChecks, bit for bit, and is not changed by checking.
	train := histTestRandom(20, 5, 4, 1, 0, rand.NewPCG(15, 16))
	ix, err := NewNearestIndex(train)
	require.NoError(t, err)
	for seed := range uint64(3) {
		samples := histTestRandom(7, 5, 4, 1, 0.1, rand.NewPCG(seed, 17))
		got, err := ix.Check(samples)
		require.NoError(t, err)
		want, err := NearestCheck(samples, train)
		require.NoError(t, err)
		assert.Equal(t, want, got, "seed %d", seed)
	}
}
