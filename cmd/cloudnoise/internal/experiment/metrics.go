package experiment

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/eval"
)

// Reference holds the statistics of a data set that samples are scored
// against (see Score).
type Reference struct {
	Images []*mat.Dense
	// Mean is the per-pixel mean of the images, Var the variance of their
	// real Fourier coefficients, Var X_k (noise.Spectrum.Power times the
	// mean pixel variance): the Gaussian diagonal in Fourier space that
	// eval.SpectralFrechet compares.
	Mean, Var *mat.Dense
	// Fit is the power law fitted to the images' spectrum (noise.FitImages
	// with the global standardisation and the paper's OLS fit); Metric is the Mahalanobis metric of
	// Q0 = N(0, A²|k|^(−2Δ)) with Δ = Fit.Delta and A = Fit.A·σ, σ² the mean
	// pixel variance, so that Q0 is the data's fitted spectrum in pixel
	// units.
	Fit    noise.PowerLaw
	Metric *noise.Metric
	// Lo and Hi are the smallest and largest pixel values, the range of the
	// eval.PixelTV histograms.
	Lo, Hi float64
	// PixelVar is the mean per-pixel variance of the images
	// (diffusion.PixelVariance), Border the ratio of the per-pixel variance
	// on the outermost ring to the interior's (diffusion.BorderRatios).
	PixelVar, Border float64
	// pairs is a fixed random permutation of Images, paired with samples by
	// Metric.Between.
	pairs []*mat.Dense
	// nearest is the stacked data of the nearest-neighbour check.
	nearest *eval.NearestIndex
}

// gaussian returns the per-pixel mean and the variance of the real Fourier
// coefficients of xs, and the mean pixel variance, from a noise.Spectrum.
func gaussian(xs []*mat.Dense) (mean, variance *mat.Dense, pixVar float64, power *mat.Dense, err error) {
	if len(xs) < 2 {
		return nil, nil, 0, nil, fmt.Errorf("experiment: %d images, need at least 2 for a spectrum", len(xs))
	}
	r, c := xs[0].Dims()
	s := noise.NewSpectrum(r, c)
	if err := s.AddBatch(xs); err != nil {
		return nil, nil, 0, nil, err
	}
	if mean, err = s.Mean(); err != nil {
		return nil, nil, 0, nil, err
	}
	if power, err = s.Power(); err != nil {
		return nil, nil, 0, nil, err
	}
	std, _ := s.Std()
	for _, v := range std.RawMatrix().Data {
		pixVar += v * v
	}
	pixVar /= float64(r * c)
	variance = mat.NewDense(r, c, nil)
	variance.Scale(pixVar, power)
	return mean, variance, pixVar, power, nil
}

// NewReference computes the statistics of the data set xs (at least 2
// images of one shape, finite). seed fixes the random pairing of samples
// with data images in Score's Mahalanobis distance.
func NewReference(xs []*mat.Dense, seed uint64) (*Reference, error) {
	mean, variance, pixVar, _, err := gaussian(xs)
	if err != nil {
		return nil, err
	}
	// The global estimator, whose A is in units of the mean pixel variance,
	// as the metric below needs.
	imageFit, err := noise.FitImages(xs, &noise.ImageFitOptions{Standardize: noise.StandardizeGlobal})
	if err != nil {
		return nil, fmt.Errorf("experiment: fitting the data spectrum: %w", err)
	}
	fit := imageFit.PowerLaw
	r, c := xs[0].Dims()
	m, err := noise.NewMetric(r, c, fit.Delta, fit.A*math.Sqrt(pixVar))
	if err != nil {
		return nil, err
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo = min(lo, mat.Min(x))
		hi = max(hi, mat.Max(x))
	}
	if !(lo < hi) {
		return nil, fmt.Errorf("experiment: constant data set (every pixel %v)", lo)
	}
	nt, err := eval.NewNearestIndex(xs)
	if err != nil {
		return nil, err
	}
	pairs := append([]*mat.Dense(nil), xs...)
	rnd := rand.New(rand.NewPCG(seed, 0x7061697273)) // "pairs"
	rnd.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
	pv, border, err := varianceChecks(xs)
	if err != nil {
		return nil, err
	}
	return &Reference{Images: xs, Mean: mean, Var: variance, Fit: fit, Metric: m, Lo: lo, Hi: hi, PixelVar: pv, Border: border,
		pairs: pairs, nearest: nt}, nil
}

// TVBins is the number of bins of the eval.PixelTV histograms of Score.
const TVBins = 64

// Scores are the quality metrics of a set of samples against a Reference.
type Scores struct {
	N int // number of samples
	// LSD is the log-spectral distance of the radially averaged power
	// spectra, in dB (eval.LogSpectralError).
	LSD float64
	// Frechet is the squared Fréchet distance between the Gaussians
	// diagonal in Fourier space fitted to the samples and to the data
	// (eval.SpectralFrechet), in squared pixel units summed over the
	// frequencies.
	Frechet float64
	// Mahalanobis is d(samples, data | Q0) (noise.Metric.Between), samples
	// paired with a random permutation of the data, with its standard
	// error; MahalanobisData is d(data, data | Q0) over disjoint pairs of
	// data images, what a perfect generator would get.
	Mahalanobis, MahalanobisData noise.Estimate
	// W1 and TV are the Wasserstein-1 and total-variation distances of the
	// pixel histograms (eval.PixelWasserstein; eval.PixelTV with TVBins bins over the
	// data's range).
	W1, TV float64
	// Nearest is the nearest-neighbour copy check against the data.
	Nearest *eval.Nearest
	// BandPower is, per radial band of eval.DefaultBandEdges (low to high
	// frequency), the samples' power over the data's in dB,
	// 10 log₁₀(Σ_b Var_samples / Σ_b Var_data) over the frequencies of the
	// band, k = 0 excluded: negative where the samples lack detail, as
	// the exact theory's Prediction.BandPower.
	BandPower []float64
	// Variance is the samples' mean per-pixel variance divided by the
	// data's: far above 1 means a sampler that blew up. Border is the
	// samples' border ratio (Reference.Border) divided by the data's: far
	// above 1 means frames.
	Variance, Border float64
}

// varianceChecks returns the mean per-pixel variance of xs and the ratio
// of its outermost ring to its interior.
func varianceChecks(xs []*mat.Dense) (pixVar, border float64, err error) {
	_, v, err := diffusion.PixelVariance(xs)
	if err != nil {
		return 0, 0, err
	}
	r, c := v.Dims()
	pixVar = mat.Sum(v) / float64(r*c)
	ratios, err := diffusion.BorderRatios(v, 1)
	if err != nil {
		return 0, 0, err
	}
	return pixVar, ratios[0], nil
}

// Score computes the metrics of samples against the reference. It returns
// an error if samples has fewer than 2 images, an image of the wrong shape
// or a non-finite pixel, or if a metric cannot be computed (for example
// samples of zero variance).
func (ref *Reference) Score(samples []*mat.Dense) (*Scores, error) {
	if len(samples) < 2 {
		return nil, fmt.Errorf("experiment: %d samples, need at least 2", len(samples))
	}
	sc := &Scores{N: len(samples)}
	var err error
	if sc.LSD, err = eval.LogSpectralError(samples, ref.Images); err != nil {
		return nil, err
	}
	mean, variance, _, _, err := gaussian(samples)
	if err != nil {
		return nil, err
	}
	if sc.Frechet, err = eval.SpectralFrechet(mean, variance, ref.Mean, ref.Var); err != nil {
		return nil, err
	}
	if sc.BandPower, err = bandPower(variance, ref.Var); err != nil {
		return nil, err
	}
	// The samples are finite and of the data's shape (checked by
	// LogSpectralError above), so Between neither panics nor returns NaN,
	// unless a sample is the very matrix it would be paired with.
	for i := range min(len(samples), len(ref.pairs)) {
		if samples[i] == ref.pairs[i] {
			return nil, fmt.Errorf("experiment: sample %d is the data image it would be paired with (pass copies)", i)
		}
	}
	sc.Mahalanobis = ref.Metric.Between(samples, ref.pairs)
	sc.MahalanobisData = ref.Metric.Between(ref.pairs, ref.pairs)
	if sc.W1, err = eval.PixelWasserstein(samples, ref.Images); err != nil {
		return nil, err
	}
	if sc.TV, err = eval.PixelTV(samples, ref.Images, TVBins, ref.Lo, ref.Hi); err != nil {
		return nil, err
	}
	if sc.Nearest, err = ref.nearest.Check(samples); err != nil {
		return nil, err
	}
	pv, border, err := varianceChecks(samples)
	if err != nil {
		return nil, err
	}
	sc.Variance, sc.Border = pv/ref.PixelVar, border/ref.Border
	return sc, nil
}

// bandPower returns 10 log₁₀(Σ_b v / Σ_b ref) per band of bandEdges, for
// two variance spectra of one shape in the centred layout.
func bandPower(v, ref *mat.Dense) ([]float64, error) {
	r, c := v.Dims()
	band, err := eval.Bands(r, c, bandEdges)
	if err != nil {
		return nil, err
	}
	num := make([]float64, len(bandEdges)-1)
	den := make([]float64, len(bandEdges)-1)
	vd, rd := v.RawMatrix().Data, ref.RawMatrix().Data
	for i, b := range band {
		if b >= 0 {
			num[b] += vd[i]
			den[b] += rd[i]
		}
	}
	out := make([]float64, len(num))
	for b := range out {
		out[b] = 10 * math.Log10(num[b]/den[b])
	}
	return out, nil
}
