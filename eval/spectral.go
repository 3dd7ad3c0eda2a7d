package eval

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// LogSpectralError returns the log-spectral distance, in decibels, between
// the radially averaged power spectra P_x and P_y of the samples xs and ys
// (see noise.RadialPower):
//
//	LSD = √( mean_b (10·log₁₀(P_x(b)/P_y(b)))² ),
//
// the root mean square over the bins b = 1…⌊min(rows, cols)/2⌋ of the
// ratio of the spectra in dB. It is 0 for equal spectra and 6.02 dB when
// one set is the other scaled by 2; it is blind to phases and to the mean.
// Use it to check that a generator reproduces the spectrum of the data at
// every scale, including the high frequencies that pixel losses neglect.
//
// LogSpectralError returns an error if either set is empty, holds a nil
// matrix, a NaN or infinite pixel or a shape other than that of xs[0], if
// the images are smaller than 2×2, or if a bin has zero power in either
// set (a logarithm of zero, as for constant images).
func LogSpectralError(xs, ys []*mat.Dense) (float64, error) {
	rows, cols, err := checkSet("LogSpectralError", "xs", xs, 0, 0)
	if err != nil {
		return 0, err
	}
	if _, _, err := checkSet("LogSpectralError", "ys", ys, rows, cols); err != nil {
		return 0, err
	}
	if min(rows, cols) < 2 {
		return 0, fmt.Errorf("eval: LogSpectralError: %d×%d images have no radial frequency bins (need at least 2×2)", rows, cols)
	}
	freq, px, err := noise.RadialPower(xs)
	if err != nil {
		return 0, fmt.Errorf("eval: LogSpectralError: %w", err)
	}
	_, py, err := noise.RadialPower(ys)
	if err != nil {
		return 0, fmt.Errorf("eval: LogSpectralError: %w", err)
	}
	var s float64
	for b := range px {
		if px[b] == 0 || py[b] == 0 {
			return 0, fmt.Errorf("eval: LogSpectralError: zero power at |k| = %.4g cycles per pixel (bin %d)", freq[b], b+1)
		}
		r := 10 * math.Log10(px[b]/py[b])
		s += r * r
	}
	return math.Sqrt(s / float64(len(px))), nil
}

// nilIfTyped returns nil for a nil *mat.Dense held in the interface (a
// typed nil, which compares unequal to nil), m otherwise.
func nilIfTyped(m mat.Matrix) mat.Matrix {
	if d, ok := m.(*mat.Dense); ok && d == nil {
		return nil
	}
	return m
}

// SpectralFrechet returns the squared Fréchet (2-Wasserstein) distance
// between two Gaussian image distributions N(μ1, Σ1) and N(μ2, Σ2) whose
// covariances are diagonal in real Fourier space, with variances power1 and
// power2 at each centred frequency (Var of the F_R coefficient, which is the
// power spectral density E|Z_k|² for stationary fields; noise.Spectrum.Power
// gives it for mean-removed images of unit mean pixel variance):
//
//	W² = ‖μ1 − μ2‖² + Σ_k (√power1(k) − √power2(k))².
//
// This is the FID formula ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1^½ Σ2 Σ1^½)^½)
// specialised to covariances that commute (both diagonal in the same basis),
// so it needs no matrix square root: a cheap FID-like proxy for comparing a
// generator's output with the data in Fourier space. The mean term is the
// squared Frobenius norm of the difference of the mean images, equal to
// ‖F_R μ1 − F_R μ2‖² since F_R is orthogonal. The sum runs over every entry
// given, including k = 0 (which noise.Spectrum.Power sets from the
// mean-removed images). Like FID it is reported squared, in squared pixel
// units.
//
// mean1 and mean2 may both be nil, meaning equal means. SpectralFrechet
// returns an error if a power is nil, the shapes differ, exactly one mean is
// nil, a power holds a negative, NaN or infinite value, or a mean a NaN or
// infinite value.
func SpectralFrechet(mean1, power1, mean2, power2 mat.Matrix) (float64, error) {
	mean1, power1, mean2, power2 = nilIfTyped(mean1), nilIfTyped(power1), nilIfTyped(mean2), nilIfTyped(power2)
	if power1 == nil || power2 == nil {
		return 0, errors.New("eval: SpectralFrechet: nil power spectrum")
	}
	rows, cols := power1.Dims()
	if r, c := power2.Dims(); r != rows || c != cols {
		return 0, fmt.Errorf("eval: SpectralFrechet: power spectra of sizes %d×%d and %d×%d", rows, cols, r, c)
	}
	if (mean1 == nil) != (mean2 == nil) {
		return 0, errors.New("eval: SpectralFrechet: one mean is nil and the other is not")
	}
	if err := checkVariances("SpectralFrechet", "power1", power1); err != nil {
		return 0, err
	}
	if err := checkVariances("SpectralFrechet", "power2", power2); err != nil {
		return 0, err
	}
	var s float64
	if mean1 != nil {
		for _, mu := range []mat.Matrix{mean1, mean2} {
			if r, c := mu.Dims(); r != rows || c != cols {
				return 0, fmt.Errorf("eval: SpectralFrechet: %d×%d mean with %d×%d power spectra", r, c, rows, cols)
			}
		}
		for i := range rows {
			for j := range cols {
				d := mean1.At(i, j) - mean2.At(i, j)
				if math.IsNaN(d) || math.IsInf(d, 0) {
					return 0, fmt.Errorf("eval: SpectralFrechet: non-finite mean difference %v at (%d, %d)", d, i, j)
				}
				s += d * d
			}
		}
	}
	for i := range rows {
		for j := range cols {
			d := math.Sqrt(power1.At(i, j)) - math.Sqrt(power2.At(i, j))
			s += d * d
		}
	}
	return s, nil
}

// checkVariances returns an error if g holds a negative, NaN or infinite
// value.
func checkVariances(op, name string, g mat.Matrix) error {
	r, c := g.Dims()
	for i := range r {
		for j := range c {
			if v := g.At(i, j); !(v >= 0) || math.IsInf(v, 1) {
				return fmt.Errorf("eval: %s: %s has the invalid variance %v at (%d, %d)", op, name, v, i, j)
			}
		}
	}
	return nil
}
