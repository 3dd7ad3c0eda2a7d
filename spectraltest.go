package noise

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// SpectralTestResult is the outcome of SpectralTest.
type SpectralTestResult struct {
	// Z is the Welch statistic of each radial bin: the difference of the
	// mean log power of the two sets divided by its standard error.
	Z []float64
	// Edges are the bin edges in cycles per pixel (len(Z)+1 values).
	Edges []float64
	// MaxAbsZ is the largest |Z|, at bin Worst.
	MaxAbsZ float64
	Worst   int
	// PValue is the Bonferroni-corrected two-sided p-value of MaxAbsZ under
	// the hypothesis that both sets have the same spectrum: small values
	// reject it.
	PValue float64
}

// SpectralTest is a two-sample test of whether two sets of fields have the
// same power spectrum, for property tests such as the summation law (a sum
// αx + βy of independent fields has the spectrum of √(α²+β²) times one
// field).
//
// Each field x is transformed (RealFFT2) and summarised by its mean log power
// in bins radial bins of |k|, log-spaced from the lowest nonzero |k| to the
// highest (bins = 0 means 8); the zero frequency is left out. These per-field
// vectors are independent across fields whatever the correlations between
// frequencies (cropped fields are not periodic, so their Fourier
// coefficients are correlated), so no spectral model is assumed: each bin is
// compared with Welch's statistic, and the largest |z| is turned into a
// p-value by a normal approximation (the central limit theorem over fields:
// use 50 or more per set) with a Bonferroni correction over bins.
//
// SpectralTest returns an error if a set has fewer than 2 fields, the fields
// differ in shape or are smaller than 2×2, a value is NaN or Inf, or a bin
// holds no frequency.
func SpectralTest(xs, ys []*mat.Dense, bins int) (SpectralTestResult, error) {
	if bins == 0 {
		bins = 8
	}
	if bins < 1 {
		return SpectralTestResult{}, fmt.Errorf("noise: SpectralTest with %d bins", bins)
	}
	if len(xs) < 2 || len(ys) < 2 {
		return SpectralTestResult{}, fmt.Errorf("noise: SpectralTest needs at least 2 fields per set, got %d and %d", len(xs), len(ys))
	}
	rows, cols, err := checkImages("SpectralTest", "xs", xs, 0, 0)
	if err != nil {
		return SpectralTestResult{}, err
	}
	if _, _, err := checkImages("SpectralTest", "ys", ys, rows, cols); err != nil {
		return SpectralTestResult{}, err
	}
	if rows*cols < 4 {
		return SpectralTestResult{}, fmt.Errorf("noise: SpectralTest of %d×%d fields: too small", rows, cols)
	}
	k := Wavenumbers(rows, cols).RawMatrix().Data
	lo, hi := math.Inf(1), 0.0
	for _, v := range k {
		if v > 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	edges := make([]float64, bins+1)
	for b := range edges {
		edges[b] = lo * math.Pow(hi/lo, float64(b)/float64(bins))
	}
	edges[bins] = math.Nextafter(hi, math.Inf(1))
	bin := make([]int, len(k))
	count := make([]int, bins)
	for i, v := range k {
		bin[i] = -1
		if v == 0 {
			continue
		}
		b := min(bins-1, int(float64(bins)*math.Log(v/lo)/math.Log(hi/lo)))
		bin[i] = b
		count[b]++
	}
	for b, c := range count {
		if c == 0 {
			return SpectralTestResult{}, fmt.Errorf("noise: SpectralTest radial bin %d of %d is empty for %d×%d fields: use fewer bins", b, bins, rows, cols)
		}
	}
	plan, err := NewRealFFT(rows, cols)
	if err != nil {
		return SpectralTestResult{}, err
	}
	X := mat.NewDense(rows, cols, nil)
	summarise := func(set []*mat.Dense, name string) ([][]float64, error) {
		out := make([][]float64, bins) // out[b][field]
		for b := range out {
			out[b] = make([]float64, len(set))
		}
		sum := make([]float64, bins)
		for f, x := range set {
			plan.Forward(X, x)
			clear(sum)
			for i, v := range X.RawMatrix().Data {
				if b := bin[i]; b >= 0 {
					sum[b] += v * v
				}
			}
			for b := range sum {
				if sum[b] == 0 {
					return nil, fmt.Errorf("noise: SpectralTest %s[%d] has no power in radial bin %d", name, f, b)
				}
				out[b][f] = math.Log(sum[b] / float64(count[b]))
			}
		}
		return out, nil
	}
	sx, err := summarise(xs, "xs")
	if err != nil {
		return SpectralTestResult{}, err
	}
	sy, err := summarise(ys, "ys")
	if err != nil {
		return SpectralTestResult{}, err
	}
	res := SpectralTestResult{Z: make([]float64, bins), Edges: edges}
	for b := range bins {
		mx, vx := stat.MeanVariance(sx[b], nil)
		my, vy := stat.MeanVariance(sy[b], nil)
		se := math.Sqrt(vx/float64(len(xs)) + vy/float64(len(ys)))
		if se == 0 {
			if mx == my {
				continue
			}
			return res, errors.New("noise: SpectralTest: a set has identical power in every field but differs from the other")
		}
		res.Z[b] = (mx - my) / se
		if a := math.Abs(res.Z[b]); a > res.MaxAbsZ {
			res.MaxAbsZ, res.Worst = a, b
		}
	}
	res.PValue = min(1, 2*float64(bins)*distuv.UnitNormal.Survival(res.MaxAbsZ))
	return res, nil
}
