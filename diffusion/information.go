package diffusion

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// PixelInformation returns the mutual information I(x_0; x_t) in nats
// between Gaussian data N(0, Σ_P) and x_t = a x_0 + s ε with Gaussian noise
// ε ~ N(0, Σ_N), for full pixel covariances (D×D, D pixels):
//
//	I = ½ ln det(I + (a²/s²) L⁻¹ Σ_P L⁻ᵀ),   Σ_N = L Lᵀ,
//
// with a, s the signal and noise rates at time t of sched. Unlike
// GaussianTheory.Information it needs no common diagonal basis, so it is
// exact for the paper's padded-and-cropped cloud noise, whose covariance
// (NoiseCovariance) is not diagonal in Fourier space: its smallest
// eigenvalues are tiny, and the information the data leave at t = T is far
// larger than the diagonal approximation says (audit F3: 42.5 nats for
// Δ = 2.12 noise on 32×32 photos). It costs O(D³): D ≤ noise.MaxCovarianceDim.
//
// It returns an error if a covariance is nil, the dimensions differ or
// exceed the limit, Σ_N is not positive definite (noise without power in
// some direction, such as cloud noise on a periodic grid, which has none at
// k = 0: the information is then infinite), Σ_P has a NaN or infinite
// entry, or t is outside 1…T.
func PixelInformation(dataCov, noiseCov mat.Symmetric, sched *noise.Schedule, t int) (float64, error) {
	if dataCov == nil || noiseCov == nil || sched == nil {
		return 0, errors.New("diffusion: PixelInformation needs two covariances and a schedule")
	}
	d := dataCov.SymmetricDim()
	if noiseCov.SymmetricDim() != d {
		return 0, fmt.Errorf("diffusion: PixelInformation: covariances of dimension %d and %d", d, noiseCov.SymmetricDim())
	}
	if d < 1 || d > noise.MaxCovarianceDim {
		return 0, fmt.Errorf("diffusion: PixelInformation: dimension %d outside 1…%d", d, noise.MaxCovarianceDim)
	}
	if t < 1 || t > sched.Steps() {
		return 0, fmt.Errorf("diffusion: PixelInformation: t = %d outside 1…%d", t, sched.Steps())
	}
	for i := range d {
		for j := i; j < d; j++ {
			if v := dataCov.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("diffusion: PixelInformation: data covariance %v at (%d, %d)", v, i, j)
			}
			if v := noiseCov.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("diffusion: PixelInformation: noise covariance %v at (%d, %d)", v, i, j)
			}
		}
	}
	var chol mat.Cholesky
	// A condition number beyond 1/ε (ε = 2⁻⁵³) is singular to working
	// precision, as noise.NewCovarianceMetric judges it.
	if !chol.Factorize(noiseCov) || !(chol.Cond() <= 1<<53) {
		return 0, errors.New("diffusion: PixelInformation: the noise covariance is not positive definite to working precision (the noise has no power in some direction: the information is infinite)")
	}
	var l mat.TriDense
	chol.LTo(&l)
	// A = L⁻¹ Σ_P L⁻ᵀ by two triangular solves.
	var tmp, a mat.Dense
	if err := tmp.Solve(&l, mat.DenseCopyOf(dataCov)); err != nil {
		return 0, fmt.Errorf("diffusion: PixelInformation: %w", err)
	}
	if err := a.Solve(&l, tmp.T()); err != nil {
		return 0, fmt.Errorf("diffusion: PixelInformation: %w", err)
	}
	snr := sched.AlphaBar(t) / sched.NoiseVariance(t)
	m := mat.NewSymDense(d, nil)
	for i := range d {
		for j := i; j < d; j++ {
			v := 0.5 * snr * (a.At(i, j) + a.At(j, i))
			if i == j {
				v++
			}
			m.SetSym(i, j, v)
		}
	}
	var c mat.Cholesky
	if !c.Factorize(m) {
		return 0, errors.New("diffusion: PixelInformation: the data covariance is not positive semi-definite")
	}
	return 0.5 * c.LogDet(), nil
}

// NoiseCovariance returns the exact pixel covariance of the noise of spec,
// a rows·cols × rows·cols matrix over the row-major pixels, from the
// construction's closed form (noise.Sampler.Covariance). It returns an
// error if the spec is rejected by the noise package or rows·cols exceeds
// noise.MaxCovarianceDim.
func NoiseCovariance(spec noise.Spec) (*mat.SymDense, error) {
	if spec.Rows*spec.Cols > noise.MaxCovarianceDim || spec.Rows > noise.MaxCovarianceDim || spec.Cols > noise.MaxCovarianceDim {
		return nil, fmt.Errorf("diffusion: NoiseCovariance of %d×%d fields exceeds %d pixels", spec.Rows, spec.Cols, noise.MaxCovarianceDim)
	}
	s, err := noise.NewSampler(spec, nil)
	if err != nil {
		return nil, err
	}
	r, c := spec.Rows, spec.Cols
	out := mat.NewSymDense(r*c, nil)
	for p := range r * c {
		for q := p; q < r*c; q++ {
			out.SetSym(p, q, s.Covariance(p/c-q/c, p%c-q%c))
		}
	}
	return out, nil
}

// StationaryCovariance returns the pixel covariance of periodic stationary
// fields whose coordinates of F_R are independent with variances power
// (P_k, rows×cols in the centred layout; symmetrised):
//
//	Σ(p, q) = (1/D) Σ_k P_k cos(2π k·(p − q)),
//
// the circulant matrix GaussianTheory's data model has in pixel space. It
// returns an error for the spectra NewGaussianTheory rejects, or if
// rows·cols exceeds noise.MaxCovarianceDim.
func StationaryCovariance(power mat.Matrix) (*mat.SymDense, error) {
	p, rows, cols, err := spectrumValues("data", power, 0, 0)
	if err != nil {
		return nil, err
	}
	d := rows * cols
	if d > noise.MaxCovarianceDim {
		return nil, fmt.Errorf("diffusion: StationaryCovariance of %d×%d fields exceeds %d pixels", rows, cols, noise.MaxCovarianceDim)
	}
	// c(dy, dx) for every lag on the torus, by direct summation.
	lag := make([]float64, d)
	for dy := range rows {
		for dx := range cols {
			var s float64
			for i := range rows {
				ky := float64(i-rows/2) / float64(rows)
				for j := range cols {
					kx := float64(j-cols/2) / float64(cols)
					s += p[i*cols+j] * math.Cos(2*math.Pi*(ky*float64(dy)+kx*float64(dx)))
				}
			}
			lag[dy*cols+dx] = s / float64(d)
		}
	}
	out := mat.NewSymDense(d, nil)
	for a := range d {
		for b := a; b < d; b++ {
			dy := ((a/cols-b/cols)%rows + rows) % rows
			dx := ((a%cols-b%cols)%cols + cols) % cols
			out.SetSym(a, b, lag[dy*cols+dx])
		}
	}
	return out, nil
}
