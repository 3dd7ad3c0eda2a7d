package noise

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/internal/parallel"
)

// Spectrum is a streaming, mergeable accumulator of the second-order
// statistics of a set of rows×cols images: the per-pixel mean and standard
// deviation, and the diagonal Γ(k) of the covariance in Fourier space.
//
// For each image x added, Spectrum updates Welford's running mean and sum of
// squared deviations of every pixel x_p and of every coefficient X_k of the
// real Fourier transform X = F_R x (RealFFT2). Because F_R is linear and
// orthogonal, E[X] = F_R E[x], and for a pair {k, −k} of distinct frequencies
//
//	E|Z_k − E Z_k|² = (Var X_k + Var X_{−k})/2,
//
// while at a self-conjugate frequency it is Var X_k (Z is the orthonormal
// complex DFT). So Γ(k), the variance of Z_k of mean-removed images, comes
// from one pass over the data in O(rows·cols) memory, whatever the number of
// images. Power divides it by the mean pixel variance.
//
// # Variances
//
// All variances are population variances (divisor n, numpy's default), so
// Std of a single image is zero. Power is a ratio of variances and does not
// depend on the divisor.
//
// # Memory
//
// The state is four float64 values per pixel: 32 bytes per pixel, 295 KB at
// 96×96, whatever the number of images. Add allocates on its first call a
// RealFFT plan and work images, about 47 more bytes per pixel; AddBatch
// allocates on its first call one plan and input image per worker and
// holds 4 transforms per worker, about 70 bytes per pixel per worker (1.3
// MB at 96×96 on 2 cores). Neither allocates afterwards (TestSpectrumMemory
// measures these numbers). Merge and UnmarshalBinary need only the state.
//
// # Merging
//
// Merge combines partial accumulators with Chan's formula, so a set split
// into shards, accumulated separately and merged gives the accumulator of
// the whole set up to rounding; MarshalBinary and UnmarshalBinary move
// partial accumulators between processes. Partial accumulators of
// independent groups of images also give honest errors of a fitted Δ
// (FitPowerLawJackknife).
//
// # Options
//
// NewSpectrumOptions adds an apodisation window and the paper-exact
// per-pixel standardisation; see SpectrumOptions.
//
// A Spectrum must not be used by two goroutines at once.
type Spectrum struct {
	rows, cols int
	n          int

	// Welford state of pixels x and of Fourier coefficients X.
	mean, m2   []float64
	fmean, fm2 []float64

	// Options: separable window wy⊗wx (nil: none), and per-pixel centre and
	// scale of the standardisation (nil: none), with inv = 1/scale (0 where
	// scale is 0).
	wy, wx        []float64
	center, scale []float64
	inv           []float64

	// Work space, allocated on first Add.
	plan  *RealFFT
	input []float64  // non-Dense input copy
	tin   *mat.Dense // windowed/standardised input
	fx    *mat.Dense // transform

	// AddBatch work space.
	batch *spectrumBatch
}

// SpectrumOptions configures a Spectrum made by NewSpectrumOptions. The zero
// value gives the Spectrum of NewSpectrum.
type SpectrumOptions struct {
	// Window, if not nil, is a 1-D apodisation window in the form of gonum's
	// dsp/window package: it multiplies a sequence in place and returns it,
	// like window.Hann or window.Tukey{Alpha: 0.5}.Transform. The 2-D window
	// is separable, w_ij = wy_i·wx_j with wy = Window(ones(rows)) and
	// wx = Window(ones(cols)), and each image is multiplied by w before the
	// transform (after standardisation, if any). A window tapers the image
	// to zero at its edges, so the periodic DFT no longer sees the jump
	// between opposite edges that puts spurious power on the central cross
	// kx = 0, ky = 0; the price is a spectrum blurred by the window's
	// transform (a few lattice units for Hann). With a window, Power divides
	// by the mean of Var X_k, which is Σ_p w_p² Var x_p / (rows·cols), so
	// white noise still has Γ = 1.
	Window func(seq []float64) []float64

	// Center and Scale, if not nil, make the accumulator standardise each
	// image per pixel before the transform, x'_p = (x_p − Center_p)/Scale_p,
	// the paper's estimator. Both must be rows×cols, finite, and Scale
	// non-negative; pixels with Scale 0 (constant pixels) are set to 0.
	// Either both are nil or neither. Spectrum.Standardized sets them from a
	// first pass, which is the usual way to use them. Mean and Std always
	// describe the images as added, before standardisation.
	Center, Scale mat.Matrix
}

// NewSpectrum returns an empty accumulator for rows×cols images. Like make,
// it panics with a noise: message if rows or cols is less than 1 or
// rows·cols exceeds MaxPixels.
func NewSpectrum(rows, cols int) *Spectrum {
	s, err := NewSpectrumOptions(rows, cols, nil)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// NewSpectrumOptions returns an empty accumulator for rows×cols images with
// the options opts (nil means the zero SpectrumOptions, as NewSpectrum), or
// an error if the size is invalid (as for NewSpectrum)
// or the options are: a window that returns a sequence of the wrong length,
// non-finite or negative values, or all zeros; Center or Scale of the wrong
// shape or with non-finite values, negative scales, or only one of the two
// given.
func NewSpectrumOptions(rows, cols int, opts *SpectrumOptions) (*Spectrum, error) {
	if err := checkSize("spectrum", rows, cols); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &SpectrumOptions{}
	}
	n := rows * cols
	s := &Spectrum{
		rows: rows, cols: cols,
		mean: make([]float64, n), m2: make([]float64, n),
		fmean: make([]float64, n), fm2: make([]float64, n),
	}
	if opts.Window != nil {
		var err error
		if s.wy, err = spectrumWindow(opts.Window, rows); err != nil {
			return nil, err
		}
		if s.wx, err = spectrumWindow(opts.Window, cols); err != nil {
			return nil, err
		}
	}
	if (opts.Center == nil) != (opts.Scale == nil) {
		return nil, errors.New("noise: spectrum options: Center and Scale must be given together")
	}
	if opts.Center != nil {
		var err error
		if s.center, err = spectrumCopy("Center", opts.Center, rows, cols); err != nil {
			return nil, err
		}
		if s.scale, err = spectrumCopy("Scale", opts.Scale, rows, cols); err != nil {
			return nil, err
		}
		for p, v := range s.scale {
			if v < 0 {
				return nil, fmt.Errorf("noise: spectrum options: negative Scale %g at (%d, %d)", v, p/cols, p%cols)
			}
		}
		s.setInverse()
	}
	return s, nil
}

func (s *Spectrum) setInverse() {
	s.inv = make([]float64, len(s.scale))
	for p, v := range s.scale {
		if v > 0 {
			s.inv[p] = 1 / v
		}
	}
}

// spectrumWindow evaluates a 1-D window of length n.
func spectrumWindow(w func([]float64) []float64, n int) ([]float64, error) {
	seq := make([]float64, n)
	for i := range seq {
		seq[i] = 1
	}
	out := w(seq)
	if len(out) != n {
		return nil, fmt.Errorf("noise: spectrum window returned %d values for length %d", len(out), n)
	}
	var sum float64
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("noise: spectrum window of length %d has invalid value %g at %d", n, v, i)
		}
		sum += v
	}
	if sum == 0 {
		return nil, fmt.Errorf("noise: spectrum window of length %d is zero everywhere", n)
	}
	return append([]float64(nil), out...), nil
}

// spectrumCopy copies a rows×cols matrix of finite values into a new slice.
func spectrumCopy(name string, m mat.Matrix, rows, cols int) ([]float64, error) {
	if r, c := m.Dims(); r != rows || c != cols {
		return nil, fmt.Errorf("noise: spectrum options: %s is %d×%d, want %d×%d", name, r, c, rows, cols)
	}
	out := make([]float64, rows*cols)
	for i := range rows {
		for j := range cols {
			v := m.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("noise: spectrum options: %s has non-finite value %g at (%d, %d)", name, v, i, j)
			}
			out[i*cols+j] = v
		}
	}
	return out, nil
}

// Dims returns the size of the images the accumulator takes.
func (s *Spectrum) Dims() (rows, cols int) { return s.rows, s.cols }

// Count returns the number of images accumulated.
func (s *Spectrum) Count() int { return s.n }

// Reset empties the accumulator, keeping its size, options and work space.
func (s *Spectrum) Reset() {
	s.n = 0
	for _, v := range [][]float64{s.mean, s.m2, s.fmean, s.fm2} {
		clear(v)
	}
}

// spectrumName names image idx of a batch, or the image of Add for idx < 0.
func spectrumName(idx int) string {
	if idx < 0 {
		return "image"
	}
	return fmt.Sprintf("image %d", idx)
}

// checkImage returns the row-major data and stride of x, copying into buf
// (grown as needed) unless x is a *mat.Dense, or an error if x is nil, of the
// wrong size or holds a NaN, an Inf or a value beyond ±1e100. idx numbers x
// in errors (see spectrumName).
func (s *Spectrum) checkImage(idx int, x mat.Matrix, buf *[]float64) ([]float64, int, error) {
	if d, ok := x.(*mat.Dense); x == nil || ok && d == nil {
		return nil, 0, fmt.Errorf("noise: %s is nil", spectrumName(idx))
	}
	rows, cols := x.Dims()
	if rows != s.rows || cols != s.cols {
		return nil, 0, fmt.Errorf("noise: %s is %d×%d, want %d×%d: %w", spectrumName(idx), rows, cols, s.rows, s.cols, mat.ErrShape)
	}
	var data []float64
	var stride int
	if d, ok := x.(*mat.Dense); ok {
		raw := d.RawMatrix()
		data, stride = raw.Data, raw.Stride
	} else {
		if len(*buf) < rows*cols {
			*buf = make([]float64, rows*cols)
		}
		data, stride = *buf, cols
		for i := range rows {
			for j := range cols {
				data[i*cols+j] = x.At(i, j)
			}
		}
	}
	for i := range rows {
		for j, v := range data[i*stride : i*stride+cols] {
			if !(math.Abs(v) <= maxSpectrumValue) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, 0, fmt.Errorf("noise: %s has non-finite value %g at (%d, %d)", spectrumName(idx), v, i, j)
				}
				return nil, 0, fmt.Errorf("noise: %s has value %g at (%d, %d), beyond ±%g where the accumulator's squares would overflow: scale the images (Power and fits do not depend on the scale)", spectrumName(idx), v, i, j, maxSpectrumValue)
			}
		}
	}
	return data, stride, nil
}

// maxSpectrumValue bounds the magnitude of the pixels a Spectrum accepts.
// Its state holds sums of squares of pixels and of Fourier coefficients
// (|X_k| ≤ √(rows·cols)·max|x|), which stay below 10²⁵⁰ for any count and
// size up to MaxPixels; beyond, they overflow to +Inf and Power would be
// NaN.
const maxSpectrumValue = 1e100

// prepare writes the windowed, standardised image into t and returns the
// matrix to transform: t, or x itself when there are no options.
func (s *Spectrum) prepare(t *mat.Dense, x mat.Matrix, data []float64, stride int) mat.Matrix {
	if s.wy == nil && s.inv == nil {
		if d, ok := x.(*mat.Dense); ok {
			return d
		}
	}
	traw := t.RawMatrix()
	for i := range s.rows {
		src := data[i*stride : i*stride+s.cols]
		dst := traw.Data[i*traw.Stride : i*traw.Stride+s.cols]
		copy(dst, src)
		if s.inv != nil {
			c := s.center[i*s.cols : (i+1)*s.cols]
			inv := s.inv[i*s.cols : (i+1)*s.cols]
			for j := range dst {
				dst[j] = (dst[j] - c[j]) * inv[j]
			}
		}
		if s.wy != nil {
			wy := s.wy[i]
			for j, wx := range s.wx {
				dst[j] *= wy * wx
			}
		}
	}
	return t
}

func (s *Spectrum) ensureWork() error {
	if s.plan != nil {
		return nil
	}
	plan, err := NewRealFFT(s.rows, s.cols)
	if err != nil {
		return err
	}
	s.plan = plan
	s.tin = mat.NewDense(s.rows, s.cols, nil)
	s.fx = mat.NewDense(s.rows, s.cols, nil)
	return nil
}

// Add adds the image x to the accumulator. It returns an error, and adds
// nothing, if x is nil, is not rows×cols or holds a NaN, an Inf or a value
// of magnitude above 1e100 (whose squares would overflow). x is not
// modified. Add does not allocate after its first call.
func (s *Spectrum) Add(x mat.Matrix) error {
	data, stride, err := s.checkImage(-1, x, &s.input)
	if err != nil {
		return err
	}
	if err := s.ensureWork(); err != nil {
		return err
	}
	s.plan.Forward(s.fx, s.prepare(s.tin, x, data, stride))
	s.n++
	inv := 1 / float64(s.n)
	for i := range s.rows {
		lo := i * s.cols
		welford(s.mean[lo:], s.m2[lo:], data[i*stride:i*stride+s.cols], inv)
	}
	welford(s.fmean, s.fm2, s.fx.RawMatrix().Data, inv)
	return nil
}

// Merge adds the statistics of o to s, as if every image added to o had been
// added to s (Chan, Golub and LeVeque's pairwise update, exact up to
// rounding). o is not modified and may be s itself. Merge returns an error,
// and changes nothing, if o has a different size or different options
// (window, standardisation), if the merged count would exceed 2^31−1 (the
// largest the binary encoding holds), or if a merged mean or sum of squares
// would overflow float64.
func (s *Spectrum) Merge(o *Spectrum) error {
	if o == nil {
		return errors.New("noise: merge of a nil spectrum")
	}
	if o.rows != s.rows || o.cols != s.cols {
		return fmt.Errorf("noise: merge of a %d×%d spectrum into a %d×%d one: %w", o.rows, o.cols, s.rows, s.cols, mat.ErrShape)
	}
	if !spectrumSame(s.wy, o.wy) || !spectrumSame(s.wx, o.wx) {
		return errors.New("noise: merge of spectra with different windows")
	}
	if !spectrumSame(s.center, o.center) || !spectrumSame(s.scale, o.scale) {
		return errors.New("noise: merge of spectra with different standardisations")
	}
	if o.n == 0 {
		return nil
	}
	if s.n > spectrumMaxCount-o.n {
		return fmt.Errorf("noise: merge of spectra of %d and %d images: more than %d images", s.n, o.n, spectrumMaxCount)
	}
	na, nb := float64(s.n), float64(o.n)
	n := na + nb
	if !chanMergeFinite(s.mean, s.m2, o.mean, o.m2, na, nb, n) || !chanMergeFinite(s.fmean, s.fm2, o.fmean, o.fm2, na, nb, n) {
		return errors.New("noise: merge of spectra whose means or variances overflow float64")
	}
	chanMerge(s.mean, s.m2, o.mean, o.m2, na, nb, n)
	chanMerge(s.fmean, s.fm2, o.fmean, o.fm2, na, nb, n)
	s.n += o.n
	return nil
}

func spectrumSame(a, b []float64) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i, v := range a {
		if math.Float64bits(v) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func (s *Spectrum) checkNonEmpty(what string) error {
	if s.n == 0 {
		return fmt.Errorf("noise: %s of an empty spectrum", what)
	}
	return nil
}

// Mean returns the per-pixel mean of the images added, as a new rows×cols
// matrix, or an error if no image has been added.
func (s *Spectrum) Mean() (*mat.Dense, error) {
	if err := s.checkNonEmpty("mean"); err != nil {
		return nil, err
	}
	return mat.NewDense(s.rows, s.cols, append([]float64(nil), s.mean...)), nil
}

// Std returns the per-pixel population standard deviation (divisor n) of
// the images added, as a new rows×cols matrix, or an error if no image has
// been added.
func (s *Spectrum) Std() (*mat.Dense, error) {
	if err := s.checkNonEmpty("standard deviation"); err != nil {
		return nil, err
	}
	out := make([]float64, len(s.m2))
	inv := 1 / float64(s.n)
	for p, v := range s.m2 {
		out[p] = math.Sqrt(max(v, 0) * inv)
	}
	return mat.NewDense(s.rows, s.cols, out), nil
}

// Power returns Γ(k), the variance E|Z_k − E Z_k|² of the orthonormal DFT
// coefficient Z_k of the images (windowed and standardised if so
// configured), divided by the mean pixel variance, as a new rows×cols matrix
// in the centred layout. The divisor is computed as the mean of Var X_k over
// all k, which equals the mean pixel variance because F_R is orthogonal
// (with a window, the mean of w_p² Var x_p); so the mean of Γ over all k is
// 1, white noise has Γ ≈ 1 everywhere, and Γ(k) = Γ(−k).
//
// Without options, Power is the paper's Γ up to the standardisation: the
// paper divides each pixel by its own standard deviation, Power divides all
// by the mean variance; the two agree when the pixel variance is uniform.
// For the paper's numbers exactly, use Standardized.
//
// Power returns an error if no image has been added or the images have zero
// variance (fewer than two distinct images).
func (s *Spectrum) Power() (*mat.Dense, error) {
	if err := s.checkNonEmpty("power"); err != nil {
		return nil, err
	}
	var total float64
	for _, v := range s.fm2 {
		total += v
	}
	if !(total > 0) {
		return nil, fmt.Errorf("noise: power of a spectrum of %d images with zero variance", s.n)
	}
	if math.IsInf(total, 0) {
		return nil, fmt.Errorf("noise: power of a spectrum of %d images whose variances overflow float64", s.n)
	}
	// Var X_k = fm2/n; Γ = (Var X_k + Var X_{−k})/2 / mean Var.
	scale := float64(len(s.fm2)) / total
	// A subnormal total overflows scale: divide by it first (each ratio is
	// at most 1).
	tiny := math.IsInf(scale, 0)
	out := mat.NewDense(s.rows, s.cols, nil)
	data := out.RawMatrix().Data
	for i := range s.rows {
		ii := involute(s.rows, i)
		for j := range s.cols {
			q := ii*s.cols + involute(s.cols, j)
			g := 0.5 * (max(s.fm2[i*s.cols+j], 0) + max(s.fm2[q], 0))
			if tiny {
				data[i*s.cols+j] = g / total * float64(len(s.fm2))
			} else {
				data[i*s.cols+j] = g * scale
			}
		}
	}
	return out, nil
}

// emptyLike returns a new, empty Spectrum with the size and options of s.
func (s *Spectrum) emptyLike() *Spectrum {
	n := s.rows * s.cols
	t := &Spectrum{
		rows: s.rows, cols: s.cols,
		mean: make([]float64, n), m2: make([]float64, n),
		fmean: make([]float64, n), fm2: make([]float64, n),
		wy: s.wy, wx: s.wx, center: s.center, scale: s.scale, inv: s.inv,
	}
	return t
}

// MeanVariance returns the divisor of Power: the mean over k of Var X_k,
// which is the mean over pixels of the population variance of the images
// (windowed and standardised if so configured). Power times MeanVariance is
// the unnormalised spectrum E|Z_k − E Z_k|². MeanVariance returns an error
// if no image has been added or the sum of the variances overflows.
func (s *Spectrum) MeanVariance() (float64, error) {
	if err := s.checkNonEmpty("variance"); err != nil {
		return 0, err
	}
	var total float64
	for _, v := range s.fm2 {
		total += v
	}
	if math.IsInf(total, 0) {
		return 0, fmt.Errorf("noise: variance of a spectrum of %d images whose variances overflow float64", s.n)
	}
	return total / float64(len(s.fm2)*s.n), nil
}

// Standardized returns a new, empty Spectrum for the second pass of the
// paper's two-pass estimator: it has the size and window of s and
// standardises every image added by the per-pixel mean and standard
// deviation of s, so that after adding the same images again its Power is
// exactly the paper's Γ, the mean of |Z_k|² of the standardised images
// (whose sample mean is zero). Pixels of zero standard deviation are set to
// zero. It returns an error if s is empty.
func (s *Spectrum) Standardized() (*Spectrum, error) {
	if err := s.checkNonEmpty("standardisation"); err != nil {
		return nil, err
	}
	mean, _ := s.Mean()
	std, _ := s.Std()
	t := s.emptyLike()
	t.center, t.scale = mean.RawMatrix().Data, std.RawMatrix().Data
	t.setInverse()
	return t, nil
}

// spectrumBatch holds the work space of AddBatch: one plan and input buffer
// per worker, and the transforms of a group of images.
type spectrumBatch struct {
	group   parallel.Group
	plans   []*RealFFT
	tins    []*mat.Dense
	inputs  [][]float64
	fxs     []*mat.Dense
	xs      []*mat.Dense
	errs    []error
	base    int // count before the group
	validFn func(c, lo, hi int)
	fftFn   func(c, lo, hi int)
	accFn   func(c, lo, hi int)
}

// spectrumGroup is the number of transforms AddBatch holds per worker.
const spectrumGroup = 4

// AddBatch adds the images xs, using all cores (runtime.GOMAXPROCS). It
// first checks every image and returns an error naming the first bad one
// (by index), adding nothing, if any is nil, of the wrong size or holds a
// NaN, an Inf or a value beyond ±1e100 (see Add).
//
// The transforms run in parallel, one RealFFT plan per worker, and the
// Welford updates run in parallel over rows of pixels, each pixel's updates
// in the order of xs. The result is therefore bit for bit the one of calling
// Add on each image in turn, whatever GOMAXPROCS is. AddBatch holds
// 4·GOMAXPROCS transforms at a time, so its memory does not grow with
// len(xs).
func (s *Spectrum) AddBatch(xs []*mat.Dense) error {
	if s.batch == nil {
		s.batch = new(spectrumBatch)
	}
	b := s.batch
	w := parallel.Workers()
	if b.validFn == nil {
		b.validFn = s.batchValidate
		b.fftFn = s.batchTransform
		b.accFn = s.batchAccumulate
	}
	if len(b.errs) < len(xs) {
		b.errs = make([]error, len(xs))
	}
	b.xs = xs
	b.group.For(len(xs), w, b.validFn)
	for i := range xs {
		if err := b.errs[i]; err != nil {
			clear(b.errs)
			b.xs = nil
			return err
		}
	}
	for len(b.plans) < w {
		// One serial plan per worker: the workers already keep every core
		// busy, and nested parallel passes would only add dispatch cost.
		b.plans = append(b.plans, newSerialRealFFT(s.rows, s.cols))
		b.tins = append(b.tins, mat.NewDense(s.rows, s.cols, nil))
		b.inputs = append(b.inputs, nil)
	}
	g := spectrumGroup * w
	for len(b.fxs) < min(g, len(xs)) {
		b.fxs = append(b.fxs, mat.NewDense(s.rows, s.cols, nil))
	}
	for lo := 0; lo < len(xs); lo += g {
		hi := min(lo+g, len(xs))
		b.xs = xs[lo:hi]
		b.base = s.n
		b.group.For(hi-lo, w, b.fftFn)
		b.group.For(s.rows, w, b.accFn)
		s.n += hi - lo
	}
	b.xs = nil
	return nil
}

func (s *Spectrum) batchValidate(c, lo, hi int) {
	b := s.batch
	for i := lo; i < hi; i++ {
		_, _, b.errs[i] = s.checkImage(i, b.xs[i], nil)
	}
}

func (s *Spectrum) batchTransform(c, lo, hi int) {
	b := s.batch
	for t := lo; t < hi; t++ {
		x := b.xs[t]
		raw := x.RawMatrix()
		in := s.prepare(b.tins[c], x, raw.Data, raw.Stride)
		b.plans[c].Forward(b.fxs[t], in)
	}
}

func (s *Spectrum) batchAccumulate(c, lo, hi int) {
	b := s.batch
	cols := s.cols
	for t, x := range b.xs {
		inv := 1 / float64(b.base+t+1)
		raw := x.RawMatrix()
		f := b.fxs[t].RawMatrix().Data
		for i := lo; i < hi; i++ {
			p := i * cols
			welford(s.mean[p:], s.m2[p:], raw.Data[i*raw.Stride:i*raw.Stride+cols], inv)
			welford(s.fmean[p:], s.fm2[p:], f[p:p+cols], inv)
		}
	}
}

// Binary format of a Spectrum, little endian:
//
//	magic "NSPC", version byte, flags byte (1: window, 2: standardised),
//	rows, cols uint32, count uint64,
//	mean, m2, fmean, fm2 (rows·cols float64 each),
//	[wy (rows), wx (cols)], [center, scale (rows·cols each)].
const (
	spectrumMagic   = "NSPC"
	spectrumVersion = 1
	spectrumHeader  = 4 + 1 + 1 + 4 + 4 + 8
	// spectrumMaxCount is the largest image count UnmarshalBinary accepts
	// and Merge produces.
	spectrumMaxCount = math.MaxInt32
)

// MarshalBinary encodes the accumulator (its size, options, count and
// statistics, not its work space) in a portable binary form with a magic
// number and version byte. It implements encoding.BinaryMarshaler.
func (s *Spectrum) MarshalBinary() ([]byte, error) {
	var flags byte
	if s.wy != nil {
		flags |= 1
	}
	if s.center != nil {
		flags |= 2
	}
	size := spectrumEncodedSize(s.rows, s.cols, flags)
	buf := bytes.NewBuffer(make([]byte, 0, size))
	buf.WriteString(spectrumMagic)
	buf.WriteByte(spectrumVersion)
	buf.WriteByte(flags)
	var tmp [8]byte
	binary.LittleEndian.PutUint32(tmp[:4], uint32(s.rows))
	buf.Write(tmp[:4])
	binary.LittleEndian.PutUint32(tmp[:4], uint32(s.cols))
	buf.Write(tmp[:4])
	binary.LittleEndian.PutUint64(tmp[:], uint64(s.n))
	buf.Write(tmp[:])
	for _, v := range [][]float64{s.mean, s.m2, s.fmean, s.fm2, s.wy, s.wx, s.center, s.scale} {
		for _, f := range v {
			binary.LittleEndian.PutUint64(tmp[:], math.Float64bits(f))
			buf.Write(tmp[:])
		}
	}
	return buf.Bytes(), nil
}

func spectrumEncodedSize(rows, cols int, flags byte) int {
	n := 4 * rows * cols
	if flags&1 != 0 {
		n += rows + cols
	}
	if flags&2 != 0 {
		n += 2 * rows * cols
	}
	return spectrumHeader + 8*n
}

// UnmarshalBinary replaces s by the accumulator encoded in data by
// MarshalBinary. It returns an error, leaving s unchanged, if data is
// truncated, too long, of another format or version, or holds invalid
// values. It implements encoding.BinaryUnmarshaler.
func (s *Spectrum) UnmarshalBinary(data []byte) error {
	if len(data) < spectrumHeader {
		return fmt.Errorf("noise: spectrum encoding truncated: %d bytes, header needs %d", len(data), spectrumHeader)
	}
	if string(data[:4]) != spectrumMagic {
		return errors.New("noise: not a spectrum encoding (bad magic number)")
	}
	if v := data[4]; v != spectrumVersion {
		return fmt.Errorf("noise: spectrum encoding version %d, this package reads version %d", v, spectrumVersion)
	}
	flags := data[5]
	if flags&^3 != 0 {
		return fmt.Errorf("noise: spectrum encoding has unknown flags %#x", flags)
	}
	rows := int(binary.LittleEndian.Uint32(data[6:]))
	cols := int(binary.LittleEndian.Uint32(data[10:]))
	count := binary.LittleEndian.Uint64(data[14:])
	if err := checkSize("spectrum encoding", rows, cols); err != nil {
		return err
	}
	if count > spectrumMaxCount {
		return fmt.Errorf("noise: spectrum encoding has implausible count %d", count)
	}
	if want := spectrumEncodedSize(rows, cols, flags); len(data) != want {
		return fmt.Errorf("noise: spectrum encoding of a %d×%d spectrum has %d bytes, want %d (truncated or corrupt)", rows, cols, len(data), want)
	}
	t := &Spectrum{rows: rows, cols: cols, n: int(count)}
	off := spectrumHeader
	read := func(n int) ([]float64, error) {
		out := make([]float64, n)
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[off:]))
			off += 8
			if math.IsNaN(out[i]) || math.IsInf(out[i], 0) {
				return nil, errors.New("noise: spectrum encoding holds a non-finite value")
			}
		}
		return out, nil
	}
	var err error
	np := rows * cols
	for _, dst := range []*[]float64{&t.mean, &t.m2, &t.fmean, &t.fm2} {
		if *dst, err = read(np); err != nil {
			return err
		}
	}
	for p := range np {
		if t.m2[p] < 0 || t.fm2[p] < 0 {
			return errors.New("noise: spectrum encoding holds a negative sum of squares")
		}
	}
	if flags&1 != 0 {
		if t.wy, err = read(rows); err != nil {
			return err
		}
		if t.wx, err = read(cols); err != nil {
			return err
		}
	}
	if flags&2 != 0 {
		if t.center, err = read(np); err != nil {
			return err
		}
		if t.scale, err = read(np); err != nil {
			return err
		}
		for _, v := range t.scale {
			if v < 0 {
				return errors.New("noise: spectrum encoding holds a negative scale")
			}
		}
		t.setInverse()
	}
	*s = *t
	return nil
}
