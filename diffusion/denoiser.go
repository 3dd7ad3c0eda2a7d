package diffusion

import (
	"fmt"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// Denoiser is what a sampler needs from a model: a prediction of the noise
// in noisy images. Given x_t = cos θ_t x_0 + sin θ_t ε at time t of a
// schedule, it predicts ε. The trained UNet is a Denoiser, and so are the
// exact denoisers of known data distributions (GaussianDenoiser,
// MixtureDenoiser), which make the samplers' own error measurable.
type Denoiser interface {
	// Shape returns the number of channels and the side of the square
	// images the denoiser works on.
	Shape() (channels, size int)
	// PredictNoise writes to dst the predicted noise ε̂ of the n images x
	// at time t (1 ≤ t ≤ sched.Steps()) of sched. x and dst are flat NCHW
	// batches of n·channels·size² values in the sampler's (normalised)
	// units; dst may be x. It panics if a length does not match.
	PredictNoise(dst, x []float64, n int, sched *noise.Schedule, t int)
}

// Shape returns the channels and size of the network's images.
func (u *UNet) Shape() (channels, size int) { return u.cfg.Channels, u.cfg.Size }

// PredictNoise runs the network on the n images x at the continuous time
// t/T, T = sched.Steps(), the time the network was trained with, and
// writes its output to dst (see Denoiser). It allocates n floats for the
// times.
func (u *UNet) PredictNoise(dst, x []float64, n int, sched *noise.Schedule, t int) {
	tc := make([]float64, n)
	for i := range tc {
		tc[i] = float64(t) / float64(sched.Steps())
	}
	u.Forward(dst, x, tc, n)
}

// GaussianDenoiser is the optimal (posterior-mean) denoiser for Gaussian
// data whose every coordinate k of F_R x_0 (noise.RealFFT2) is independent
// N(0, P_k), under noise whose coordinates are independent N(0, N_k): the
// Wiener filter
//
//	ε̂ = F_R⁻¹((s N/V) ⊙ F_R x_t),   V = a² P + s² N,  a = cos θ_t, s = sin θ_t,
//
// applied to every channel of every image (the channels are independent
// with the same spectra). Stationary periodic fields with spectra P and N
// are exactly of this form, for example the library's cloud noise with
// Pad = 1 and white noise; GaussianTheory gives the exact outcome of
// sampling with it. Where V = 0 (no data and no noise power) it predicts 0.
//
// A GaussianDenoiser owns a transform plan and scratch space: it must not
// be used by two goroutines at once. PredictNoise does not allocate.
type GaussianDenoiser struct {
	channels, size int
	data, nois     []float64
	plan           *noise.RealFFT
	spec, plane    *mat.Dense
}

// NewGaussianDenoiser returns the Wiener denoiser for the data spectrum
// data and the noise spectrum noiseSpec, both size×size in the centred
// layout (as for NewGaussianTheory), for images of the given number of
// channels. It returns an error for the spectra NewGaussianTheory rejects,
// for spectra that are not square, or if channels < 1.
func NewGaussianDenoiser(data, noiseSpec mat.Matrix, channels int) (*GaussianDenoiser, error) {
	if channels < 1 {
		return nil, fmt.Errorf("diffusion: Gaussian denoiser with %d channels", channels)
	}
	p, rows, cols, err := spectrumValues("data", data, 0, 0)
	if err != nil {
		return nil, err
	}
	if rows != cols {
		return nil, fmt.Errorf("diffusion: Gaussian denoiser for %d×%d spectra: the sampler's images are square", rows, cols)
	}
	n, _, _, err := spectrumValues("noise", noiseSpec, rows, cols)
	if err != nil {
		return nil, err
	}
	plan, err := noise.NewRealFFT(rows, cols)
	if err != nil {
		return nil, err
	}
	return &GaussianDenoiser{
		channels: channels, size: rows, data: p, nois: n, plan: plan,
		spec: mat.NewDense(rows, cols, nil), plane: &mat.Dense{},
	}, nil
}

// Shape returns the channels and the size of the images.
func (d *GaussianDenoiser) Shape() (channels, size int) { return d.channels, d.size }

// PredictNoise writes the Wiener prediction of the noise to dst (see
// Denoiser and GaussianDenoiser).
func (d *GaussianDenoiser) PredictNoise(dst, x []float64, n int, sched *noise.Schedule, t int) {
	hw := d.size * d.size
	checkBatch("GaussianDenoiser", dst, x, n, d.channels, hw)
	a2, s2 := sched.AlphaBar(t), sched.NoiseVariance(t)
	s := sched.NoiseRate(t)
	spec := d.spec.RawMatrix().Data
	for p := 0; p < n*d.channels; p++ {
		d.plan.Forward(d.spec, planeView(d.plane, x[p*hw:(p+1)*hw], d.size))
		for k, P := range d.data {
			N := d.nois[k]
			if V := a2*P + s2*N; V > 0 {
				spec[k] *= s * N / V
			} else {
				spec[k] = 0
			}
		}
		d.plan.Inverse(planeView(d.plane, dst[p*hw:(p+1)*hw], d.size), d.spec)
	}
}

// checkBatch panics unless x and dst hold n images of the given channels
// and pixels per plane.
func checkBatch(who string, dst, x []float64, n, channels, hw int) {
	if n < 1 || len(x) != n*channels*hw || len(dst) != len(x) {
		panic(fmt.Sprintf("diffusion: %s.PredictNoise of %d images: lengths x %d, dst %d; want %d", who, n, len(x), len(dst), n*channels*hw))
	}
}

// planeView points m at the size×size plane data and returns it, without
// allocating.
func planeView(m *mat.Dense, data []float64, size int) *mat.Dense {
	m.SetRawMatrix(blas64.General{Rows: size, Cols: size, Stride: size, Data: data})
	return m
}
