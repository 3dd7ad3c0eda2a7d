package diffusion

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

func TestPixelVariance(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	imgs := randomImages(rnd, 9, 5, 7, 2)
	for _, m := range imgs {
		for p := range m.RawMatrix().Data {
			m.RawMatrix().Data[p] += 1e6 // Welford keeps the variance exact-ish under an offset
		}
	}
	mean, variance, err := PixelVariance(imgs)
	require.NoError(t, err)
	// Two-pass reference.
	for i := range 5 {
		for j := range 7 {
			var mu float64
			for _, m := range imgs {
				mu += m.At(i, j)
			}
			mu /= 9
			var v float64
			for _, m := range imgs {
				d := m.At(i, j) - mu
				v += d * d
			}
			v /= 9
			assert.InDelta(t, mu, mean.At(i, j), 1e-9)
			assert.InDelta(t, v, variance.At(i, j), 1e-7*v, "(%d, %d)", i, j)
		}
	}
	nan := mat.DenseCopyOf(imgs[0])
	nan.Set(1, 1, math.NaN())
	for i, bad := range [][]*mat.Dense{nil, {nil}, {imgs[0], nil}, {imgs[0], mat.NewDense(5, 6, nil)}, {imgs[0], nan}} {
		_, _, err := PixelVariance(bad)
		assert.Error(t, err, "case %d", i)
	}
}

func TestBorderRatios(t *testing.T) {
	t.Parallel()
	// m = 1 + d, d the distance to the nearest edge capped at 3: ring r
	// has mean 1 + r, the interior 4.
	m := mat.NewDense(9, 11, nil)
	for i := range 9 {
		for j := range 11 {
			m.Set(i, j, 1+float64(min(i, j, 8-i, 10-j, 3)))
		}
	}
	got, err := BorderRatios(m, 3)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{0.25, 0.5, 0.75}, got, 1e-15)
	for i, c := range []struct {
		m     *mat.Dense
		rings int
	}{{nil, 1}, {m, 0}, {m, 5}, {mat.NewDense(5, 5, nil), 1}} {
		_, err := BorderRatios(c.m, c.rings)
		assert.Error(t, err, "case %d", i)
	}
}

// gaussianFields draws n periodic Gaussian fields whose F_R coordinates
// are independent N(0, P_k).
func gaussianFields(rnd *rand.Rand, n int, P *mat.Dense) []*mat.Dense {
	rows, cols := P.Dims()
	out := make([]*mat.Dense, n)
	for i := range out {
		z := mat.NewDense(rows, cols, nil)
		for k, p := range P.RawMatrix().Data {
			z.RawMatrix().Data[k] = math.Sqrt(p) * rnd.NormFloat64()
		}
		out[i] = noise.InverseRealFFT2(z)
	}
	return out
}

// TestMeasureX0Error checks the measured x̂_0 error of the exact Gaussian
// denoiser on periodic Gaussian data against the Gaussian bound, which it
// attains: the errors of the coordinates are independent N(0, e_k) with
// e_k = P s² N/V, so the mean squared error per pixel over n images has
// standard error √(2 Σ_k e_k² / n)/D, and a band's mean per coordinate
// √(2 Σ_{k∈b} e_k² / n)/|b|. All z-scores must be below 4.5.
func TestMeasureX0Error(t *testing.T) {
	t.Parallel()
	const (
		size = 16
		n    = 300
	)
	P := powerLaw(size, size, 1.5)
	sched := offsetCosine(t, 1000, 0.95, 0.02)
	imgs := gaussianFields(rand.New(rand.NewPCG(3, 3)), n, P)
	times := []int{1, 200, 600, 1000}
	for _, c := range []struct {
		ns noise.Spec
		N  *mat.Dense
	}{
		{noise.Spec{Density: noise.WhiteDensity()}, constSpectrum(size, size, 1)},
		{noise.Spec{Delta: 1.5, Pad: 1}, P},
	} {
		th, err := NewGaussianTheory(P, c.N, sched)
		require.NoError(t, err)
		den, err := NewGaussianDenoiser(P, c.N, 1)
		require.NoError(t, err)
		got, err := MeasureX0Error(den, th, imgs, c.ns, times, rand.NewPCG(4, 4))
		require.NoError(t, err)
		require.Len(t, got, len(times))
		band, _ := defaultBands(size, size)
		for i, e := range got {
			tt := times[i]
			assert.Equal(t, tt, e.T)
			a2, s2 := sched.AlphaBar(tt), sched.NoiseVariance(tt)
			var e2 float64
			be2 := make([]float64, 4)
			bc := make([]int, 4)
			for k, p := range P.RawMatrix().Data {
				nk := c.N.RawMatrix().Data[k]
				var ek float64
				if v := a2*p + s2*nk; v > 0 {
					ek = p * s2 * nk / v
				}
				e2 += ek * ek
				if b := band[k]; b >= 0 {
					be2[b] += ek * ek
					bc[b]++
				}
			}
			se := math.Sqrt(2*e2/n) / (size * size)
			assert.Less(t, math.Abs(e.MSE-e.Bound)/se, 4.5, "%v t = %d: MSE %v, bound %v", c.ns, tt, e.MSE, e.Bound)
			assert.InDelta(t, se, e.StdErr, 0.25*se, "%v t = %d: the per-image standard error estimates the same", c.ns, tt)
			for b := range 4 {
				bse := math.Sqrt(2*be2[b]/n) / float64(bc[b])
				assert.Less(t, math.Abs(e.Bands[b]-e.BandBounds[b])/bse, 4.5, "%v t = %d band %d", c.ns, tt, b)
			}
		}
	}
	// A denoiser that predicts ε̂ = 0 returns x̂_0 = x_t/a: far above the
	// bound at large t.
	th, err := NewGaussianTheory(P, constSpectrum(size, size, 1), sched)
	require.NoError(t, err)
	got, err := MeasureX0Error(zeroDenoiser{size}, th, imgs[:20], noise.Spec{Density: noise.WhiteDensity()}, []int{1000}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	assert.Greater(t, got[0].MSE, 100*got[0].Bound)

	_, err = MeasureX0Error(zeroDenoiser{size}, th, imgs[:2], noise.Spec{Density: noise.WhiteDensity()}, []int{1001}, nil)
	assert.Error(t, err)
	_, err = MeasureX0Error(zeroDenoiser{size}, nil, imgs[:2], noise.Spec{Density: noise.WhiteDensity()}, []int{1}, nil)
	assert.Error(t, err)
	_, err = MeasureX0Error(zeroDenoiser{8}, th, imgs[:2], noise.Spec{Density: noise.WhiteDensity()}, []int{1}, nil)
	assert.Error(t, err, "theory of another size")
	_, err = MeasureX0Error(zeroDenoiser{size}, th, []*mat.Dense{mat.NewDense(8, 8, nil)}, noise.Spec{Density: noise.WhiteDensity()}, []int{1}, nil)
	assert.Error(t, err, "images of another size")
}

// zeroDenoiser predicts no noise.
type zeroDenoiser struct{ size int }

func (z zeroDenoiser) Shape() (int, int) { return 1, z.size }
func (z zeroDenoiser) PredictNoise(dst, x []float64, n int, sched *noise.Schedule, t int) {
	clear(dst)
}
