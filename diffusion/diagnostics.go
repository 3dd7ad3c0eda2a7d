package diffusion

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// PixelVariance returns the per-pixel mean and population variance
// (divisor n) of a set of images of one shape: the first sanity check of
// samples, before any metric. A sampler whose variance is far from the
// data's everywhere has blown up; one whose variance is high only near the
// border draws frames (see BorderRatios). It returns an error if the set is
// empty, or an image is nil, of another shape or holds a NaN or infinite
// pixel.
func PixelVariance(images []*mat.Dense) (mean, variance *mat.Dense, err error) {
	if len(images) == 0 {
		return nil, nil, errors.New("diffusion: PixelVariance of no images")
	}
	if images[0] == nil || images[0].IsEmpty() {
		return nil, nil, errors.New("diffusion: PixelVariance: image 0 is nil or empty")
	}
	rows, cols := images[0].Dims()
	mean, variance = mat.NewDense(rows, cols, nil), mat.NewDense(rows, cols, nil)
	mu, m2 := mean.RawMatrix().Data, variance.RawMatrix().Data
	for n, x := range images {
		if x == nil {
			return nil, nil, fmt.Errorf("diffusion: PixelVariance: image %d is nil", n)
		}
		if r, c := x.Dims(); r != rows || c != cols {
			return nil, nil, fmt.Errorf("diffusion: PixelVariance: image %d is %d×%d, want %d×%d", n, r, c, rows, cols)
		}
		raw := x.RawMatrix()
		for i := range rows {
			row := raw.Data[i*raw.Stride : i*raw.Stride+cols]
			for j, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, nil, fmt.Errorf("diffusion: PixelVariance: image %d has the pixel %v at (%d, %d)", n, v, i, j)
				}
				// Welford's update.
				p := i*cols + j
				d := v - mu[p]
				mu[p] += d / float64(n+1)
				m2[p] += d * (v - mu[p])
			}
		}
	}
	for p := range m2 {
		m2[p] /= float64(len(images))
	}
	return mean, variance, nil
}

// BorderRatios returns, for r = 0, …, rings−1, the mean of m over ring r
// (the pixels whose distance to the nearest edge is r: ring 0 is the
// outermost frame) divided by the mean of m over the interior (distance
// ≥ rings). Applied to a per-pixel variance map (PixelVariance) of samples
// it measures border frames: 1 means none, the audit of the white-vs-cloud
// experiment measured 3.2 at ring 0 for its cloud model. It returns an error
// if m is nil, rings < 1, the image has no interior (a side ≤ 2·rings) or
// the interior mean is not positive.
func BorderRatios(m *mat.Dense, rings int) ([]float64, error) {
	if m == nil || m.IsEmpty() {
		return nil, errors.New("diffusion: BorderRatios of a nil or empty map")
	}
	rows, cols := m.Dims()
	if rings < 1 {
		return nil, fmt.Errorf("diffusion: BorderRatios with %d rings", rings)
	}
	if rows <= 2*rings || cols <= 2*rings {
		return nil, fmt.Errorf("diffusion: BorderRatios: a %d×%d map has no interior inside %d rings", rows, cols, rings)
	}
	sum := make([]float64, rings+1)
	count := make([]int, rings+1)
	for i := range rows {
		for j := range cols {
			d := min(i, j, rows-1-i, cols-1-j, rings)
			sum[d] += m.At(i, j)
			count[d]++
		}
	}
	interior := sum[rings] / float64(count[rings])
	if !(interior > 0) {
		return nil, fmt.Errorf("diffusion: BorderRatios: interior mean %v is not positive", interior)
	}
	out := make([]float64, rings)
	for r := range out {
		out[r] = sum[r] / float64(count[r]) / interior
	}
	return out, nil
}

// X0Error is the error of a denoiser's prediction of the clean image at one
// time t: MSE is the mean over pixels and images of (x̂_0 − x_0)² (in the
// denoiser's, normalised, units), StdErr its standard error over the
// images. Bound is the same error for the optimal denoiser of the Gaussian
// model (GaussianTheory.X0Error): a trained network can beat it on
// non-Gaussian data, and should not be far above it. Bands and BandBounds
// are the mean squared error per coordinate of F_R in each band of
// GaussianTheory's edges (eval.DefaultBandEdges()), measured and bound.
type X0Error struct {
	T                 int
	MSE, StdErr       float64
	Bound             float64
	Bands, BandBounds []float64
}

// MeasureX0Error measures the error of the denoiser's x̂_0 at each of the
// given times on held-out images (normalised, images[i] the planes of one
// image as Denoiser.Shape, image j in planes [C·j, C·j+C)): it draws noise
// of the spec ns (with the denoiser's size), forms x_t = a x_0 + s ε, asks
// the denoiser for ε̂ and computes x̂_0 = (x_t − s ε̂)/a. th gives the
// Gaussian bound and the bands; it must have the denoiser's size and the
// schedule the denoiser is used with. All randomness comes from src.
//
// It returns an error if the images do not fit the denoiser, a time is
// outside 1…T, th is nil or of another size, or the noise spec is invalid.
func MeasureX0Error(d Denoiser, th *GaussianTheory, images []*mat.Dense, ns noise.Spec, times []int, src rand.Source) ([]X0Error, error) {
	if d == nil || th == nil {
		return nil, errors.New("diffusion: MeasureX0Error needs a denoiser and a theory")
	}
	channels, size := d.Shape()
	if r, c := th.Dims(); r != size || c != size {
		return nil, fmt.Errorf("diffusion: MeasureX0Error: the theory is %d×%d, the denoiser's images %d×%d", r, c, size, size)
	}
	n, err := imagesOf(images, channels, size)
	if err != nil {
		return nil, err
	}
	sched := th.Schedule()
	for _, t := range times {
		if t < 1 || t > sched.Steps() {
			return nil, fmt.Errorf("diffusion: MeasureX0Error: time %d outside 1…%d", t, sched.Steps())
		}
	}
	ns, err = noiseForSize(ns, size)
	if err != nil {
		return nil, err
	}
	if src == nil {
		src = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	sampler, err := noise.NewSampler(ns, src)
	if err != nil {
		return nil, fmt.Errorf("diffusion: noise: %w", err)
	}
	hw := size * size
	per := channels * hw
	x0 := make([]float64, n*per)
	for p, m := range images {
		raw := m.RawMatrix()
		for i := range size {
			copy(x0[p*hw+i*size:p*hw+(i+1)*size], raw.Data[i*raw.Stride:i*raw.Stride+size])
		}
	}
	eps := make([]float64, len(x0))
	xt := make([]float64, len(x0))
	epsHat := make([]float64, len(x0))
	band, nb := defaultBands(size, size)
	bandCount := make([]int, nb)
	for _, b := range band {
		if b >= 0 {
			bandCount[b]++
		}
	}
	plan, err := noise.NewRealFFT(size, size)
	if err != nil {
		return nil, err
	}
	var spec mat.Dense
	view := &mat.Dense{}
	const batch = 16
	out := make([]X0Error, len(times))
	for ti, t := range times {
		a, s := sched.SignalRate(t), sched.NoiseRate(t)
		noise.Fill(sampler, eps)
		for i := range xt {
			xt[i] = a*x0[i] + s*eps[i]
		}
		for b0 := 0; b0 < n; b0 += batch {
			bs := min(batch, n-b0)
			d.PredictNoise(epsHat[b0*per:(b0+bs)*per], xt[b0*per:(b0+bs)*per], bs, sched, t)
		}
		perImage := make([]float64, n)
		bandSum := make([]float64, nb)
		diff := make([]float64, hw)
		for p := 0; p < n*channels; p++ {
			for i := range diff {
				q := p*hw + i
				diff[i] = (xt[q]-s*epsHat[q])/a - x0[q]
				perImage[p/channels] += diff[i] * diff[i]
			}
			plan.Forward(&spec, planeView(view, diff, size))
			for k, v := range spec.RawMatrix().Data {
				if b := band[k]; b >= 0 {
					bandSum[b] += v * v
				}
			}
		}
		e := X0Error{T: t, Bands: make([]float64, nb)}
		var sum, sum2 float64
		for _, v := range perImage {
			v /= float64(per)
			sum += v
			sum2 += v * v
		}
		e.MSE = sum / float64(n)
		if n > 1 {
			e.StdErr = math.Sqrt(max(sum2/float64(n)-e.MSE*e.MSE, 0) / float64(n-1))
		}
		for b := range nb {
			e.Bands[b] = math.NaN()
			if bandCount[b] > 0 {
				e.Bands[b] = bandSum[b] / float64(bandCount[b]*n*channels)
			}
		}
		e.Bound, e.BandBounds = th.X0Error(t)
		out[ti] = e
	}
	return out, nil
}
