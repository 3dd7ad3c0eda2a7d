package noise

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/cloud-diffusion/noise/imageio"
)

// densTestDeadLeaves returns the Spectrum.Power of n dead-leaves images of
// size rows×cols (a synthetic stand-in for photographs, Δ ≈ 1.5).
func densTestDeadLeaves(t testing.TB, rows, cols, n int) *mat.Dense {
	t.Helper()
	imgs, err := DeadLeaves{Rows: rows, Cols: cols}.Images(n, rand.NewPCG(11, 12))
	require.NoError(t, err)
	s := NewSpectrum(rows, cols)
	require.NoError(t, s.AddBatch(imgs))
	p, err := s.Power()
	require.NoError(t, err)
	return p
}

// densTestSpecs are specs of every kind for the exactness tests.
func densTestSpecs(t testing.TB) map[string]Spec {
	t.Helper()
	leaves := densTestDeadLeaves(t, 6, 7, 200)
	measured, err := MeasuredDensity(leaves, 200, nil)
	require.NoError(t, err)
	smooth, err := MeasuredDensity(leaves, 200, &MeasuredOptions{Bins: 4})
	require.NoError(t, err)
	table, err := TabulatedDensity([]float64{0.05, 0.2, 0.5}, []float64{40, 3, 0.5})
	require.NoError(t, err)
	return map[string]Spec{
		"power law, pad 3":        {Rows: 6, Cols: 7, Delta: 1.5},
		"power law, pad 1, kmin":  {Rows: 5, Cols: 6, Delta: 1, Pad: 1, KMin: 0.2},
		"power law, pad 2.5":      {Rows: 7, Cols: 4, Delta: 2, Pad: 2.5},
		"radial, pad 3":           {Rows: 6, Cols: 6, Density: RadialDensity(func(k float64) float64 { return math.Exp(-8 * k) })},
		"tabulated, pad 2":        {Rows: 5, Cols: 8, Density: table, Pad: 2},
		"measured, pad 1":         {Rows: 6, Cols: 7, Density: measured, Pad: 1},
		"measured, pad 3":         {Rows: 6, Cols: 7, Density: measured},
		"measured, other size":    {Rows: 9, Cols: 5, Density: measured, Pad: 1.5},
		"measured radial, pad 1":  {Rows: 6, Cols: 7, Density: smooth, Pad: 1},
		"white, kmin (padded)":    {Rows: 5, Cols: 5, Density: WhiteDensity(), KMin: 0.15},
		"white":                   {Rows: 4, Cols: 7, Density: WhiteDensity()},
		"power law, 1×n":          {Rows: 1, Cols: 8, Delta: 1.5},
		"measured, pad 1, 1 mode": {Rows: 6, Cols: 7, Density: measured, Pad: 1, KMin: 0.45},
	}
}

// densNaivePower is E|Z_k|² by its definition, (1/N) Σ_p Σ_q c(p − q)
// e^{−2πi k·(p−q)} over all pixel pairs, with c from Sampler.Covariance:
// O(N³) and independent of the folding in Sampler.Power.
func densNaivePower(s *Sampler) *mat.Dense {
	spec := s.Spec()
	r, c := spec.Rows, spec.Cols
	n := float64(r * c)
	out := mat.NewDense(r, c, nil)
	for i := range r {
		ky := float64(i-r/2) / float64(r)
		for j := range c {
			kx := float64(j-c/2) / float64(c)
			var sum float64
			for py := range r {
				for px := range c {
					for qy := range r {
						for qx := range c {
							dy, dx := py-qy, px-qx
							sum += s.Covariance(dy, dx) * math.Cos(2*math.Pi*(ky*float64(dy)+kx*float64(dx)))
						}
					}
				}
			}
			out.Set(i, j, sum/n)
		}
	}
	return out
}

func TestSamplerPowerNaive(t *testing.T) {
	t.Parallel()
	for name, spec := range densTestSpecs(t) {
		if spec.Rows*spec.Cols > 48 && testing.Short() {
			continue
		}
		s, err := NewSampler(spec, rand.NewPCG(1, 1))
		require.NoError(t, err, name)
		got := s.Power()
		want := densNaivePower(s)
		var mean float64
		for i := range spec.Rows {
			for j := range spec.Cols {
				assert.InDelta(t, want.At(i, j), got.At(i, j), 1e-11, "%s: (%d, %d)", name, i, j)
				mean += got.At(i, j)
			}
		}
		// Unit pixel variance: the mean of E|Z_k|² over k is c(0) = 1.
		assert.InDelta(t, 1, mean/float64(spec.Rows*spec.Cols), 1e-12, name)
		// The generator realises that covariance: Σ amp² cos(2π k·d) over
		// its grid (padded or embedding torus) at every lag of the window.
		if k := s.k; !k.white {
			for dy := -spec.Rows + 1; dy < spec.Rows; dy++ {
				for dx := -spec.Cols + 1; dx < spec.Cols; dx++ {
					var real float64
					for u := range k.genR {
						for v := range k.genC {
							a := k.amp[u*k.genC+v]
							real += a * a * math.Cos(2*math.Pi*(float64(u*dy)/float64(k.genR)+float64(v*dx)/float64(k.genC)))
						}
					}
					assert.InDelta(t, s.Covariance(dy, dx), real, 1e-11, "%s (embedded %v): lag (%d, %d)", name, k.embedded, dy, dx)
				}
			}
		}
	}
}

// TestMeasuredPad1Exact: with Pad 1 at the images' size the expected
// periodogram of the fields is the measured spectrum itself, at every k.
func TestMeasuredPad1Exact(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{8, 8}, {7, 10}, {9, 5}} {
		power := densTestDeadLeaves(t, size[0], size[1], 64)
		d, err := MeasuredDensity(power, 64, nil)
		require.NoError(t, err)
		s, err := NewSampler(Spec{Rows: size[0], Cols: size[1], Density: d, Pad: 1}, nil)
		require.NoError(t, err)
		got := s.Power()
		// Spectrum.Power has mean 1 over k, so the normalisation to unit
		// variance leaves it unchanged.
		for i := range size[0] {
			for j := range size[1] {
				assert.InDelta(t, power.At(i, j), got.At(i, j), 1e-12*power.At(i, j)+1e-15, "%v (%d, %d)", size, i, j)
			}
		}
		assert.Equal(t, power.At(size[0]/2, size[1]/2) > 0, got.At(size[0]/2, size[1]/2) > 0, "k = 0 kept")
	}
}

// densPeriodogram returns |Z_k|² of x (orthonormal DFT, centred layout)
// from the real transform: |Z_k|² = (X_k² + X_{−k}²)/2 for a pair, X_k² at
// a self-conjugate point.
func densPeriodogram(x mat.Matrix) []float64 {
	r, c := x.Dims()
	f := RealFFT2(x).RawMatrix()
	out := make([]float64, r*c)
	for i := range r {
		ii := involute(r, i)
		for j := range c {
			a, b := f.Data[i*f.Stride+j], f.Data[ii*f.Stride+involute(c, j)]
			out[i*c+j] = 0.5 * (a*a + b*b)
		}
	}
	return out
}

// densRadialZ compares the empirical spectrum of fields with want (centred
// layout) in radial log bins. For every field, q_b is the mean of |Z_k|²
// over the frequencies of bin b; the fields are independent, so the mean of
// q_b over m fields has a standard error s_b/√m from the sample standard
// deviation s_b, whatever the correlations between frequencies. It returns
// z_b = (mean q_b − mean over the bin of want)/(s_b/√m), k = 0 in a bin of
// its own (the first).
func densRadialZ(fields []*mat.Dense, want *mat.Dense, bins int) []float64 {
	r, c := want.Dims()
	bin := make([]int, r*c)
	kmin, kmax := math.Inf(1), 0.0
	for i := range r {
		for j := range c {
			if k := math.Hypot(float64(i-r/2)/float64(r), float64(j-c/2)/float64(c)); k > 0 {
				kmin, kmax = min(kmin, k), max(kmax, k)
			}
		}
	}
	for i := range r {
		for j := range c {
			k := math.Hypot(float64(i-r/2)/float64(r), float64(j-c/2)/float64(c))
			if k == 0 {
				continue
			}
			b := 1 + int(float64(bins)*math.Log(k/kmin)/math.Log(kmax/kmin)*(1-1e-12))
			bin[i*c+j] = min(b, bins)
		}
	}
	nb := bins + 1
	count := make([]float64, nb)
	expect := make([]float64, nb)
	wd := want.RawMatrix().Data
	for p, b := range bin {
		count[b]++
		expect[b] += wd[p]
	}
	sum := make([]float64, nb)
	sum2 := make([]float64, nb)
	q := make([]float64, nb)
	for _, f := range fields {
		clear(q)
		for p, v := range densPeriodogram(f) {
			q[bin[p]] += v
		}
		for b := range q {
			v := q[b] / count[b]
			sum[b] += v
			sum2[b] += v * v
		}
	}
	m := float64(len(fields))
	z := make([]float64, 0, nb)
	for b := range nb {
		if count[b] == 0 {
			continue
		}
		mean := sum[b] / m
		e := expect[b] / count[b]
		if e < 1e-12 {
			// A mode left out (k = 0 of the power law): no variance to
			// compare with; its power must vanish to rounding.
			if mean > 1e-20 {
				z = append(z, math.Inf(1))
			}
			continue
		}
		sd := math.Sqrt(max(sum2[b]/m-mean*mean, 0) * m / (m - 1))
		z = append(z, (mean-e)/(sd/math.Sqrt(m)))
	}
	return z
}

// TestSamplerEmpiricalPower checks the spectrum of drawn fields against the
// expected one (Sampler.Power) and, where the construction is periodic,
// against the requested spectrum itself, in radial bins. Tolerance: |z| < 4.5
// per bin (false alarm 7e-6 per bin, fixed seeds, about 100 bins in all).
func TestSamplerEmpiricalPower(t *testing.T) {
	t.Parallel()
	m := 4000
	if testing.Short() {
		m = 1000
	}
	leaves := densTestDeadLeaves(t, 16, 16, 256)
	measured, err := MeasuredDensity(leaves, 256, nil)
	require.NoError(t, err)
	smooth, err := MeasuredDensity(leaves, 256, &MeasuredOptions{Bins: 8})
	require.NoError(t, err)
	// The requested spectrum of a periodic power law, normalised to mean 1.
	plaw := mat.NewDense(16, 16, nil)
	var tot float64
	for i := range 16 {
		for j := range 16 {
			if k := math.Hypot(float64(i-8)/16, float64(j-8)/16); k > 0 {
				plaw.Set(i, j, math.Pow(k, -3))
				tot += math.Pow(k, -3)
			}
		}
	}
	plaw.Scale(256/tot, plaw)
	ones := mat.NewDense(16, 16, nil)
	for i := range 16 {
		for j := range 16 {
			ones.Set(i, j, 1)
		}
	}
	for i, tc := range []struct {
		name      string
		spec      Spec
		requested *mat.Dense // nil: only Sampler.Power
	}{
		{"power law pad 3", Spec{Rows: 16, Cols: 16, Delta: 1.5}, nil},
		{"power law pad 1", Spec{Rows: 16, Cols: 16, Delta: 1.5, Pad: 1}, plaw},
		{"radial k^-3 pad 1", Spec{Rows: 16, Cols: 16, Density: RadialDensity(func(k float64) float64 { return math.Pow(k, -3) }), Pad: 1}, plaw},
		{"measured pad 1", Spec{Rows: 16, Cols: 16, Density: measured, Pad: 1}, leaves},
		{"measured pad 3", Spec{Rows: 16, Cols: 16, Density: measured}, nil},
		{"measured radial pad 1", Spec{Rows: 16, Cols: 16, Density: smooth, Pad: 1}, nil},
		{"white", Spec{Rows: 16, Cols: 16, Density: WhiteDensity()}, ones},
		{"white kmin", Spec{Rows: 12, Cols: 16, Density: WhiteDensity(), KMin: 0.1}, nil},
	} {
		s, err := NewSampler(tc.spec, rand.NewPCG(uint64(i), 77))
		require.NoError(t, err, tc.name)
		fields := s.SampleBatch(make([]*mat.Dense, m))
		power := s.Power()
		for b, z := range densRadialZ(fields, power, 6) {
			assert.Less(t, math.Abs(z), 4.5, "%s: bin %d z = %.2f", tc.name, b, z)
		}
		if tc.requested != nil {
			assert.True(t, mat.EqualApprox(tc.requested, power, 1e-10), "%s: Sampler.Power is not the requested spectrum", tc.name)
		}
	}
}

// TestRadialDensityIsPowerLaw: RadialDensity(k^(−2Δ)) is the power law of
// Spec.Delta exactly, construction and fields bit for bit.
func TestRadialDensityIsPowerLaw(t *testing.T) {
	t.Parallel()
	for _, spec := range []Spec{
		{Rows: 12, Cols: 12, Delta: 1.5}, // embedded by projections
		{Rows: 9, Cols: 14, Delta: 0.5},  // embedded by reflection
		{Rows: 10, Cols: 10, Delta: 0.5, KMin: 0.1},
		{Rows: 7, Cols: 16, Delta: 2, Pad: 2}, // padded grid
		{Rows: 8, Cols: 8, Delta: 1, Pad: 1},
		{Rows: 5, Cols: 5, Delta: 0},
	} {
		delta := spec.Delta
		rs := spec
		rs.Delta = 0
		rs.Density = RadialDensity(func(k float64) float64 { return math.Pow(k, -2*delta) })
		if delta == 0 {
			// k^0 = 1 also at k = 0: flat with k = 0 kept, which is not the
			// power law's construction; remove k = 0 explicitly.
			rs.Density = RadialDensity(func(k float64) float64 {
				if k == 0 {
					return math.Inf(1)
				}
				return 1
			})
		}
		a, err := NewSampler(spec, rand.NewPCG(3, 4))
		require.NoError(t, err)
		b, err := NewSampler(rs, rand.NewPCG(3, 4))
		require.NoError(t, err)
		assert.Equal(t, a.k.embedded, b.k.embedded, "%v", spec)
		assert.Equal(t, a.Variance(), b.Variance(), "%v", spec)
		fa := a.SampleBatch(make([]*mat.Dense, 5))
		fb := b.SampleBatch(make([]*mat.Dense, 5))
		for i := range fa {
			assert.True(t, mat.Equal(fa[i], fb[i]), "%v: field %d differs", spec, i)
		}
	}
}

// TestWhiteDensity: independent standard normal pixels, drawn directly.
func TestWhiteDensity(t *testing.T) {
	// Not parallel: it changes GOMAXPROCS and counts allocations.
	const m = 4000
	spec := Spec{Rows: 5, Cols: 6, Density: WhiteDensity()}
	s, err := NewSampler(spec, rand.NewPCG(21, 22))
	require.NoError(t, err)
	assert.Equal(t, 1.0, s.Variance())
	assert.Equal(t, 1.0, s.Covariance(0, 0))
	assert.Equal(t, 0.0, s.Covariance(1, -2))
	fields := s.SampleBatch(make([]*mat.Dense, m))
	// Mean 0 (SE 1/√m), variance 1 (SE √(2/m)), and zero correlation at
	// every lag from pixel (0, 0) and (2, 3) (SE 1/√m): 5 standard errors.
	for _, p := range [][2]int{{0, 0}, {2, 3}} {
		var mean, sq float64
		for _, f := range fields {
			v := f.At(p[0], p[1])
			mean += v
			sq += v * v
		}
		assert.InDelta(t, 0, mean/m, 5/math.Sqrt(m), "mean at %v", p)
		assert.InDelta(t, 1, sq/m, 5*math.Sqrt(2.0/m), "variance at %v", p)
		for i := range spec.Rows {
			for j := range spec.Cols {
				if i == p[0] && j == p[1] {
					continue
				}
				var prod float64
				for _, f := range fields {
					prod += f.At(p[0], p[1]) * f.At(i, j)
				}
				assert.InDelta(t, 0, prod/m, 5/math.Sqrt(m), "correlation of %v and (%d, %d)", p, i, j)
			}
		}
	}
	// Gaussian marginal: Kolmogorov–Smirnov, √m·D < 1.95 (p = 0.001).
	v := make([]float64, m)
	for i, f := range fields {
		v[i] = f.At(4, 5)
	}
	sort.Float64s(v)
	var d float64
	for i, x := range v {
		cdf := distuv.UnitNormal.CDF(x)
		d = max(d, math.Abs(cdf-float64(i)/m), math.Abs(cdf-float64(i+1)/m))
	}
	assert.Less(t, math.Sqrt(m)*d, 1.95)

	// Pad is not used; batches do not depend on GOMAXPROCS; Sample equals
	// SampleBatch from a fresh sampler; consecutive fields differ.
	draw := func(pad float64, procs int) []*mat.Dense {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		s, err := NewSampler(Spec{Rows: 9, Cols: 11, Density: WhiteDensity(), Pad: pad}, rand.NewPCG(5, 5))
		require.NoError(t, err)
		return s.SampleBatch(make([]*mat.Dense, 5))
	}
	a, b, c := draw(0, 1), draw(1, 4), draw(7, 2)
	s, err = NewSampler(Spec{Rows: 9, Cols: 11, Density: WhiteDensity()}, rand.NewPCG(5, 5))
	require.NoError(t, err)
	for i := range a {
		assert.True(t, mat.Equal(a[i], b[i]) && mat.Equal(a[i], c[i]), "field %d", i)
		assert.True(t, mat.Equal(a[i], s.Sample(nil)), "Sample %d", i)
	}
	assert.False(t, mat.Equal(a[0], a[1]))
	// No allocation in steady state.
	dst := mat.NewDense(9, 11, nil)
	assert.Zero(t, testing.AllocsPerRun(10, func() { s.Sample(dst) }))
	// White is this noise.
	w := White(6)
	r, cc := w.Dims()
	assert.Equal(t, [2]int{6, 6}, [2]int{r, cc})
}

// TestWhiteGolden pins the white stream (seed PCG(1, 2)).
func TestWhiteGolden(t *testing.T) {
	t.Parallel()
	s, err := NewSampler(Spec{Rows: 3, Cols: 4, Density: WhiteDensity()}, rand.NewPCG(1, 2))
	require.NoError(t, err)
	x := s.Sample(nil)
	y := s.Sample(nil)
	got := []float64{x.At(0, 0), x.At(2, 3), y.At(1, 2)}
	assert.Equal(t, densWhiteGolden, got)
}

// densWhiteGolden was printed by TestWhiteGolden's first run on linux/amd64.
var densWhiteGolden = []float64{-1.3327172603663477, 2.22980060996683, -0.47428225224855447}

// TestMeasuredDensityPhotos: the measured spectrum of the photos96 set is
// reproduced by matched noise (Pad 1), exactly in expectation and within
// standard errors in the empirical spectrum of 2000 fields. Skipped where
// the shared data are absent.
func TestMeasuredDensityPhotos(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("photos96: skipped in -short")
	}
	dir := filepath.Join("..", "shared", "data", "photos96")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("photos96 data set not available at %s: %v", dir, err)
	}
	xs, _, err := imageio.LoadDir(dir, &imageio.Options{Size: 32})
	require.NoError(t, err)
	s := NewSpectrum(32, 32)
	require.NoError(t, s.AddBatch(xs))
	power, err := s.Power()
	require.NoError(t, err)
	d, err := MeasuredDensity(power, s.Count(), nil)
	require.NoError(t, err)
	smp, err := NewSampler(Spec{Rows: 32, Cols: 32, Density: d, Pad: 1}, rand.NewPCG(8, 8))
	require.NoError(t, err)
	assert.True(t, mat.EqualApprox(power, smp.Power(), 1e-10))
	fields := smp.SampleBatch(make([]*mat.Dense, 2000))
	for b, z := range densRadialZ(fields, power, 8) {
		assert.Less(t, math.Abs(z), 4.5, "bin %d", b)
	}
}

// TestTabulatedDensity checks the interpolation rule against values computed
// by hand.
func TestTabulatedDensity(t *testing.T) {
	t.Parallel()
	d, err := TabulatedDensity([]float64{0, 0.1, 0.4}, []float64{7, 100, 100 * math.Pow(4, -3)})
	require.NoError(t, err)
	assert.Equal(t, 7.0, d.At(0, 0))                                // the knot at 0
	assert.Equal(t, 100.0, d.At(0.05, 0))                           // constant below the first positive knot
	assert.InDelta(t, 100*math.Pow(2, -3), d.At(0, 0.2), 1e-12)     // log-log: a power law is exact
	assert.InDelta(t, 100*math.Pow(3, -3), d.At(0.18, 0.24), 1e-12) // |k| = 0.3
	assert.Equal(t, 100*math.Pow(4, -3), d.At(0.4, 0.3))            // constant beyond the last
	e, err := TabulatedDensity([]float64{0.1, 0.2}, []float64{1, 2})
	require.NoError(t, err)
	assert.True(t, math.IsInf(e.At(0, 0), 1), "no knot at 0: k = 0 left out")
	// The slices are copied.
	k := []float64{0.1, 0.2}
	g := []float64{1, 2}
	f, err := TabulatedDensity(k, g)
	require.NoError(t, err)
	g[0] = 50
	assert.Equal(t, 1.0, f.At(0.1, 0))
}

// TestMeasuredDensityInterpolation: periodic bilinear interpolation between
// the nodes of the measured grid, nodes exact.
func TestMeasuredDensityInterpolation(t *testing.T) {
	t.Parallel()
	p := mat.NewDense(4, 4, nil)
	for i := range 4 {
		for j := range 4 {
			p.Set(i, j, float64(1+(i-2)*(i-2)+3*(j-2)*(j-2))) // even on the torus
		}
	}
	d, err := MeasuredDensity(p, 1000, nil)
	require.NoError(t, err)
	assert.Equal(t, p.At(3, 1), d.At(0.25, -0.25))
	// Halfway between ky = 0.25 and the Nyquist row −0.5 ≡ 0.5 (torus).
	assert.InDelta(t, 0.5*(p.At(3, 2)+p.At(0, 2)), d.At(0.375, 0), 1e-15)
	// Bilinear at (0.125, 0.125): the four nodes around it.
	assert.InDelta(t, 0.25*(p.At(2, 2)+p.At(3, 2)+p.At(2, 3)+p.At(3, 3)), d.At(0.125, 0.125), 1e-15)
	// Symmetrised input.
	q := mat.DenseCopyOf(p)
	q.Set(3, 3, 10)
	q.Set(1, 1, 2)
	d, err = MeasuredDensity(q, 1000, nil)
	require.NoError(t, err)
	assert.Equal(t, 6.0, d.At(0.25, 0.25))
	assert.Equal(t, 6.0, d.At(-0.25, -0.25))
}

func TestDensityBadInput(t *testing.T) {
	t.Parallel()
	neg := mat.NewDense(4, 4, nil)
	neg.Set(1, 2, -1)
	neg.Set(2, 2, 3)
	nan := mat.NewDense(4, 4, nil)
	nan.Set(0, 0, math.NaN())
	ok := densTestDeadLeaves(t, 8, 8, 40)
	for i, c := range []struct {
		power  mat.Matrix
		images int
		opts   *MeasuredOptions
		want   string
	}{
		{neg, 100, nil, "must be finite and ≥ 0"},
		{nan, 100, nil, "must be finite and ≥ 0"},
		{mat.NewDense(4, 4, nil), 100, nil, "zero everywhere"},
		{nil, 100, nil, "nil power"},
		{ok, 1, nil, "at least 2"},
		{ok, 10, nil, "use at least 26 images"},
		{ok, 40, &MeasuredOptions{Bins: -1}, "radial bins"},
		{ok, 40, &MeasuredOptions{MaxRelErr: 0.05}, "use at least 401 images"},
		{ok, 3, &MeasuredOptions{Bins: 4}, "sparsest bin"},
	} {
		_, err := MeasuredDensity(c.power, c.images, c.opts)
		if assert.Error(t, err, "case %d", i) {
			assert.Regexp(t, "^noise: ", err.Error())
			assert.Contains(t, err.Error(), c.want, "case %d", i)
		}
	}
	// A noisy spectrum is accepted when asked for.
	_, err := MeasuredDensity(ok, 3, &MeasuredOptions{MaxRelErr: -1})
	assert.NoError(t, err)

	for i, c := range []struct {
		k, g []float64
		want string
	}{
		{nil, nil, "0 knots"},
		{[]float64{0.1, 0.2}, []float64{1}, "2 knots and 1 values"},
		{[]float64{0.2, 0.1}, []float64{1, 1}, "increase strictly"},
		{[]float64{-0.1, 0.1}, []float64{1, 1}, "≥ 0"},
		{[]float64{0.1, 0.2}, []float64{1, 0}, "> 0"},
		{[]float64{0.1, math.NaN()}, []float64{1, 1}, "finite"},
		{[]float64{0.1, 0.2}, []float64{1, math.Inf(1)}, "finite"},
	} {
		_, err := TabulatedDensity(c.k, c.g)
		if assert.Error(t, err, "table case %d", i) {
			assert.Contains(t, err.Error(), c.want, "table case %d", i)
		}
	}

	// Specs that NewSampler rejects.
	for i, c := range []struct {
		spec Spec
		want string
	}{
		{Spec{Rows: 4, Cols: 4, Delta: 1, Density: WhiteDensity()}, "Delta must be 0"},
		{Spec{Rows: 4, Cols: 4, Density: RadialDensity(nil)}, "nil function"},
		{Spec{Rows: 4, Cols: 4, Density: RadialDensity(func(k float64) float64 { return -k })}, "must be finite and ≥ 0"},
		{Spec{Rows: 4, Cols: 4, Density: RadialDensity(func(k float64) float64 { return math.NaN() })}, "NaN"},
		{Spec{Rows: 4, Cols: 4, Density: RadialDensity(func(k float64) float64 { return math.Inf(1) })}, "+Inf at k = (0"},
		{Spec{Rows: 4, Cols: 4, Density: RadialDensity(func(k float64) float64 { return 0 })}, "no usable Fourier mode"},
		{Spec{Rows: 4, Cols: 4, Density: new(Density)}, "invalid density"},
		{Spec{Rows: 0, Cols: 4, Density: WhiteDensity()}, "at least 1"},
	} {
		_, err := NewSampler(c.spec, nil)
		if assert.Error(t, err, "spec case %d", i) {
			assert.Regexp(t, "^noise: ", err.Error())
			assert.Contains(t, err.Error(), c.want, "spec case %d", i)
		}
	}
}

// TestDensityJSON: every serialisable kind round-trips exactly, in a Spec,
// and draws the same fields after decoding.
func TestDensityJSON(t *testing.T) {
	t.Parallel()
	leaves := densTestDeadLeaves(t, 8, 8, 60)
	measured, err := MeasuredDensity(leaves, 60, nil)
	require.NoError(t, err)
	smooth, err := MeasuredDensity(leaves, 60, &MeasuredOptions{Bins: 5})
	require.NoError(t, err)
	table, err := TabulatedDensity([]float64{0, 0.1, 0.3}, []float64{1.0 / 3, math.Pi, 1e-300})
	require.NoError(t, err)
	for _, spec := range []Spec{
		{Rows: 8, Cols: 8, Delta: 1.5, Pad: 2, KMin: 0.01},
		{Rows: 8, Cols: 8, Density: WhiteDensity()},
		{Rows: 8, Cols: 8, Density: measured, Pad: 1},
		{Rows: 8, Cols: 8, Density: smooth, Pad: 1},
		{Rows: 8, Cols: 8, Density: table},
	} {
		b, err := json.Marshal(spec)
		require.NoError(t, err)
		var got Spec
		require.NoError(t, json.Unmarshal(b, &got), "%s", b)
		assert.True(t, spec.Equal(got), "%v ≠ %v", spec, got)
		if spec.Density != nil {
			assert.Equal(t, spec.Density.RelStdErr(), got.Density.RelStdErr())
			assert.Equal(t, spec.Density.Images(), got.Density.Images())
		}
		a, err := NewSampler(spec, rand.NewPCG(1, 9))
		require.NoError(t, err)
		c, err := NewSampler(got, rand.NewPCG(1, 9))
		require.NoError(t, err)
		assert.True(t, mat.Equal(a.Sample(nil), c.Sample(nil)), "%v", spec)
	}
	_, err = json.Marshal(Spec{Rows: 4, Cols: 4, Density: RadialDensity(math.Sqrt)})
	assert.ErrorContains(t, err, "cannot be serialised")
	for i, bad := range []string{
		`{"kind":"radial"}`,
		`{"kind":"nonsense"}`,
		`{"kind":"tabulated","k":[0.2,0.1],"gamma":[1,1]}`,
		`{"kind":"measured","rows":2,"cols":2,"power":[1,2,3]}`,
		`{"kind":"measured","rows":2,"cols":2,"power":[1,-2,3,4]}`,
		`{"kind":"measured","rows":3,"cols":1,"power":[1,2,3]}`,
		`{"kind":"white","images":-1}`,
		`[1,2]`,
	} {
		var d Density
		assert.Error(t, json.Unmarshal([]byte(bad), &d), "case %d", i)
	}
	assert.False(t, measured.Equal(smooth))
	assert.True(t, WhiteDensity().Equal(WhiteDensity()))
	f := RadialDensity(math.Sqrt)
	assert.True(t, f.Equal(f))
	assert.False(t, f.Equal(RadialDensity(math.Sqrt)))
}

// TestDensitySummationLaw: the summation law holds for a measured density
// as for the power law (see TestSummationLaw).
func TestDensitySummationLaw(t *testing.T) {
	t.Parallel()
	m := 300
	leaves := densTestDeadLeaves(t, 10, 10, 100)
	d, err := MeasuredDensity(leaves, 100, nil)
	require.NoError(t, err)
	for _, pad := range []float64{1, 3} {
		s, err := NewSampler(Spec{Rows: 10, Cols: 10, Density: d, Pad: pad}, rand.NewPCG(4, 4))
		require.NoError(t, err)
		xs := s.SampleBatch(make([]*mat.Dense, m))
		ys := s.SampleBatch(make([]*mat.Dense, m))
		zs := s.SampleBatch(make([]*mat.Dense, m))
		alpha, beta := 0.6, -1.3
		sums := make([]*mat.Dense, m)
		for i := range m {
			var x mat.Dense
			x.Scale(alpha, xs[i])
			x.Add(&x, scaled(beta, ys[i]))
			sums[i] = &x
			zs[i].Scale(math.Hypot(alpha, beta), zs[i])
		}
		res, err := SpectralTest(sums, zs, 4)
		require.NoError(t, err)
		assert.Greater(t, res.PValue, 1e-4, "pad %g", pad)
	}
}

func TestPowerLawSpec(t *testing.T) {
	t.Parallel()
	p := PowerLaw{Delta: 1.7, A: 3}
	assert.Equal(t, Spec{Rows: 5, Cols: 6, Delta: 1.7}, p.Spec(5, 6))
}
