package noise_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// The headline call: an n×n field of cloud noise with the scaling parameter
// of natural images, by the paper's construction (drawn on a grid 3× larger
// and cropped). Cloud draws from the global generator, so the fields differ
// from run to run (use NewSampler for reproducible ones); what they share is
// their power spectrum Γ(k) ∝ |k|^(−2Δ), which a fit over a few fields
// recovers.
func ExampleCloud() {
	const n, delta = 96, 1.5
	spec := noise.NewSpectrum(n, n)
	for range 16 {
		x := noise.Cloud(n, delta) // a new 96×96 *mat.Dense
		if err := spec.Add(x); err != nil {
			fmt.Println(err)
			return
		}
	}
	power, err := spec.Power()
	if err != nil {
		fmt.Println(err)
		return
	}
	fit, err := noise.FitPowerLaw(power, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Over 200 repetitions the fitted Δ ranged from 1.48 to 1.52.
	fmt.Printf("fitted Δ = %.1f from %d fields\n", fit.Delta, spec.Count())
	// Output:
	// fitted Δ = 1.5 from 16 fields
}

// Cloud noise from a reproducible sampler: the same seed gives the same
// fields on every platform.
func ExampleNewSampler() {
	s, err := noise.NewSampler(noise.Spec{Rows: 4, Cols: 5, Delta: noise.CloudDelta}, rand.NewPCG(1, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	x := s.Sample(nil)
	fmt.Printf("%.4f\n", mat.Formatted(x))
	// Neighbouring pixels of cloud noise are strongly correlated.
	fmt.Printf("corr(x[i,j], x[i,j+1]) = %.3f\n", s.Covariance(0, 1))
	// Output:
	// ⎡ 3.5717   2.5643   1.3109  -0.0820  -0.6521⎤
	// ⎢ 2.7016   2.2621   1.2312  -0.6302  -0.4159⎥
	// ⎢ 1.7828   0.8667   0.7107  -0.0285  -0.0002⎥
	// ⎣ 1.1039   0.2532  -0.0114  -0.3831  -0.1967⎦
	// corr(x[i,j], x[i,j+1]) = 0.777
}

// A batch of float32 fields for a machine-learning pipeline, filled on all
// cores.
func ExampleFill() {
	s, err := noise.NewSampler(noise.Spec{Rows: 32, Cols: 32, Delta: 1.5}, rand.NewPCG(3, 4))
	if err != nil {
		fmt.Println(err)
		return
	}
	batch := make([]float32, 16*32*32) // 16 fields of 32×32
	noise.Fill(s, batch)
	fmt.Println(len(batch) / (32 * 32))
	// Output: 16
}

// The real transform of a 2×3 image (values checked with numpy's
// fftshift(fft2(x, norm="ortho")) packed as documented).
func ExampleRealFFT2() {
	x := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	X := noise.RealFFT2(x)
	fmt.Printf("%.4f\n", mat.Formatted(X))
	back := noise.InverseRealFFT2(X)
	fmt.Printf("%.4f\n", mat.Formatted(back))
	// Output:
	// ⎡ 0.0000  -3.6742   0.0000⎤
	// ⎣ 1.0000   8.5732  -1.7321⎦
	// ⎡1.0000  2.0000  3.0000⎤
	// ⎣4.0000  5.0000  6.0000⎦
}
