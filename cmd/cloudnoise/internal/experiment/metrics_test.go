package experiment

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

func metricsTestData(t *testing.T, n int) []*mat.Dense {
	t.Helper()
	imgs, err := noise.DeadLeaves{Rows: 16, Cols: 16}.Images(n, rand.NewPCG(41, 42))
	require.NoError(t, err)
	return imgs
}

func TestScoreSelf(t *testing.T) {
	t.Parallel()
	// The data scored against itself: every distance is 0 and the
	// nearest-neighbour check flags every image as a copy.
	data := metricsTestData(t, 64)
	ref, err := NewReference(data, 1)
	require.NoError(t, err)
	copies := make([]*mat.Dense, len(data))
	for i, x := range data {
		copies[i] = mat.DenseCopyOf(x)
	}
	sc, err := ref.Score(copies)
	require.NoError(t, err)
	assert.InDelta(t, 0, sc.LSD, 1e-9)
	assert.InDelta(t, 0, sc.Frechet, 1e-9)
	assert.Equal(t, 0.0, sc.W1)
	assert.Equal(t, 0.0, sc.TV)
	assert.Less(t, sc.Nearest.Ratio, 1e-6)
	assert.Equal(t, 1.0, sc.Nearest.BelowShare)
	require.Len(t, sc.BandPower, len(bandEdges)-1)
	for _, v := range sc.BandPower {
		assert.InDelta(t, 0, v, 1e-9)
	}
	assert.InDelta(t, 1, sc.Variance, 1e-12)
	assert.InDelta(t, 1, sc.Border, 1e-12)
	// The Mahalanobis distance pairs copies with a random permutation of
	// the data: it is d(data, data) up to the pairing, positive, with a
	// finite standard error.
	assert.Greater(t, sc.Mahalanobis.Mean, 0.0)
	assert.Equal(t, len(data), sc.Mahalanobis.N)
	assert.Equal(t, len(data)/2, sc.MahalanobisData.N)
	assert.False(t, math.IsInf(sc.Mahalanobis.StdErr, 0))
}

func TestScoreDoubled(t *testing.T) {
	t.Parallel()
	// Samples 2x for data x: closed forms independent of the code.
	//   LSD: every radial power is 4 times the data's: 10·log10(4) dB.
	//   Fréchet: ‖2μ − μ‖² + Σ_k (2σ_k − σ_k)² = ‖μ‖² + Σ_k Var X_k, and
	//   Σ_k Var X_k = Σ_p Var x_p (F_R is orthogonal), from a naive loop.
	//   W1: the pixel values double; W1 = E|2v − v| only for equal sorted
	//   order, which holds here (x ↦ 2x is increasing): mean |v| over pixels.
	data := metricsTestData(t, 48)
	ref, err := NewReference(data, 1)
	require.NoError(t, err)
	doubled := make([]*mat.Dense, len(data))
	for i, x := range data {
		doubled[i] = mat.NewDense(16, 16, nil)
		doubled[i].Scale(2, x)
	}
	sc, err := ref.Score(doubled)
	require.NoError(t, err)
	assert.InDelta(t, 10*math.Log10(4), sc.LSD, 1e-9)
	// Every band's power and the pixel variance are 4 times the data's;
	// the border ratio, a ratio of variances, is unchanged.
	require.Len(t, sc.BandPower, len(bandEdges)-1)
	for _, v := range sc.BandPower {
		assert.InDelta(t, 10*math.Log10(4), v, 1e-9)
	}
	assert.InDelta(t, 4, sc.Variance, 1e-12)
	assert.InDelta(t, 1, sc.Border, 1e-12)

	n := float64(len(data))
	var muSq, varSum, absMean float64
	for a := range 16 {
		for b := range 16 {
			var s, s2 float64
			for _, x := range data {
				v := x.At(a, b)
				s += v
				s2 += v * v
				absMean += math.Abs(v)
			}
			mu := s / n
			muSq += mu * mu
			varSum += s2/n - mu*mu // population variance, as noise.Spectrum
		}
	}
	absMean /= n * 256
	assert.InDelta(t, muSq+varSum, sc.Frechet, 1e-8*(muSq+varSum))
	assert.InDelta(t, absMean, sc.W1, 1e-12)
}

func TestReferenceMetricScale(t *testing.T) {
	t.Parallel()
	// Q0 is the data's fitted spectrum in pixel units: scaling the data by
	// c = 3 scales the fitted A by c and leaves Δ, so the data-data
	// distance, measured in units of Q0, is unchanged.
	data := metricsTestData(t, 32)
	ref, err := NewReference(data, 1)
	require.NoError(t, err)
	scaled := make([]*mat.Dense, len(data))
	for i, x := range data {
		scaled[i] = mat.NewDense(16, 16, nil)
		scaled[i].Scale(3, x)
	}
	ref3, err := NewReference(scaled, 1)
	require.NoError(t, err)
	assert.InDelta(t, ref.Fit.Delta, ref3.Fit.Delta, 1e-9)
	assert.InDelta(t, 3*ref.Metric.A(), ref3.Metric.A(), 1e-9*ref3.Metric.A())
	a := ref.Metric.Between(ref.pairs, ref.pairs)
	b := ref3.Metric.Between(ref3.pairs, ref3.pairs)
	assert.InDelta(t, a.Mean, b.Mean, 1e-9*a.Mean)
}

func TestScoreBadInput(t *testing.T) {
	t.Parallel()
	data := metricsTestData(t, 16)
	_, err := NewReference(data[:1], 1)
	assert.ErrorContains(t, err, "experiment:")
	_, err = NewReference([]*mat.Dense{mat.NewDense(16, 16, nil), mat.NewDense(16, 16, nil)}, 1)
	assert.Error(t, err, "constant data")

	ref, err := NewReference(data, 1)
	require.NoError(t, err)
	nan := mat.DenseCopyOf(data[0])
	nan.Set(2, 3, math.NaN())
	for i, samples := range [][]*mat.Dense{
		nil,
		data[:1],
		{data[0], mat.NewDense(8, 8, nil)},
		{data[0], nan},
		{mat.NewDense(16, 16, nil), mat.NewDense(16, 16, nil)}, // zero variance
	} {
		_, err := ref.Score(samples)
		assert.Error(t, err, "case %d", i)
	}
}
