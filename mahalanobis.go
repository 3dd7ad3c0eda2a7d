package noise

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/internal/parallel"
)

// Metric measures Mahalanobis distances between rows×cols images relative
// to the reference distribution
//
//	Q0 = N(0, Σ0),  Σ0 = diag(A² |k|^(−2Δ))  in real Fourier space,
//
// the power law that natural images approximately follow. With X = F_R x
// and Y = F_R y the orthonormal real Fourier transforms (see RealFFT2),
//
//	d(x, y | Q0) = √( Σ_{k≠0} (X_k − Y_k)² |k|^(2Δ) ) / A,
//
// with |k| in cycles per pixel (see Wavenumbers). Because F_R is orthogonal
// and packs √2·Re and √2·Im of the orthonormal complex DFT Z = F x, this is
// also √(Σ_{k≠0} |Z_k − W_k|² |k|^(2Δ))/A over the complex spectrum.
//
// # The mean
//
// The zero frequency (k = 0, the image mean) is excluded: Σ0 has infinite
// variance there, so its weight |k|^(2Δ)/A² is taken as 0 (also for Δ = 0,
// where 0⁰ would otherwise be 1). The distance therefore ignores the mean of
// x − y: d(x, y + c | Q0) = d(x, y | Q0) for any constant image c, and d is
// a seminorm on images that is a norm on mean-free images. The Nyquist
// points of even sizes are ordinary frequencies with their own |k|.
//
// # Units
//
// With unit-variance white noise w, E[d(w, 0 | Q0)²] = Σ_{k≠0} |k|^(2Δ)/A²
// exactly (every X_k has unit variance). The paper's published distances
// differ from ours by a single constant factor that comes from its
// unnormalised packing (√(rows·cols/2) times ours at paired entries), its
// |k| units and its omission of 1/A²; ratios of distances carry over
// unchanged. See DistanceTable for the conversion.
//
// # Concurrency and allocation
//
// A Metric owns its buffers (a RealFFT plan, the weight table and scratch
// images): Distance and Norm do not allocate. The batch methods (Between,
// FromCenter) run on all cores with one plan per worker, created on first
// use and kept, and their results do not depend on GOMAXPROCS. A Metric must
// not be used by two goroutines at once.
//
// # Failures
//
// The distances follow gonum's rule (stat.Mahalanobis, mat): a matrix of
// the wrong shape is a programming error and panics with mat.ErrShape (a
// nil matrix panics too); data-dependent failure is a NaN result, never an
// error beside the value. NaN or infinite pixels give NaN or infinite
// distances, and an estimate from no data (an empty set) has Mean and
// StdErr NaN and N = 0. For images from outside, check them first (the
// loaders of imageio and Spectrum.Add reject non-finite pixels) or test the
// result with math.IsNaN.
type Metric struct {
	rows, cols int
	delta, a   float64
	w          []float64 // |k|^(2Δ) in the centred layout, row-major; 0 at k = 0

	main metricWorker

	// Batch state.
	group   parallel.Group
	workers []metricWorker
	d       []float64 // per-pair distances of the batch under way
	xs, ys  []*mat.Dense
	pairs   []int // nil: norms of xs; else pair i is (pairs[2i], pairs[2i+1]), indices of xs and ys (xs when ys is nil)
	batchFn func(c, lo, hi int)
}

// metricWorker holds one transform plan and its scratch images.
type metricWorker struct {
	fft        *RealFFT
	diff, spec *mat.Dense
}

func newMetricWorker(rows, cols int) (metricWorker, error) {
	f, err := NewRealFFT(rows, cols)
	if err != nil {
		return metricWorker{}, err
	}
	return metricWorker{
		fft:  f,
		diff: mat.NewDense(rows, cols, nil),
		spec: mat.NewDense(rows, cols, nil),
	}, nil
}

// newBatchWorker returns a worker with a serial transform, for batches that
// keep every core busy with one worker each. The size must have been
// checked.
func newBatchWorker(rows, cols int) metricWorker {
	return metricWorker{
		fft:  newSerialRealFFT(rows, cols),
		diff: mat.NewDense(rows, cols, nil),
		spec: mat.NewDense(rows, cols, nil),
	}
}

// NewMetric returns a Metric for rows×cols images with reference
// Q0 = N(0, A²|k|^(−2Δ)), Δ = delta and A = a. It returns an error if rows or
// cols is less than 1 or the size exceeds MaxPixels, if delta is negative,
// NaN or infinite, or if a is not a positive finite number.
func NewMetric(rows, cols int, delta, a float64) (*Metric, error) {
	if err := checkSize("metric", rows, cols); err != nil {
		return nil, err
	}
	if math.IsNaN(delta) || math.IsInf(delta, 0) || delta < 0 {
		return nil, fmt.Errorf("noise: metric scaling parameter Δ = %v: must be finite and ≥ 0", delta)
	}
	if math.IsNaN(a) || math.IsInf(a, 0) || a <= 0 {
		return nil, fmt.Errorf("noise: metric amplitude A = %v: must be finite and > 0", a)
	}
	main, err := newMetricWorker(rows, cols)
	if err != nil {
		return nil, err
	}
	m := &Metric{
		rows: rows, cols: cols,
		delta: delta, a: a,
		w:    metricWeights(rows, cols, delta),
		main: main,
	}
	m.batchFn = m.batch
	return m, nil
}

// metricWeights returns |k|^(2Δ) in the centred layout with 0 at k = 0.
func metricWeights(rows, cols int, delta float64) []float64 {
	w := make([]float64, rows*cols)
	for i := range rows {
		for j := range cols {
			if i == rows/2 && j == cols/2 {
				continue
			}
			w[i*cols+j] = math.Pow(wavenumber(rows, cols, i, j), 2*delta)
		}
	}
	return w
}

// Dims returns the image size the metric measures.
func (m *Metric) Dims() (rows, cols int) { return m.rows, m.cols }

// Delta returns the scaling parameter Δ of Q0.
func (m *Metric) Delta() float64 { return m.delta }

// A returns the amplitude A of Q0.
func (m *Metric) A() float64 { return m.a }

// Weights returns the inverse variances of Q0 in real Fourier space,
// |k|^(2Δ)/A² at each centred index, 0 at k = 0, as a new matrix.
func (m *Metric) Weights() *mat.Dense {
	out := mat.NewDense(m.rows, m.cols, nil)
	data := out.RawMatrix().Data
	s := 1 / (m.a * m.a)
	for p, w := range m.w {
		data[p] = w * s
	}
	return out
}

func (m *Metric) checkShape(what string, x mat.Matrix) {
	if nilMatrix(x) {
		panic(fmt.Sprintf("noise: %s of a nil matrix", what))
	}
	checkDims(x, m.rows, m.cols)
}

// Distance returns d(x, y | Q0), the Mahalanobis distance between the images
// x and y (see Metric). It panics if x or y is nil or not rows×cols. NaN or
// infinite pixels give a NaN or infinite result. Distance does not allocate
// and does not modify x or y.
func (m *Metric) Distance(x, y mat.Matrix) float64 {
	m.checkShape("Distance", x)
	m.checkShape("Distance", y)
	return math.Sqrt(m.main.sqDiff(m.w, x, y)) / m.a
}

// Norm returns d(x, 0 | Q0), the Mahalanobis distance of x from the centre of
// Q0. It panics if x is nil or not rows×cols. Norm does not allocate.
func (m *Metric) Norm(x mat.Matrix) float64 {
	m.checkShape("Norm", x)
	return math.Sqrt(m.main.sqNorm(m.w, x)) / m.a
}

// sqNorm returns Σ w_k (F_R x)_k².
func (w *metricWorker) sqNorm(wts []float64, x mat.Matrix) float64 {
	w.fft.Forward(w.spec, x)
	return weightedSquares(wts, w.spec)
}

// sqDiff returns Σ w_k (F_R (x − y))_k², transforming the difference once.
func (w *metricWorker) sqDiff(wts []float64, x, y mat.Matrix) float64 {
	diff := w.diff.RawMatrix()
	rows, cols := diff.Rows, diff.Cols
	xd, xok := x.(*mat.Dense)
	yd, yok := y.(*mat.Dense)
	if xok && yok {
		xr, yr := xd.RawMatrix(), yd.RawMatrix()
		for i := range rows {
			dst := diff.Data[i*diff.Stride : i*diff.Stride+cols]
			xs := xr.Data[i*xr.Stride : i*xr.Stride+cols]
			ys := yr.Data[i*yr.Stride : i*yr.Stride+cols]
			for j := range dst {
				dst[j] = xs[j] - ys[j]
			}
		}
	} else {
		for i := range rows {
			for j := range cols {
				diff.Data[i*diff.Stride+j] = x.At(i, j) - y.At(i, j)
			}
		}
	}
	return w.sqNorm(wts, w.diff)
}

// weightedSquares returns Σ_p w[p]·X[p]² over the row-major X.
func weightedSquares(w []float64, X *mat.Dense) float64 {
	raw := X.RawMatrix()
	var s float64
	for i := range raw.Rows {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		wr := w[i*raw.Cols : (i+1)*raw.Cols]
		for j, v := range row {
			s += wr[j] * v * v
		}
	}
	return s
}

// Estimate is a Monte Carlo estimate of an expected distance: the sample
// mean of N independent distances and its standard error, the sample
// standard deviation over √N. N = 0 marks an estimate from no data (Mean and
// StdErr are then NaN); with N = 1 StdErr is +Inf, since one distance says
// nothing about its spread.
type Estimate struct {
	Mean, StdErr float64
	N            int
}

// String formats the estimate as "mean ± stderr (N=n)".
func (e Estimate) String() string {
	return fmt.Sprintf("%.4g ± %.2g (N=%d)", e.Mean, e.StdErr, e.N)
}

// newEstimate returns the mean and standard error of d, summed in index
// order so that the result does not depend on how d was computed.
func newEstimate(d []float64) Estimate {
	n := len(d)
	if n == 0 {
		return nanEstimate
	}
	var s float64
	for _, v := range d {
		s += v
	}
	mean := s / float64(n)
	if n == 1 {
		return Estimate{Mean: mean, StdErr: math.Inf(1), N: 1}
	}
	var ss float64
	for _, v := range d {
		ss += (v - mean) * (v - mean)
	}
	return Estimate{Mean: mean, StdErr: math.Sqrt(ss / float64(n-1) / float64(n)), N: n}
}

// FromCenter returns d(Q1 | Q0) = E_{x~Q1} d(x, 0 | Q0) estimated from the
// sample xs of Q1: the mean of Norm over xs with its standard error.
//
// FromCenter follows gonum's rule for failures (see Failures in the Metric
// documentation): it panics, as Norm does, if a matrix of xs is nil or not
// rows×cols, and it returns Mean = StdErr = NaN with N = 0 for an empty xs.
// A NaN or infinite pixel makes its distance, and so the estimate, NaN or
// infinite.
func (m *Metric) FromCenter(xs []*mat.Dense) Estimate {
	m.checkShapes("FromCenter", "xs", xs)
	if len(xs) == 0 {
		return nanEstimate
	}
	return m.run(xs, nil, nil, len(xs))
}

// Between returns d(Q1, Q2 | Q0) = E_{x~Q1, y~Q2} d(x, y | Q0), the expected
// distance between independent draws, estimated from the samples xs of Q1
// and ys of Q2 over disjoint pairs drawn at random. It is
// BetweenRand(xs, ys, src) with a source of a fixed seed, so that the same
// sets give the same estimate; see BetweenRand for the pairing.
func (m *Metric) Between(xs, ys []*mat.Dense) Estimate {
	return m.BetweenRand(xs, ys, rand.NewPCG(betweenSeed, betweenSeed))
}

// betweenSeed seeds the pairing of Between: "pairs" in ASCII.
const betweenSeed = 0x7061697273

// BetweenRand returns d(Q1, Q2 | Q0) = E_{x~Q1, y~Q2} d(x, y | Q0), the
// expected distance between independent draws, estimated from the samples xs
// of Q1 and ys of Q2 over disjoint pairs chosen by a random permutation π
// drawn from src (nil means the global, non-reproducible generator):
//
//   - If xs and ys are the same set, meaning equal length and xs[i] == ys[i]
//     (the same *mat.Dense) for every i, as when the same slice is passed
//     twice, the pairs are (xs[π(0)], xs[π(1)]), (xs[π(2)], xs[π(3)]), …:
//     N = len(xs)/2 pairs of distinct elements, never an element with itself
//     (which would add zeros and bias the estimate down); π permutes the
//     indices of xs.
//   - Otherwise N = min(len(xs), len(ys)) and every element of the shorter
//     set is paired with a distinct element of the longer: (xs[i], ys[π(i)])
//     with π a permutation of the indices of ys when len(ys) ≥ len(xs),
//     (xs[π(i)], ys[i]) with π one of the indices of xs otherwise. The
//     surplus of the longer set is unused.
//
// The estimate is the mean of the N pair distances with its standard error.
//
// # Why random pairs
//
// A set read from a folder is sorted by file name, and neighbours in that
// order are often related (crops of one photograph, frames of one video,
// samples of one run). Pairing neighbours, or pairing xs[i] with ys[i] when
// both sets are sorted alike, then measures the distance within such groups
// rather than between independent draws and biases the estimate, by far
// more than its standard error (TestBetweenRandomPairing). Over the random
// permutation, each pair is a uniformly chosen pair of distinct elements,
// so the estimate is unbiased for the mean over all such pairs whatever the
// order of the sets.
//
// BetweenRand follows gonum's rule for failures (see Failures in the Metric
// documentation): it panics if a matrix is nil or not rows×cols (as
// Distance does) or if a pair holds the same matrix twice (a distance of 0
// by construction, not a draw: pass the same slice twice to pair distinct
// elements of one set), and it returns Mean = StdErr = NaN with N = 0 when
// there is no pair (an empty set, or the same set with fewer than 2
// elements). A NaN or infinite pixel makes its distances, and so the
// estimate, NaN or infinite. BetweenRand allocates the permutation.
func (m *Metric) BetweenRand(xs, ys []*mat.Dense, src rand.Source) Estimate {
	m.checkShapes("Between", "xs", xs)
	if sameSet(xs, ys) {
		if len(xs) < 2 {
			return nanEstimate
		}
		p := permutation(len(xs), src)
		n := len(xs) / 2
		for i := range n {
			if a, b := p[2*i], p[2*i+1]; xs[a] == xs[b] {
				panic(fmt.Sprintf("noise: Between: xs[%d] and xs[%d], paired as distinct elements of one set, are the same matrix", min(a, b), max(a, b)))
			}
		}
		return m.run(xs, nil, p, n)
	}
	m.checkShapes("Between", "ys", ys)
	n := min(len(xs), len(ys))
	if n == 0 {
		return nanEstimate
	}
	// pairs[2i], pairs[2i+1] index xs and ys.
	pairs := make([]int, 2*n)
	if len(ys) >= len(xs) {
		for i, j := range permutation(len(ys), src)[:n] {
			pairs[2*i], pairs[2*i+1] = i, j
		}
	} else {
		for j, i := range permutation(len(xs), src)[:n] {
			pairs[2*j], pairs[2*j+1] = i, j
		}
	}
	for k := range n {
		if i, j := pairs[2*k], pairs[2*k+1]; xs[i] == ys[j] {
			panic(fmt.Sprintf("noise: Between: xs[%d] and ys[%d] are the same matrix; pass the same slice twice to pair distinct elements of one set", i, j))
		}
	}
	return m.run(xs, ys, pairs, n)
}

// permutation returns a random permutation of 0..n-1 drawn from src (nil:
// the global generator).
func permutation(n int, src rand.Source) []int {
	if src == nil {
		return rand.Perm(n)
	}
	return rand.New(src).Perm(n)
}

// nanEstimate is the estimate of an empty sample.
var nanEstimate = Estimate{Mean: math.NaN(), StdErr: math.NaN()}

// sameSet reports whether xs and ys hold the same matrices in the same order.
func sameSet(xs, ys []*mat.Dense) bool {
	if len(xs) != len(ys) {
		return false
	}
	for i := range xs {
		if xs[i] != ys[i] {
			return false
		}
	}
	return true
}

// checkShapes panics if a matrix of xs is nil or not rows×cols.
func (m *Metric) checkShapes(method, name string, xs []*mat.Dense) {
	for i, x := range xs {
		if x == nil {
			panic(fmt.Sprintf("noise: %s: %s[%d] is nil", method, name, i))
		}
		checkDims(x, m.rows, m.cols)
	}
}

// run computes n distances on all cores: Norm(xs[i]) when pairs is nil,
// otherwise Distance(xs[pairs[2i]], ys[pairs[2i+1]]), with ys = xs when ys
// is nil.
func (m *Metric) run(xs, ys []*mat.Dense, pairs []int, n int) Estimate {
	k := min(n, parallel.Workers())
	for len(m.workers) < k {
		m.workers = append(m.workers, newBatchWorker(m.rows, m.cols))
	}
	if cap(m.d) < n {
		m.d = make([]float64, n)
	}
	m.d = m.d[:n]
	if ys == nil {
		ys = xs
	}
	m.xs, m.ys, m.pairs = xs, ys, pairs
	m.group.For(n, k, m.batchFn)
	m.xs, m.ys, m.pairs = nil, nil, nil
	return newEstimate(m.d)
}

// batch computes the distances lo..hi-1 of the batch under way with the
// plan of worker c.
func (m *Metric) batch(c, lo, hi int) {
	w := &m.workers[c]
	s := 1 / m.a
	for i := lo; i < hi; i++ {
		var sq float64
		if m.pairs == nil {
			sq = w.sqNorm(m.w, m.xs[i])
		} else {
			sq = w.sqDiff(m.w, m.xs[m.pairs[2*i]], m.ys[m.pairs[2*i+1]])
		}
		m.d[i] = math.Sqrt(sq) * s
	}
}

// ExpectedSquared returns the closed form of E[d(x, y | Q0)²] for
// independent random images x and y with zero mean (or means that differ
// only at k = 0), given g1(k) = Var X_k and g2(k) = Var Y_k, the variances of
// their real Fourier coefficients X = F_R x and Y = F_R y, in the centred
// layout:
//
//	E[d(x, y | Q0)²] = Σ_{k≠0} (g1(k) + g2(k)) |k|^(2Δ) / A² = Tr((Σ1 + Σ2) Σ0⁻¹).
//
// If g2 is nil, y = 0 and the result is E[Norm(x)²]. Only the diagonal of the
// covariances in real Fourier space enters: neither Gaussianity nor the
// correlations between coefficients (present in the paper's cropped cloud
// noise, which is not periodic) change the result. The weights are even in
// k, so g may also be the power spectrum E|Z_k|² of the orthonormal complex
// DFT, since Var X_k + Var X_{−k} = E|Z_k|² + E|Z_{−k}|²; Spectrum.Power is
// that spectrum divided by the mean pixel variance. For unit-variance white
// noise g = 1 everywhere and E[Norm²] = Σ_{k≠0} |k|^(2Δ)/A².
//
// By Jensen's inequality √ExpectedSquared bounds the expected distance
// (FromCenter, Between) from above; the gap is small when d concentrates,
// as for white noise (relative gap ≈ Var(d²)/(8E[d²]²), below 5·10⁻⁵ at
// 96×96), and larger for steep spectra, whose distance is carried by a few
// low frequencies.
//
// ExpectedSquared returns an error if g1 is nil, a spectrum is not rows×cols
// or holds a negative, NaN or infinite value. It does not allocate.
func (m *Metric) ExpectedSquared(g1, g2 mat.Matrix) (float64, error) {
	if err := m.checkSpectrum("g1", g1); err != nil {
		return 0, err
	}
	if nilMatrix(g2) {
		g2 = nil // a typed nil too
	} else if err := m.checkSpectrum("g2", g2); err != nil {
		return 0, err
	}
	var s float64
	for i := range m.rows {
		for j := range m.cols {
			w := m.w[i*m.cols+j]
			if w == 0 {
				continue
			}
			g := g1.At(i, j)
			if g2 != nil {
				g += g2.At(i, j)
			}
			s += g * w
		}
	}
	return s / (m.a * m.a), nil
}

func (m *Metric) checkSpectrum(name string, g mat.Matrix) error {
	if nilMatrix(g) {
		return fmt.Errorf("noise: ExpectedSquared: %s is nil", name)
	}
	if r, c := g.Dims(); r != m.rows || c != m.cols {
		return fmt.Errorf("noise: ExpectedSquared: %s is %d×%d, want %d×%d like the metric", name, r, c, m.rows, m.cols)
	}
	return checkVariances("ExpectedSquared", name, g)
}

// checkVariances returns an error if g holds a negative, NaN or infinite
// value.
func checkVariances(op, name string, g mat.Matrix) error {
	r, c := g.Dims()
	for i := range r {
		for j := range c {
			if v := g.At(i, j); !(v >= 0) || math.IsInf(v, 1) {
				return fmt.Errorf("noise: %s: %s has the invalid variance %v at (%d, %d)", op, name, v, i, j)
			}
		}
	}
	return nil
}

// MaxCovarianceDim is the largest dimension NewCovarianceMetric accepts:
// 4096 (a 64×64 image), whose covariance and Cholesky factor take 128 MiB
// each.
const MaxCovarianceDim = 4096

// CovarianceMetric is the Mahalanobis distance for a full covariance Σ,
//
//	d(x, y | N(0, Σ)) = √((x − y)ᵀ Σ⁻¹ (x − y)) = ‖U⁻ᵀ(x − y)‖,
//
// computed through the Cholesky factorisation Σ = UᵀU, for small dimensions
// (flattened small images, or a few selected frequencies) where Σ is not
// diagonal in any known basis. For images whose covariance is diagonal in
// Fourier space, Metric is the fast O(n log n) special case.
//
// A CovarianceMetric owns a scratch vector: Distance does not allocate, and
// a CovarianceMetric must not be used by two goroutines at once.
type CovarianceMetric struct {
	n int
	u blas64.Triangular
	z []float64
}

// NewCovarianceMetric factorises the covariance cov and returns its metric.
// It returns an error if cov is nil, of dimension 0 or above
// MaxCovarianceDim, holds a NaN or infinite value, or is not positive
// definite (the Cholesky factorisation fails, or its condition number
// exceeds 1/ε ≈ 4.5·10¹⁵ so that Σ is singular to working precision).
func NewCovarianceMetric(cov mat.Symmetric) (*CovarianceMetric, error) {
	if cov == nil {
		return nil, errors.New("noise: NewCovarianceMetric: nil covariance")
	}
	n := cov.SymmetricDim()
	if n < 1 || n > MaxCovarianceDim {
		return nil, fmt.Errorf("noise: NewCovarianceMetric: dimension %d outside 1…%d (MaxCovarianceDim)", n, MaxCovarianceDim)
	}
	for i := range n {
		for j := i; j < n; j++ {
			if v := cov.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("noise: NewCovarianceMetric: non-finite covariance %v at (%d, %d)", v, i, j)
			}
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(cov) {
		return nil, errors.New("noise: NewCovarianceMetric: covariance is not positive definite")
	}
	if c := chol.Cond(); !(c <= 1/dlamchE) {
		return nil, fmt.Errorf("noise: NewCovarianceMetric: covariance is singular to working precision (condition number %.3g)", c)
	}
	var u mat.TriDense
	chol.UTo(&u)
	return &CovarianceMetric{n: n, u: u.RawTriangular(), z: make([]float64, n)}, nil
}

// dlamchE is the machine epsilon of LAPACK's dlamch('E'), 2⁻⁵³.
const dlamchE = 1.0 / (1 << 53)

// Dim returns the dimension of the vectors the metric measures.
func (m *CovarianceMetric) Dim() int { return m.n }

// Distance returns √((x − y)ᵀ Σ⁻¹ (x − y)) by one triangular solve with the
// Cholesky factor. It panics if x or y is nil, and with mat.ErrShape if its
// length is not Dim. It does not allocate and does not modify x or y.
func (m *CovarianceMetric) Distance(x, y mat.Vector) float64 {
	if x == nil || y == nil {
		panic("noise: CovarianceMetric.Distance of a nil vector")
	}
	if x.Len() != m.n || y.Len() != m.n {
		panic(mat.ErrShape)
	}
	for i := range m.z {
		m.z[i] = x.AtVec(i) - y.AtVec(i)
	}
	blas64.Trsv(blas.Trans, m.u, blas64.Vector{N: m.n, Data: m.z, Inc: 1})
	return blas64.Nrm2(blas64.Vector{N: m.n, Data: m.z, Inc: 1})
}
