package diffusion

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

var _ Denoiser = (*MixtureDenoiser)(nil)

// randomImages returns n rows×cols images of independent N(0, scale²)
// pixels.
func randomImages(rnd *rand.Rand, n, rows, cols int, scale float64) []*mat.Dense {
	out := make([]*mat.Dense, n)
	for i := range out {
		m := mat.NewDense(rows, cols, nil)
		for p := range m.RawMatrix().Data {
			m.RawMatrix().Data[p] = scale * rnd.NormFloat64()
		}
		out[i] = m
	}
	return out
}

// TestMixtureDenoiserBruteForce checks the mixture's posterior mean of the
// noise against a computation in pixel space with full covariances:
// x_t | i ~ N(a μ_i, S), S = a² Σ_C + s² Σ_N, posterior weights from the
// Gaussian densities (quadratic forms solved with S in pixel space; the
// determinant is common to all components), and
// E[x_0 | x_t] = Σ_i r_i (μ_i + a Σ_C S⁻¹ (x_t − a μ_i)), ε̂ = (x_t − a x̂_0)/s.
func TestMixtureDenoiserBruteForce(t *testing.T) {
	t.Parallel()
	const n = 3
	rnd := rand.New(rand.NewPCG(8, 9))
	means := randomImages(rnd, 4, n, n, 1.5)
	weights := []float64{0.1, 0.4, 0.3, 0.2}
	C, N := mat.NewDense(n, n, nil), mat.NewDense(n, n, nil)
	for p := range n * n {
		C.RawMatrix().Data[p] = 0.05 + 0.5*rnd.Float64()
		N.RawMatrix().Data[p] = 0.2 + rnd.Float64()
	}
	mix, err := NewGaussianMixture(means, weights, C)
	require.NoError(t, err)
	den, err := NewMixtureDenoiser(mix, N)
	require.NoError(t, err)
	f := realFourierMatrix(n, n)
	sc, sn := pixelCovariance(f, C), pixelCovariance(f, N)
	sched := offsetCosine(t, 100, 0.99, 0.02)
	const batch = 5
	for _, tt := range []int{1, 30, 70, 100} {
		a, s := sched.SignalRate(tt), sched.NoiseRate(tt)
		var S, tmp mat.Dense
		S.Scale(a*a, sc)
		tmp.Scale(s*s, sn)
		S.Add(&S, &tmp)
		// Noisy images near the components, so that the posterior is
		// neither uniform nor one-hot.
		x := make([]float64, batch*n*n)
		for j := range batch {
			mu := means[j%4].RawMatrix().Data
			for p := range n * n {
				x[j*n*n+p] = a*mu[p] + 1.2*rnd.NormFloat64()
			}
		}
		got := make([]float64, len(x))
		den.PredictNoise(got, x, batch, sched, tt)
		for j := range batch {
			xv := mat.NewVecDense(n*n, x[j*n*n:(j+1)*n*n])
			logp := make([]float64, 4)
			best := math.Inf(-1)
			for i, mu := range means {
				var dev, sol mat.VecDense
				dev.AddScaledVec(xv, -a, mat.NewVecDense(n*n, mu.RawMatrix().Data))
				require.NoError(t, sol.SolveVec(&S, &dev))
				logp[i] = math.Log(weights[i]) - 0.5*mat.Dot(&dev, &sol)
				best = max(best, logp[i])
			}
			var z float64
			for i := range logp {
				logp[i] = math.Exp(logp[i] - best)
				z += logp[i]
			}
			x0 := mat.NewVecDense(n*n, nil)
			for i, mu := range means {
				r := logp[i] / z
				var dev, sol, corr mat.VecDense
				dev.AddScaledVec(xv, -a, mat.NewVecDense(n*n, mu.RawMatrix().Data))
				require.NoError(t, sol.SolveVec(&S, &dev))
				corr.MulVec(sc, &sol)
				corr.ScaleVec(a, &corr)
				corr.AddVec(&corr, mat.NewVecDense(n*n, mu.RawMatrix().Data))
				x0.AddScaledVec(x0, r, &corr)
			}
			for p := range n * n {
				want := (xv.AtVec(p) - a*x0.AtVec(p)) / s
				assert.InDelta(t, want, got[j*n*n+p], 1e-9, "t = %d image %d pixel %d", tt, j, p)
			}
		}
	}
}

// TestMixtureOneComponent checks that a mixture of one zero-mean component
// denoises exactly as the Gaussian (Wiener) denoiser of its covariance.
func TestMixtureOneComponent(t *testing.T) {
	t.Parallel()
	const n = 8
	P, N := powerLaw(n, n, 1.5), powerLaw(n, n, 0.7)
	mix, err := NewGaussianMixture([]*mat.Dense{mat.NewDense(n, n, nil)}, nil, P)
	require.NoError(t, err)
	md, err := NewMixtureDenoiser(mix, N)
	require.NoError(t, err)
	gd, err := NewGaussianDenoiser(P, N, 1)
	require.NoError(t, err)
	rnd := rand.New(rand.NewPCG(1, 5))
	x := make([]float64, 7*n*n)
	for i := range x {
		x[i] = rnd.NormFloat64()
	}
	sched := offsetCosine(t, 50, 0.95, 0.02)
	a, b := make([]float64, len(x)), make([]float64, len(x))
	for _, tt := range []int{1, 25, 50} {
		md.PredictNoise(a, x, 7, sched, tt)
		gd.PredictNoise(b, x, 7, sched, tt)
		assert.InDeltaSlice(t, b, a, 1e-12, "t = %d", tt)
	}
}

// TestMixtureSample checks draws from the mixture: their mean power per
// radial bin against Power (standard error from the draws themselves), the
// share of each component against its weight (binomial standard error),
// and that Classify recovers the component of well-separated draws.
func TestMixtureSample(t *testing.T) {
	t.Parallel()
	const (
		size  = 8
		draws = 4000
	)
	rnd := rand.New(rand.NewPCG(2, 3))
	means := randomImages(rnd, 3, size, size, 1)
	weights := []float64{0.5, 0.3, 0.2}
	C := powerLaw(size, size, 1.5)
	C.Scale(0.05, C)
	mix, err := NewGaussianMixture(means, []float64{5, 3, 2}, C)
	require.NoError(t, err)
	assert.InDeltaSlice(t, weights, mix.Weights(), 1e-15)
	xs, comp := mix.Sample(draws, rand.NewPCG(4, 5))
	counts := make([]int, 3)
	for _, c := range comp {
		counts[c]++
	}
	for i, w := range weights {
		se := math.Sqrt(w * (1 - w) / draws)
		assert.InDelta(t, w, float64(counts[i])/draws, 4.5*se, "component %d", i)
	}
	bin := binOf(size)
	want := mix.Power().RawMatrix().Data
	sum, sum2 := make([]float64, size), make([]float64, size)
	wb := make([]float64, size)
	for p, b := range bin {
		wb[b] += want[p]
	}
	for _, x := range xs {
		e := make([]float64, size)
		for p, v := range noise.RealFFT2(x).RawMatrix().Data {
			e[bin[p]] += v * v
		}
		for b, v := range e {
			sum[b] += v
			sum2[b] += v * v
		}
	}
	for b := range size {
		if wb[b] == 0 {
			continue
		}
		mean := sum[b] / draws
		se := math.Sqrt((sum2[b]/draws - mean*mean) / draws)
		assert.InDelta(t, wb[b], mean, 4.5*se, "bin %d", b)
	}
	got, err := mix.Classify(xs)
	require.NoError(t, err)
	var wrong int
	for j := range got {
		if got[j] != comp[j] {
			wrong++
		}
	}
	// The components are ≈ 8 pixel standard deviations of the texture
	// apart in every direction of the 64-pixel space: a misclassification
	// needs a > 20σ excursion.
	assert.Zero(t, wrong)
	cov, err := mix.Coverage(xs)
	require.NoError(t, err)
	assert.Equal(t, 3, cov.Distinct)
	assert.InDelta(t, 3, cov.ExpectedDistinct, 1e-12)
	assert.InDelta(t, cov.ExpectedEnergy, cov.Energy, 4.5*cov.EnergyStdErr)
}

// TestMixtureSamplerCoverage runs the real sampler with the exact mixture
// denoiser (white noise, ancestral DDPM with K = T) on four well-separated
// components of unequal weights and checks that the samples reach the
// components in proportion to their weights: χ² against n π_i with 3
// degrees of freedom, below 16.3 (its 99.9% quantile). A sampler that
// drops or favours a mode fails: for example, losing the 0.1 component
// gives χ² ≈ 44 at n = 400 (the others taking its share in proportion).
func TestMixtureSamplerCoverage(t *testing.T) {
	t.Parallel()
	const (
		size = 8
		n    = 400
	)
	rnd := rand.New(rand.NewPCG(6, 7))
	means := randomImages(rnd, 4, size, size, 1)
	weights := []float64{0.1, 0.2, 0.3, 0.4}
	C := powerLaw(size, size, 1.5)
	C.Scale(0.1, C)
	mix, err := NewGaussianMixture(means, weights, C)
	require.NoError(t, err)
	den, err := NewMixtureDenoiser(mix, constSpectrum(size, size, 1))
	require.NoError(t, err)
	sched := offsetCosine(t, 200, 0.9999, 0.02)
	s, err := NewSampler(den, sched, IdentityNormalizer(1, size), noise.Spec{Density: noise.WhiteDensity()})
	require.NoError(t, err)
	out, err := s.Sample(context.Background(), n, &SampleOptions{Method: DDPM, Batch: 100}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	cov, err := mix.Coverage(out.Images)
	require.NoError(t, err)
	var chi2 float64
	for i, w := range weights {
		e := w * n
		d := float64(cov.Counts[i]) - e
		chi2 += d * d / e
	}
	t.Logf("counts %v, χ² = %.2f", cov.Counts, chi2)
	assert.Less(t, chi2, 16.3)
	assert.Equal(t, 4, cov.Distinct)
}

func TestMixtureBadInput(t *testing.T) {
	t.Parallel()
	good := powerLaw(4, 4, 1)
	m := mat.NewDense(4, 4, nil)
	nan := mat.NewDense(4, 4, nil)
	nan.Set(1, 2, math.NaN())
	for i, c := range []struct {
		means   []*mat.Dense
		weights []float64
		cov     mat.Matrix
	}{
		{nil, nil, good},
		{[]*mat.Dense{}, nil, good},
		{[]*mat.Dense{nil}, nil, good},
		{[]*mat.Dense{m, nil}, nil, good},
		{[]*mat.Dense{m, mat.NewDense(4, 5, nil)}, nil, good},
		{[]*mat.Dense{m, nan}, nil, good},
		{[]*mat.Dense{m}, []float64{1, 2}, good},
		{[]*mat.Dense{m, m}, []float64{1, -1}, good},
		{[]*mat.Dense{m, m}, []float64{0, 0}, good},
		{[]*mat.Dense{m, m}, []float64{1, math.NaN()}, good},
		{[]*mat.Dense{m}, nil, mat.NewDense(4, 4, nil)},
		{[]*mat.Dense{m}, nil, powerLaw(5, 4, 1)},
		{[]*mat.Dense{m}, nil, nil},
	} {
		_, err := NewGaussianMixture(c.means, c.weights, c.cov)
		assert.Error(t, err, "case %d", i)
	}
	_, err := NewMixtureDenoiser(nil, good)
	assert.Error(t, err)
	rect, err := NewGaussianMixture([]*mat.Dense{mat.NewDense(4, 5, nil)}, nil, powerLaw(4, 5, 1))
	require.NoError(t, err)
	_, err = NewMixtureDenoiser(rect, powerLaw(4, 5, 1))
	assert.Error(t, err, "not square")
	mix, err := NewGaussianMixture([]*mat.Dense{m}, nil, good)
	require.NoError(t, err)
	_, err = NewMixtureDenoiser(mix, powerLaw(5, 5, 1))
	assert.Error(t, err)
	_, err = mix.Coverage(nil)
	assert.Error(t, err)
	_, err = mix.Classify([]*mat.Dense{nan})
	assert.Error(t, err)
	_, err = mix.Classify([]*mat.Dense{mat.NewDense(3, 4, nil)})
	assert.Error(t, err)
	_, err = mix.Classify([]*mat.Dense{nil})
	assert.Error(t, err)
}
