package noise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"golang.org/x/exp/constraints"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/internal/fft"
	"github.com/cloud-diffusion/noise/internal/parallel"
)

// Scaling parameters Δ of the named power-law noises. (White noise is not
// the power law with Δ = 0, which removes k = 0 and is cropped: it is
// WhiteDensity.)
const (
	PinkDelta  = 1.0 // pink (1/f) noise
	CloudDelta = 1.5 // cloud noise: the Δ of natural images
	RedDelta   = 2.0 // red (Brownian) noise
)

// DefaultPad is the padding factor of the paper's construction.
const DefaultPad = 3

// Spec describes stationary Gaussian noise of unit pixel variance and how it
// is drawn. The spectrum is the power law Γ(k) ∝ |k|^(−2Δ) when Density is
// nil, and Density otherwise; the construction is the paper's: white noise
// coloured by √Γ on a grid Pad times larger in each dimension, modes with
// |k| < KMin removed, centre cropped to Rows×Cols, scaled to unit pixel
// variance by a closed form.
//
// The power law leaves out k = 0 (Γ diverges there), so Spec{Delta: 0} is
// not white noise: its pixels have a covariance of −1/(M−1) on the padded
// grid of M points. True white noise, independent standard normal pixels,
// is Spec{Density: WhiteDensity()}.
//
// A Spec is a comparable value: two Specs with the same fields and the same
// *Density pointer are equal (Equal also compares densities by value).
type Spec struct {
	Rows, Cols int
	// Delta is the scaling parameter Δ ≥ 0 of the power law: 0 flat (k = 0
	// removed), 1 pink, 1.5 cloud, 2 red. It must be 0 when Density is set.
	Delta float64
	// Density, if not nil, is the spectrum instead of the power law: white,
	// a function of |k|, a tabulated or a measured spectrum (see Density).
	Density *Density
	// Pad is the padding factor ≥ 1; 0 means 3 (the paper's); 1 gives
	// periodic noise, whose expected periodogram is the spectrum itself.
	// It is not used by white noise (WhiteDensity with KMin 0).
	Pad float64
	// KMin is the infrared cutoff in cycles per pixel: modes with
	// |k| < KMin are removed; 0 keeps all but those the spectrum leaves out.
	KMin float64
}

// String returns the spec in Go syntax, with the density described by its
// String method.
func (s Spec) String() string {
	if s.Density != nil {
		return fmt.Sprintf("Spec{Rows: %d, Cols: %d, Density: %v, Pad: %g, KMin: %g}", s.Rows, s.Cols, s.Density, s.Pad, s.KMin)
	}
	return fmt.Sprintf("Spec{Rows: %d, Cols: %d, Delta: %g, Pad: %g, KMin: %g}", s.Rows, s.Cols, s.Delta, s.Pad, s.KMin)
}

// Equal reports whether s and t describe the same noise: equal fields, with
// the densities compared by Density.Equal.
func (s Spec) Equal(t Spec) bool {
	d, e := s.Density, t.Density
	s.Density, t.Density = nil, nil
	return s == t && d.Equal(e)
}

// white reports whether the (normalised) spec draws independent pixels
// directly.
func (s Spec) white() bool {
	return s.Density != nil && s.Density.kind == densityWhite && s.KMin == 0
}

// normalize validates s and fills in defaults.
func (s Spec) normalize() (Spec, error) {
	if err := checkSize("noise", s.Rows, s.Cols); err != nil {
		return s, err
	}
	switch {
	case math.IsNaN(s.Delta) || math.IsInf(s.Delta, 0) || s.Delta < 0:
		return s, fmt.Errorf("noise: Delta = %g: must be finite and ≥ 0", s.Delta)
	case s.Density != nil && s.Delta != 0:
		return s, fmt.Errorf("noise: Delta = %g with a Density: Delta must be 0 when Density gives the spectrum", s.Delta)
	case math.IsNaN(s.Pad) || math.IsInf(s.Pad, 0) || (s.Pad != 0 && s.Pad < 1):
		return s, fmt.Errorf("noise: Pad = %g: must be ≥ 1 (or 0 for the default 3)", s.Pad)
	case math.IsNaN(s.KMin) || math.IsInf(s.KMin, 0) || s.KMin < 0:
		return s, fmt.Errorf("noise: KMin = %g: must be finite and ≥ 0", s.KMin)
	case s.KMin >= 0.5:
		return s, fmt.Errorf("noise: KMin = %g cycles per pixel is at or beyond the Nyquist frequency 0.5", s.KMin)
	}
	if s.Density != nil {
		if err := s.Density.validate(); err != nil {
			return s, err
		}
	}
	if s.Pad == 0 {
		s.Pad = DefaultPad
	}
	if s.white() {
		return s, nil
	}
	if r, c := padSize(s.Rows, s.Pad), padSize(s.Cols, s.Pad); r > MaxPixels || c > MaxPixels || r*c > MaxPixels {
		return s, fmt.Errorf("noise: %d×%d noise with Pad %g needs a %d×%d grid, over the limit of %d pixels (MaxPixels)", s.Rows, s.Cols, s.Pad, r, c, MaxPixels)
	}
	return s, nil
}

// kernels caches the kernels of power-law Specs by normalised Spec:
// building one costs a few transforms of the padded grid, and they are
// immutable. Specs with a Density are cached in the density itself, so
// that the cache lives as long as the density.
var kernels sync.Map // Spec → *kernel

func kernelFor(spec Spec) (*kernel, error) {
	spec, err := spec.normalize()
	if err != nil {
		return nil, err
	}
	cache := &kernels
	if spec.Density != nil {
		cache = spec.Density.kernels
	}
	if k, ok := cache.Load(spec); ok {
		return k.(*kernel), nil
	}
	k, err := newKernel(spec, true)
	if err != nil {
		return nil, err
	}
	actual, _ := cache.LoadOrStore(spec, k)
	return actual.(*kernel), nil
}

// Sampler draws fields of one Spec. Fields are exactly Gaussian with zero
// mean, unit pixel variance, and the pixel covariance of the construction
// (see Covariance; their expected power spectrum is Power); the
// normalisation is the closed form v = (1/M) Σ_k Γ(k) over the M modes of
// the padded grid, never a per-sample rescaling, so sums of independent
// fields obey the summation law exactly.
//
// Internally the sampler uses a circulant embedding of the crop's covariance
// on a torus 2–2.7 times the field's size when one exists and is cheaper to
// transform than the paper's padded grid of Pad times, and the padded grid
// otherwise; both give the same distribution (the embedding reproduces the
// covariance of the paper's crop to within 1e-12 at every lag). Finding the
// embedding for Δ ≳ 1.5 costs up to a few hundred transforms of the torus,
// once per Spec (cached for the life of the process). Each complex transform yields two
// independent fields. White noise (WhiteDensity) is drawn directly, with no
// transform, in the same pairs and per-row streams.
//
// A Sampler owns its buffers and its random stream and must not be used by
// two goroutines at once; SampleBatch and Fill use all cores internally.
type Sampler struct {
	k   *kernel
	rnd *rand.Rand
	gen *generator // passes split over all cores
	// spare holds the second field of the last pair, returned by the next
	// Sample.
	spare    []float64
	hasSpare bool

	// Batch state: per-worker generators and the arguments of the batch
	// under way.
	group    parallel.Group
	workers  []*pairWorker
	seeds    []uint64
	batchFn  func(c, lo, hi int)
	batchOut []*mat.Dense
	fillOut  func(i int, field []float64)
	count    int
}

// pairWorker generates pairs of fields on one goroutine.
type pairWorker struct {
	gen  *generator // serial
	a, b []float64
}

// NewSampler returns a sampler for spec drawing from src; a nil src uses a
// source seeded from the global, non-reproducible generator. It returns an
// error if Rows or Cols is less than 1, Delta is negative or not finite (or
// not 0 with a Density), Pad is below 1 (other than 0, the default 3), KMin
// is negative, not finite or at or beyond the Nyquist frequency 0.5, the
// padded grid exceeds MaxPixels, the Density is invalid or takes a NaN,
// negative or (at k ≠ 0) infinite value on the grid, or the spec leaves no
// Fourier mode.
func NewSampler(spec Spec, src rand.Source) (*Sampler, error) {
	k, err := kernelFor(spec)
	if err != nil {
		return nil, err
	}
	if src == nil {
		src = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	s := &Sampler{
		k:     k,
		rnd:   rand.New(src),
		gen:   newGenerator(k, parallel.Workers()),
		spare: make([]float64, spec.Rows*spec.Cols),
	}
	s.batchFn = s.batchChunk
	return s, nil
}

// Spec returns the sampler's spec with defaults filled in.
func (s *Sampler) Spec() Spec { return s.k.spec }

// Variance returns v = (1/M) Σ_k Γ(k), the pixel variance of the
// unnormalised construction over the M modes of the padded grid (|k| in
// cycles per pixel; Γ(k) = |k|^(−2Δ) with A = 1 for the power law, the
// Density's values otherwise): the closed form by which fields are divided
// to have unit variance. It is 1 for white noise.
func (s *Sampler) Variance() float64 { return s.k.variance }

// Covariance returns the covariance (and correlation: fields have unit
// variance) of two pixels of a field at lag (dy, dx), from the closed form
// c(d) = Σ_k Γ(k) e^{2πi k·d} / Σ_k Γ(k) over the padded grid (δ_d for white
// noise). Covariance panics if |dy| ≥ Rows or |dx| ≥ Cols.
func (s *Sampler) Covariance(dy, dx int) float64 {
	if dy <= -s.k.spec.Rows || dy >= s.k.spec.Rows || dx <= -s.k.spec.Cols || dx >= s.k.spec.Cols {
		panic(fmt.Sprintf("noise: lag (%d, %d) outside a %d×%d field", dy, dx, s.k.spec.Rows, s.k.spec.Cols))
	}
	return s.k.covariance(dy, dx)
}

// Power returns the exact expected power spectrum E|Z_k|² of the fields, Z
// the orthonormal 2-D DFT of a field (the units of Spectrum.Power and
// RealFFT2), as a new Rows×Cols matrix in the centred layout. It follows
// from the covariance c of the construction: the expected periodogram of a
// stationary field seen through an N_y×N_x window is
//
//	E|Z_k|² = Σ_d c(d) (1 − |d_y|/N_y)(1 − |d_x|/N_x) e^{−2πi k·d},
//
// over the lags |d_y| < N_y, |d_x| < N_x; the lags are folded onto the
// N_y×N_x torus and transformed once. The mean of Power over k is 1 (unit
// pixel variance). With Pad 1 the fields are periodic and Power is the
// spectrum itself, normalised: Γ(k)/v; with Pad > 1 it is the spectrum of
// the padded grid smoothed by the window's Fejér kernel. For white noise it
// is 1 everywhere. Power costs one transform of the field's size.
func (s *Sampler) Power() *mat.Dense {
	r, c := s.k.spec.Rows, s.k.spec.Cols
	out := mat.NewDense(r, c, nil)
	data := out.RawMatrix().Data
	if s.k.white {
		for i := range data {
			data[i] = 1
		}
		return out
	}
	// B(m) = Σ_{d ≡ m} c(d) w(d), folded per axis: lags m and m − N.
	b := make([]complex128, r*c)
	for my := range r {
		for mx := range c {
			var sum float64
			for _, dy := range [2]int{my, my - r} {
				if dy == -r {
					continue // my = 0: one lag only
				}
				wy := 1 - math.Abs(float64(dy))/float64(r)
				for _, dx := range [2]int{mx, mx - c} {
					if dx == -c {
						continue
					}
					wx := 1 - math.Abs(float64(dx))/float64(c)
					sum += s.k.covariance(dy, dx) * wy * wx
				}
			}
			b[my*c+mx] = complex(sum, 0)
		}
	}
	// B is real and even, so its DFT is real; the inverse transform (the
	// one the kernel uses) equals the forward one here.
	fft.NewPlan(r, c).Inverse(b)
	for i := range r {
		u := (i - r/2 + r) % r
		for j := range c {
			v := (j - c/2 + c) % c
			data[i*c+j] = real(b[u*c+v])
		}
	}
	return out
}

// LongWaveShare returns the share of the pixel variance carried by modes
// whose wavelength 1/|k| is longer than the field's longer side. Such modes
// make each field look like a tilted or offset plane plus detail; for Δ = 1.5
// and Pad = 3 on a square field they carry about 76% of the variance (the
// share is nearly independent of the size).
// Setting KMin = 1/max(Rows, Cols) removes them (and Variance then counts
// only the modes kept).
func (s *Sampler) LongWaveShare() float64 { return s.k.longShare }

func (s *Sampler) checkDst(dst *mat.Dense) *mat.Dense {
	return prepareDst(dst, s.k.spec.Rows, s.k.spec.Cols)
}

// Sample fills dst with a new field and returns it. If dst is nil a new
// matrix is allocated; an empty dst is resized. Sample panics if dst is not
// Rows×Cols. Fields come in independent pairs from one transform, defined by
// two seeds drawn from the source: every other call only copies the second
// field of the pair. From a fresh sampler, k calls give the same fields as
// one SampleBatch of k. The passes of the transform use all cores.
func (s *Sampler) Sample(dst *mat.Dense) *mat.Dense {
	dst = s.checkDst(dst)
	raw := dst.RawMatrix()
	rows, cols := s.k.spec.Rows, s.k.spec.Cols
	if s.hasSpare {
		for i := range rows {
			copy(raw.Data[i*raw.Stride:i*raw.Stride+cols], s.spare[i*cols:(i+1)*cols])
		}
		s.hasSpare = false
		return dst
	}
	seedA := s.rnd.Uint64()
	seedB := s.rnd.Uint64()
	s.gen.pair(seedA, seedB, raw.Data, raw.Stride, s.spare, cols)
	s.hasSpare = true
	return dst
}

// SampleBatch fills every matrix in dst with an independent field, using all
// cores, and returns dst; nil or empty entries are allocated. The result
// depends only on the sampler's source, not on GOMAXPROCS: fields 2j and
// 2j+1 come from one transform seeded by two values drawn in order from the
// source, as in Sample (a pending second field of Sample is not used). SampleBatch panics if an entry is not Rows×Cols. It does not
// allocate when every entry is given.
func (s *Sampler) SampleBatch(dst []*mat.Dense) []*mat.Dense {
	for i := range dst {
		dst[i] = s.checkDst(dst[i])
	}
	s.batchOut = dst
	s.run(len(dst))
	s.batchOut = nil
	return dst
}

// Fill fills dst with len(dst)/(Rows·Cols) independent fields stored one
// after another in row-major order, using all cores, like SampleBatch. It is
// the entry point for machine-learning pipelines that want raw float32 or
// float64 buffers. Fill panics if s is nil (or not made by NewSampler) or
// len(dst) is not a multiple of Rows·Cols.
func Fill[T constraints.Float](s *Sampler, dst []T) {
	if s == nil || s.k == nil {
		panic("noise: Fill with a nil Sampler or one not made by NewSampler")
	}
	n := s.k.spec.Rows * s.k.spec.Cols
	if len(dst)%n != 0 {
		panic(fmt.Sprintf("noise: Fill of %d values is not a whole number of %d×%d fields", len(dst), s.k.spec.Rows, s.k.spec.Cols))
	}
	s.fillOut = func(i int, field []float64) {
		out := dst[i*n : (i+1)*n]
		for j, v := range field {
			out[j] = T(v)
		}
	}
	s.run(len(dst) / n)
	s.fillOut = nil
}

// run generates count fields in pairs across the workers.
func (s *Sampler) run(count int) {
	pairs := (count + 1) / 2
	if cap(s.seeds) < 2*pairs {
		s.seeds = make([]uint64, 2*pairs)
	}
	s.seeds = s.seeds[:2*pairs]
	for i := range s.seeds {
		s.seeds[i] = s.rnd.Uint64()
	}
	if s.workers == nil {
		s.workers = make([]*pairWorker, parallel.Workers())
	}
	s.count = count
	s.group.For(pairs, len(s.workers), s.batchFn)
}

func (s *Sampler) batchChunk(c, lo, hi int) {
	w := s.workers[c]
	k := s.k
	n := k.spec.Rows * k.spec.Cols
	if w == nil {
		w = &pairWorker{
			gen: newGenerator(k, 1),
			a:   make([]float64, n),
			b:   make([]float64, n),
		}
		s.workers[c] = w
	}
	cols := k.spec.Cols
	for p := lo; p < hi; p++ {
		sa, sb := s.seeds[2*p], s.seeds[2*p+1]
		i0, i1 := 2*p, 2*p+1
		if s.batchOut != nil {
			ra := s.batchOut[i0].RawMatrix()
			if i1 < s.count {
				rb := s.batchOut[i1].RawMatrix()
				w.gen.pair(sa, sb, ra.Data, ra.Stride, rb.Data, rb.Stride)
			} else {
				w.gen.pair(sa, sb, ra.Data, ra.Stride, w.b, cols)
			}
			continue
		}
		w.gen.pair(sa, sb, w.a, cols, w.b, cols)
		s.fillOut(i0, w.a[:n])
		if i1 < s.count {
			s.fillOut(i1, w.b[:n])
		}
	}
}

// Cloud returns an n×n field of cloud noise with scaling parameter delta
// (1.5 for natural images) by the paper's construction (Spec with Pad 3),
// drawn from the global, non-reproducible generator. For reproducible or
// repeated sampling use NewSampler. Cloud panics with a noise: message if
// n < 1 or delta is negative or not finite, or the padded grid would exceed
// MaxPixels.
func Cloud(n int, delta float64) *mat.Dense {
	return mustSample(Spec{Rows: n, Cols: n, Delta: delta})
}

// Pink returns an n×n field of pink noise (Δ = 1); see Cloud.
func Pink(n int) *mat.Dense { return mustSample(Spec{Rows: n, Cols: n, Delta: PinkDelta}) }

// Red returns an n×n field of red (Brownian) noise (Δ = 2); see Cloud.
func Red(n int) *mat.Dense { return mustSample(Spec{Rows: n, Cols: n, Delta: RedDelta}) }

// White returns an n×n field of independent standard normal pixels (Spec
// with WhiteDensity) from the global, non-reproducible generator. White
// panics if n < 1 or n² exceeds MaxPixels.
func White(n int) *mat.Dense {
	return mustSample(Spec{Rows: n, Cols: n, Density: WhiteDensity()})
}

func mustSample(spec Spec) *mat.Dense {
	s, err := NewSampler(spec, nil)
	if err != nil {
		panic(err.Error())
	}
	return s.Sample(nil)
}
