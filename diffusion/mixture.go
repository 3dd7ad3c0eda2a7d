package diffusion

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// maxMixtureValues bounds components·pixels of a GaussianMixture (its means
// in Fourier space): 2²⁶ float64 values, 512 MiB.
const maxMixtureValues = 1 << 26

// GaussianMixture is the data distribution
//
//	p(x_0) = Σ_i π_i N(μ_i, Σ),
//
// a weighted mixture of Gaussians with means μ_i and one covariance Σ shared
// by all components, diagonal in the orthonormal real Fourier basis F_R
// (noise.RealFFT2) with variances C_k: a stationary texture around each
// mean. It is a non-Gaussian benchmark whose posterior mean is exact
// (MixtureDenoiser), so samplers can be tested for mode coverage as well as
// spectra. With C = 0 it is a Dirac mixture that memorises its means; such a
// model lands every sample on a mean and says nothing about quality, so
// give the components a real spread.
//
// A GaussianMixture is immutable and safe for concurrent use.
type GaussianMixture struct {
	rows, cols int
	weights    []float64    // π_i, summing to 1
	logW       []float64    // ln π_i
	means      []*mat.Dense // μ_i in pixel space
	fm         []float64    // F_R μ_i, one row of rows·cols per component
	cov        []float64    // C_k, centred layout
}

// NewGaussianMixture returns the mixture with the given component means
// (images of one shape), weights (nil means equal weights; otherwise one
// non-negative weight per mean, normalised to sum 1) and covariance
// spectrum cov (C_k, the variance of coordinate k of F_R x around each mean,
// in the centred layout of the means' shape). The means and weights are
// copied.
//
// It returns an error if there is no component, a mean is nil, of another
// shape or holds a NaN or infinite pixel, the weights do not match the
// means, are negative, not finite or all zero, or cov is invalid (see
// NewGaussianTheory; a zero covariance is refused as a memorising model).
func NewGaussianMixture(means []*mat.Dense, weights []float64, cov mat.Matrix) (*GaussianMixture, error) {
	if len(means) == 0 {
		return nil, errors.New("diffusion: Gaussian mixture with no components")
	}
	if means[0] == nil || means[0].IsEmpty() {
		return nil, errors.New("diffusion: Gaussian mixture mean 0 is nil or empty")
	}
	rows, cols := means[0].Dims()
	if len(means) > maxMixtureValues/(rows*cols) {
		return nil, fmt.Errorf("diffusion: Gaussian mixture of %d components of %d×%d exceeds %d values", len(means), rows, cols, maxMixtureValues)
	}
	c, _, _, err := spectrumValues("mixture covariance", cov, rows, cols)
	if err != nil {
		return nil, err
	}
	m := &GaussianMixture{rows: rows, cols: cols, cov: c}
	switch {
	case weights == nil:
		m.weights = make([]float64, len(means))
		for i := range m.weights {
			m.weights[i] = 1 / float64(len(means))
		}
	case len(weights) != len(means):
		return nil, fmt.Errorf("diffusion: Gaussian mixture has %d weights for %d means", len(weights), len(means))
	default:
		var sum float64
		for i, w := range weights {
			if !(w >= 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("diffusion: Gaussian mixture weight %d is %v: want finite and ≥ 0", i, w)
			}
			sum += w
		}
		if !(sum > 0) || math.IsInf(sum, 0) {
			return nil, fmt.Errorf("diffusion: Gaussian mixture weights sum to %v", sum)
		}
		m.weights = make([]float64, len(weights))
		for i, w := range weights {
			m.weights[i] = w / sum
		}
	}
	m.logW = make([]float64, len(m.weights))
	for i, w := range m.weights {
		m.logW[i] = math.Log(w) // −Inf for a zero weight: never chosen.
	}
	plan, err := noise.NewRealFFT(rows, cols)
	if err != nil {
		return nil, err
	}
	d := rows * cols
	m.fm = make([]float64, len(means)*d)
	m.means = make([]*mat.Dense, len(means))
	spec := mat.NewDense(rows, cols, nil)
	for i, mu := range means {
		if mu == nil {
			return nil, fmt.Errorf("diffusion: Gaussian mixture mean %d is nil", i)
		}
		if r, c := mu.Dims(); r != rows || c != cols {
			return nil, fmt.Errorf("diffusion: Gaussian mixture mean %d is %d×%d, want %d×%d", i, r, c, rows, cols)
		}
		for y := range rows {
			for x := range cols {
				if v := mu.At(y, x); math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("diffusion: Gaussian mixture mean %d has the pixel %v at (%d, %d)", i, v, y, x)
				}
			}
		}
		m.means[i] = mat.DenseCopyOf(mu)
		plan.Forward(spec, mu)
		copy(m.fm[i*d:(i+1)*d], spec.RawMatrix().Data)
	}
	return m, nil
}

// Dims returns the shape of the images.
func (m *GaussianMixture) Dims() (rows, cols int) { return m.rows, m.cols }

// Len returns the number of components.
func (m *GaussianMixture) Len() int { return len(m.weights) }

// Weights returns a copy of the normalised weights π_i.
func (m *GaussianMixture) Weights() []float64 { return append([]float64(nil), m.weights...) }

// Mean returns a copy of the mean of component i. It panics if i is out of
// range.
func (m *GaussianMixture) Mean(i int) *mat.Dense { return mat.DenseCopyOf(m.means[i]) }

// Covariance returns a copy of the covariance spectrum C.
func (m *GaussianMixture) Covariance() *mat.Dense {
	return mat.NewDense(m.rows, m.cols, append([]float64(nil), m.cov...))
}

// Power returns the second moment E[(F_R x_0)_k²] = Σ_i π_i (F_R μ_i)_k² + C_k
// of each coordinate (centred layout), the expected spectrum of the data
// that eval.LogSpectralError compares sample spectra with. A new matrix is
// allocated.
func (m *GaussianMixture) Power() *mat.Dense {
	d := m.rows * m.cols
	out := make([]float64, d)
	for i, w := range m.weights {
		row := m.fm[i*d : (i+1)*d]
		for k, v := range row {
			out[k] += w * v * v
		}
	}
	for k, c := range m.cov {
		out[k] += c
	}
	return mat.NewDense(m.rows, m.cols, out)
}

// Sample draws n images from the mixture and returns them with the
// component each was drawn from. All randomness comes from src (nil means
// a non-reproducible source).
func (m *GaussianMixture) Sample(n int, src rand.Source) ([]*mat.Dense, []int) {
	if src == nil {
		src = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	rnd := rand.New(src)
	plan, err := noise.NewRealFFT(m.rows, m.cols)
	if err != nil {
		panic(err) // the shape was checked by NewGaussianMixture
	}
	cum := make([]float64, len(m.weights))
	var acc float64
	for i, w := range m.weights {
		acc += w
		cum[i] = acc
	}
	d := m.rows * m.cols
	xs := make([]*mat.Dense, n)
	comp := make([]int, n)
	spec := mat.NewDense(m.rows, m.cols, nil)
	for j := range xs {
		u := rnd.Float64() * acc
		i := 0
		for i < len(cum)-1 && cum[i] <= u {
			i++
		}
		comp[j] = i
		raw := spec.RawMatrix().Data
		for k := range raw {
			raw[k] = m.fm[i*d+k] + math.Sqrt(m.cov[k])*rnd.NormFloat64()
		}
		xs[j] = plan.Inverse(nil, spec)
	}
	return xs, comp
}

// posterior is the scratch space of mixture posteriors.
type posterior struct {
	x, y, mbar []float64 // n×d: F_R of the images, scaled by 1/V, m̄
	g, r       []float64 // n×m: cross terms, responsibilities
	mm         []float64 // m: ‖M_i‖² weighted by 1/V
	invV       []float64 // d
}

// grow makes room for n images of d pixels and m components.
func (p *posterior) grow(n, d, m int) {
	if len(p.x) < n*d {
		p.x, p.y, p.mbar = make([]float64, n*d), make([]float64, n*d), make([]float64, n*d)
	}
	if len(p.g) < n*m {
		p.g, p.r = make([]float64, n*m), make([]float64, n*m)
	}
	if len(p.mm) < m {
		p.mm = make([]float64, m)
	}
	if len(p.invV) < d {
		p.invV = make([]float64, d)
	}
}

// responsibilities computes, for the n images whose F_R coordinates X_j are
// the rows of p.x, the posterior probabilities of the components given
// X_j ~ N(a M_i, diag V), r_ji ∝ π_i exp(−½ (X_j − aM_i)ᵀ V⁻¹ (X_j − aM_i)),
// into p.r (n×m), and the posterior mean of the component means,
// m̄_j = Σ_i r_ji M_i, into p.mbar (n×d). p.invV holds 1/V_k, or 0 where
// V_k = 0 (such coordinates carry no information). The term X_jᵀV⁻¹X_j is
// the same for every component and cancels in the normalisation, so only
// the cross terms X_jᵀV⁻¹M_i (one matrix product) and ‖M_i‖²_V enter.
func (m *GaussianMixture) responsibilities(p *posterior, n int, a float64) {
	d, nc := m.rows*m.cols, len(m.weights)
	invV := p.invV[:d]
	Y := blas64.General{Rows: n, Cols: d, Stride: d, Data: p.y[:n*d]}
	M := blas64.General{Rows: nc, Cols: d, Stride: d, Data: m.fm}
	G := blas64.General{Rows: n, Cols: nc, Stride: nc, Data: p.g[:n*nc]}
	R := blas64.General{Rows: n, Cols: nc, Stride: nc, Data: p.r[:n*nc]}
	Mbar := blas64.General{Rows: n, Cols: d, Stride: d, Data: p.mbar[:n*d]}
	for j := range n {
		xr, yr := p.x[j*d:(j+1)*d], Y.Data[j*d:(j+1)*d]
		for k, v := range xr {
			yr[k] = v * invV[k]
		}
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, Y, M, 0, G) // G = Y Mᵀ
	mm := p.mm[:nc]
	for i := range nc {
		var s float64
		for k, v := range m.fm[i*d : (i+1)*d] {
			s += v * v * invV[k]
		}
		mm[i] = s
	}
	for j := range n {
		g, r := G.Data[j*nc:(j+1)*nc], R.Data[j*nc:(j+1)*nc]
		best := math.Inf(-1)
		for i := range nc {
			l := m.logW[i] + a*g[i] - 0.5*a*a*mm[i]
			r[i] = l
			best = max(best, l)
		}
		var sum float64
		for i, l := range r {
			e := math.Exp(l - best)
			r[i] = e
			sum += e
		}
		for i := range r {
			r[i] /= sum
		}
	}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, R, M, 0, Mbar) // m̄ = R M
}

// MixtureDenoiser is the optimal (posterior-mean) denoiser for data from a
// GaussianMixture under Gaussian noise whose coordinates of F_R are
// independent N(0, N_k). Given x_t = a x_0 + s ε, component i makes X = F_R x_t
// Gaussian with mean a M_i (M_i = F_R μ_i) and variances V = a²C + s²N; with
// the posterior probabilities r_i of the components and m̄ = Σ_i r_i M_i,
//
//	E[X_0 | x_t] = (a C X + s² N m̄)/V,   ε̂ = F_R⁻¹(s N (X − a m̄)/V),
//
// coordinate by coordinate (0 where V = 0). It is a softmax mixture of the
// components' Wiener filters: exact, so a sampler run with it measures the
// sampler alone, mode coverage included (Coverage).
//
// A MixtureDenoiser owns scratch space: it must not be used by two
// goroutines at once. PredictNoise allocates only when a batch is larger
// than every earlier one. Its cost per image is O(components·pixels).
type MixtureDenoiser struct {
	mix  *GaussianMixture
	nois []float64
	plan *noise.RealFFT
	post posterior
	spec *mat.Dense
	view *mat.Dense
}

// NewMixtureDenoiser returns the exact denoiser of the mixture m under
// noise with the spectrum noiseSpec (N_k, the variance of coordinate k of
// F_R ε, centred layout; see NewGaussianTheory). The sampler's images are
// square and of one channel, so the mixture must be of square images. It
// returns an error if m is nil or not square, or the spectrum is invalid or
// of another shape.
func NewMixtureDenoiser(m *GaussianMixture, noiseSpec mat.Matrix) (*MixtureDenoiser, error) {
	if m == nil {
		return nil, errors.New("diffusion: NewMixtureDenoiser of a nil mixture")
	}
	if m.rows != m.cols {
		return nil, fmt.Errorf("diffusion: mixture denoiser for %d×%d images: the sampler's images are square", m.rows, m.cols)
	}
	n, _, _, err := spectrumValues("noise", noiseSpec, m.rows, m.cols)
	if err != nil {
		return nil, err
	}
	plan, err := noise.NewRealFFT(m.rows, m.cols)
	if err != nil {
		return nil, err
	}
	return &MixtureDenoiser{mix: m, nois: n, plan: plan, spec: mat.NewDense(m.rows, m.cols, nil), view: &mat.Dense{}}, nil
}

// Mixture returns the denoiser's mixture.
func (d *MixtureDenoiser) Mixture() *GaussianMixture { return d.mix }

// Shape returns 1 channel and the size of the mixture's images.
func (d *MixtureDenoiser) Shape() (channels, size int) { return 1, d.mix.rows }

// PredictNoise writes the posterior mean of the noise to dst (see Denoiser
// and MixtureDenoiser).
func (d *MixtureDenoiser) PredictNoise(dst, x []float64, n int, sched *noise.Schedule, t int) {
	m := d.mix
	size, hw := m.rows, m.rows*m.cols
	checkBatch("MixtureDenoiser", dst, x, n, 1, hw)
	a, s := sched.SignalRate(t), sched.NoiseRate(t)
	p := &d.post
	p.grow(n, hw, len(m.weights))
	for k, c := range m.cov {
		p.invV[k] = 0
		if V := a*a*c + s*s*d.nois[k]; V > 0 {
			p.invV[k] = 1 / V
		}
	}
	for j := range n {
		d.plan.Forward(d.spec, planeView(d.view, x[j*hw:(j+1)*hw], size))
		copy(p.x[j*hw:(j+1)*hw], d.spec.RawMatrix().Data)
	}
	m.responsibilities(p, n, a)
	spec := d.spec.RawMatrix().Data
	for j := range n {
		xr, mb := p.x[j*hw:(j+1)*hw], p.mbar[j*hw:(j+1)*hw]
		for k, X := range xr {
			spec[k] = s * d.nois[k] * (X - a*mb[k]) * p.invV[k]
		}
		d.plan.Inverse(planeView(d.view, dst[j*hw:(j+1)*hw], size), d.spec)
	}
}

// Classify returns, for each image, the component with the largest
// posterior probability given the image as a clean sample,
// argmax_i ln π_i − ½ Σ_k (X_k − M_ik)²/C_k over the coordinates with
// C_k > 0. It returns an error if an image is nil, of another shape than
// the mixture's, or holds a NaN or infinite pixel.
func (m *GaussianMixture) Classify(xs []*mat.Dense) ([]int, error) {
	d := m.rows * m.cols
	plan, err := noise.NewRealFFT(m.rows, m.cols)
	if err != nil {
		return nil, err
	}
	var p posterior
	out := make([]int, len(xs))
	const chunk = 64
	spec := mat.NewDense(m.rows, m.cols, nil)
	for c0 := 0; c0 < len(xs); c0 += chunk {
		n := min(chunk, len(xs)-c0)
		p.grow(n, d, len(m.weights))
		for k, c := range m.cov {
			p.invV[k] = 0
			if c > 0 {
				p.invV[k] = 1 / c
			}
		}
		for j := range n {
			x := xs[c0+j]
			if err := m.checkImage(c0+j, x); err != nil {
				return nil, err
			}
			plan.Forward(spec, x)
			copy(p.x[j*d:(j+1)*d], spec.RawMatrix().Data)
		}
		m.responsibilities(&p, n, 1)
		nc := len(m.weights)
		for j := range n {
			r := p.r[j*nc : (j+1)*nc]
			best := 0
			for i, v := range r {
				if v > r[best] {
					best = i
				}
			}
			out[c0+j] = best
		}
	}
	return out, nil
}

func (m *GaussianMixture) checkImage(i int, x *mat.Dense) error {
	if x == nil {
		return fmt.Errorf("diffusion: image %d is nil", i)
	}
	if r, c := x.Dims(); r != m.rows || c != m.cols {
		return fmt.Errorf("diffusion: image %d is %d×%d, the mixture's are %d×%d", i, r, c, m.rows, m.cols)
	}
	for y := range m.rows {
		for xx := range m.cols {
			if v := x.At(y, xx); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("diffusion: image %d has the pixel %v at (%d, %d)", i, v, y, xx)
			}
		}
	}
	return nil
}

// Coverage is how a set of samples covers the components of a mixture.
type Coverage struct {
	// Samples is the number of samples; Counts[i] how many of them
	// Classify assigns to component i.
	Samples int
	Counts  []int
	// Distinct is the number of components with at least one sample, and
	// ExpectedDistinct its expectation for as many independent draws from
	// the mixture, Σ_i 1 − (1 − π_i)^n, if every draw is classified to its
	// own component (Coverage of the mixture's own samples measures the
	// classification's share of the shortfall).
	Distinct         int
	ExpectedDistinct float64
	// Energy is the mean, over the samples, of ‖μ_c‖²/D for the component
	// c each is assigned to (D pixels), and ExpectedEnergy its expectation
	// Σ_i π_i ‖μ_i‖²/D; EnergyStdErr is the standard error of Energy for
	// independent draws, √(Var_π(‖μ‖²/D)/n). A sampler that favours smooth,
	// low-energy components has Energy well below ExpectedEnergy.
	Energy, ExpectedEnergy, EnergyStdErr float64
}

// Coverage classifies the samples (Classify) and counts the components
// they reach. It returns an error for the images Classify rejects or an
// empty set.
func (m *GaussianMixture) Coverage(samples []*mat.Dense) (*Coverage, error) {
	if len(samples) == 0 {
		return nil, errors.New("diffusion: Coverage of no samples")
	}
	comp, err := m.Classify(samples)
	if err != nil {
		return nil, err
	}
	n := len(samples)
	c := &Coverage{Samples: n, Counts: make([]int, len(m.weights))}
	energy := make([]float64, len(m.weights))
	d := float64(m.rows * m.cols)
	var e2 float64
	for i := range m.means {
		var v2 float64 // ‖μ_i‖² = ‖F_R μ_i‖²: F_R is orthonormal
		for _, v := range m.fm[i*m.rows*m.cols : (i+1)*m.rows*m.cols] {
			v2 += v * v
		}
		energy[i] = v2 / d
		w := m.weights[i]
		c.ExpectedEnergy += w * energy[i]
		e2 += w * energy[i] * energy[i]
		c.ExpectedDistinct += 1 - math.Pow(1-w, float64(n))
	}
	for _, i := range comp {
		c.Counts[i]++
		c.Energy += energy[i]
	}
	c.Energy /= float64(n)
	for _, k := range c.Counts {
		if k > 0 {
			c.Distinct++
		}
	}
	c.EnergyStdErr = math.Sqrt(max(e2-c.ExpectedEnergy*c.ExpectedEnergy, 0) / float64(n))
	return c, nil
}
