package noise

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/cloud-diffusion/noise/imageio"
)

// brokenPowerLaw returns the rows×cols spectrum Γ(k) = |k|^(−2Δ1) below
// kb and C·|k|^(−2Δ2) from kb on, continuous at kb, with Γ(0) = 0; with
// m > 0 every independent frequency is multiplied by Gamma(m, 1)/m noise
// (the mean of m periodograms), the same for k and −k.
func brokenPowerLaw(rows, cols int, d1, d2, kb float64, m int, src rand.Source) *mat.Dense {
	kk := Wavenumbers(rows, cols)
	p := mat.NewDense(rows, cols, nil)
	var g distuv.Gamma
	if m > 0 {
		g = distuv.Gamma{Alpha: float64(m), Beta: float64(m), Src: src}
	}
	for i := range rows {
		for j := range cols {
			ii, jj := Involution(rows, cols, i, j)
			if ii < i || ii == i && jj < j {
				p.Set(i, j, p.At(ii, jj)) // the pair's first member, already drawn
				continue
			}
			k := kk.At(i, j)
			if k == 0 {
				continue
			}
			v := math.Pow(k, -2*d1)
			if k >= kb {
				v = math.Pow(kb, 2*d2-2*d1) * math.Pow(k, -2*d2)
			}
			if m > 0 {
				v *= g.Rand()
			}
			p.Set(i, j, v)
		}
	}
	return p
}

func TestLocalSlopesExact(t *testing.T) {
	t.Parallel()
	// Noise-free spectra: every band's fit is exact. The break at 1/8 is a
	// band edge, so each band is a pure power law: 0.9 below, 2 above.
	p := brokenPowerLaw(128, 128, 0.9, 2, 0.125, 0, nil)
	prof, err := LocalSlopes(p, nil)
	require.NoError(t, err)
	require.Len(t, prof.Bands, 5, "bands from 1/32 (the cross leaves |k| ≥ 4√2/128) to the corners")
	wantLo := []float64{4 * math.Sqrt2 / 128, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2}
	for i, b := range prof.Bands {
		want := 2.0
		if b.KHi <= 0.125 {
			want = 0.9
		}
		assert.InDelta(t, want, b.Delta, 1e-9, "band %d [%g, %g)", i, b.KLo, b.KHi)
		assert.InDelta(t, wantLo[i], b.KLo, 1e-12, "band %d", i)
		assert.Less(t, b.DeltaErr, 1e-9, "band %d", i)
	}
	assert.True(t, prof.Varies())
	assert.Equal(t, 4, prof.DoF)
	assert.Less(t, prof.P, 1e-12)

	// One power law: no variation.
	p = brokenPowerLaw(128, 128, 1.5, 1.5, 0.125, 0, nil)
	prof, err = LocalSlopes(p, nil)
	require.NoError(t, err)
	for i, b := range prof.Bands {
		assert.InDelta(t, 1.5, b.Delta, 1e-9, "band %d", i)
	}
	assert.InDelta(t, 1.5, prof.Delta, 1e-9)
	assert.False(t, prof.Varies(), "χ² %g", prof.Statistic)
}

func TestLocalSlopesNoisy(t *testing.T) {
	t.Parallel()
	// Power spectra of m = 32 averaged periodograms (Gamma noise): each
	// band's Δ lies within 4 of its standard errors of the truth, a
	// broken law (0.9 below 1/8, 2 above) is flagged, and a single law is
	// not (at the 1% level; fixed seeds).
	const m = 32
	for seed := range uint64(4) {
		src := rand.NewPCG(7, seed)
		broken, err := LocalSlopes(brokenPowerLaw(96, 96, 0.9, 2, 0.125, m, src), nil)
		require.NoError(t, err)
		for i, b := range broken.Bands {
			want := 2.0
			if b.KHi <= 0.125 {
				want = 0.9
			}
			assert.InDelta(t, want, b.Delta, 4*b.DeltaErr, "seed %d band %d [%g, %g)", seed, i, b.KLo, b.KHi)
		}
		assert.True(t, broken.Varies(), "seed %d: P = %g", seed, broken.P)

		single, err := LocalSlopes(brokenPowerLaw(96, 96, 1.5, 1.5, 0.125, m, src), nil)
		require.NoError(t, err)
		for i, b := range single.Bands {
			assert.InDelta(t, 1.5, b.Delta, 4*b.DeltaErr, "seed %d band %d", seed, i)
		}
		assert.False(t, single.Varies(), "seed %d: P = %g", seed, single.P)
	}
}

func TestLocalSlopesBands(t *testing.T) {
	t.Parallel()
	p := brokenPowerLaw(64, 48, 1, 1, 0.1, 0, nil)
	// Every independent frequency of the fitted range is in exactly one
	// band (an edge belongs to the band above) when no band is dropped.
	for _, per := range []int{1, 2, 3} {
		prof, err := LocalSlopes(p, &SlopeOptions{FitOptions: FitOptions{Cross: -1}, PerOctave: per, MinPoints: 3})
		require.NoError(t, err)
		pts, err := radialSelect(p, -1, 0, 0)
		require.NoError(t, err)
		n := 0
		for i, b := range prof.Bands {
			n += b.Frequencies
			if i > 0 {
				assert.LessOrEqual(t, prof.Bands[i-1].KHi, b.KLo, "ordered, disjoint")
			}
		}
		// Bands below the lowest kept one may be dropped (fewer than 3
		// frequencies each); all above it are kept.
		above := 0
		for _, q := range pts {
			if q.k >= prof.Bands[0].KLo {
				above++
			}
		}
		assert.Equal(t, above, n, "per octave %d", per)
		assert.Less(t, len(pts)-n, 3*per, "per octave %d: few dropped", per)
	}
	// KMax inside a band ends that band's fit: the break at 0.2 is beyond
	// it, so the band [1/8, 0.2] is the pure law below the break.
	q := brokenPowerLaw(64, 64, 1, 2, 0.2, 0, nil)
	prof, err := LocalSlopes(q, &SlopeOptions{FitOptions: FitOptions{KMax: 0.2}})
	require.NoError(t, err)
	for i, b := range prof.Bands {
		assert.InDelta(t, 1, b.Delta, 1e-9, "band %d [%g, %g]", i, b.KLo, b.KHi)
	}
	// KMin and KMax clip the bands.
	prof, err = LocalSlopes(p, &SlopeOptions{FitOptions: FitOptions{KMin: 0.1, KMax: 0.3}})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, prof.Bands[0].KLo, 0.1)
	assert.LessOrEqual(t, prof.Bands[len(prof.Bands)-1].KHi, 0.3)
	for _, b := range prof.Bands {
		assert.InDelta(t, 1, b.Delta, 1e-9)
	}
}

func TestLocalSlopesSpectrum(t *testing.T) {
	t.Parallel()
	s, err := NewSampler(Spec{Rows: 48, Cols: 48, Delta: 1.2, Pad: 1}, rand.NewPCG(3, 3))
	require.NoError(t, err)
	sp := NewSpectrum(48, 48)
	require.NoError(t, sp.AddBatch(s.SampleBatch(make([]*mat.Dense, 40))))
	got, err := sp.LocalSlopes(&SlopeOptions{FitOptions: FitOptions{Method: FitWhittle}})
	require.NoError(t, err)
	power, err := sp.Power()
	require.NoError(t, err)
	want, err := LocalSlopes(power, &SlopeOptions{FitOptions: FitOptions{Method: FitWhittle, Samples: 39}})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.False(t, got.Varies(), "periodic power-law noise: P = %g", got.P)
}

func TestLocalSlopesErrors(t *testing.T) {
	t.Parallel()
	good := brokenPowerLaw(32, 32, 1, 1, 0.1, 0, nil)
	bad := mat.DenseCopyOf(good)
	bad.Set(3, 5, math.NaN())
	for i, tc := range []struct {
		power mat.Matrix
		opts  *SlopeOptions
		want  string
	}{
		{nil, nil, "nil power"},
		{bad, nil, "non-finite"},
		{good, &SlopeOptions{PerOctave: -1}, "PerOctave"},
		{good, &SlopeOptions{MinPoints: -2}, "MinPoints"},
		{good, &SlopeOptions{FitOptions: FitOptions{KMin: 0.4, KMax: 0.2}}, "KMax"},
		{brokenPowerLaw(6, 6, 1, 1, 0.1, 0, nil), nil, "no frequencies"},
		{good, &SlopeOptions{MinPoints: 10000}, "no band"},
		{good, &SlopeOptions{FitOptions: FitOptions{Method: FitMethod(9)}}, "unknown fit method"},
	} {
		var err error
		require.NotPanics(t, func() { _, err = LocalSlopes(tc.power, tc.opts) }, "case %d", i)
		require.Error(t, err, "case %d", i)
		assert.Contains(t, err.Error(), "noise: ", "case %d", i)
		assert.Contains(t, err.Error(), tc.want, "case %d", i)
	}
}

// TestLocalSlopesPhotos: photos are not one power law. Needs ../shared/data.
func TestLocalSlopesPhotos(t *testing.T) {
	dir := filepath.Join("..", "shared", "data", "photos96")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("photos96 data set not available at %s: %v", dir, err)
	}
	t.Parallel()
	xs, _, err := imageio.LoadDir(dir, nil)
	require.NoError(t, err)
	fit, err := FitImages(xs, nil)
	require.NoError(t, err)
	prof, err := LocalSlopes(fit.Power, nil)
	require.NoError(t, err)
	for _, b := range prof.Bands {
		t.Logf("[%.4f, %.4f): Δ = %.3f ± %.3f (%d frequencies)", b.KLo, b.KHi, b.Delta, b.DeltaErr, b.Frequencies)
	}
	assert.True(t, prof.Varies(), "χ² %g on %d", prof.Statistic, prof.DoF)
}

func TestLocalSlopesJackknife(t *testing.T) {
	t.Parallel()
	// 8 groups of 16 periodic power-law fields: each band's Δ is the
	// plain profile's, and its error is FitPowerLawJackknife's over the
	// band (an independent route: the exported jackknife with the band as
	// radial range), which for independent Gaussian fields is close to
	// the method's own error (within a factor 2: a jackknife error over 8
	// groups has a relative spread of about 1/sqrt(2·7) ≈ 0.27).
	s, err := NewSampler(Spec{Rows: 64, Cols: 64, Delta: 1.3, Pad: 1}, rand.NewPCG(5, 5))
	require.NoError(t, err)
	var parts []*Spectrum
	all := NewSpectrum(64, 64)
	for range 8 {
		p := NewSpectrum(64, 64)
		require.NoError(t, p.AddBatch(s.SampleBatch(make([]*mat.Dense, 16))))
		require.NoError(t, all.Merge(p))
		parts = append(parts, p)
	}
	jack, err := LocalSlopesJackknife(parts, nil)
	require.NoError(t, err)
	plain, err := all.LocalSlopes(&SlopeOptions{FitOptions: FitOptions{Samples: 1}})
	require.NoError(t, err)
	require.Len(t, jack.Bands, len(plain.Bands))
	for i, b := range jack.Bands {
		assert.Equal(t, plain.Bands[i].Delta, b.Delta, "band %d", i)
		opts := &FitOptions{KMin: b.KLo, KMax: math.Nextafter(b.KHi, 0)}
		if i == len(jack.Bands)-1 {
			opts.KMax = b.KHi // the top band includes its largest |k|
		}
		ref, err := FitPowerLawJackknife(parts, opts)
		require.NoError(t, err)
		assert.InDelta(t, ref.DeltaErr, b.DeltaErr, 1e-12, "band %d", i)
		assert.InDelta(t, 1, b.DeltaErr/plain.Bands[i].DeltaErr, 0.5, "band %d", i)
	}
	assert.False(t, jack.Varies(), "P = %g", jack.P)

	_, err = LocalSlopesJackknife(parts[:1], nil)
	assert.ErrorContains(t, err, "at least 2 groups")
	_, err = LocalSlopesJackknife([]*Spectrum{parts[0], nil}, nil)
	assert.ErrorContains(t, err, "group 1 is nil")
	_, err = LocalSlopesJackknife([]*Spectrum{parts[0], NewSpectrum(32, 32)}, nil)
	assert.Error(t, err)
}

func TestLocalSlopesJackknifeBroken(t *testing.T) {
	t.Parallel()
	// A broken law (Δ 0.8 below 1/8 cycles per pixel, 2 above) over 8
	// groups of periodic fields is flagged with jackknife errors too.
	const kb = 0.125
	d := RadialDensity(func(k float64) float64 {
		if k < kb {
			return math.Pow(k, -1.6)
		}
		return math.Pow(kb, 4-1.6) * math.Pow(k, -4)
	})
	s, err := NewSampler(Spec{Rows: 64, Cols: 64, Density: d, Pad: 1}, rand.NewPCG(6, 6))
	require.NoError(t, err)
	var parts []*Spectrum
	for range 8 {
		p := NewSpectrum(64, 64)
		require.NoError(t, p.AddBatch(s.SampleBatch(make([]*mat.Dense, 16))))
		parts = append(parts, p)
	}
	prof, err := LocalSlopesJackknife(parts, nil)
	require.NoError(t, err)
	assert.True(t, prof.Varies(), "P = %g", prof.P)
	for i, b := range prof.Bands {
		truth := 0.8
		if b.KLo >= kb {
			truth = 2
		}
		assert.InDelta(t, truth, b.Delta, 4*b.DeltaErr, "band %d", i)
	}
}

func TestHotelling(t *testing.T) {
	t.Parallel()
	// Two bands: T² is the squared t statistic of the one contrast with
	// its jackknife variance, and P the two-sided t tail with g − 1
	// degrees of freedom (computed here from the t distribution).
	bands := []SlopeBand{{PowerLaw: PowerLaw{Delta: 1.3}}, {PowerLaw: PowerLaw{Delta: 1.1}}}
	deltas := [][]float64{{1.31, 1.28, 1.33, 1.27, 1.30}, {1.12, 1.09, 1.10, 1.13, 1.08}}
	g := 5
	c := make([]float64, g)
	var m float64
	for i := range g {
		c[i] = deltas[0][i] - deltas[1][i]
		m += c[i] / float64(g)
	}
	var v float64
	for _, x := range c {
		v += (x - m) * (x - m)
	}
	v *= float64(g-1) / float64(g)
	wantT2 := 0.2 * 0.2 / v
	wantP := 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(g - 1)}.Survival(math.Sqrt(wantT2))
	t2, p := hotelling(bands, deltas, g)
	assert.InDelta(t, wantT2, t2, 1e-9*wantT2)
	assert.InDelta(t, wantP, p, 1e-9)

	// Too few groups for the contrasts: no test.
	t2, p = hotelling(append(bands, bands...), [][]float64{{1, 2}, {1, 2}, {1, 2}, {1, 2}}, 2)
	assert.Equal(t, 0.0, t2)
	assert.Equal(t, 1.0, p)
}
