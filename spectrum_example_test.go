package noise_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"gonum.org/v1/gonum/dsp/window"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// The spectrum of a set of images in one pass: here 100 fields of cloud
// noise with Δ = 1.5, whose fitted Δ comes back (up to a bias of about
// −0.01 that the paper's crop causes at this size, and a standard error of
// about 0.007; see FitPowerLaw).
func ExampleSpectrum() {
	sampler, err := noise.NewSampler(noise.Spec{Rows: 64, Cols: 64, Delta: 1.5}, rand.NewPCG(1, 2))
	if err != nil {
		log.Fatal(err)
	}
	s := noise.NewSpectrum(64, 64)
	field := mat.NewDense(64, 64, nil)
	for range 100 {
		if err := s.Add(sampler.Sample(field)); err != nil {
			log.Fatal(err)
		}
	}
	power, err := s.Power()
	if err != nil {
		log.Fatal(err)
	}
	fit, err := noise.FitPowerLaw(power, nil) // the paper's fit
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d images: Δ ≈ %.1f\n", s.Count(), fit.Delta)
	// Output:
	// 100 images: Δ ≈ 1.5
}

// Shards accumulated separately (on other machines, say), encoded, decoded
// and merged give the spectrum of the whole set.
func ExampleSpectrum_Merge() {
	sampler, err := noise.NewSampler(noise.Spec{Rows: 32, Cols: 32, Delta: 1}, rand.NewPCG(3, 4))
	if err != nil {
		log.Fatal(err)
	}
	total := noise.NewSpectrum(32, 32)
	for range 4 {
		shard := noise.NewSpectrum(32, 32)
		batch := sampler.SampleBatch(make([]*mat.Dense, 50))
		if err := shard.AddBatch(batch); err != nil {
			log.Fatal(err)
		}
		data, err := shard.MarshalBinary()
		if err != nil {
			log.Fatal(err)
		}
		var received noise.Spectrum
		if err := received.UnmarshalBinary(data); err != nil {
			log.Fatal(err)
		}
		if err := total.Merge(&received); err != nil {
			log.Fatal(err)
		}
	}
	power, err := total.Power()
	if err != nil {
		log.Fatal(err)
	}
	fit, err := noise.FitPowerLaw(power, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d images: Δ ≈ %.1f\n", total.Count(), fit.Delta)
	// Output:
	// 200 images: Δ ≈ 1.0
}

// The paper's estimator standardises every pixel by its own mean and
// standard deviation, which takes a second pass over the data.
func ExampleSpectrum_Standardized() {
	sampler, err := noise.NewSampler(noise.Spec{Rows: 48, Cols: 48, Delta: 1.5}, rand.NewPCG(5, 6))
	if err != nil {
		log.Fatal(err)
	}
	images := sampler.SampleBatch(make([]*mat.Dense, 100))
	first := noise.NewSpectrum(48, 48)
	if err := first.AddBatch(images); err != nil {
		log.Fatal(err)
	}
	second, err := first.Standardized()
	if err != nil {
		log.Fatal(err)
	}
	if err := second.AddBatch(images); err != nil {
		log.Fatal(err)
	}
	power, err := second.Power()
	if err != nil {
		log.Fatal(err)
	}
	fit, err := noise.FitPowerLaw(power, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("paper's estimator: Δ ≈ %.1f\n", fit.Delta)
	// Output:
	// paper's estimator: Δ ≈ 1.5
}

// Steep spectra (Δ near 2) leak power through the edges of a crop, which
// flattens the periodogram even outside the paper's central-cross mask (see
// the bias table of FitPowerLaw). A Hann window tapers the edges and
// removes most of the leakage.
func ExampleNewSpectrumOptions() {
	sampler, err := noise.NewSampler(noise.Spec{Rows: 48, Cols: 48, Delta: 2}, rand.NewPCG(7, 8))
	if err != nil {
		log.Fatal(err)
	}
	images := sampler.SampleBatch(make([]*mat.Dense, 200))
	plain := noise.NewSpectrum(48, 48)
	hann, err := noise.NewSpectrumOptions(48, 48, &noise.SpectrumOptions{Window: window.Hann})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range []*noise.Spectrum{plain, hann} {
		if err := s.AddBatch(images); err != nil {
			log.Fatal(err)
		}
	}
	fit := func(s *noise.Spectrum, cross int) float64 {
		power, err := s.Power()
		if err != nil {
			log.Fatal(err)
		}
		f, err := noise.FitPowerLaw(power, &noise.FitOptions{Cross: cross})
		if err != nil {
			log.Fatal(err)
		}
		return f.Delta
	}
	fmt.Printf("no window, paper's mask: Δ ≈ %.1f\n", fit(plain, 0))
	fmt.Printf("Hann window, no mask:    Δ ≈ %.1f\n", fit(hann, -1))
	// Output:
	// no window, paper's mask: Δ ≈ 1.8
	// Hann window, no mask:    Δ ≈ 2.1
}

// The radial profile of white noise is flat at 1.
func ExampleRadialProfile() {
	rnd := rand.New(rand.NewPCG(9, 10))
	s := noise.NewSpectrum(32, 32)
	for range 400 {
		x := mat.NewDense(32, 32, nil)
		for i := range 32 {
			for j := range 32 {
				x.Set(i, j, rnd.NormFloat64())
			}
		}
		if err := s.Add(x); err != nil {
			log.Fatal(err)
		}
	}
	power, err := s.Power()
	if err != nil {
		log.Fatal(err)
	}
	prof, err := noise.RadialProfile(power, &noise.RadialOptions{Bins: 4, Cross: -1})
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range prof {
		fmt.Printf("|k| in [%.3f, %.3f]: Γ = %.2f (%d frequencies)\n", b.Lo, b.Hi, b.Mean, b.Count)
	}
	// Output:
	// |k| in [0.031, 0.068]: Γ = 0.98 (6 frequencies)
	// |k| in [0.068, 0.149]: Γ = 0.99 (28 frequencies)
	// |k| in [0.149, 0.324]: Γ = 1.00 (136 frequencies)
	// |k| in [0.324, 0.707]: Γ = 1.00 (343 frequencies)
}
