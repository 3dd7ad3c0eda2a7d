package noise

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// FrequencySNR computes the signal-to-noise ratio of each frequency at time
// t (the paper's Figure 17),
//
//	SNR(k, t) = ᾱ_t Γ_data(k) / ((1−ᾱ_t) Γ_noise(k)),
//
// from the power spectra of the data and of the noise in the centred layout
// (for example Spectrum.Power of a data set and of noise samples), stores it
// in dst and returns dst. Because x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε with x_0 and ε
// independent, the power of x_t at k is ᾱ_t Γ_data(k) + (1−ᾱ_t) Γ_noise(k),
// and SNR(k, t) is the ratio of the two terms. For cloud noise with the
// data's scaling parameter Δ, Γ_data/Γ_noise is constant, so SNR(k, t) is
// flat in k: every frequency is drowned at the same rate. For white noise it
// falls like |k|^(−2Δ): fine detail is destroyed first.
//
// Where the noise has no power (k = 0 of cloud noise, or every k at t = 0)
// the result is +Inf if the data has power there and NaN if neither has;
// nothing else yields NaN.
//
// FrequencySNR returns an error, leaving dst unchanged, if a spectrum is nil
// or empty, if the shapes of the two spectra differ, or if a spectrum value
// is negative, NaN or infinite. It panics if t is outside 0..Steps() or if
// dst is non-empty and not of the spectra's shape. If dst is nil a new
// matrix is allocated. dst may be data or noise.
func (s *Schedule) FrequencySNR(dst, data, noise *mat.Dense, t int) (*mat.Dense, error) {
	s.checkT("FrequencySNR", t)
	rows, cols, err := snrCheckSpectra("FrequencySNR", data, noise)
	if err != nil {
		return dst, err
	}
	dst = prepareDst(dst, rows, cols)
	ab, nv := s.alphaBar[t], s.noiseVar[t]
	dr, gd, gn := dst.RawMatrix(), data.RawMatrix(), noise.RawMatrix()
	for i := 0; i < rows; i++ {
		d := dr.Data[i*dr.Stride : i*dr.Stride+cols]
		xd := gd.Data[i*gd.Stride : i*gd.Stride+cols]
		xn := gn.Data[i*gn.Stride : i*gn.Stride+cols]
		for j := range d {
			d[j] = ab * xd[j] / (nv * xn[j])
		}
	}
	return dst, nil
}

// FrequencySNRFunc is FrequencySNR for spectra given as functions of |k| in
// cycles per pixel, evaluated at each index of the rows×cols centred layout
// (|k| = √((ky/rows)² + (kx/cols)²), so k = 0 is evaluated at |k| = 0).
// A new matrix is allocated.
//
// FrequencySNRFunc returns an error if rows or cols is less than 1 or the
// grid is absurdly large, if a function is nil, or if a function returns a
// negative, NaN or infinite value at a grid frequency. Power laws A²/|k|^(2Δ)
// are infinite at k = 0: return 0 there, as cloud noise does. It panics if
// t is outside 0..Steps().
func (s *Schedule) FrequencySNRFunc(rows, cols int, data, noise func(k float64) float64, t int) (*mat.Dense, error) {
	s.checkT("FrequencySNRFunc", t)
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("noise: FrequencySNRFunc: invalid grid %d×%d", rows, cols)
	}
	if rows > maxSNRGrid/cols {
		return nil, fmt.Errorf("noise: FrequencySNRFunc: grid %d×%d too large", rows, cols)
	}
	if data == nil || noise == nil {
		return nil, errors.New("noise: FrequencySNRFunc: nil spectrum function")
	}
	ab, nv := s.alphaBar[t], s.noiseVar[t]
	dst := mat.NewDense(rows, cols, nil)
	raw := dst.RawMatrix()
	for i := 0; i < rows; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+cols]
		for j := range row {
			k := wavenumber(rows, cols, i, j)
			gd, gn := data(k), noise(k)
			if !(gd >= 0) || math.IsInf(gd, 1) {
				return nil, fmt.Errorf("noise: FrequencySNRFunc: data spectrum %v at |k| = %v", gd, k)
			}
			if !(gn >= 0) || math.IsInf(gn, 1) {
				return nil, fmt.Errorf("noise: FrequencySNRFunc: noise spectrum %v at |k| = %v", gn, k)
			}
			row[j] = ab * gd / (nv * gn)
		}
	}
	return dst, nil
}

// RadialSNR is the radial profile of FrequencySNR for plotting against |k|:
// the frequencies k ≠ 0 are grouped into bins of equal width in |k| from 0
// to the largest |k| of the grid, and for each non-empty bin it returns the
// mean |k| of its frequencies and
//
//	ᾱ_t ⟨Γ_data⟩ / ((1−ᾱ_t) ⟨Γ_noise⟩),
//
// the SNR of the bin-averaged spectra (averaging the spectra before the
// ratio keeps bins with a few noise-free frequencies finite). Bin b holds
// b·w ≤ |k| < (b+1)·w, w = kmax/bins, the last bin also kmax; a frequency
// within a relative 1e-9 of an edge counts as on it. k = 0 is excluded. k and snr are new slices in increasing |k|; empty bins are
// omitted.
//
// RadialSNR returns an error for the bad spectra FrequencySNR rejects, if
// bins < 1, or if bins exceeds the number of frequencies. It panics if t is
// outside 0..Steps().
func (s *Schedule) RadialSNR(data, noise *mat.Dense, t, bins int) (k, snr []float64, err error) {
	s.checkT("RadialSNR", t)
	rows, cols, err := snrCheckSpectra("RadialSNR", data, noise)
	if err != nil {
		return nil, nil, err
	}
	if bins < 1 || bins > rows*cols {
		return nil, nil, fmt.Errorf("noise: RadialSNR: bins = %d outside 1..%d", bins, rows*cols)
	}
	// The largest |k| is at a corner of the grid: index 0 on both axes.
	kmax := wavenumber(rows, cols, 0, 0)
	if kmax == 0 {
		return nil, nil, errors.New("noise: RadialSNR: a 1×1 grid has no frequency k ≠ 0")
	}
	width := kmax / float64(bins)
	sumK := make([]float64, bins)
	sumD := make([]float64, bins)
	sumN := make([]float64, bins)
	count := make([]int, bins)
	gd, gn := data.RawMatrix(), noise.RawMatrix()
	for i := 0; i < rows; i++ {
		xd := gd.Data[i*gd.Stride : i*gd.Stride+cols]
		xn := gn.Data[i*gn.Stride : i*gn.Stride+cols]
		for j := range xd {
			kk := wavenumber(rows, cols, i, j)
			if kk == 0 {
				continue
			}
			// A frequency on a bin edge (common: |k| is often a rational
			// multiple of kmax) belongs to the upper bin whatever the
			// rounding of kk/width.
			b := min(int(kk/width+snrEdgeTol), bins-1)
			sumK[b] += kk
			sumD[b] += xd[j]
			sumN[b] += xn[j]
			count[b]++
		}
	}
	ab, nv := s.alphaBar[t], s.noiseVar[t]
	for b, n := range count {
		if n == 0 {
			continue
		}
		fn := float64(n)
		k = append(k, sumK[b]/fn)
		snr = append(snr, ab*(sumD[b]/fn)/(nv*(sumN[b]/fn)))
	}
	return k, snr, nil
}

// snrEdgeTol is the relative tolerance within which a frequency counts as
// lying on a bin edge in RadialSNR.
const snrEdgeTol = 1e-9

// maxSNRGrid bounds the number of frequencies FrequencySNRFunc allocates.
const maxSNRGrid = 1 << 28

// snrCheckSpectra validates a pair of spectra and returns their shape.
func snrCheckSpectra(op string, data, noise *mat.Dense) (rows, cols int, err error) {
	if data == nil || data.IsEmpty() {
		return 0, 0, fmt.Errorf("noise: %s: data spectrum is nil or empty", op)
	}
	if noise == nil || noise.IsEmpty() {
		return 0, 0, fmt.Errorf("noise: %s: noise spectrum is nil or empty", op)
	}
	rows, cols = data.Dims()
	if nr, nc := noise.Dims(); nr != rows || nc != cols {
		return 0, 0, fmt.Errorf("noise: %s: data spectrum is %d×%d but noise spectrum is %d×%d", op, rows, cols, nr, nc)
	}
	for _, sp := range []struct {
		name string
		m    *mat.Dense
	}{{"data", data}, {"noise", noise}} {
		raw := sp.m.RawMatrix()
		for i := 0; i < rows; i++ {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+cols] {
				if !(v >= 0) || math.IsInf(v, 1) {
					return 0, 0, fmt.Errorf("noise: %s: %s spectrum is %v at (%d, %d)", op, sp.name, v, i, j)
				}
			}
		}
	}
	return rows, cols, nil
}
