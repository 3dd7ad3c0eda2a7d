package noise

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// SlopeOptions selects the frequencies, the bands and the estimator of
// LocalSlopes. The zero value (or nil) gives octave bands over the
// frequencies of the paper's fit (the cross |kx| < 4 or |ky| < 4 masked),
// each fitted by the paper's unbinned OLS.
type SlopeOptions struct {
	// FitOptions is the fitted range (Cross, KMin, KMax), as for
	// FitPowerLaw, and the estimator of every band (Method, Bins,
	// Samples).
	FitOptions
	// PerOctave is the number of bands per octave; 0 means 1.
	PerOctave int
	// MinPoints is the fewest independent frequencies (one per pair
	// {k, −k}) a band needs to be fitted; bands with fewer are left out.
	// 0 means 8; values below 3 (what FitPowerLaw needs) mean 3.
	MinPoints int
}

// SlopeBand is the power law fitted within one band of |k|.
type SlopeBand struct {
	// KLo and KHi are the band's edges in cycles per pixel, KLo ≤ |k| <
	// KHi (see LocalSlopes), clipped to the fitted range.
	KLo, KHi float64
	// Delta, A and their standard errors, R2 and Points are those of
	// FitPowerLaw over the band (PowerLaw.Points: lattice points for OLS,
	// bins for FitBinned, independent frequencies for FitWhittle).
	PowerLaw
	// Frequencies is the number of independent frequencies in the band.
	Frequencies int

	fit FitOptions // the options of the band's fit
}

// SlopeProfile is the local slope profile Δ(k) of a power spectrum: Δ
// fitted in bands of |k|, and a test of whether one Δ describes them all.
type SlopeProfile struct {
	// Bands are the fitted bands, from low to high |k|.
	Bands []SlopeBand
	// Delta is the inverse-variance weighted mean of the bands' Δ and
	// DeltaErr its standard error, (Σ 1/σ_b²)^(−1/2).
	Delta, DeltaErr float64
	// Statistic tests whether one Δ describes every band, with DoF =
	// len(Bands) − 1 degrees of freedom, and P is the probability that
	// bands with one true Δ scatter at least this much (1 when DoF is 0).
	// From LocalSlopes, Statistic is χ² = Σ_b ((Δ_b − Delta)/σ_b)², σ_b
	// the bands' DeltaErr floored at 1e-9 (for exact spectra), and P the
	// upper tail of χ² with DoF degrees of freedom. From
	// LocalSlopesJackknife, see there.
	Statistic float64
	DoF       int
	P         float64
}

// SlopeVariesLevel is the significance level of SlopeProfile.Varies.
const SlopeVariesLevel = 0.01

// Varies reports whether Δ differs between the bands by more than their
// standard errors allow: P < SlopeVariesLevel. Then a single power law does
// not describe the spectrum over the fitted range, and a fitted Δ depends
// on that range. The test is as good as the bands' errors: the methods' own
// errors assume independent frequencies and are optimistic for real images.
func (p *SlopeProfile) Varies() bool { return p.DoF > 0 && p.P < SlopeVariesLevel }

// LocalSlopes fits the power law Γ(k) = A²/|k|^(2Δ) separately in bands
// of |k| (FitPowerLaw with the band as radial range) and tests whether the
// exponents agree. The bands are fixed in cycles per pixel, so profiles of
// different image sizes line up: with n = PerOctave, the bands are
// 0.5·2^(−j/n) ≤ |k| < 0.5·2^(−(j−1)/n) for j ≥ 1 (for n = 1: …, [1/8,
// 1/4), [1/4, 1/2)) and |k| ≥ 1/2, the corners beyond the Nyquist
// frequency of both axes. Only frequencies of the fitted range (the cross
// mask, KMin and KMax of opts) enter, and bands with fewer than MinPoints
// independent frequencies are left out.
//
// LocalSlopes returns an error for the errors of FitPowerLaw (a bad power
// or bad options), for negative PerOctave or MinPoints, and when no band
// has enough frequencies.
func LocalSlopes(power mat.Matrix, opts *SlopeOptions) (*SlopeProfile, error) {
	var o SlopeOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case o.PerOctave < 0 || o.PerOctave > 64:
		return nil, fmt.Errorf("noise: LocalSlopes: PerOctave %d: want 0 (one band per octave) to 64", o.PerOctave)
	case o.MinPoints < 0:
		return nil, fmt.Errorf("noise: LocalSlopes: negative MinPoints %d", o.MinPoints)
	}
	if o.PerOctave == 0 {
		o.PerOctave = 1
	}
	if o.MinPoints == 0 {
		o.MinPoints = 8
	}
	o.MinPoints = max(o.MinPoints, 3)
	pts, err := radialSelect(power, o.Cross, o.KMin, o.KMax)
	if err != nil {
		return nil, err
	}
	if len(pts) == 0 {
		return nil, errors.New("noise: LocalSlopes: no frequencies in the fitted range")
	}
	kLo, kHi := math.Inf(1), 0.0
	for _, p := range pts {
		kLo, kHi = min(kLo, p.k), max(kHi, p.k)
	}
	// edge returns the lower edge of band j (the upper edge of band j+1).
	edge := func(j int) float64 { return 0.5 * math.Exp2(-float64(j)/float64(o.PerOctave)) }
	prof := &SlopeProfile{}
	for j := 0; ; j++ {
		lo, hi := edge(j), math.Inf(1)
		if j > 0 {
			hi = edge(j - 1)
		}
		if hi <= kLo {
			break
		}
		n := 0
		for _, p := range pts {
			if p.k >= lo && p.k < hi {
				n++
			}
		}
		if n < o.MinPoints {
			continue
		}
		bo := o.FitOptions
		bo.KMin = max(lo, o.KMin)
		bo.KMax = math.Nextafter(hi, 0) // hi itself belongs to the band above
		switch {
		case math.IsInf(hi, 1):
			bo.KMax = o.KMax
		case o.KMax > 0:
			bo.KMax = min(bo.KMax, o.KMax)
		}
		fit, err := FitPowerLaw(power, &bo)
		if err != nil {
			return nil, fmt.Errorf("noise: LocalSlopes: band %g ≤ |k| < %g: %w", lo, hi, err)
		}
		prof.Bands = append(prof.Bands, SlopeBand{KLo: max(lo, kLo), KHi: min(hi, kHi), PowerLaw: fit, Frequencies: n, fit: bo})
	}
	if len(prof.Bands) == 0 {
		return nil, fmt.Errorf("noise: LocalSlopes: no band of %d per octave has %d independent frequencies (%d in the fitted range)", o.PerOctave, o.MinPoints, len(pts))
	}
	// From low to high |k|.
	for i, j := 0, len(prof.Bands)-1; i < j; i, j = i+1, j-1 {
		prof.Bands[i], prof.Bands[j] = prof.Bands[j], prof.Bands[i]
	}
	prof.consistency()
	return prof, nil
}

// consistency fills in the weighted mean and the χ² test.
func (p *SlopeProfile) consistency() {
	const floor = 1e-9
	var sw, swd float64
	for _, b := range p.Bands {
		w := 1 / math.Pow(max(b.DeltaErr, floor), 2)
		sw += w
		swd += w * b.Delta
	}
	p.Delta, p.DeltaErr = swd/sw, 1/math.Sqrt(sw)
	p.Statistic = 0
	for _, b := range p.Bands {
		d := (b.Delta - p.Delta) / max(b.DeltaErr, floor)
		p.Statistic += d * d
	}
	p.DoF = len(p.Bands) - 1
	p.P = 1
	if p.DoF > 0 {
		p.P = distuv.ChiSquared{K: float64(p.DoF)}.Survival(p.Statistic)
	}
}

// LocalSlopes is LocalSlopes(s.Power(), opts), with opts.Samples
// (FitWhittle's standard errors) defaulting to Count−1, as in
// Spectrum.FitPowerLaw.
func (s *Spectrum) LocalSlopes(opts *SlopeOptions) (*SlopeProfile, error) {
	power, err := s.Power()
	if err != nil {
		return nil, err
	}
	var o SlopeOptions
	if opts != nil {
		o = *opts
	}
	if o.Samples == 0 {
		o.Samples = max(s.n-1, 1)
	}
	return LocalSlopes(power, &o)
}

// LocalSlopesJackknife is LocalSlopes of the merged spectrum of parts
// (groups of images, as for FitPowerLawJackknife) with every band's
// standard errors replaced by delete-one-group jackknife errors: the band
// is refitted to the spectrum without each group in turn, and the spread
// of those fits gives the errors. Unlike the methods' own errors, these
// hold when the frequencies of an image are not independent (photographs),
// provided the groups are (for example, crops of different photographs).
//
// The test of one Δ uses the jackknife covariance S of the contrasts
// θ_b = Δ_b − Δ_B (b < B, B bands), which the bands' shared groups
// correlate: Hotelling's T² = θᵀS⁻¹θ, with P from
// (G − q)/(q(G − 1))·T² ~ F(q, G − q), q = B − 1 and G groups. It needs
// G > q; with fewer groups (or a singular S) Statistic is 0 and P is 1:
// the groups cannot tell. Delta and DeltaErr are the weighted mean of
// the bands with the jackknife errors.
//
// It returns the errors of LocalSlopes, an error for fewer than 2 parts
// or a nil part, and the errors of the groups' spectra and fits.
func LocalSlopesJackknife(parts []*Spectrum, opts *SlopeOptions) (*SlopeProfile, error) {
	g := len(parts)
	if g < 2 {
		return nil, fmt.Errorf("noise: LocalSlopesJackknife needs at least 2 groups, got %d", g)
	}
	for i, p := range parts {
		if p == nil {
			return nil, fmt.Errorf("noise: LocalSlopesJackknife: group %d is nil", i)
		}
	}
	powerOf := func(skip int) (*mat.Dense, error) {
		acc := parts[0].emptyLike()
		for i, p := range parts {
			if i == skip {
				continue
			}
			if err := acc.Merge(p); err != nil {
				return nil, fmt.Errorf("noise: LocalSlopesJackknife: group %d: %s", i, trimNoise(err))
			}
		}
		return acc.Power()
	}
	power, err := powerOf(-1)
	if err != nil {
		return nil, err
	}
	prof, err := LocalSlopes(power, opts)
	if err != nil {
		return nil, err
	}
	deltas := make([][]float64, len(prof.Bands))
	logA := make([][]float64, len(prof.Bands))
	for skip := range parts {
		p, err := powerOf(skip)
		if err != nil {
			return nil, fmt.Errorf("noise: LocalSlopesJackknife without group %d: %s", skip, trimNoise(err))
		}
		for b := range prof.Bands {
			f, err := FitPowerLaw(p, &prof.Bands[b].fit)
			if err != nil {
				return nil, fmt.Errorf("noise: LocalSlopesJackknife without group %d, band %g ≤ |k| < %g: %s",
					skip, prof.Bands[b].KLo, prof.Bands[b].KHi, trimNoise(err))
			}
			deltas[b] = append(deltas[b], f.Delta)
			logA[b] = append(logA[b], math.Log(f.A))
		}
	}
	for b := range prof.Bands {
		band := &prof.Bands[b]
		band.DeltaErr = jackknifeErr(deltas[b])
		band.AErr = band.A * jackknifeErr(logA[b])
	}
	prof.consistency()
	prof.Statistic, prof.P = hotelling(prof.Bands, deltas, g)
	return prof, nil
}

// hotelling returns Hotelling's T² of the contrasts Δ_b − Δ_B of bands
// with the jackknife covariance from the leave-one-out estimates deltas
// (deltas[b][i]: band b without group i), and its P value, or 0 and 1 when
// g groups cannot test q = len(bands) − 1 contrasts.
func hotelling(bands []SlopeBand, deltas [][]float64, g int) (t2, p float64) {
	q := len(bands) - 1
	if q < 1 || g <= q {
		return 0, 1
	}
	theta := mat.NewVecDense(q, nil)
	for b := range q {
		theta.SetVec(b, bands[b].Delta-bands[q].Delta)
	}
	c := mat.NewDense(g, q, nil) // leave-one-out contrasts, centred below
	for i := range g {
		for b := range q {
			c.Set(i, b, deltas[b][i]-deltas[q][i])
		}
	}
	for b := range q {
		col := mat.Col(nil, b, c)
		var m float64
		for _, v := range col {
			m += v
		}
		m /= float64(g)
		for i := range g {
			c.Set(i, b, col[i]-m)
		}
	}
	var s mat.SymDense
	s.SymOuterK(float64(g-1)/float64(g), c.T())
	var chol mat.Cholesky
	if !chol.Factorize(&s) {
		return 0, 1
	}
	var x mat.VecDense
	if err := chol.SolveVecTo(&x, theta); err != nil {
		return 0, 1
	}
	t2 = mat.Dot(theta, &x)
	f := float64(g-q) / float64(q*(g-1)) * t2
	return t2, distuv.F{D1: float64(q), D2: float64(g - q)}.Survival(f)
}

// jackknifeErr returns the delete-one jackknife standard error of the
// leave-one-out estimates v: sqrt((g−1)/g · Σ (v_i − v̄)²).
func jackknifeErr(v []float64) float64 {
	g := float64(len(v))
	var m float64
	for _, x := range v {
		m += x
	}
	m /= g
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt((g - 1) / g * ss)
}
