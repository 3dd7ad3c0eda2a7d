package noise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/dsp/window"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/cloud-diffusion/noise/imageio"
)

// plawTestField returns a rows×cols Gaussian field on the periodic grid whose
// expected periodogram is exactly E|Z_k|² = |k|^(−2Δ) (k in cycles per
// pixel) and 0 at k = 0: white noise, transformed by F_R, multiplied by
// |k|^(−Δ), transformed back. There is no crop, so no leakage.
func plawTestField(rnd *rand.Rand, rows, cols int, delta float64) *mat.Dense {
	w := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			w.Set(i, j, rnd.NormFloat64())
		}
	}
	X := RealFFT2(w)
	k := Wavenumbers(rows, cols)
	X.Apply(func(i, j int, v float64) float64 {
		if kk := k.At(i, j); kk > 0 {
			return v * math.Pow(kk, -delta)
		}
		return 0
	}, X)
	return InverseRealFFT2(X)
}

// plawTestPeriodogram returns |Z_k|² of x in the centred layout, from F_R:
// (X_k² + X_{−k}²)/2 at pairs, X_k² at self-conjugate points.
func plawTestPeriodogram(x mat.Matrix) *mat.Dense {
	X := RealFFT2(x)
	rows, cols := X.Dims()
	out := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			ii, jj := Involution(rows, cols, i, j)
			a, b := X.At(i, j), X.At(ii, jj)
			out.Set(i, j, (a*a+b*b)/2)
		}
	}
	return out
}

// plawTestExact returns A²|k|^(−2Δ) with 1 at k = 0.
func plawTestExact(rows, cols int, delta, a float64) *mat.Dense {
	k := Wavenumbers(rows, cols)
	k.Apply(func(_, _ int, v float64) float64 {
		if v == 0 {
			return 1
		}
		return a * a * math.Pow(v, -2*delta)
	}, k)
	return k
}

var plawMethods = []FitMethod{FitOLS, FitBinned, FitWhittle}

// TestFitPowerLawExact fits a noise-free power law: every method recovers
// Δ and A to rounding, with R² = 1 and zero standard errors (OLS, binned).
func TestFitPowerLawExact(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{32, 32}, {33, 31}, {20, 48}} {
		for _, delta := range []float64{0, 0.5, 1.5, 2.2} {
			p := plawTestExact(sz[0], sz[1], delta, 0.3)
			for _, m := range plawMethods {
				for _, cross := range []int{0, -1, 2} {
					name := fmt.Sprintf("%v Δ=%g %v cross=%d", sz, delta, m, cross)
					fit, err := FitPowerLaw(p, &FitOptions{Method: m, Cross: cross})
					require.NoError(t, err, name)
					assert.InDelta(t, delta, fit.Delta, 1e-9, name)
					assert.InDelta(t, 0.3, fit.A, 1e-9, name)
					assert.Equal(t, m, fit.Method, name)
					if m != FitWhittle {
						assert.InDelta(t, 0, fit.DeltaErr, 1e-6, name)
						if delta != 0 {
							assert.InDelta(t, 1, fit.R2, 1e-9, name)
						}
					}
				}
			}
		}
	}
}

// TestFitPowerLawOLSNaive compares the paper's fit with gonum's
// stat.LinearRegression over the lattice points selected with At, and its
// standard errors with the textbook OLS formulas over the independent half
// of the points (odd sizes: no self-conjugate points besides k = 0, so each
// value appears exactly twice and the two must agree).
func TestFitPowerLawOLSNaive(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{33, 33}, {25, 41}, {32, 30}} {
		rows, cols := sz[0], sz[1]
		p := plawTestPeriodogram(plawTestField(rnd, rows, cols, 1.2))
		for _, opts := range []*FitOptions{nil, {Cross: -1}, {Cross: 2, KMin: 0.1, KMax: 0.4}} {
			cross, kmin, kmax := 4, 0.0, math.Inf(1)
			if opts != nil {
				if opts.Cross != 0 {
					cross = opts.Cross
				}
				kmin = opts.KMin
				if opts.KMax > 0 {
					kmax = opts.KMax
				}
			}
			var xs, ys, hx, hy []float64
			for i := range rows {
				for j := range cols {
					ky, kx := i-rows/2, j-cols/2
					k := math.Hypot(float64(ky)/float64(rows), float64(kx)/float64(cols))
					if k == 0 || cross > 0 && (math.Abs(float64(ky)) < float64(cross) || math.Abs(float64(kx)) < float64(cross)) || k < kmin || k > kmax {
						continue
					}
					xs = append(xs, math.Log(k))
					ys = append(ys, math.Log(p.At(i, j)))
					if PartAt(rows, cols, i, j) != ImagPart {
						hx = append(hx, math.Log(k))
						hy = append(hy, math.Log(p.At(i, j)))
					}
				}
			}
			name := fmt.Sprintf("%v %+v", sz, opts)
			fit, err := FitPowerLaw(p, opts)
			require.NoError(t, err, name)
			b, s := stat.LinearRegression(xs, ys, nil, false)
			assert.InDelta(t, -s/2, fit.Delta, 1e-12, name)
			assert.InDelta(t, math.Exp(b/2), fit.A, 1e-12, name)
			assert.InDelta(t, stat.RSquared(xs, ys, nil, b, s), fit.R2, 1e-12, name)
			assert.Equal(t, len(xs), fit.Points, name)
			if rows%2 == 1 && cols%2 == 1 {
				// Textbook OLS on the independent values: σ² = RSS/(n−2),
				// se(s) = σ/√Sxx, se(b) = σ√(1/n + x̄²/Sxx).
				n := float64(len(hx))
				mx := stat.Mean(hx, nil)
				var sxx, rss float64
				for i := range hx {
					sxx += (hx[i] - mx) * (hx[i] - mx)
					r := hy[i] - b - s*hx[i]
					rss += r * r
				}
				sigma := math.Sqrt(rss / (n - 2))
				assert.InDelta(t, sigma/math.Sqrt(sxx)/2, fit.DeltaErr, 1e-12, name)
				assert.InDelta(t, fit.A*sigma*math.Sqrt(1/n+mx*mx/sxx)/2, fit.AErr, 1e-12, name)
			}
		}
	}
}

// TestFitPowerLawRecovery fits single-image periodograms of exact periodic
// power-law fields, R times, and checks for each method that the mean Δ is
// within 4 standard errors of the truth (the standard error of the mean is
// the empirical sd/√R) and that the reported DeltaErr is calibrated: its
// mean is within 20% of the empirical sd of Δ̂ (with R = 300 the sd itself
// is known to about 4%).
func TestFitPowerLawRecovery(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("statistical recovery test: skipped in -short")
	}
	const R = 300
	const rows, cols = 32, 32
	for _, delta := range []float64{0.5, 1.5} {
		rnd := rand.New(rand.NewPCG(3, uint64(10*delta)))
		ps := make([]*mat.Dense, R)
		for r := range ps {
			ps[r] = plawTestPeriodogram(plawTestField(rnd, rows, cols, delta))
		}
		for _, m := range plawMethods {
			est := make([]float64, R)
			var se float64
			for r, p := range ps {
				fit, err := FitPowerLaw(p, &FitOptions{Method: m, Cross: -1})
				require.NoError(t, err)
				est[r] = fit.Delta
				se += fit.DeltaErr / R
			}
			mean, sd := stat.MeanStdDev(est, nil)
			name := fmt.Sprintf("Δ=%g %v", delta, m)
			t.Logf("%s: mean Δ̂ %.4f, sd %.4f, mean reported error %.4f", name, mean, sd, se)
			assert.InDelta(t, delta, mean, 4*sd/math.Sqrt(R), name)
			assert.InDelta(t, sd, se, 0.2*sd, name+": DeltaErr calibration")
		}
	}
}

// TestFitPowerLawSpectrum fits Spectrum.Power of exact power-law fields:
// the averaged periodogram is Gamma distributed with shape n−1 per
// coefficient, so Whittle with Samples n−1 gives calibrated errors; all
// methods must land within 4 of their reported standard errors.
func TestFitPowerLawSpectrum(t *testing.T) {
	t.Parallel()
	const n = 40
	rnd := rand.New(rand.NewPCG(5, 5))
	s := NewSpectrum(48, 48)
	for range n {
		require.NoError(t, s.Add(plawTestField(rnd, 48, 48, 1.3)))
	}
	p, err := s.Power()
	require.NoError(t, err)
	for _, m := range plawMethods {
		fit, err := FitPowerLaw(p, &FitOptions{Method: m, Samples: n - 1})
		require.NoError(t, err)
		t.Logf("%v", fit)
		assert.InDelta(t, 1.3, fit.Delta, 4*fit.DeltaErr, "%v", m)
		assert.Less(t, fit.DeltaErr, 0.02, "%v", m)
	}
}

func TestFitPowerLawBadInput(t *testing.T) {
	t.Parallel()
	good := plawTestExact(16, 16, 1, 1)
	nan := mat.DenseCopyOf(good)
	nan.Set(2, 3, math.NaN())
	zero := mat.DenseCopyOf(good)
	zero.Set(12, 13, 0)
	neg := mat.DenseCopyOf(good)
	neg.Set(1, 1, -1)
	var nilDense *mat.Dense
	for i, c := range []struct {
		p    mat.Matrix
		opts *FitOptions
		want string
	}{
		{nil, nil, "nil"},
		{nilDense, nil, "nil"},
		{&mat.Dense{}, nil, "empty"},
		{nan, nil, "non-finite"},
		{zero, nil, "non-positive"},
		{neg, nil, "non-positive"},
		{zero, &FitOptions{Method: FitWhittle}, "non-positive"},
		{plawTestExact(8, 8, 1, 1), nil, "at least 3"}, // cross 4 leaves only the corner
		{plawTestExact(1, 3, 1, 1), &FitOptions{Cross: -1}, "at least 3"},
		{good, &FitOptions{KMin: -1}, "radial range"},
		{good, &FitOptions{KMin: 0.3, KMax: 0.2}, "below"},
		{good, &FitOptions{KMin: math.NaN()}, "radial range"},
		{good, &FitOptions{Method: 7}, "unknown"},
		{good, &FitOptions{Bins: -2}, "invalid"},
		{good, &FitOptions{Samples: -2}, "invalid"},
		{good, &FitOptions{KMin: 0.69, KMax: 0.7}, "at least 3"},                // only the corner, |k| = √½
		{good, &FitOptions{Cross: -1, KMin: 0.31, KMax: 0.315}, "two distinct"}, // only |k| = 5/16: 6 frequencies
		{good, &FitOptions{Method: FitBinned, Bins: 2}, "at least 3 bins"},
	} {
		_, err := FitPowerLaw(c.p, c.opts)
		if assert.Error(t, err, "case %d", i) {
			assert.Contains(t, err.Error(), "noise: ", "case %d", i)
			assert.Contains(t, err.Error(), c.want, "case %d", i)
		}
	}
}

// plawTestLoad loads the photos96 set, or skips.
func plawTestLoad(t testing.TB) []*mat.Dense {
	dir := filepath.Join("..", "shared", "data", "photos96")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("photos96 data set not available at %s (only in the project's shared setup): %v", dir, err)
	}
	xs, names, err := imageio.LoadDir(dir, nil)
	require.NoError(t, err)
	require.NotEmpty(t, xs)
	require.Len(t, names, len(xs))
	plawTestNames = names
	return xs
}

// plawTestNames holds the file names of the last plawTestLoad.
var plawTestNames []string

// TestFitPowerLawPhotos checks the paper's estimator on photos96, whose Δ
// by the paper's method is ≈ 1.69 (shared/data/README.md).
func TestFitPowerLawPhotos(t *testing.T) {
	if testing.Short() {
		t.Skip("photos96: skipped in -short")
	}
	xs := plawTestLoad(t)
	first := NewSpectrum(96, 96)
	require.NoError(t, first.AddBatch(xs))
	second, err := first.Standardized()
	require.NoError(t, err)
	require.NoError(t, second.AddBatch(xs))
	paper, err := second.Power()
	require.NoError(t, err)
	fit, err := FitPowerLaw(paper, nil)
	require.NoError(t, err)
	t.Logf("paper's method: %v", fit)
	assert.InDelta(t, 1.69, fit.Delta, 0.005)

	// Without per-pixel standardisation Δ moves by about 0.01 (the pixel
	// variance of these crops is nearly uniform).
	plain, err := first.Power()
	require.NoError(t, err)
	for _, m := range plawMethods {
		f, err := FitPowerLaw(plain, &FitOptions{Method: m, Samples: len(xs) - 1})
		require.NoError(t, err)
		t.Logf("one pass, %v", f)
		assert.InDelta(t, 1.69, f.Delta, 0.03, "%v", m)
	}

	// Honest errors: jackknife over the source photographs (crops of one
	// photograph are not independent), with the paper's estimator.
	groups := map[string]*Spectrum{}
	var parts []*Spectrum
	for i, x := range xs {
		src, _, _ := strings.Cut(filepath.Base(plawTestNames[i]), "_")
		g, ok := groups[src]
		if !ok {
			g, err = first.Standardized()
			require.NoError(t, err)
			groups[src] = g
			parts = append(parts, g)
		}
		require.NoError(t, g.Add(x))
	}
	jk, err := FitPowerLawJackknife(parts, nil)
	require.NoError(t, err)
	t.Logf("paper's method, jackknife over %d source photographs: %v", len(parts), jk)
	assert.InDelta(t, fit.Delta, jk.Delta, 1e-9)
	assert.Greater(t, jk.DeltaErr, fit.DeltaErr, "between-photograph variation exceeds the OLS error")
}

// plawBias is one row of the documented bias table (FitPowerLaw's doc
// comment): the mean Δ̂ − Δ of each method with the paper's mask and
// without, for fields of the library's Sampler.
type plawBias struct {
	size   int
	delta  float64
	masked [3]float64 // OLS, Binned, Whittle with Cross 4
	open   [3]float64 // the same with no mask
	hann   [3]float64 // no mask, Spectrum with a Hann window
}

// plawBiasSets and plawBiasFields: the table averages plawBiasSets
// independent sets of plawBiasFields fields; the fit is of Spectrum.Power of
// each set.
const (
	plawBiasSets   = 8
	plawBiasFields = 32
)

// plawBiasMeasure measures one row of the bias table and the standard error
// of each entry (sd over sets/√sets).
func plawBiasMeasure(t testing.TB, size int, delta float64) (row, se plawBias) {
	s, err := NewSampler(Spec{Rows: size, Cols: size, Delta: delta}, rand.NewPCG(uint64(size), uint64(100*delta)))
	require.NoError(t, err)
	row = plawBias{size: size, delta: delta}
	se = row
	var est [3][3][]float64
	fields := make([]*mat.Dense, plawBiasFields)
	for range plawBiasSets {
		s.SampleBatch(fields)
		sp := NewSpectrum(size, size)
		require.NoError(t, sp.AddBatch(fields))
		hann, err := NewSpectrumOptions(size, size, &SpectrumOptions{Window: window.Hann})
		require.NoError(t, err)
		require.NoError(t, hann.AddBatch(fields))
		for c, cfg := range []struct {
			sp    *Spectrum
			cross int
		}{{sp, 0}, {sp, -1}, {hann, -1}} {
			p, err := cfg.sp.Power()
			require.NoError(t, err)
			for m, method := range plawMethods {
				fit, err := FitPowerLaw(p, &FitOptions{Cross: cfg.cross, Method: method, Samples: plawBiasFields - 1})
				require.NoError(t, err)
				est[c][m] = append(est[c][m], fit.Delta-delta)
			}
		}
	}
	for m := range plawMethods {
		for c, dst := range []*[3]float64{&row.masked, &row.open, &row.hann} {
			mean, sd := stat.MeanStdDev(est[c][m], nil)
			dst[m] = mean
			[]*[3]float64{&se.masked, &se.open, &se.hann}[c][m] = sd / math.Sqrt(plawBiasSets)
		}
	}
	return row, se
}

// plawBiasTable is the table of FitPowerLaw's doc comment, measured by
// TestPowerLawBiasTable (go test -run BiasTable -v prints it with standard
// errors) and pasted here and there.
var plawBiasTable = []plawBias{
	{32, 0.5, [3]float64{-0.004, -0.004, -0.004}, [3]float64{-0.001, -0.001, -0.001}, [3]float64{0.005, 0.004, 0.004}},
	{32, 1.0, [3]float64{-0.026, -0.027, -0.028}, [3]float64{0.008, 0.006, 0.006}, [3]float64{0.02, 0.02, 0.02}},
	{32, 1.5, [3]float64{-0.025, -0.025, -0.025}, [3]float64{0.07, 0.048, -0.019}, [3]float64{0.08, 0.08, 0.093}},
	{32, 2.0, [3]float64{-0.252, -0.26, -0.267}, [3]float64{0.044, 0.009, -0.453}, [3]float64{0.154, 0.155, 0.193}},
	{96, 0.5, [3]float64{-0.003, -0.003, -0.003}, [3]float64{-0.001, -0, -0.001}, [3]float64{0.004, 0.004, 0.004}},
	{96, 1.0, [3]float64{-0.002, -0.002, -0.002}, [3]float64{0.012, 0.012, 0.012}, [3]float64{0.008, 0.009, 0.009}},
	{96, 1.5, [3]float64{-0.001, -0.003, -0.003}, [3]float64{0.07, 0.066, 0.015}, [3]float64{0.015, 0.016, 0.02}},
	{96, 2.0, [3]float64{-0.151, -0.195, -0.222}, [3]float64{0.052, 0.115, -0.436}, [3]float64{0.03, 0.032, 0.047}},
}

// TestPowerLawBiasTable measures the bias of every method on the Sampler's
// cloud noise and checks it against the documented table. The measurement
// uses fixed seeds, but the Sampler's random stream may change with its
// implementation, so each entry must match within 4 of its standard errors
// (the spread of the 8 sets) plus 0.001 for the rounding of the table: a
// change of the bias itself (a regression in the Sampler or the fits) fails.
func TestPowerLawBiasTable(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("bias table: skipped in -short")
	}
	var rows, ses []plawBias
	for _, size := range []int{32, 96} {
		for _, delta := range []float64{0.5, 1, 1.5, 2} {
			row, se := plawBiasMeasure(t, size, delta)
			rows = append(rows, row)
			ses = append(ses, se)
			t.Logf("%3d  %.1f  %+.3f±%.3f %+.3f±%.3f %+.3f±%.3f  %+.3f±%.3f %+.3f±%.3f %+.3f±%.3f  %+.3f±%.3f %+.3f±%.3f %+.3f±%.3f",
				size, delta,
				row.masked[0], se.masked[0], row.masked[1], se.masked[1], row.masked[2], se.masked[2],
				row.open[0], se.open[0], row.open[1], se.open[1], row.open[2], se.open[2],
				row.hann[0], se.hann[0], row.hann[1], se.hann[1], row.hann[2], se.hann[2])
		}
	}
	require.Len(t, plawBiasTable, len(rows), "documented table")
	for i, row := range rows {
		want, se := plawBiasTable[i], ses[i]
		assert.Equal(t, want.size, row.size)
		assert.Equal(t, want.delta, row.delta)
		for m := range plawMethods {
			assert.InDelta(t, want.masked[m], row.masked[m], 4*se.masked[m]+0.001, "size %d Δ %g %v masked", row.size, row.delta, plawMethods[m])
			assert.InDelta(t, want.open[m], row.open[m], 4*se.open[m]+0.001, "size %d Δ %g %v no mask", row.size, row.delta, plawMethods[m])
			assert.InDelta(t, want.hann[m], row.hann[m], 4*se.hann[m]+0.001, "size %d Δ %g %v Hann", row.size, row.delta, plawMethods[m])
		}
	}
}

// TestFitPowerLawJackknife compares the jackknife with leave-one-out fits
// done by hand, and on exact periodic power-law fields with the Whittle
// Fisher errors, which are exact there: with G = 20 groups a jackknife
// standard error has a relative error of about 1/√(2·19) ≈ 16%, so the two
// must agree within 50% (3 of those).
func TestFitPowerLawJackknife(t *testing.T) {
	t.Parallel()
	const g, per, size = 20, 5, 32
	rnd := rand.New(rand.NewPCG(17, 18))
	parts := make([]*Spectrum, g)
	var all []*mat.Dense
	for i := range parts {
		parts[i] = NewSpectrum(size, size)
		for range per {
			x := plawTestField(rnd, size, size, 1.5)
			all = append(all, x)
			require.NoError(t, parts[i].Add(x))
		}
	}
	opts := &FitOptions{Method: FitWhittle, Samples: g*per - 1}
	jk, err := FitPowerLawJackknife(parts, opts)
	require.NoError(t, err)

	whole := NewSpectrum(size, size)
	require.NoError(t, whole.AddBatch(all))
	p, err := whole.Power()
	require.NoError(t, err)
	fit, err := FitPowerLaw(p, opts)
	require.NoError(t, err)
	assert.InDelta(t, fit.Delta, jk.Delta, 1e-10)
	assert.InDelta(t, fit.A, jk.A, 1e-10)

	// Leave-one-out by hand from the images.
	var ds, las []float64
	for i := range g {
		s := NewSpectrum(size, size)
		for j, x := range all {
			if j/per != i {
				require.NoError(t, s.Add(x))
			}
		}
		p, err := s.Power()
		require.NoError(t, err)
		f, err := FitPowerLaw(p, opts)
		require.NoError(t, err)
		ds = append(ds, f.Delta)
		las = append(las, math.Log(f.A))
	}
	jse := func(v []float64) float64 {
		m := stat.Mean(v, nil)
		var ss float64
		for _, x := range v {
			ss += (x - m) * (x - m)
		}
		return math.Sqrt(float64(g-1) / g * ss)
	}
	assert.InDelta(t, jse(ds), jk.DeltaErr, 1e-10)
	assert.InDelta(t, jk.A*jse(las), jk.AErr, 1e-10)
	t.Logf("jackknife %.4f, Fisher %.4f", jk.DeltaErr, fit.DeltaErr)
	assert.InDelta(t, fit.DeltaErr, jk.DeltaErr, 0.5*fit.DeltaErr)

	// Bad input.
	_, err = FitPowerLawJackknife(parts[:1], nil)
	assert.ErrorContains(t, err, "at least 2")
	_, err = FitPowerLawJackknife([]*Spectrum{parts[0], nil}, nil)
	assert.ErrorContains(t, err, "nil")
	_, err = FitPowerLawJackknife([]*Spectrum{parts[0], NewSpectrum(8, 8)}, nil)
	assert.ErrorContains(t, err, "group 1")
	single := NewSpectrum(size, size)
	require.NoError(t, single.Add(all[0]))
	_, err = FitPowerLawJackknife([]*Spectrum{single, NewSpectrum(size, size)}, nil)
	assert.ErrorContains(t, err, "zero variance")
}
