package noise

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// RadialOptions selects the frequencies and the binning of RadialProfile.
// The zero value gives exact bins over all frequencies outside the paper's
// central cross.
type RadialOptions struct {
	// Cross masks the central cross: frequencies with |ky| < Cross or
	// |kx| < Cross (in lattice units, ky = i − rows/2, kx = j − cols/2) are
	// left out. As in FitOptions, 0 means 4, the paper's mask, and a
	// negative value means no mask (only k = 0 is left out).
	Cross int
	// KMin and KMax bound |k| in cycles per pixel: frequencies with
	// |k| < KMin or |k| > KMax are left out; 0 means no bound.
	KMin, KMax float64
	// Bins is the number of bins. 0 gives exact bins, one for every distinct
	// |k| on the lattice; a positive value gives that many bins equally
	// spaced in log |k| between the smallest and the largest |k| used, at
	// most the number of distinct |k| used (RadialProfile returns an error
	// beyond). Empty log bins are omitted from the profile.
	Bins int
}

// RadialBin is one bin of a radial profile.
type RadialBin struct {
	// K is the representative |k| of the bin in cycles per pixel: the exact
	// value for exact bins, the geometric mean of the |k| in the bin for log
	// bins.
	K float64
	// Lo and Hi are the edges of the bin: equal to K for exact bins; for log
	// bins Lo ≤ |k| < Hi (the last bin includes Hi).
	Lo, Hi float64
	// Mean is the mean of the power over the independent frequencies of the
	// bin.
	Mean float64
	// StdErr is the standard error of Mean, the sample standard deviation of
	// the values (divisor Count−1) over √Count. It is NaN for a bin of one
	// frequency, where it is undefined.
	StdErr float64
	// Count is the number of independent frequencies in the bin: a pair
	// {k, −k} counts once.
	Count int
}

// radialPoint is one independent frequency of a power spectrum.
type radialPoint struct {
	k     float64 // |k| in cycles per pixel
	key   int64   // exact ordering key of |k|: (ky·cols)² + (kx·rows)²
	value float64 // (Γ_k + Γ_{−k})/2
	least float64 // min(Γ_k, Γ_{−k})
}

// radialSelect returns the independent frequencies of power (one per pair
// {k, −k}, and the self-conjugate ones except k = 0) that pass the mask and
// the radial range, with the value averaged over the pair. It returns an
// error for an empty or non-finite power or invalid options. cross is the
// option as given (0 means 4).
func radialSelect(power mat.Matrix, cross int, kmin, kmax float64) ([]radialPoint, error) {
	if d, ok := power.(*mat.Dense); power == nil || ok && d == nil {
		return nil, errors.New("noise: nil power spectrum")
	}
	rows, cols := power.Dims()
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("noise: empty %d×%d power spectrum", rows, cols)
	}
	if math.IsNaN(kmin) || math.IsNaN(kmax) || kmin < 0 || kmax < 0 || math.IsInf(kmin, 0) {
		return nil, fmt.Errorf("noise: invalid radial range KMin %g, KMax %g", kmin, kmax)
	}
	if kmax > 0 && kmax < kmin {
		return nil, fmt.Errorf("noise: radial range KMax %g below KMin %g", kmax, kmin)
	}
	if cross == 0 {
		cross = 4
	}
	for i := range rows {
		for j := range cols {
			if v := power.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("noise: power spectrum has non-finite value %g at (%d, %d)", v, i, j)
			}
		}
	}
	var pts []radialPoint
	for i := range rows {
		ky := i - rows/2
		ii := involute(rows, i)
		for j := range cols {
			kx := j - cols/2
			if ky == 0 && kx == 0 {
				continue
			}
			if cross > 0 && (radialAbs(ky) < cross || radialAbs(kx) < cross) {
				continue
			}
			jj := involute(cols, j)
			if partOf(cols, i, j, ii, jj) == ImagPart {
				continue
			}
			k := wavenumber(rows, cols, i, j)
			if k < kmin || kmax > 0 && k > kmax {
				continue
			}
			a, b := int64(ky)*int64(cols), int64(kx)*int64(rows)
			pts = append(pts, radialPoint{
				k:     k,
				key:   a*a + b*b,
				value: 0.5 * (power.At(i, j) + power.At(ii, jj)),
				least: min(power.At(i, j), power.At(ii, jj)),
			})
		}
	}
	return pts, nil
}

func radialAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// RadialProfile returns the radial profile of a power spectrum Γ(k) in the
// centred layout (as returned by Spectrum.Power): the mean of Γ over bins of
// |k|, with counts and standard errors, in increasing order of |k|.
//
// Only independent frequencies enter: one member of each pair {k, −k}
// (Γ(k) = Γ(−k) for the power of real images; a value averaged over the pair
// is used, so an asymmetric input is symmetrised) and the self-conjugate
// frequencies except k = 0. Counts and standard errors therefore treat the
// values of a bin as independent, which they are for the periodogram of
// stationary fields; for real images, neighbouring frequencies are
// correlated and the standard errors are optimistic.
//
// The central cross is masked unless opts.Cross is negative (see
// RadialOptions); opts nil means the zero options.
//
// RadialProfile returns an error if power is empty or holds NaN or Inf, the
// options are invalid (negative Bins, or more Bins than distinct |k| in the
// range, a negative or reversed radial range), or no frequency remains.
func RadialProfile(power mat.Matrix, opts *RadialOptions) ([]RadialBin, error) {
	if opts == nil {
		opts = &RadialOptions{}
	}
	if opts.Bins < 0 {
		return nil, fmt.Errorf("noise: negative number of radial bins %d", opts.Bins)
	}
	pts, err := radialSelect(power, opts.Cross, opts.KMin, opts.KMax)
	if err != nil {
		return nil, err
	}
	if len(pts) == 0 {
		return nil, errors.New("noise: no frequency left for the radial profile (mask or range too tight)")
	}
	if err := checkRadialBins(pts, opts.Bins); err != nil {
		return nil, err
	}
	return radialProfile(pts, opts.Bins), nil
}

// checkRadialBins returns an error if bins exceeds the number of distinct
// |k| among pts: more log bins than radii cannot all be filled, and an
// absurd count (2⁴⁰) would take minutes to walk. pts is sorted by |k|.
func checkRadialBins(pts []radialPoint, bins int) error {
	if bins <= 0 {
		return nil
	}
	sort.Slice(pts, func(a, b int) bool { return pts[a].key < pts[b].key })
	distinct := 0
	for i := range pts {
		if i == 0 || pts[i].key != pts[i-1].key {
			distinct++
		}
	}
	if bins > distinct {
		return fmt.Errorf("noise: %d radial bins for %d distinct |k|: use at most %d (or 0 for one exact bin per |k|)", bins, distinct, distinct)
	}
	return nil
}

// radialProfile bins the points; pts is reordered.
func radialProfile(pts []radialPoint, bins int) []RadialBin {
	sort.Slice(pts, func(a, b int) bool { return pts[a].key < pts[b].key })
	var out []RadialBin
	add := func(group []radialPoint, lo, hi float64, exact bool) {
		if len(group) == 0 {
			return
		}
		var mean, logk float64
		for _, p := range group {
			mean += p.value
			logk += math.Log(p.k)
		}
		n := float64(len(group))
		mean /= n
		k := math.Exp(logk / n)
		if exact {
			k, lo, hi = group[0].k, group[0].k, group[0].k
		}
		se := math.NaN()
		if len(group) > 1 {
			var ss float64
			for _, p := range group {
				d := p.value - mean
				ss += d * d
			}
			se = math.Sqrt(ss / (n - 1) / n)
		}
		out = append(out, RadialBin{K: k, Lo: lo, Hi: hi, Mean: mean, StdErr: se, Count: len(group)})
	}
	if bins == 0 {
		start := 0
		for i := 1; i <= len(pts); i++ {
			if i == len(pts) || pts[i].key != pts[start].key {
				add(pts[start:i], 0, 0, true)
				start = i
			}
		}
		return out
	}
	kmin, kmax := pts[0].k, pts[len(pts)-1].k
	llo, lhi := math.Log(kmin), math.Log(kmax)
	width := (lhi - llo) / float64(bins)
	edge := func(b int) float64 {
		switch b {
		case 0:
			return kmin
		case bins:
			return kmax
		}
		return math.Exp(llo + float64(b)*width)
	}
	start := 0
	for b := range bins {
		lo, hi := edge(b), edge(b+1)
		end := start
		for end < len(pts) && (pts[end].k < hi || b == bins-1) {
			end++
		}
		add(pts[start:end], lo, hi, false)
		start = end
	}
	return out
}

// RadialPower returns the radially averaged power spectral density (RAPSD)
// of the sample xs. Each image's power |Z_k|² under the orthonormal DFT
// (equivalently X_k² + X_{−k}² of F_R, since the bins are symmetric in k) is
// averaged over the images and over the annuli
//
//	bin b = round(L·|k|),  b = 1, …, ⌊L/2⌋,  L = min(rows, cols),
//
// of width 1/L cycles per pixel; freq[b−1] = b/L is the centre of bin b.
// Bin 0 (the mean, and for rectangular images the lowest frequencies along
// the longer axis) and the corners beyond the Nyquist frequency of the
// shorter axis are not used. Images of one pixel along an axis have no bins
// and give an error.
//
// RadialPower returns an error if xs is empty or holds a nil matrix, mixed
// shapes, a NaN or infinite pixel, or if min(rows, cols) < 2.
func RadialPower(xs []*mat.Dense) (freq, power []float64, err error) {
	acc, err := powerSum("RadialPower", "xs", xs, 0, 0)
	if err != nil {
		return nil, nil, err
	}
	rows, cols := xs[0].Dims()
	freq, power = radialBins(acc, rows, cols, len(xs))
	return freq, power, nil
}

// powerSum returns Σ_x (F_R x)² over xs, checking that xs is a non-empty
// set of finite rows×cols images (any size if rows is 0) with at least 2
// pixels along each axis.
func powerSum(op, name string, xs []*mat.Dense, rows, cols int) ([]float64, error) {
	rows, cols, err := checkImages(op, name, xs, rows, cols)
	if err != nil {
		return nil, err
	}
	if min(rows, cols) < 2 {
		return nil, fmt.Errorf("noise: %s: %d×%d images have no radial frequency bins (need at least 2×2)", op, rows, cols)
	}
	if err := checkSize("image", rows, cols); err != nil {
		return nil, err
	}
	f := getRealFFT(rows, cols)
	defer putRealFFT(f)
	spec := mat.NewDense(rows, cols, nil)
	acc := make([]float64, rows*cols)
	for _, x := range xs {
		data := f.Forward(spec, x).RawMatrix().Data
		for p, v := range data {
			acc[p] += v * v
		}
	}
	return acc, nil
}

// radialBins averages acc/n over the annuli of RadialPower.
func radialBins(acc []float64, rows, cols, n int) (freq, power []float64) {
	l := min(rows, cols)
	nb := l / 2
	sum := make([]float64, nb)
	count := make([]int, nb)
	for i := range rows {
		for j := range cols {
			b := int(math.Floor(float64(l)*wavenumber(rows, cols, i, j) + 0.5))
			if b < 1 || b > nb {
				continue
			}
			sum[b-1] += acc[i*cols+j]
			count[b-1]++
		}
	}
	freq = make([]float64, nb)
	power = make([]float64, nb)
	for b := range nb {
		freq[b] = float64(b+1) / float64(l)
		power[b] = sum[b] / float64(count[b]*n)
	}
	return freq, power
}
