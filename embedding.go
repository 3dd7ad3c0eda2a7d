package noise

import (
	"errors"
	"fmt"
	"math"
	"sort"

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
// amp_k² = S_k²/(M v), S_k² = Γ(k) (|k|^(−2Δ) for the power law, or the
// Spec's Density), and crops the centre. A circulant
// embedding ("embedded") generates instead on a torus L, smaller or faster
// to transform than M, whose covariance c̃ equals the covariance c of the
// paper's crop at every lag inside the window (|dy| < rows, |dx| < cols);
// amp_k² = λ_k/L with λ = DFT(c̃) ≥ 0. The lags outside the window are free:
// the even reflection c̃(d) = c(min(d, L−d)) serves for small Δ (white, pink),
// and for larger Δ alternating projections search for free values that make
// λ ≥ 0 (see embed). The window's covariance is then reproduced to within
// embedExact (1e-12) at every lag: the two constructions give the same
// distribution up to rounding.
//
// White noise (WhiteDensity, KMin 0) needs no transform: its kernel has
// white set, and the generator draws independent pixels.
type kernel struct {
	spec       Spec
	padR, padC int // the paper's grid M
	genR, genC int // generation grid (M, or L when embedded)
	offR, offC int // window offset in the generation grid
	embedded   bool
	white      bool      // independent pixels drawn directly (amp is nil)
	amp        []float64 // genR×genC, unshifted order
	cov        []float64 // unit-variance covariance on the M grid, lag-indexed
	variance   float64   // v = (1/M) Σ_k S_k², pixel variance before normalisation
	longShare  float64   // variance share of modes longer than the image
	modes      int       // number of nonzero modes on M
}

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
	if spec.white() {
		return newWhiteKernel(spec), nil
	}
	k := &kernel{spec: spec}
	k.padR = padSize(spec.Rows, spec.Pad)
	k.padC = padSize(spec.Cols, spec.Pad)
	if err := checkSize("padded grid", k.padR, k.padC); err != nil {
		return nil, err
	}
	mr, mc := k.padR, k.padC
	m := mr * mc

	// S² on the padded grid (0 for the modes left out).
	pw, err := spectrumOnGrid(spec, mr, mc)
	if err != nil {
		return nil, err
	}
	// Its pixel variance v = (1/M) Σ S², and the share of long waves.
	s2 := make([]complex128, m)
	var sum, long float64
	longK := 1 / float64(max(spec.Rows, spec.Cols))
	for u := range mr {
		fy := axisFreq(u, mr)
		for v := range mc {
			p := pw[u*mc+v]
			if p == 0 {
				continue
			}
			s2[u*mc+v] = complex(p, 0)
			sum += p
			k.modes++
			if math.Hypot(fy, axisFreq(v, mc)) < longK {
				long += p
			}
		}
	}
	if k.modes == 0 || sum == 0 || math.IsInf(sum, 0) {
		law := fmt.Sprintf("the power law of Δ = %g", spec.Delta)
		if spec.Density != nil {
			law = fmt.Sprintf("the %v density", spec.Density)
		}
		return nil, fmt.Errorf("noise: no usable Fourier mode: %s (pad %g, kmin %g) is zero, removed or not finite at every frequency of the %d×%d padded grid of %d×%d fields",
			law, spec.Pad, spec.KMin, mr, mc, spec.Rows, spec.Cols)
	}
	k.variance = sum / float64(m)
	k.longShare = long / sum

	// Covariance of the construction: c = DFT⁻¹(S²)/(M v), so c(0) = 1.
	fft.NewPlan(mr, mc).Inverse(s2)
	k.cov = make([]float64, m)
	for i, z := range s2 {
		k.cov[i] = real(z) / sum
	}

	// The embedding reflects lags per axis, c̃(a, b) = c(min(a, L−a),
	// min(b, L−b)), which needs c(−dy, dx) = c(dy, dx): true for the power
	// law and radial densities, not for a measured 2-D spectrum, which is
	// only centrally symmetric. Those use the padded grid.
	axisEven := spec.Density == nil || spec.Density.kind != densityGrid
	if embed && axisEven && k.tryEmbedding() {
		return k, nil
	}
	// The paper's construction, cropped at the centre.
	k.genR, k.genC = mr, mc
	k.offR, k.offC = (mr-spec.Rows)/2, (mc-spec.Cols)/2
	k.amp = make([]float64, m)
	for i, p := range pw {
		if p != 0 {
			k.amp[i] = math.Sqrt(p / sum)
		}
	}
	return k, nil
}

// spectrumOnGrid returns S² = Γ at every frequency of the mr×mc padded grid
// in unshifted order, 0 for the modes left out: those with |k| < KMin, and
// k = 0 for the power law or where the density is +Inf. For a density the
// values are symmetrised, S²(k) = S²(−k) exactly, which the two-field
// construction needs (the real and imaginary parts are independent only for
// an even S²). It returns an error for a density value that is NaN,
// negative, or infinite at k ≠ 0.
func spectrumOnGrid(spec Spec, mr, mc int) ([]float64, error) {
	pw := make([]float64, mr*mc)
	d := spec.Density
	for u := range mr {
		fy := axisFreq(u, mr)
		for v := range mc {
			kk := math.Hypot(fy, axisFreq(v, mc))
			if kk < spec.KMin {
				continue
			}
			if d == nil {
				if kk != 0 {
					pw[u*mc+v] = math.Pow(kk, -2*spec.Delta)
				}
				continue
			}
			p := d.onGrid(u, v, mr, mc)
			switch {
			case kk == 0 && math.IsInf(p, 1):
				p = 0 // a density diverging at k = 0 leaves it out
			case math.IsNaN(p) || math.IsInf(p, 0) || p < 0:
				return nil, fmt.Errorf("noise: density %v is %v at k = (%.6g, %.6g) cycles per pixel: must be finite and ≥ 0", d, p, fy, axisFreq(v, mc))
			}
			pw[u*mc+v] = p
		}
	}
	if d != nil {
		for u := range mr {
			nu := (mr - u) % mr
			for v := range mc {
				i, j := u*mc+v, nu*mc+(mc-v)%mc
				if i < j {
					s := 0.5 * (pw[i] + pw[j])
					pw[i], pw[j] = s, s
				}
			}
		}
	}
	return pw, nil
}

// newWhiteKernel returns the kernel of white noise: independent standard
// normal pixels drawn directly on the field's grid, which serves as the
// padded grid (flat spectrum, unit variance, covariance δ).
func newWhiteKernel(spec Spec) *kernel {
	n := spec.Rows * spec.Cols
	k := &kernel{spec: spec, white: true,
		padR: spec.Rows, padC: spec.Cols, genR: spec.Rows, genC: spec.Cols,
		variance: 1, modes: n, longShare: 1 / float64(n)}
	k.cov = make([]float64, n)
	k.cov[0] = 1
	return k
}

// padSize is the padded length ⌈pad·n⌉ (guarding pad·n that is an integer
// up to round-off).
func padSize(n int, pad float64) int {
	return int(math.Ceil(pad*float64(n) - 1e-9))
}

// embedSizes returns candidate torus lengths for a window of n pixels, below
// the padded length m: every power of two from 2n−2 up (fast radix
// transforms) and the smallest 5-smooth length, cheapest first.
func embedSizes(n, m int) []int {
	need := max(1, 2*n-2)
	var out []int
	s := need
	for !smooth5(s) {
		s++
	}
	for p := 1; p < m; p *= 2 {
		if p >= need {
			if s < p && s < m {
				out = append(out, s)
				s = m // once
			}
			out = append(out, p)
		}
	}
	if s < m {
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

// pairCost estimates the relative cost of one pair of fields generated on a
// gr×gc grid: the pruned row and column passes plus the normal deviates.
func pairCost(gr, gc, rows, cols int) float64 {
	return float64(gr)*fft.PrunedCost(gc, cols) + float64(cols)*fft.PrunedCost(gr, rows) + 4*float64(gr*gc)
}

// tryEmbedding looks for a nonnegative circulant embedding of the window's
// covariance on a torus cheaper than the padded grid, and installs it.
func (k *kernel) tryEmbedding() bool {
	type cand struct {
		lr, lc int
		cost   float64
	}
	var cands []cand
	rows, cols := k.spec.Rows, k.spec.Cols
	direct := pairCost(k.padR, k.padC, rows, cols)
	for _, lr := range embedSizes(rows, k.padR) {
		for _, lc := range embedSizes(cols, k.padC) {
			if c := pairCost(lr, lc, rows, cols); c < 0.8*direct {
				cands = append(cands, cand{lr, lc, c})
			}
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].cost < cands[j].cost })
	for _, c := range cands {
		if amp, err := k.embed(c.lr, c.lc); err == nil {
			k.embedded = true
			k.genR, k.genC, k.offR, k.offC = c.lr, c.lc, 0, 0
			k.amp = amp
			return true
		}
	}
	return false
}

var errNotNonnegative = errors.New("noise: no nonnegative circulant embedding found")

// Parameters of the search for an embedding. The covariance c̃ on the torus
// must equal c at the lags inside the window; the other lags are free. The
// even reflection c̃(d) = c(min(d, L−d)) is tried first. When its spectrum λ
// has negative values, alternating projections look for free lags that make
// λ ≥ 0: clip λ at 0, transform back, restore the window lags, with
// over-relaxation ω. The covariance realised at window lags then differs
// from c by at most Σ λ⁻/L (the clipped mass), which must fall below
// embedExact. A search that has not halved that mass in embedStall
// iterations is abandoned.
const (
	embedExact    = 1e-12
	embedMinRatio = 2.5     // projections only for tori ≥ 2.5× the window per axis
	embedMaxGrid  = 1 << 16 // and of at most 256² points, to bound set-up time
	embedMaxIter  = 300
	embedStall    = 25
	embedRelax    = 1.9
	embedTolRound = 1e-13 // round-off allowance on λ, relative to Σ|c̃|
)

// embed returns the amplitudes of a circulant embedding on an lr×lc torus,
// or errNotNonnegative.
func (k *kernel) embed(lr, lc int) ([]float64, error) {
	rows, cols := k.spec.Rows, k.spec.Cols
	mr, mc := k.padR, k.padC
	ct := make([]float64, lr*lc)
	fixed := make([]bool, lr*lc)
	var abs float64
	for a := range lr {
		dy := min(a, lr-a) // c is even in each axis
		for b := range lc {
			dx := min(b, lc-b)
			c := k.cov[(dy%mr)*mc+dx%mc]
			ct[a*lc+b] = c
			fixed[a*lc+b] = dy <= rows-1 && dx <= cols-1
			abs += math.Abs(c)
		}
	}
	// Tori near 2n have no nonnegative embedding for Δ ≳ 1.5 (the window's
	// covariance is still far from zero at its edge); only the reflection is
	// tried there. Larger tori leave room for the projections.
	search := float64(lr) >= embedMinRatio*float64(rows) && float64(lc) >= embedMinRatio*float64(cols) && lr*lc <= embedMaxGrid
	plan := fft.NewPlan(lr, lc)
	h := plan.HalfCols()
	half := make([]complex128, lr*h)
	back := make([]float64, lr*lc)
	n := float64(lr * lc)
	best, sinceBest := math.Inf(1), 0
	for range embedMaxIter {
		plan.ForwardReal(half, ct, lc)
		// λ is real (c̃ is even); count the clipped mass over the full
		// spectrum: interior half-spectrum columns stand for two entries.
		var neg float64
		for u := range lr {
			for v := range h {
				l := real(half[u*h+v])
				w := 2.0
				if v == 0 || 2*v == lc {
					w = 1
				}
				if l < -embedTolRound*abs {
					neg -= w * l
				}
				if l < 0 {
					l = 0
				}
				half[u*h+v] = complex(l, 0)
			}
		}
		if neg/n <= embedExact {
			return k.amplitudes(half, lr, lc), nil
		}
		if !search {
			return nil, errNotNonnegative
		}
		if neg < best/2 {
			best, sinceBest = neg, 0
		} else if sinceBest++; sinceBest >= embedStall {
			return nil, errNotNonnegative
		}
		plan.InverseReal(back, lc, half)
		for i, f := range fixed {
			if !f {
				ct[i] += embedRelax * (back[i]/n - ct[i])
			}
		}
	}
	return nil, errNotNonnegative
}

// amplitudes expands the clipped half spectrum λ of an embedding into the
// full grid of amplitudes √(λ/L).
func (k *kernel) amplitudes(half []complex128, lr, lc int) []float64 {
	h := lc/2 + 1
	n := float64(lr * lc)
	amp := make([]float64, lr*lc)
	for u := range lr {
		for v := range lc {
			var l float64
			if v < h {
				l = real(half[u*h+v])
			} else {
				l = real(half[((lr-u)%lr)*h+lc-v])
			}
			amp[u*lc+v] = math.Sqrt(l / n)
		}
	}
	return amp
}

// covariance returns the unit-variance covariance at lag (dy, dx).
func (k *kernel) covariance(dy, dx int) float64 {
	mr, mc := k.padR, k.padC
	return k.cov[((dy%mr+mr)%mr)*mc+(dx%mc+mc)%mc]
}
