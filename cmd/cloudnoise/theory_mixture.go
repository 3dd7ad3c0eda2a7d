package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/diffusion"
)

// mixtureRow is the outcome of the real sampler with the exact mixture
// denoiser for one noise and K.
type mixtureRow struct {
	Noise            string    `json:"noise"`
	K                int       `json:"k"`
	LSD              jsonFloat `json:"lsd_db"` // samples against the mixture's spectrum
	Distinct         int       `json:"distinct"`
	ExpectedDistinct float64   `json:"expected_distinct"`
	Energy           float64   `json:"energy"`
	ExpectedEnergy   float64   `json:"expected_energy"`
	EnergyStdErr     float64   `json:"energy_stderr"`
}

// mixtureResult is the mixture benchmark of theory.
type mixtureResult struct {
	Components int     `json:"components"`
	Spread     float64 `json:"spread"` // share of the data spectrum in each component's covariance
	Samples    int     `json:"samples"`
	Seed       uint64  `json:"seed"`
	// Baseline is the coverage of as many draws from the mixture itself:
	// what a perfect sampler would score, classification included.
	Baseline mixtureRow   `json:"baseline"`
	Results  []mixtureRow `json:"results"`
}

// mixtureBenchmark builds the mixture of the normalised images x_i,
// components N(√(1−spread)·x_i, spread·P) with P the images' spectrum (so
// that the mixture has about the images' spectrum), and runs the real
// sampler (diffusion.Sampler) with its exact denoiser for each noise and K:
// the LSD of the samples against the mixture's spectrum and the coverage
// of its components. White noise is N = 1, cloud the library's power-law
// noise with Δ and Pad (the denoiser uses its expected spectrum, the
// diagonal approximation for Pad > 1), matched the images' measured
// spectrum drawn periodically (noise.MeasuredDensity, Pad 1).
func mixtureBenchmark(ctx context.Context, imgs []*mat.Dense, components int, spread float64, names []string, kList []int,
	sched *noise.Schedule, opts diffusion.SampleOptions, delta, pad float64, samples int, seed uint64, progress io.Writer) (*mixtureResult, error) {
	rows, cols := imgs[0].Dims()
	if rows != cols {
		return nil, fmt.Errorf("-mixture needs square images (the sampler's), got %d×%d: use -size", rows, cols)
	}
	size := rows
	norm, err := diffusion.FitNormalizer(imgs, 1, size, diffusion.PixelNorm)
	if err != nil {
		return nil, err
	}
	flat := norm.Normalize(nil, imgs)
	normed := make([]*mat.Dense, len(imgs))
	for i := range normed {
		normed[i] = mat.NewDense(size, size, flat[i*size*size:(i+1)*size*size])
	}
	spec := noise.NewSpectrum(size, size)
	if err := spec.AddBatch(normed); err != nil {
		return nil, err
	}
	power, err := spec.Power()
	if err != nil {
		return nil, err
	}
	components = min(components, len(normed))
	means := make([]*mat.Dense, components)
	for i := range means {
		means[i] = mat.NewDense(size, size, nil)
		means[i].Scale(math.Sqrt(1-spread), normed[i])
	}
	var cov mat.Dense
	cov.Scale(spread, power)
	mix, err := diffusion.NewGaussianMixture(means, nil, &cov)
	if err != nil {
		return nil, err
	}
	mixPower := mix.Power()
	res := &mixtureResult{Components: components, Spread: spread, Samples: samples, Seed: seed}

	draws, _ := mix.Sample(samples, source(seed))
	if res.Baseline, err = mixtureScore(mix, mixPower, draws); err != nil {
		return nil, err
	}
	res.Baseline.Noise = "mixture draws"

	for _, name := range names {
		var ns noise.Spec
		switch name {
		case theoryWhite:
			ns = noise.Spec{Rows: size, Cols: size, Density: noise.WhiteDensity()}
		case theoryCloud:
			ns = noise.Spec{Rows: size, Cols: size, Delta: delta, Pad: pad}
		case theoryMatched:
			d, err := noise.MeasuredDensity(power, spec.Count(), nil)
			if err != nil {
				return nil, fmt.Errorf("matched noise for the mixture: %w", err)
			}
			ns = noise.Spec{Rows: size, Cols: size, Density: d, Pad: 1}
		}
		ss, err := noise.NewSampler(ns, nil)
		if err != nil {
			return nil, fmt.Errorf("%s noise: %w", name, err)
		}
		den, err := diffusion.NewMixtureDenoiser(mix, cleanPower(ss.Power()))
		if err != nil {
			return nil, fmt.Errorf("%s noise: %w", name, err)
		}
		s, err := diffusion.NewSampler(den, sched, diffusion.IdentityNormalizer(1, size), ns)
		if err != nil {
			return nil, fmt.Errorf("%s noise: %w", name, err)
		}
		for _, k := range kList {
			o := opts
			o.Steps = k
			o.Batch = 64
			if progress != nil {
				fmt.Fprintf(progress, "mixture: %s noise, K = %d\n", name, k)
			}
			out, err := s.Sample(ctx, samples, &o, source(seed+1))
			if err != nil {
				return nil, err
			}
			row, err := mixtureScore(mix, mixPower, out.Images)
			if err != nil {
				return nil, err
			}
			row.Noise, row.K = name, k
			res.Results = append(res.Results, row)
		}
	}
	return res, nil
}

// cleanPower sets the ±1e-16-sized rounding that Sampler.Power leaves at
// the modes a spec removes to 0 (its mean is 1).
func cleanPower(p *mat.Dense) *mat.Dense {
	for i, v := range p.RawMatrix().Data {
		if math.Abs(v) < 1e-12 {
			p.RawMatrix().Data[i] = 0
		}
	}
	return p
}

// mixtureScore measures samples against the mixture: the LSD of their
// mean power against the mixture's expected spectrum, and their coverage.
func mixtureScore(mix *diffusion.GaussianMixture, mixPower *mat.Dense, xs []*mat.Dense) (mixtureRow, error) {
	rows, cols := mixPower.Dims()
	acc := mat.NewDense(rows, cols, nil)
	f, err := noise.NewRealFFT(rows, cols)
	if err != nil {
		return mixtureRow{}, err
	}
	var z mat.Dense
	for _, x := range xs {
		f.Forward(&z, x)
		for p, v := range z.RawMatrix().Data {
			acc.RawMatrix().Data[p] += v * v / float64(len(xs))
		}
	}
	lsd, err := diffusion.LogSpectralDistance(acc, mixPower)
	if err != nil {
		return mixtureRow{}, err
	}
	cov, err := mix.Coverage(xs)
	if err != nil {
		return mixtureRow{}, err
	}
	return mixtureRow{
		LSD: jsonFloat(lsd), Distinct: cov.Distinct, ExpectedDistinct: cov.ExpectedDistinct,
		Energy: cov.Energy, ExpectedEnergy: cov.ExpectedEnergy, EnergyStdErr: cov.EnergyStdErr,
	}, nil
}

func printMixture(w io.Writer, m *mixtureResult) {
	fmt.Fprintf(w, "\nGaussian mixture of %d components N(√%.2g·x_i, %.2g·P) around the normalised images, exact denoiser,\n", m.Components, 1-m.Spread, m.Spread)
	fmt.Fprintf(w, "real sampler, %d samples per row (seed %d); energy is the mean ‖μ‖²/D of the components reached.\n", m.Samples, m.Seed)
	fmt.Fprintf(w, "%-14s %5s %8s %9s %9s %8s %8s\n", "noise", "K", "LSD dB", "distinct", "expected", "energy", "expected")
	row := func(r mixtureRow) {
		k := "-"
		if r.K > 0 {
			k = fmt.Sprint(r.K)
		}
		fmt.Fprintf(w, "%-14s %5s %8.3f %9d %9.1f %8.3f %8.3f ± %.3f\n", r.Noise, k, float64(r.LSD), r.Distinct, r.ExpectedDistinct, r.Energy, r.ExpectedEnergy, r.EnergyStdErr)
	}
	row(m.Baseline)
	for _, r := range m.Results {
		row(r)
	}
}
