package eval_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/eval"
)

// Which noise has the spectrum of natural images? The log-spectral error,
// in dB, against dead-leaves images (a scale-invariant image model) of white
// noise, of cloud noise with the data's fitted Δ and of noise with the
// data's measured spectrum, all scaled to the data's pixel variance: 0 would
// be a perfect match of the radially averaged spectra, and 64 images of each
// leave a sampling error of a fraction of a dB.
func ExampleLogSpectralError() {
	const n, count = 32, 64
	data, err := noise.DeadLeaves{Rows: n, Cols: n}.Images(count, rand.NewPCG(1, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	spec := noise.NewSpectrum(n, n)
	if err := spec.AddBatch(data); err != nil {
		fmt.Println(err)
		return
	}
	variance, err := spec.MeanVariance()
	if err != nil {
		fmt.Println(err)
		return
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
	matched, err := noise.MeasuredDensity(power, count, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range []struct {
		name string
		spec noise.Spec
	}{
		{"white", noise.Spec{Rows: n, Cols: n, Density: noise.WhiteDensity()}},
		{"cloud", noise.Spec{Rows: n, Cols: n, Delta: fit.Delta}},
		{"matched", noise.Spec{Rows: n, Cols: n, Density: matched, Pad: 1}},
	} {
		s, err := noise.NewSampler(c.spec, rand.NewPCG(3, 4))
		if err != nil {
			fmt.Println(err)
			return
		}
		fields := s.SampleBatch(make([]*mat.Dense, count))
		for _, f := range fields {
			f.Scale(math.Sqrt(variance), f)
		}
		lsd, err := eval.LogSpectralError(fields, data)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s noise: %.1f dB\n", c.name, lsd)
	}
	// Output:
	// white noise: 7.8 dB
	// cloud noise: 6.1 dB
	// matched noise: 0.1 dB
}
