package diffusion

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// TestPixelInformationDiagonal checks the pixel-space information against
// the closed form of GaussianTheory.Information where both are exact:
// periodic stationary data and noise (white, and a periodic radial
// density with power at every frequency, k = 0 included), whose pixel
// covariances are circulant. This also checks StationaryCovariance and
// NoiseCovariance against Sampler.Power.
func TestPixelInformationDiagonal(t *testing.T) {
	t.Parallel()
	const r, c = 6, 8
	P := powerLaw(r, c, 1.5)
	P.Set(r/2, c/2, 0.7) // data power at k = 0 too
	sched := offsetCosine(t, 100, 0.95, 0.02)
	dataCov, err := StationaryCovariance(P)
	require.NoError(t, err)
	for _, spec := range []noise.Spec{
		{Rows: r, Cols: c, Density: noise.WhiteDensity()},
		{Rows: r, Cols: c, Pad: 1, Density: noise.RadialDensity(func(k float64) float64 { return 1 / (0.01 + k*k) })},
	} {
		s, err := noise.NewSampler(spec, nil)
		require.NoError(t, err)
		th, err := NewGaussianTheory(P, s.Power(), sched)
		require.NoError(t, err)
		noiseCov, err := NoiseCovariance(spec)
		require.NoError(t, err)
		for _, tt := range []int{1, 50, 100} {
			got, err := PixelInformation(dataCov, noiseCov, sched, tt)
			require.NoError(t, err)
			want := th.Information(tt)
			assert.InDelta(t, want, got, 1e-8*want, "%v t = %d", spec, tt)
		}
	}
}

// TestPixelInformationPadded reports the exact information of the paper's
// padded cloud noise against the diagonal approximation: the crop's
// covariance has tiny eigenvalues, so the exact value is larger.
func TestPixelInformationPadded(t *testing.T) {
	t.Parallel()
	const n = 16
	P := powerLaw(n, n, 1.5)
	P.Set(n/2, n/2, 1) // images have a varying mean
	sched := offsetCosine(t, 1000, 0.95, 0.02)
	dataCov, err := StationaryCovariance(P)
	require.NoError(t, err)
	spec := noise.Spec{Rows: n, Cols: n, Delta: 2.12}
	noiseCov, err := NoiseCovariance(spec)
	require.NoError(t, err)
	s, err := noise.NewSampler(spec, nil)
	require.NoError(t, err)
	pw := s.Power()
	for i, v := range pw.RawMatrix().Data {
		pw.RawMatrix().Data[i] = max(v, 0)
	}
	th, err := NewGaussianTheory(P, pw, sched)
	require.NoError(t, err)
	exact, err := PixelInformation(dataCov, noiseCov, sched, 1000)
	require.NoError(t, err)
	diag := th.Information(1000)
	t.Logf("16×16, Δ = 2.12 noise (Pad 3) on Δ = 1.5 data: I(x0; x_T) exact %.3g nats, diagonal %.3g", exact, diag)
	assert.Greater(t, exact, diag)
	assert.False(t, math.IsInf(exact, 0))

	// Periodic cloud noise has no power at k = 0: infinite information.
	per, err := NoiseCovariance(noise.Spec{Rows: n, Cols: n, Delta: 1.5, Pad: 1})
	require.NoError(t, err)
	_, err = PixelInformation(dataCov, per, sched, 1000)
	assert.ErrorContains(t, err, "not positive definite")
}

func TestPixelInformationBadInput(t *testing.T) {
	t.Parallel()
	sched := offsetCosine(t, 10, 0.95, 0.02)
	eye := func(n int) *mat.SymDense {
		m := mat.NewSymDense(n, nil)
		for i := range n {
			m.SetSym(i, i, 1)
		}
		return m
	}
	nan := eye(3)
	nan.SetSym(0, 1, math.NaN())
	neg := eye(3)
	neg.SetSym(1, 1, -5)
	for i, c := range []struct {
		d, n mat.Symmetric
		t    int
	}{
		{nil, eye(3), 1}, {eye(3), nil, 1}, {eye(3), eye(4), 1}, {eye(3), eye(3), 0}, {eye(3), eye(3), 11},
		{nan, eye(3), 1}, {eye(3), nan, 1}, {eye(3), neg, 1},
	} {
		_, err := PixelInformation(c.d, c.n, sched, c.t)
		assert.Error(t, err, "case %d", i)
	}
	_, err := PixelInformation(eye(3), eye(3), nil, 1)
	assert.Error(t, err)
	_, err = NoiseCovariance(noise.Spec{Rows: 100, Cols: 100, Delta: 1})
	assert.Error(t, err)
	_, err = NoiseCovariance(noise.Spec{Rows: 4, Cols: 4, Delta: -1})
	assert.Error(t, err)
	_, err = StationaryCovariance(mat.NewDense(2, 2, nil))
	assert.Error(t, err)
}
