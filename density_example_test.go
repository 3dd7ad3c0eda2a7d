package noise_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// Matched noise: Gaussian noise with the measured spectrum of an image set.
// With Pad 1 at the images' size the fields are periodic and their expected
// spectrum (Sampler.Power) is the measured one at every frequency.
func ExampleMeasuredDensity() {
	imgs, err := noise.DeadLeaves{Rows: 16, Cols: 16}.Images(64, rand.NewPCG(1, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := noise.NewSpectrum(16, 16)
	if err := s.AddBatch(imgs); err != nil {
		fmt.Println(err)
		return
	}
	power, err := s.Power()
	if err != nil {
		fmt.Println(err)
		return
	}
	d, err := noise.MeasuredDensity(power, s.Count(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	smp, err := noise.NewSampler(noise.Spec{Rows: 16, Cols: 16, Density: d, Pad: 1}, rand.NewPCG(3, 4))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("expected spectrum = measured spectrum:", mat.EqualApprox(smp.Power(), power, 1e-9))
	fmt.Printf("relative standard error per frequency: %.3f (64 images)\n", d.RelStdErr())
	x := smp.Sample(nil)
	r, c := x.Dims()
	fmt.Printf("a %d×%d field of unit pixel variance\n", r, c)
	// Output:
	// expected spectrum = measured spectrum: true
	// relative standard error per frequency: 0.126 (64 images)
	// a 16×16 field of unit pixel variance
}

// True white noise is a Spec too: independent standard normal pixels.
func ExampleWhiteDensity() {
	s, err := noise.NewSampler(noise.Spec{Rows: 3, Cols: 3, Density: noise.WhiteDensity()}, rand.NewPCG(1, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("variance:", s.Variance(), "neighbour covariance:", s.Covariance(0, 1))
	fmt.Println("spectrum:", mat.Formatted(s.Power(), mat.Squeeze()))
	// Output:
	// variance: 1 neighbour covariance: 0
	// spectrum: ⎡1  1  1⎤
	// ⎢1  1  1⎥
	// ⎣1  1  1⎦
}

// From images to a fitted law to noise, in two calls.
func ExampleFitImages() {
	imgs, err := noise.DeadLeaves{Rows: 32, Cols: 32}.Images(100, rand.NewPCG(5, 6))
	if err != nil {
		fmt.Println(err)
		return
	}
	fit, err := noise.FitImages(imgs, nil) // the paper's estimator
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Δ = %.2f from %d images (%v, %v standardisation)\n", fit.Delta, fit.Images, fit.Method, fit.Standardize)
	fmt.Println(fit.Spec(32, 32).Delta == fit.Delta)
	// Output:
	// Δ = 1.66 from 100 images (OLS, pixel standardisation)
	// true
}
