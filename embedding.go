package noise

import (
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/cloud-diffusion/noise/internal/fft"
)

// kernel is the immutable part of a Sampler, shared by all samplers of one
// Spec: the spectral amplitudes on the grid where fields are generated, and
// where the output window sits in it.
//
// A field is generated as the real and imaginary parts of
//
//	y_p = Σ_k amp_k (ξ_k + iη_k) e^{2πi k·p}   (unnormalised inverse DFT)
//
// with ξ, η independent standard normals and no Hermitian symmetry. For a
// real, even amp² the two parts are independent real Gaussian fields with
// covariance Σ_k amp_k² e^{2πi k·d}, so one complex transform yields two
// fields.
//
// The paper's construction ("direct") generates on the padded grid M with
// amp_k² = S_k²/(M v), S_k = |k|^(−Δ), and crops the centre. The circulant
// embedding ("embedded") generates on a smaller torus L ≥ 2n−2 per axis
// whose covariance c̃(d) = c(min(d, L−d)) per axis equals the covariance c
// of the paper's crop at every lag inside the window; amp_k² = λ_k/L with
// λ = DFT(c̃). It is exact when λ ≥ 0, which NewSampler checks.
type kernel struct {
	spec       Spec
	padR, padC int // the paper's grid M
	genR, genC int // generation grid (M, or L when embedded)
	offR, offC int // window offset in the generation grid
	embedded   bool
	amp        []float64 // genR×genC, unshifted order
	cov        []float64 // unit-variance covariance on the M grid, lag-indexed
	variance   float64   // v = (1/M) Σ_k S_k², pixel variance before normalisation
	longShare  float64   // variance share of modes longer than the image
	modes      int       // number of nonzero modes on M
}

// embedTolerance bounds the negative eigenvalues accepted as round-off in a
// circulant embedding, relative to Σ_d |c̃(d)| (the bound on any
// eigenvalue). Round-off in the DFT is O(1e-16·√L) of that sum.
const embedTolerance = 1e-10

// axisFreq returns the frequency in cycles per pixel of unshifted DFT index
// u on an axis of length n.
func axisFreq(u, n int) float64 {
	if u > n/2 {
		u -= n
	}
	return float64(u) / float64(n)
}

// newKernel builds the kernel of a normalised spec; embed allows the
// circulant embedding (tests turn it off to compare both constructions).
func newKernel(spec Spec, embed bool) (*kernel, error) {
	k := &kernel{spec: spec}
	k.padR = padSize(spec.Rows, spec.Pad)
	k.padC = padSize(spec.Cols, spec.Pad)
	if err := checkSize("padded grid", k.padR, k.padC); err != nil {
		return nil, err
	}
	mr, mc := k.padR, k.padC
	m := mr * mc

	// S² on the padded grid, and its pixel variance v = (1/M) Σ S².
	s2 := make([]complex128, m)
	var sum, long float64
	longK := 1 / float64(max(spec.Rows, spec.Cols))
	for u := range mr {
		fy := axisFreq(u, mr)
		for v := range mc {
			fx := axisFreq(v, mc)
			kk := math.Hypot(fy, fx)
			if kk == 0 || kk < spec.KMin {
				continue
			}
			p := math.Pow(kk, -2*spec.Delta)
			s2[u*mc+v] = complex(p, 0)
			sum += p
			k.modes++
			if kk < longK {
				long += p
			}
		}
	}
	if k.modes == 0 || sum == 0 || math.IsInf(sum, 0) {
		return nil, fmt.Errorf("noise: spec %v leaves no usable Fourier mode on the %d×%d padded grid", spec, mr, mc)
	}
	k.variance = sum / float64(m)
	k.longShare = long / sum

	// Covariance of the construction: c = DFT⁻¹(S²)/(M v), so c(0) = 1.
	fft.NewPlan(mr, mc).Inverse(s2)
	k.cov = make([]float64, m)
	for i, z := range s2 {
		k.cov[i] = real(z) / sum
	}

	if embed && k.tryEmbedding() {
		return k, nil
	}
	// The paper's construction, cropped at the centre.
	k.genR, k.genC = mr, mc
	k.offR, k.offC = (mr-spec.Rows)/2, (mc-spec.Cols)/2
	k.amp = make([]float64, m)
	for u := range mr {
		fy := axisFreq(u, mr)
		for v := range mc {
			kk := math.Hypot(fy, axisFreq(v, mc))
			if kk == 0 || kk < spec.KMin {
				continue
			}
			k.amp[u*mc+v] = math.Sqrt(math.Pow(kk, -2*spec.Delta) / sum)
		}
	}
	return k, nil
}

// padSize is the padded length ⌈pad·n⌉ (guarding pad·n that is an integer
// up to round-off).
func padSize(n int, pad float64) int {
	return int(math.Ceil(pad*float64(n) - 1e-9))
}

// embedSizes returns candidate torus lengths for a window of n pixels: the
// next power of two (fast radix transforms) and the next 5-smooth length,
// cheapest first, all below the padded length m.
func embedSizes(n, m int) []int {
	need := max(1, 2*n-2)
	var out []int
	p2 := 1 << bits.Len(uint(need-1))
	if need == 1 {
		p2 = 1
	}
	s := need
	for !smooth5(s) {
		s++
	}
	if p2 < m && p2 <= 2*s {
		out = append(out, p2)
	}
	if s < m && s != p2 {
		out = append(out, s)
	}
	return out
}

func smooth5(n int) bool {
	for _, f := range []int{2, 3, 5} {
		for n%f == 0 {
			n /= f
		}
	}
	return n == 1
}

// tryEmbedding looks for a nonnegative circulant embedding of the window's
// covariance on a torus smaller than the padded grid, and installs it.
func (k *kernel) tryEmbedding() bool {
	rs := embedSizes(k.spec.Rows, k.padR)
	cs := embedSizes(k.spec.Cols, k.padC)
	for _, lr := range rs {
		for _, lc := range cs {
			if amp, err := k.embed(lr, lc); err == nil {
				k.embedded = true
				k.genR, k.genC, k.offR, k.offC = lr, lc, 0, 0
				k.amp = amp
				return true
			}
		}
	}
	return false
}

var errNotNonnegative = errors.New("noise: circulant embedding is not nonnegative")

// embed returns the amplitudes of the circulant embedding on an lr×lc torus,
// or an error if its spectrum has negative eigenvalues beyond round-off.
func (k *kernel) embed(lr, lc int) ([]float64, error) {
	mr, mc := k.padR, k.padC
	ct := make([]complex128, lr*lc)
	var abs float64
	for a := range lr {
		dy := min(a, lr-a) // c is even in each axis
		for b := range lc {
			dx := min(b, lc-b)
			c := k.cov[(dy%mr)*mc+dx%mc]
			ct[a*lc+b] = complex(c, 0)
			abs += math.Abs(c)
		}
	}
	fft.NewPlan(lr, lc).Forward(ct)
	amp := make([]float64, lr*lc)
	n := float64(lr * lc)
	for i, z := range ct {
		l := real(z)
		if l < -embedTolerance*abs {
			return nil, errNotNonnegative
		}
		if l > 0 {
			amp[i] = math.Sqrt(l / n)
		}
	}
	return amp, nil
}

// covariance returns the unit-variance covariance at lag (dy, dx).
func (k *kernel) covariance(dy, dx int) float64 {
	mr, mc := k.padR, k.padC
	return k.cov[((dy%mr+mr)%mr)*mc+(dx%mc+mc)%mc]
}
