package noise

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Density is a stationary power spectral density Γ(k), the spectrum of the
// Gaussian noise a Spec with this Density draws. It is an immutable value:
// the constructors copy their inputs, and a *Density may be shared by any
// number of Specs and Samplers, on any goroutines. Only the scale of Γ
// matters: a Sampler always normalises its fields to unit pixel variance.
//
// The kinds are:
//
//   - WhiteDensity: Γ(k) = 1 for every k, k = 0 included. A Spec with it
//     (and KMin 0) draws independent standard normal pixels directly,
//     whatever Pad.
//   - RadialDensity: Γ(k) = f(|k|) for a Go function f.
//   - TabulatedDensity: Γ(k) interpolated in log-log from knots (k_i, Γ_i),
//     a radial profile that can be stored.
//   - MeasuredDensity: a spectrum measured on an image grid (Spectrum.Power),
//     carried to any grid by periodic bilinear interpolation, or smoothed
//     into a radial profile.
//
// # Evaluation on the generation grid
//
// A Sampler evaluates Γ at every frequency (ky, kx) of its padded grid
// (cycles per pixel, |k| = √(ky² + kx²)); a mode whose value is 0, or whose
// |k| is below the Spec's KMin, is left out. The value at k = 0 may be +Inf
// (a spectrum that diverges there, like the power law): the mode is then
// left out too. Any other infinite, NaN or negative value makes NewSampler
// return an error naming the frequency, as does a density that leaves no
// mode with positive power.
//
// # Serialisation
//
// Densities marshal to and from JSON (MarshalJSON, UnmarshalJSON), exactly:
// the values round-trip bit for bit, so a Spec with a Density can be stored
// in a checkpoint. A RadialDensity holds a Go function and cannot be
// marshalled (MarshalJSON returns an error); tabulate it with
// TabulatedDensity to store it.
type Density struct {
	kind densityKind

	// densityRadial
	fn func(k float64) float64

	// densityTable: knots k (increasing, ≥ 0) and values g (> 0).
	knots, values []float64

	// densityGrid: a measured spectrum on a rows×cols grid, centred layout,
	// symmetrised.
	rows, cols int
	power      []float64

	// Measured densities (grid or table): how many images the spectrum was
	// averaged over and the relative standard error of its values.
	images int
	relErr float64

	// kernels caches the kernels of Specs with this density, by Spec.
	kernels *sync.Map
}

type densityKind int8

const (
	densityWhite densityKind = iota + 1
	densityRadial
	densityTable
	densityGrid
)

var whiteDensity = &Density{kind: densityWhite, kernels: new(sync.Map)}

// WhiteDensity returns the flat spectrum Γ(k) = 1 for every k, the zero
// frequency included: the spectrum of independent pixels. A Spec with
// Density WhiteDensity() and KMin 0 draws independent standard normal pixels
// directly (Pad is then not used); with KMin > 0 the modes below KMin are
// removed by the padded construction like for any other density.
func WhiteDensity() *Density { return whiteDensity }

// RadialDensity returns the density Γ(k) = f(|k|), |k| in cycles per pixel.
// f is called only by NewSampler (once per frequency of the generation grid,
// on one goroutine) and must be a pure function. f(0) = +Inf removes the
// zero frequency, as for the power law: RadialDensity with
// f(k) = k^(−2Δ) draws exactly the fields of Spec{Delta: Δ}, bit for bit.
// The density cannot be serialised (see Density). A nil f makes NewSampler
// return an error.
func RadialDensity(f func(k float64) float64) *Density {
	return &Density{kind: densityRadial, fn: f, kernels: new(sync.Map)}
}

// TabulatedDensity returns the radial density interpolated from the knots
// (k[i], gamma[i]), |k| in cycles per pixel: linearly in log Γ against
// log |k| between consecutive positive knots, constant beyond the last knot
// and between 0 and the first positive knot (no extrapolation). If k[0] is
// 0, gamma[0] is the value at k = 0; otherwise the zero frequency is left
// out, as for the power law. The slices are copied.
//
// TabulatedDensity returns an error if the slices differ in length or are
// empty, k is not strictly increasing with k[0] ≥ 0, a value is not finite,
// or a gamma is not positive.
func TabulatedDensity(k, gamma []float64) (*Density, error) {
	d := &Density{kind: densityTable, knots: slices.Clone(k), values: slices.Clone(gamma), kernels: new(sync.Map)}
	if err := d.validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// MeasuredOptions configures MeasuredDensity. The zero value keeps the
// measured spectrum as it is and accepts a relative standard error of up to
// 0.2 per value.
type MeasuredOptions struct {
	// Bins, if positive, smooths the spectrum radially: its radial profile
	// in Bins log-spaced bins of |k| (RadialProfile with no cross mask)
	// becomes a TabulatedDensity, with the measured Γ(0) as the value at
	// k = 0. 0 keeps the 2-D spectrum.
	Bins int
	// MaxRelErr is the largest relative standard error per value that
	// MeasuredDensity accepts (see MeasuredDensity); 0 means 0.2, a
	// negative value accepts any.
	MaxRelErr float64
}

// DefaultMaxRelErr is the default of MeasuredOptions.MaxRelErr.
const DefaultMaxRelErr = 0.2

// MeasuredDensity returns the density of a measured power spectrum: power
// in the centred layout of a rows×cols image grid, averaged over the given
// number of images, as Spectrum.Power returns it (with images =
// Spectrum.Count()). Γ(0), the variance of the images' mean, is kept. The
// values are symmetrised, Γ(k) ← (Γ(k) + Γ(−k))/2, and copied.
//
// # Carrying the spectrum to the generation grid
//
// Without smoothing, Γ at a frequency (ky, kx) of the generation grid is the
// bilinear interpolation of the measured values on the torus of
// frequencies (the DFT's frequencies are periodic with period 1 cycle per
// pixel), with the measured grid's frequencies (i − rows/2)/rows as the
// nodes. At a node the value is the measured one exactly. So with Pad 1 and
// the images' size, the generation grid is the measured grid, the fields
// are periodic, and their expected periodogram E|Z_k|² equals the measured
// Γ(k) at every k, k = 0 and the central cross included, up to the
// normalisation to unit variance (Sampler.Power; the mean of Spectrum.Power
// over k is 1, so the normalisation changes nothing there). This is the
// "matched" noise of diffusion: for Gaussian data diagonal in Fourier space
// the exact theory needs N(k) ∝ P(k) frequency by frequency, and only the
// periodic construction gives it exactly. With Pad > 1 the crop of a larger
// periodic field is not periodic: its expected periodogram is the
// interpolated spectrum smoothed by the crop window's Fejér kernel
// (Sampler.Power computes it exactly), close to but not equal to Γ. A 2-D
// measured spectrum is always drawn on the padded grid itself: the
// circulant embedding reflects lags per axis, which needs a covariance
// symmetric in each axis, and a measured spectrum is only centrally
// symmetric (a smoothed one is radial and may be embedded).
//
// With Bins > 0 the spectrum is first reduced to its radial profile (see
// MeasuredOptions.Bins) and evaluated by TabulatedDensity's log-log rule.
//
// # How many images
//
// For Gaussian images each value of Spectrum.Power from n images is a mean of
// n − 1 independent exponential periodograms (the mean image is
// subtracted), so its relative standard error is 1/√(n − 1), √2 times more
// at the self-conjugate frequencies; a radial bin of c independent
// frequencies divides it by √c. Real images have heavier tails, so this is
// a lower bound. RelStdErr reports the value for the density (the worst
// bin when smoothed). MeasuredDensity returns an error when it exceeds
// MaxRelErr: with the default 0.2 (about ±0.8 dB per frequency), an
// unsmoothed spectrum needs at least 26 images; smoothing needs far fewer.
//
// MeasuredDensity also returns an error if power is empty or holds a NaN,
// infinite or negative value, is zero everywhere, images is less than 2,
// Bins is negative, or a radial bin has zero mean power.
func MeasuredDensity(power mat.Matrix, images int, opts *MeasuredOptions) (*Density, error) {
	if opts == nil {
		opts = &MeasuredOptions{}
	}
	if d, ok := power.(*mat.Dense); power == nil || ok && d == nil {
		return nil, errors.New("noise: MeasuredDensity of a nil power spectrum")
	}
	rows, cols := power.Dims()
	if err := checkSize("measured spectrum", rows, cols); err != nil {
		return nil, err
	}
	switch {
	case images < 2:
		return nil, fmt.Errorf("noise: MeasuredDensity from %d images: a spectrum with the mean removed needs at least 2", images)
	case opts.Bins < 0:
		return nil, fmt.Errorf("noise: MeasuredDensity with %d radial bins", opts.Bins)
	case math.IsNaN(opts.MaxRelErr) || math.IsInf(opts.MaxRelErr, 0):
		return nil, fmt.Errorf("noise: MeasuredDensity with MaxRelErr %v", opts.MaxRelErr)
	}
	p := make([]float64, rows*cols)
	var any bool
	for i := range rows {
		for j := range cols {
			v := power.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, fmt.Errorf("noise: measured power %v at centred index (%d, %d): must be finite and ≥ 0", v, i, j)
			}
			p[i*cols+j] = v
			any = any || v > 0
		}
	}
	if !any {
		return nil, errors.New("noise: measured power is zero everywhere")
	}
	// Symmetrise: Γ(k) ← (Γ(k) + Γ(−k))/2, unchanged where already even.
	sym := make([]float64, len(p))
	for i := range rows {
		ii := involute(rows, i)
		for j := range cols {
			sym[i*cols+j] = 0.5 * (p[i*cols+j] + p[ii*cols+involute(cols, j)])
		}
	}
	d := &Density{images: images, kernels: new(sync.Map)}
	maxRel := opts.MaxRelErr
	if maxRel == 0 {
		maxRel = DefaultMaxRelErr
	}
	if opts.Bins == 0 {
		d.kind, d.rows, d.cols, d.power = densityGrid, rows, cols, sym
		d.relErr = 1 / math.Sqrt(float64(images-1))
		if maxRel > 0 && d.relErr > maxRel {
			need := int(math.Ceil(1/(maxRel*maxRel))) + 1
			return nil, fmt.Errorf("noise: a spectrum from %d images has a relative standard error of %.2g per frequency, above %.2g: use at least %d images, or smooth it (MeasuredOptions.Bins)", images, d.relErr, maxRel, need)
		}
		return d, nil
	}
	prof, err := RadialProfile(mat.NewDense(rows, cols, sym), &RadialOptions{Cross: -1, Bins: opts.Bins})
	if err != nil {
		return nil, fmt.Errorf("noise: MeasuredDensity: %s", trimNoise(err))
	}
	d.kind = densityTable
	d.knots = []float64{0}
	d.values = []float64{sym[(rows/2)*cols+cols/2]}
	minCount := math.MaxInt
	for _, b := range prof {
		if !(b.Mean > 0) {
			return nil, fmt.Errorf("noise: MeasuredDensity: radial bin at |k| = %.4g has zero power", b.K)
		}
		d.knots = append(d.knots, b.K)
		d.values = append(d.values, b.Mean)
		minCount = min(minCount, b.Count)
	}
	if d.values[0] == 0 {
		// No power at k = 0 (for example images with their own mean
		// removed): the knot at 0 would not be positive; leave k = 0 out.
		d.knots, d.values = d.knots[1:], d.values[1:]
	}
	d.relErr = 1 / math.Sqrt(float64((images-1)*minCount))
	if maxRel > 0 && d.relErr > maxRel {
		return nil, fmt.Errorf("noise: a radial profile from %d images has a relative standard error of %.2g in its sparsest bin (%d frequencies), above %.2g: use more images or fewer bins", images, d.relErr, minCount, maxRel)
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	return d, nil
}

// trimNoise returns the message of err without its "noise: " prefix.
func trimNoise(err error) string {
	s := err.Error()
	if len(s) > 7 && s[:7] == "noise: " {
		return s[7:]
	}
	return s
}

// RelStdErr returns the relative standard error of the values of a measured
// density (see MeasuredDensity), and 0 for the other kinds, which are exact.
func (d *Density) RelStdErr() float64 { return d.relErr }

// Images returns the number of images a measured density was averaged over,
// and 0 for the other kinds.
func (d *Density) Images() int { return d.images }

// String describes the density: "white", "radial(func)", "tabulated(n
// knots)" or "measured(r×c, n images)".
func (d *Density) String() string {
	if d == nil {
		return "<nil>"
	}
	switch d.kind {
	case densityWhite:
		return "white"
	case densityRadial:
		return "radial(func)"
	case densityTable:
		if d.images > 0 {
			return fmt.Sprintf("measured(radial, %d knots, %d images)", len(d.knots), d.images)
		}
		return fmt.Sprintf("tabulated(%d knots)", len(d.knots))
	case densityGrid:
		return fmt.Sprintf("measured(%d×%d, %d images)", d.rows, d.cols, d.images)
	}
	return "invalid"
}

// Equal reports whether d and e describe the same density: the same kind and
// bit-identical data (RadialDensity values are equal only to themselves).
// Two nil densities are equal.
func (d *Density) Equal(e *Density) bool {
	if d == nil || e == nil {
		return d == e
	}
	if d == e {
		return true
	}
	if d.kind != e.kind || d.images != e.images || math.Float64bits(d.relErr) != math.Float64bits(e.relErr) {
		return false
	}
	switch d.kind {
	case densityWhite:
		return true
	case densityTable:
		return bitsEqual(d.knots, e.knots) && bitsEqual(d.values, e.values)
	case densityGrid:
		return d.rows == e.rows && d.cols == e.cols && bitsEqual(d.power, e.power)
	}
	return false
}

func bitsEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i, v := range a {
		if math.Float64bits(v) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// validate checks the data of a density (from a constructor or JSON).
func (d *Density) validate() error {
	switch d.kind {
	case densityWhite:
		return nil
	case densityRadial:
		if d.fn == nil {
			return errors.New("noise: RadialDensity with a nil function")
		}
		return nil
	case densityTable:
		k, g := d.knots, d.values
		if len(k) == 0 || len(k) != len(g) {
			return fmt.Errorf("noise: tabulated density with %d knots and %d values", len(k), len(g))
		}
		for i := range k {
			switch {
			case math.IsNaN(k[i]) || math.IsInf(k[i], 0) || k[i] < 0:
				return fmt.Errorf("noise: tabulated density knot k[%d] = %v: must be finite and ≥ 0", i, k[i])
			case i > 0 && !(k[i] > k[i-1]):
				return fmt.Errorf("noise: tabulated density knots must increase strictly: k[%d] = %v after %v", i, k[i], k[i-1])
			case math.IsNaN(g[i]) || math.IsInf(g[i], 0) || !(g[i] > 0):
				return fmt.Errorf("noise: tabulated density value %v at k = %v: must be finite and > 0", g[i], k[i])
			}
		}
		return nil
	case densityGrid:
		if err := checkSize("measured spectrum", d.rows, d.cols); err != nil {
			return err
		}
		if len(d.power) != d.rows*d.cols {
			return fmt.Errorf("noise: measured density of %d×%d with %d values", d.rows, d.cols, len(d.power))
		}
		var any bool
		for i, v := range d.power {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return fmt.Errorf("noise: measured power %v at centred index (%d, %d): must be finite and ≥ 0", v, i/d.cols, i%d.cols)
			}
			any = any || v > 0
		}
		if !any {
			return errors.New("noise: measured power is zero everywhere")
		}
		for i := range d.rows {
			ii := involute(d.rows, i)
			for j := range d.cols {
				if d.power[i*d.cols+j] != d.power[ii*d.cols+involute(d.cols, j)] {
					return fmt.Errorf("noise: measured power is not even: Γ(k) ≠ Γ(−k) at centred index (%d, %d)", i, j)
				}
			}
		}
		return nil
	}
	return fmt.Errorf("noise: invalid density kind %d", d.kind)
}

// At returns Γ at the frequency (ky, kx) in cycles per pixel: the value a
// Sampler uses at that frequency of its grid (before KMin is applied). For
// a measured density the position is snapped to a node of the measured grid
// when within 1e-9 lattice units of it, so nodes give the measured values
// exactly.
func (d *Density) At(ky, kx float64) float64 {
	switch d.kind {
	case densityWhite:
		return 1
	case densityRadial, densityTable:
		return d.radial(math.Hypot(ky, kx))
	case densityGrid:
		iy, wy := gridPos(ky*float64(d.rows), 1e-9)
		ix, wx := gridPos(kx*float64(d.cols), 1e-9)
		return d.bilinear(iy, wy, ix, wx)
	}
	return math.NaN()
}

// gridPos splits a position t in lattice units into its floor and fraction,
// snapping to the nearest node within tol.
func gridPos(t, tol float64) (int, float64) {
	if r := math.Round(t); math.Abs(t-r) <= tol {
		return int(r), 0
	}
	f := math.Floor(t)
	return int(f), t - f
}

// radial returns the radial density at |k| = k.
func (d *Density) radial(k float64) float64 {
	if d.kind == densityRadial {
		return d.fn(k)
	}
	kn, g := d.knots, d.values
	if k == 0 {
		if kn[0] == 0 {
			return g[0]
		}
		return math.Inf(1) // left out, as for the power law
	}
	// First positive knot.
	lo := 0
	if kn[0] == 0 {
		lo = 1
	}
	if lo == len(kn) {
		return g[0] // only a knot at 0: flat
	}
	if k <= kn[lo] {
		return g[lo]
	}
	last := len(kn) - 1
	if k >= kn[last] {
		return g[last]
	}
	// Binary search for kn[i] ≤ k < kn[i+1], i ≥ lo.
	i, _ := slices.BinarySearch(kn[lo:], k)
	i += lo
	if kn[i] > k {
		i--
	}
	if kn[i] == k {
		return g[i]
	}
	t := (math.Log(k) - math.Log(kn[i])) / (math.Log(kn[i+1]) - math.Log(kn[i]))
	return math.Exp(math.Log(g[i]) + t*(math.Log(g[i+1])-math.Log(g[i])))
}

// bilinear interpolates the measured grid on the torus at lattice position
// (iy + wy, ix + wx), in signed frequency units of the measured grid.
func (d *Density) bilinear(iy int, wy float64, ix int, wx float64) float64 {
	at := func(a, b int) float64 {
		i := ((a+d.rows/2)%d.rows + d.rows) % d.rows
		j := ((b+d.cols/2)%d.cols + d.cols) % d.cols
		return d.power[i*d.cols+j]
	}
	v := at(iy, ix)
	if wy == 0 && wx == 0 {
		return v
	}
	return (1-wy)*((1-wx)*v+wx*at(iy, ix+1)) + wy*((1-wx)*at(iy+1, ix)+wx*at(iy+1, ix+1))
}

// onGrid returns Γ at the frequency of unshifted index (u, v) of an m×n
// generation grid. For a measured density the position on the measured
// grid is computed in exact integer arithmetic, so that nodes are hit
// exactly.
func (d *Density) onGrid(u, v, m, n int) float64 {
	switch d.kind {
	case densityWhite:
		return 1
	case densityGrid:
		iy, wy := exactPos(u, m, d.rows)
		ix, wx := exactPos(v, n, d.cols)
		return d.bilinear(iy, wy, ix, wx)
	}
	return d.radial(math.Hypot(axisFreq(u, m), axisFreq(v, n)))
}

// exactPos returns the position of the frequency of unshifted index u on an
// axis of length m, in lattice units of an axis of length r: floor and
// fraction of s·r/m, s the signed frequency index.
func exactPos(u, m, r int) (int, float64) {
	s := u
	if u > m/2 {
		s -= m
	}
	num := s * r
	q := num / m
	if num%m != 0 && num < 0 {
		q-- // floor
	}
	return q, float64(num-q*m) / float64(m)
}

// densityJSON is the serialised form of a Density.
type densityJSON struct {
	Kind   string    `json:"kind"`
	K      []float64 `json:"k,omitempty"`
	Gamma  []float64 `json:"gamma,omitempty"`
	Rows   int       `json:"rows,omitempty"`
	Cols   int       `json:"cols,omitempty"`
	Power  []float64 `json:"power,omitempty"`
	Images int       `json:"images,omitempty"`
	RelErr float64   `json:"rel_err,omitempty"`
}

var densityNames = map[densityKind]string{densityWhite: "white", densityRadial: "radial", densityTable: "tabulated", densityGrid: "measured"}

// MarshalJSON encodes the density exactly. It returns an error for a
// RadialDensity, which holds a Go function.
func (d *Density) MarshalJSON() ([]byte, error) {
	if d.kind == densityRadial {
		return nil, errors.New("noise: a RadialDensity holds a Go function and cannot be serialised; tabulate it with TabulatedDensity")
	}
	name, ok := densityNames[d.kind]
	if !ok {
		return nil, fmt.Errorf("noise: invalid density kind %d", d.kind)
	}
	return json.Marshal(densityJSON{Kind: name, K: d.knots, Gamma: d.values, Rows: d.rows, Cols: d.cols,
		Power: d.power, Images: d.images, RelErr: d.relErr})
}

// UnmarshalJSON decodes a density encoded by MarshalJSON into d (which must
// be new: densities are immutable once in use). It returns an error, and
// leaves d unchanged, if the data are not a valid density (the checks of
// the constructors).
func (d *Density) UnmarshalJSON(data []byte) error {
	var j densityJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("noise: density: %w", err)
	}
	e := Density{knots: j.K, values: j.Gamma, rows: j.Rows, cols: j.Cols, power: j.Power,
		images: j.Images, relErr: j.RelErr, kernels: new(sync.Map)}
	for k, name := range densityNames {
		if name == j.Kind {
			e.kind = k
		}
	}
	switch {
	case e.kind == 0 || e.kind == densityRadial:
		return fmt.Errorf("noise: density of unknown kind %q", j.Kind)
	case e.images < 0 || math.IsNaN(e.relErr) || math.IsInf(e.relErr, 0) || e.relErr < 0:
		return fmt.Errorf("noise: density with %d images and relative error %v", e.images, e.relErr)
	}
	if err := e.validate(); err != nil {
		return err
	}
	*d = e
	return nil
}
