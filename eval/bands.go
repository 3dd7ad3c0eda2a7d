package eval

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// DefaultBandEdges returns, as a new slice, the edges in cycles per pixel
// of the default radial frequency bands of BandErrors: octaves
// 0 < |k| ≤ 1/16, 1/16 < |k| ≤ 1/8, 1/8 < |k| ≤ 1/4 and 1/4 < |k| (up to
// the corners, |k| ≤ √½), that is {0, 1/16, 1/8, 1/4, 1}. At 32×32 the
// lowest band holds the wavelengths of 16 to 32 pixels, the highest those
// of 2 to 4 pixels.
func DefaultBandEdges() []float64 { return []float64{0, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1} }

// Bands returns, for each centred frequency of a rows×cols array (in
// row-major order), the index b of its radial band, edges[b] < |k| ≤
// edges[b+1] with |k| in cycles per pixel (noise.Wavenumbers), or −1 for
// k = 0 and for |k| outside the edges. edges nil means DefaultBandEdges().
// It returns an error if the edges are invalid: fewer than 2, not
// increasing strictly from a value ≥ 0, or infinite. BandErrors and the
// exact theory of the diffusion package share these bands.
func Bands(rows, cols int, edges []float64) ([]int, error) {
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("eval: Bands: size %d×%d, need at least 1×1", rows, cols)
	}
	if edges == nil {
		edges = DefaultBandEdges()
	}
	if len(edges) < 2 {
		return nil, fmt.Errorf("eval: Bands: %d band edges, need at least 2", len(edges))
	}
	if !(edges[0] >= 0) {
		return nil, fmt.Errorf("eval: Bands: first band edge %v must be ≥ 0", edges[0])
	}
	for i := 1; i < len(edges); i++ {
		if !(edges[i] > edges[i-1]) || math.IsInf(edges[i], 0) {
			return nil, fmt.Errorf("eval: Bands: band edges must increase strictly and be finite, got %v after %v", edges[i], edges[i-1])
		}
	}
	k := noise.Wavenumbers(rows, cols).RawMatrix().Data
	idx := make([]int, len(k))
	for p, v := range k {
		idx[p] = -1
		for b := 0; b+1 < len(edges); b++ {
			if v > edges[b] && v <= edges[b+1] {
				idx[p] = b
				break
			}
		}
	}
	return idx, nil
}

// BandErrors measures when each radial frequency band of the sampler's
// prediction x̂0 settles. For step s of a trajectory (traj[s][i] is x̂0 of
// image i predicted at step s, as diffusion.Samples.X0) and the final
// samples final[i], the relative squared error of band b is
//
//	e_b(s) = Σ_i Σ_{k∈b} (F_R(x̂0_s,i − final_i))_k² / Σ_i Σ_{k∈b} (F_R final_i)_k²,
//
// with F_R the orthonormal real Fourier transform (noise.RealFFT2) and band b
// the frequencies edges[b] < |k| ≤ edges[b+1] (k = 0, the image mean, is in
// no band). e_b = 0 means the band's content (amplitudes and phases) is
// final; e_b = 1 means an error as large as the band's whole energy: a
// prediction that is 0 in the band gives 1, one uncorrelated with the final
// content but of the same power gives 2. The result has one row per step
// and one column per band.
//
// edges nil means DefaultBandEdges(). BandErrors returns an error if the
// edges are invalid (fewer than 2, not increasing strictly from a value
// ≥ 0, or infinite), final is empty, a step of traj does not have
// len(final) images, an image is nil, of a shape other than final[0] or
// holds a NaN or infinite pixel, or a band has no energy in final.
func BandErrors(traj [][]*mat.Dense, final []*mat.Dense, edges []float64) ([][]float64, error) {
	if edges == nil {
		edges = DefaultBandEdges()
	}
	rows, cols, err := checkSet("BandErrors", "final", final, 0, 0)
	if err != nil {
		return nil, err
	}
	idx, err := Bands(rows, cols, edges)
	if err != nil {
		return nil, err
	}
	plan, err := noise.NewRealFFT(rows, cols)
	if err != nil {
		return nil, err
	}
	nb := len(edges) - 1
	var spec *mat.Dense
	diff := mat.NewDense(rows, cols, nil)
	energy := func(dst []float64, x *mat.Dense) {
		spec = plan.Forward(spec, x)
		for p, v := range spec.RawMatrix().Data {
			if b := idx[p]; b >= 0 {
				dst[b] += v * v
			}
		}
	}
	total := make([]float64, nb)
	for _, f := range final {
		energy(total, f)
	}
	for b, e := range total {
		if !(e > 0) {
			return nil, fmt.Errorf("eval: BandErrors: band %d (%g < |k| ≤ %g) has no energy in the final samples", b, edges[b], edges[b+1])
		}
	}
	out := make([][]float64, len(traj))
	for s, step := range traj {
		if len(step) != len(final) {
			return nil, fmt.Errorf("eval: BandErrors: step %d has %d images, want %d like final", s, len(step), len(final))
		}
		if _, _, err := checkSet("BandErrors", fmt.Sprintf("traj[%d]", s), step, rows, cols); err != nil {
			return nil, err
		}
		row := make([]float64, nb)
		for i, x := range step {
			diff.Sub(x, final[i])
			energy(row, diff)
		}
		for b := range row {
			row[b] /= total[b]
		}
		out[s] = row
	}
	return out, nil
}

// SettleTimes returns, for each band (column of errs, one row per step as
// from BandErrors), the normalised time t/T at which the band settles: the
// time times[s]/T of the first step s from which on every error is below
// threshold. A band that never settles before the last step gets the time
// of the last step. Larger values mean earlier settling (the reverse
// process runs from t = T down to 0). SettleTimes returns an error if errs
// and times differ in length or are empty, T < 1, or the rows differ in
// length.
func SettleTimes(errs [][]float64, times []int, T int, threshold float64) ([]float64, error) {
	if len(errs) == 0 || len(errs) != len(times) {
		return nil, fmt.Errorf("eval: SettleTimes: %d error rows for %d times", len(errs), len(times))
	}
	if T < 1 {
		return nil, fmt.Errorf("eval: SettleTimes: T = %d", T)
	}
	nb := len(errs[0])
	for s, row := range errs {
		if len(row) != nb {
			return nil, fmt.Errorf("eval: SettleTimes: row %d has %d bands, want %d", s, len(row), nb)
		}
	}
	out := make([]float64, nb)
	for b := range nb {
		s := len(errs) - 1
		for s > 0 {
			if !(errs[s-1][b] < threshold) {
				break
			}
			s--
		}
		out[b] = float64(times[s]) / float64(T)
	}
	return out, nil
}
