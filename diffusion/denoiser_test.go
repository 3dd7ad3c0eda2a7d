package diffusion

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/eval"
)

var (
	_ Denoiser = (*UNet)(nil)
	_ Denoiser = (*GaussianDenoiser)(nil)
)

// realFourierMatrix returns the n×n matrix F of the orthonormal real
// Fourier transform of rows×cols images (n = rows·cols, row-major pixels and
// centred-layout coordinates): column p is F_R of the p-th unit image.
func realFourierMatrix(rows, cols int) *mat.Dense {
	n := rows * cols
	f := mat.NewDense(n, n, nil)
	for p := range n {
		e := mat.NewDense(rows, cols, nil)
		e.RawMatrix().Data[p] = 1
		for k, v := range noise.RealFFT2(e).RawMatrix().Data {
			f.Set(k, p, v)
		}
	}
	return f
}

// pixelCovariance returns Fᵀ diag(spec) F, the pixel covariance of fields
// whose real Fourier coordinates are independent with variances spec.
func pixelCovariance(f *mat.Dense, spec *mat.Dense) *mat.Dense {
	n, _ := f.Dims()
	d := mat.NewDiagDense(n, append([]float64(nil), spec.RawMatrix().Data...))
	var tmp, out mat.Dense
	tmp.Mul(d, f)
	out.Mul(f.T(), &tmp)
	return &out
}

// TestGaussianDenoiserBruteForce checks the Wiener filter in Fourier space
// against the posterior mean of the noise computed in pixel space with full
// covariance matrices: ε̂ = s Σ_N (a² Σ_P + s² Σ_N)⁻¹ x_t.
func TestGaussianDenoiserBruteForce(t *testing.T) {
	t.Parallel()
	const n = 4
	rnd := rand.New(rand.NewPCG(5, 6))
	P, N := mat.NewDense(n, n, nil), mat.NewDense(n, n, nil)
	for p := range n * n {
		P.RawMatrix().Data[p] = 0.1 + rnd.Float64()
		N.RawMatrix().Data[p] = 0.1 + rnd.Float64()
	}
	d, err := NewGaussianDenoiser(P, N, 2)
	require.NoError(t, err)
	f := realFourierMatrix(n, n)
	sp, sn := pixelCovariance(f, P), pixelCovariance(f, N)
	sched := offsetCosine(t, 50, 0.95, 0.02)
	x := make([]float64, 3*2*n*n) // 3 images of 2 channels
	for i := range x {
		x[i] = rnd.NormFloat64()
	}
	x0 := append([]float64(nil), x...)
	for _, tt := range []int{1, 20, 50} {
		a2, s2, s := sched.AlphaBar(tt), sched.NoiseVariance(tt), sched.NoiseRate(tt)
		var v mat.Dense
		v.Scale(a2, sp)
		var ns mat.Dense
		ns.Scale(s2, sn)
		v.Add(&v, &ns)
		got := make([]float64, len(x))
		d.PredictNoise(got, x, 3, sched, tt)
		require.Equal(t, x0, x, "input unchanged")
		for p := range 6 {
			xv := mat.NewVecDense(n*n, x[p*n*n:(p+1)*n*n])
			var sol, want mat.VecDense
			require.NoError(t, sol.SolveVec(&v, xv))
			want.MulVec(sn, &sol)
			want.ScaleVec(s, &want)
			assert.InDeltaSlice(t, want.RawVector().Data, got[p*n*n:(p+1)*n*n], 1e-10, "t = %d plane %d", tt, p)
		}
		// dst may be x.
		y := append([]float64(nil), x...)
		d.PredictNoise(y, y, 3, sched, tt)
		assert.Equal(t, got, y, "in place, t = %d", tt)
	}
	assert.Panics(t, func() { d.PredictNoise(make([]float64, 5), x, 3, sched, 1) })
}

func TestGaussianDenoiserAllocs(t *testing.T) {
	d, err := NewGaussianDenoiser(powerLaw(8, 8, 1.5), constSpectrum(8, 8, 1), 1)
	require.NoError(t, err)
	sched := offsetCosine(t, 50, 0.95, 0.02)
	x, dst := make([]float64, 3*64), make([]float64, 3*64)
	allocs := testing.AllocsPerRun(10, func() { d.PredictNoise(dst, x, 3, sched, 7) })
	assert.Zero(t, allocs)
}

// binSums adds the squares of the F_R coordinates of the planes of xs to
// the radial bins round(size·|k|) (0 … size, the corners included), for
// the Monte Carlo comparisons.
func binOf(size int) []int {
	k := noise.Wavenumbers(size, size).RawMatrix().Data
	out := make([]int, len(k))
	for p, v := range k {
		out[p] = int(math.Floor(float64(size)*v + 0.5))
	}
	return out
}

// TestGaussianDenoiserSamplerMatchesTheory runs the real sampler with the
// exact Gaussian denoiser on periodic data and noise, where the diagonal
// model is exact (power-law data; white noise, or the library's cloud noise
// with Pad = 1, whose spectrum equals the data's: matched noise), and
// compares the measured power of the samples with GaussianTheory.Predict in
// every radial bin, and the measured band errors of the x̂_0 trajectory
// (the experiment's definition) with the predicted ones.
//
// Tolerances from standard errors: the coordinates of the samples are
// independent N(0, v_k), so a bin's mean power over n samples, Σ_{k∈b}
// (F_R x)_k², has standard error √(2 Σ_{k∈b} v_k²/n). A band error is a
// ratio of sums over images, e = ΣA_j/ΣB_j, with the delta-method standard
// error √(Σ_j (A_j − e B_j)²)/ΣB_j. Every z-score must be below 4.5: with
// about 300 z-scores that keeps the chance of a false failure below 0.2%
// (Bonferroni), and a 5% error in any bin is about 6 standard errors.
func TestGaussianDenoiserSamplerMatchesTheory(t *testing.T) {
	t.Parallel()
	const (
		size = 16
		n    = 800
		zMax = 4.5
	)
	P := powerLaw(size, size, 1.5)
	white := constSpectrum(size, size, 1)
	sched := offsetCosine(t, 100, 0.9999, 0.02)
	matchedSpec := noise.Spec{Delta: 1.5, Pad: 1}
	whiteSpec := noise.Spec{Density: noise.WhiteDensity()}
	cases := []struct {
		ns    noise.Spec
		N     *mat.Dense
		opts  SampleOptions
		bands bool
	}{
		{whiteSpec, white, SampleOptions{Steps: 5}, true},
		{whiteSpec, white, SampleOptions{Steps: 20, Eta: 0.5}, true},
		{whiteSpec, white, SampleOptions{Method: DDPM, Steps: 10}, false},
		{matchedSpec, P, SampleOptions{Steps: 5}, true},
		{matchedSpec, P, SampleOptions{Method: DDPM}, false},
	}
	bin := binOf(size)
	for ci, c := range cases {
		name := fmt.Sprintf("case %d (%s, %+v)", ci, c.ns, c.opts)
		th, err := NewGaussianTheory(P, c.N, sched)
		require.NoError(t, err)
		pr, err := th.Predict(TheoryOptions{SampleOptions: c.opts})
		require.NoError(t, err)
		den, err := NewGaussianDenoiser(P, c.N, 1)
		require.NoError(t, err)
		s, err := NewSampler(den, sched, IdentityNormalizer(1, size), c.ns)
		require.NoError(t, err)
		o := c.opts
		o.Trajectory = c.bands
		o.Batch = 64
		out, err := s.Sample(context.Background(), n, &o, rand.NewPCG(uint64(ci), 77))
		require.NoError(t, err)
		assert.Equal(t, pr.Times, out.Times, name)

		// Power per radial bin.
		v := pr.Power.RawMatrix().Data
		nb := size
		got, want, v2 := make([]float64, nb), make([]float64, nb), make([]float64, nb)
		for p, b := range bin {
			want[b] += v[p]
			v2[b] += v[p] * v[p]
		}
		for _, x := range out.Images {
			for p, z := range noise.RealFFT2(x).RawMatrix().Data {
				got[bin[p]] += z * z / n
			}
		}
		assert.InDelta(t, 0, got[0], 1e-20, "%s: k = 0 is outside the data, so the samples have none", name)
		for b := 1; b < nb; b++ {
			if want[b] == 0 {
				continue
			}
			se := math.Sqrt(2 * v2[b] / n)
			z := (got[b] - want[b]) / se
			assert.Less(t, math.Abs(z), zMax, "%s bin %d: measured %.5g, theory %.5g (z = %.2f)", name, b, got[b], want[b], z)
		}
		if !c.bands {
			continue
		}
		// Band errors along the trajectory.
		band, err := eval.Bands(size, size, nil)
		require.NoError(t, err)
		fin := make([][]float64, n) // per image, band energy of the final sample
		finF := make([]*mat.Dense, n)
		for j, x := range out.Images {
			finF[j] = noise.RealFFT2(x)
			fin[j] = make([]float64, 4)
			for p, z := range finF[j].RawMatrix().Data {
				if band[p] >= 0 {
					fin[j][band[p]] += z * z
				}
			}
		}
		for i, step := range out.X0 {
			A := make([][]float64, n)
			for j, x := range step {
				A[j] = make([]float64, 4)
				fz := finF[j].RawMatrix().Data
				for p, z := range noise.RealFFT2(x).RawMatrix().Data {
					if band[p] >= 0 {
						d := z - fz[p]
						A[j][band[p]] += d * d
					}
				}
			}
			for b := range 4 {
				var sa, sb float64
				for j := range n {
					sa += A[j][b]
					sb += fin[j][b]
				}
				e := sa / sb
				wantE := pr.BandErrors[i][b]
				if i == len(out.X0)-1 {
					assert.InDelta(t, 0, e, 1e-20, "%s: the last step lands on x̂_0", name)
					assert.InDelta(t, 0, wantE, 1e-12, name)
					continue
				}
				var ss float64
				for j := range n {
					d := A[j][b] - e*fin[j][b]
					ss += d * d
				}
				// Where every coordinate of a band has the same gain (matched
				// noise, or a band of one radius) e is deterministic: the floor
				// allows rounding only.
				se := max(math.Sqrt(ss)/sb, 1e-9*wantE)
				z := (e - wantE) / se
				assert.Less(t, math.Abs(z), zMax, "%s step %d band %d: measured %.5g, theory %.5g (z = %.2f)", name, i, b, e, wantE, z)
			}
		}
	}
}

func TestGaussianDenoiserBadInput(t *testing.T) {
	t.Parallel()
	good := powerLaw(4, 4, 1)
	for i, c := range []struct {
		data, noise mat.Matrix
		channels    int
	}{
		{good, good, 0},
		{powerLaw(4, 5, 1), powerLaw(4, 5, 1), 1},
		{good, powerLaw(5, 5, 1), 1},
		{nil, good, 1},
		{good, mat.NewDense(4, 4, nil), 1},
	} {
		_, err := NewGaussianDenoiser(c.data, c.noise, c.channels)
		assert.Error(t, err, "case %d", i)
	}
	d, err := NewGaussianDenoiser(good, good, 1)
	require.NoError(t, err)
	sched := offsetCosine(t, 10, 0.95, 0.02)
	_, err = NewSampler(d, sched, IdentityNormalizer(1, 5), noise.Spec{Density: noise.WhiteDensity()})
	assert.Error(t, err, "normaliser of the wrong size")
	_, err = NewSampler(nil, sched, IdentityNormalizer(1, 4), noise.Spec{Density: noise.WhiteDensity()})
	assert.Error(t, err)
	_, err = NewSampler((*UNet)(nil), sched, IdentityNormalizer(1, 4), noise.Spec{Density: noise.WhiteDensity()})
	assert.Error(t, err)
	s, err := NewSampler(d, sched, IdentityNormalizer(1, 4), noise.Spec{Density: noise.WhiteDensity()})
	require.NoError(t, err)
	assert.Nil(t, s.Model())
	assert.Equal(t, Denoiser(d), s.Denoiser())
	assert.Panics(t, func() { IdentityNormalizer(0, 4) })
}
