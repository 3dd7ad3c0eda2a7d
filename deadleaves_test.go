package noise

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/integrate"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// deadLeavesTestNaive renders the dead-leaves image that
// DeadLeaves.generate draws from rnd, with no cleverness: it draws leaves
// in the same order from the same random stream, keeping each one until
// a brute-force scan of all sample points finds them all covered (or
// Count leaves are drawn), then paints the kept leaves back to front
// (painter's algorithm) with a point-in-shape test at every sample point,
// and box-averages the samples with At/Set. p must have defaults filled.
func deadLeavesTestNaive(p DeadLeaves, rnd *rand.Rand) *mat.Dense {
	s := p.Supersample
	frows, fcols := p.Rows*s, p.Cols*s
	type leaf struct{ r, cx, cy, grey float64 }
	var bg float64
	if p.Count > 0 {
		bg = rnd.Float64()
	}
	fs := float64(s)
	radius := newDeadLeavesRadius(p.Alpha, p.RMin*fs, p.RMax*fs, float64(fcols-1), float64(frows-1))
	inside := func(l leaf, x, y int) bool {
		dx, dy := float64(x)-l.cx, float64(y)-l.cy
		if p.Shape == LeafSquare {
			return math.Abs(dx) <= l.r && math.Abs(dy) <= l.r
		}
		return dx*dx+dy*dy <= l.r*l.r
	}
	covered := make([]bool, frows*fcols)
	var leaves []leaf
	for {
		if p.Count > 0 && len(leaves) == p.Count {
			break
		}
		all := true
		for _, c := range covered {
			all = all && c
		}
		if all {
			break
		}
		var l leaf
		l.r = radius.sample(rnd)
		l.cx = -l.r + rnd.Float64()*(float64(fcols-1)+2*l.r)
		l.cy = -l.r + rnd.Float64()*(float64(frows-1)+2*l.r)
		l.grey = rnd.Float64()
		leaves = append(leaves, l)
		for y := range frows {
			for x := range fcols {
				if inside(l, x, y) {
					covered[y*fcols+x] = true
				}
			}
		}
	}
	fine := mat.NewDense(frows, fcols, nil)
	for y := range frows {
		for x := range fcols {
			fine.Set(y, x, bg)
		}
	}
	for i := len(leaves) - 1; i >= 0; i-- {
		for y := range frows {
			for x := range fcols {
				if inside(leaves[i], x, y) {
					fine.Set(y, x, leaves[i].grey)
				}
			}
		}
	}
	out := mat.NewDense(p.Rows, p.Cols, nil)
	for y := range frows {
		for x := range fcols {
			out.Set(y/s, x/s, out.At(y/s, x/s)+fine.At(y, x)/float64(s*s))
		}
	}
	return out
}

func TestDeadLeavesMatchesNaive(t *testing.T) {
	t.Parallel()
	for i, d := range []DeadLeaves{
		{Rows: 1, Cols: 1, Supersample: 1},
		{Rows: 1, Cols: 1},
		{Rows: 7, Cols: 5, Supersample: 1},
		{Rows: 7, Cols: 5, Supersample: 3},
		{Rows: 16, Cols: 16, Supersample: 2},
		{Rows: 13, Cols: 20, Supersample: 2, Shape: LeafSquare},
		{Rows: 12, Cols: 9, Supersample: 1, Alpha: 1, RMin: 0.5, RMax: 4},  // β = 1 branch, k = 0
		{Rows: 12, Cols: 9, Supersample: 2, Alpha: 2, RMin: 2, RMax: 30},   // β = 1 branch, k = 1
		{Rows: 12, Cols: 9, Supersample: 1, Alpha: -1.5, RMin: 1, RMax: 3}, // growing density
		{Rows: 12, Cols: 9, Supersample: 2, RMin: 2.5, RMax: 2.5},          // one radius
		{Rows: 10, Cols: 11, Supersample: 2, Count: 5},                     // background shows
		{Rows: 10, Cols: 11, Supersample: 1, Count: 40, Shape: LeafSquare},
		{Rows: 3, Cols: 70, Supersample: 2, RMax: 5}, // fine rows span two 64-bit words
	} {
		p, err := d.params()
		require.NoError(t, err, "case %d", i)
		got, err := d.Generate(nil, rand.NewPCG(uint64(i), 99))
		require.NoError(t, err, "case %d", i)
		want := deadLeavesTestNaive(p, rand.New(rand.NewPCG(uint64(i), 99)))
		if p.Supersample == 1 {
			// Every pixel is one leaf's grey level: exact.
			assert.True(t, mat.Equal(want, got), "case %d:\ngot  %v\nwant %v", i, mat.Formatted(got), mat.Formatted(want))
		} else {
			// Sums of s² terms in another order.
			assert.True(t, mat.EqualApprox(want, got, 1e-14), "case %d:\ngot  %v\nwant %v", i, mat.Formatted(got), mat.Formatted(want))
		}
		lo, hi := mat.Min(got), mat.Max(got)
		assert.True(t, lo >= 0 && hi <= 1, "case %d: range [%v, %v]", i, lo, hi)
	}
}

func TestDeadLeavesDeterministic(t *testing.T) {
	t.Parallel()
	d := DeadLeaves{Rows: 6, Cols: 5}
	a, err := d.Generate(nil, rand.NewPCG(1, 2))
	require.NoError(t, err)
	b, err := d.Generate(nil, rand.NewPCG(1, 2))
	require.NoError(t, err)
	assert.True(t, mat.Equal(a, b), "same seed, same image")
	c, err := d.Generate(nil, rand.NewPCG(1, 3))
	require.NoError(t, err)
	assert.False(t, mat.Equal(a, c), "another seed, another image")

	// Golden values pinned from this implementation (math/rand/v2 PCG,
	// seed 1, 2): a regression guard for cross-platform reproducibility;
	// correctness is established by TestDeadLeavesMatchesNaive.
	want := deadLeavesTestGolden
	assert.InDeltaSlice(t, want, a.RawMatrix().Data, 1e-15)

	// Images(n) equals n Generate calls on one source, and Generate
	// overwrites a dst it is given (no leftovers from its old contents).
	src := rand.NewPCG(5, 6)
	imgs, err := d.Images(3, src)
	require.NoError(t, err)
	src2 := rand.NewPCG(5, 6)
	dst := mat.NewDense(6, 5, nil)
	for k := range imgs {
		dst.Apply(func(int, int, float64) float64 { return 7 }, dst)
		got, err := d.Generate(dst, src2)
		require.NoError(t, err)
		require.Same(t, dst, got)
		assert.True(t, mat.Equal(imgs[k], dst), "image %d", k)
	}

	// A strided view is filled in place, its surroundings untouched.
	big := mat.NewDense(10, 9, nil)
	big.Apply(func(int, int, float64) float64 { return -1 }, big)
	view := big.Slice(2, 8, 3, 8).(*mat.Dense)
	_, err = d.Generate(view, rand.NewPCG(1, 2))
	require.NoError(t, err)
	assert.True(t, mat.Equal(a, view))
	for i := range 10 {
		for j := range 9 {
			if i < 2 || i >= 8 || j < 3 || j >= 8 {
				require.Equal(t, -1.0, big.At(i, j), "outside the view at %d, %d", i, j)
			}
		}
	}

	// A nil source works (non-reproducibly).
	m, err := d.Generate(nil, nil)
	require.NoError(t, err)
	assert.True(t, mat.Min(m) >= 0 && mat.Max(m) <= 1)
	_, err = d.Images(2, nil)
	require.NoError(t, err)
}

// deadLeavesTestGolden is DeadLeaves{Rows: 6, Cols: 5}.Generate(nil,
// rand.NewPCG(1, 2)), row-major, printed with %v.
var deadLeavesTestGolden = []float64{
	0.47062565810469087, 0.7621737605905073, 0.7710809077900337, 0.7644005473903889, 0.7621737605905073,
	0.26276015461447744, 0.7911219889889681, 0.797802349388613, 0.7911219889889681, 0.7621737605905073,
	0.40017437340052914, 0.797802349388613, 0.797802349388613, 0.797802349388613, 0.6115309429184257,
	0.6974917552729883, 0.7309890136149109, 0.797802349388613, 0.6721434599260092, 0.7778870433472223,
	0.6974917552729883, 0.6835708174610308, 0.48992036426771535, 0.7727965475278138, 0.8229120527556346,
	0.4894704364292872, 0.5414757661402125, 0.5462368961224715, 0.6698962609759495, 0.7272771828933313,
}

func TestDeadLeavesErrors(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct {
		d    DeadLeaves
		want string
	}{
		{DeadLeaves{Rows: 0, Cols: 4}, "size 0×4"},
		{DeadLeaves{Rows: 4, Cols: -1}, "size 4×-1"},
		{DeadLeaves{Rows: 1 << 14, Cols: 1 << 14}, "exceeds"},
		{DeadLeaves{Rows: 4, Cols: 4, Alpha: math.NaN()}, "Alpha NaN"},
		{DeadLeaves{Rows: 4, Cols: 4, Alpha: math.Inf(1)}, "Alpha +Inf"},
		{DeadLeaves{Rows: 4, Cols: 4, Alpha: 21}, "Alpha 21"},
		{DeadLeaves{Rows: 4, Cols: 4, RMin: 0.4}, "RMin 0.4"},
		{DeadLeaves{Rows: 4, Cols: 4, RMin: -1}, "RMin -1"},
		{DeadLeaves{Rows: 4, Cols: 4, RMin: math.NaN()}, "RMin NaN"},
		{DeadLeaves{Rows: 4, Cols: 4, RMin: 3, RMax: 2}, "RMax 2"},
		{DeadLeaves{Rows: 4, Cols: 4, RMax: math.Inf(1)}, "RMax +Inf"},
		{DeadLeaves{Rows: 4, Cols: 4, RMax: 2e6}, "RMax 2e+06"},
		{DeadLeaves{Rows: 4, Cols: 4, Shape: 7}, "unknown Shape 7"},
		{DeadLeaves{Rows: 4, Cols: 4, Count: -1}, "Count -1"},
		{DeadLeaves{Rows: 4, Cols: 4, Supersample: -2}, "Supersample -2"},
		{DeadLeaves{Rows: 4, Cols: 4, Supersample: 65}, "Supersample 65"},
		{DeadLeaves{Rows: 4096, Cols: 4096, Supersample: 4}, "Supersample 4"},
	} {
		_, err := tc.d.Generate(nil, rand.NewPCG(1, 1))
		require.Error(t, err, "case %d", i)
		assert.True(t, strings.HasPrefix(err.Error(), "noise: DeadLeaves: "), "case %d: %v", i, err)
		assert.Contains(t, err.Error(), tc.want, "case %d", i)
		_, err = tc.d.Images(1, rand.NewPCG(1, 1))
		assert.Error(t, err, "case %d Images", i)
	}
	d := DeadLeaves{Rows: 4, Cols: 3}
	dst := mat.NewDense(3, 4, nil)
	dst.Set(1, 1, 0.25)
	_, err := d.Generate(dst, rand.NewPCG(1, 1))
	require.ErrorIs(t, err, mat.ErrShape)
	assert.Contains(t, err.Error(), "dst is 3×4, want 4×3")
	assert.Equal(t, 0.25, dst.At(1, 1), "dst must be left unchanged")
	_, err = d.Images(-1, nil)
	assert.ErrorContains(t, err, "negative image count")
}

// deadLeavesTestRadiusMass returns ∫_a^r x^(−α)(w+2x)(h+2x) dx by Romberg
// integration in u = ln x, where the integrand is smooth (independent of
// the closed forms the sampler uses).
func deadLeavesTestRadiusMass(alpha, a, r, w, h float64) float64 {
	const n = 1<<10 + 1
	lo, hi := math.Log(a), math.Log(r)
	v := make([]float64, n)
	for i := range v {
		x := math.Exp(lo + (hi-lo)*float64(i)/(n-1))
		v[i] = math.Pow(x, -alpha) * (w + 2*x) * (h + 2*x) * x
	}
	return integrate.Romberg(v, (hi-lo)/(n-1))
}

func TestDeadLeavesRadiusDistribution(t *testing.T) {
	t.Parallel()
	n := 200000
	if testing.Short() {
		n = 50000
	}
	for i, tc := range []struct{ alpha, a, b, w, h float64 }{
		{3, 1, 64, 31, 31},    // defaults at 32×32 without supersampling
		{3, 4, 384, 383, 383}, // defaults at 96×96, Supersample 4
		{1, 0.5, 10, 7, 3},    // β = 1 in the first component
		{2, 1, 100, 0, 0},     // 1×1 image: only the r² component
		{-2, 1, 5, 10, 20},
		{5.5, 0.5, 1000, 15, 40},
	} {
		rd := newDeadLeavesRadius(tc.alpha, tc.a, tc.b, tc.w, tc.h)
		rnd := rand.New(rand.NewPCG(uint64(i), 17))
		rs := make([]float64, n)
		for k := range rs {
			rs[k] = rd.sample(rnd)
		}
		sort.Float64s(rs)
		require.GreaterOrEqual(t, rs[0], tc.a, "case %d", i)
		require.LessOrEqual(t, rs[n-1], tc.b, "case %d", i)
		// The empirical CDF at the deciles of the log-range against the
		// quadrature; each has standard error sqrt(F(1−F)/n) ≤ 0.0023, and
		// 5 standard errors keep the 54 comparisons from failing by chance.
		total := deadLeavesTestRadiusMass(tc.alpha, tc.a, tc.b, tc.w, tc.h)
		for q := 1; q < 10; q++ {
			r := tc.a * math.Pow(tc.b/tc.a, float64(q)/10)
			want := deadLeavesTestRadiusMass(tc.alpha, tc.a, r, tc.w, tc.h) / total
			got := float64(sort.SearchFloat64s(rs, r)) / float64(n)
			se := math.Sqrt(want*(1-want)/float64(n)) + 1e-9
			assert.InDelta(t, want, got, 5*se, "case %d: CDF at r=%.4g", i, r)
		}
	}
}

// deadLeavesTestPower returns the mean over imgs of |Z_k|², Z the
// orthonormal 2-D DFT of the mean-removed image, computed with a naive
// separable DFT (rows, then columns) in the natural (uncentred) bin
// order. It is independent of the library's FFT and Spectrum code.
func deadLeavesTestPower(imgs []*mat.Dense) [][]float64 {
	rows, cols := imgs[0].Dims()
	tw := func(n int) []complex128 {
		t := make([]complex128, n)
		for i := range t {
			t[i] = cmplx.Exp(complex(0, -2*math.Pi*float64(i)/float64(n)))
		}
		return t
	}
	twr, twc := tw(rows), tw(cols)
	power := make([][]float64, rows)
	tmp := make([][]complex128, rows)
	for i := range power {
		power[i] = make([]float64, cols)
		tmp[i] = make([]complex128, cols)
	}
	norm := 1 / math.Sqrt(float64(rows*cols))
	img := make([][]float64, rows)
	for _, m := range imgs {
		mean := mat.Sum(m) / float64(rows*cols)
		for y := range rows {
			img[y] = mat.Row(img[y], y, m)
		}
		for y := range rows {
			for kx := range cols {
				var s complex128
				for x := range cols {
					s += complex(img[y][x]-mean, 0) * twc[(kx*x)%cols]
				}
				tmp[y][kx] = s
			}
		}
		for ky := range rows {
			for kx := range cols {
				var s complex128
				for y := range rows {
					s += tmp[y][kx] * twr[(ky*y)%rows]
				}
				a := cmplx.Abs(s) * norm
				power[ky][kx] += a * a / float64(len(imgs))
			}
		}
	}
	return power
}

// deadLeavesTestFreq returns the signed frequency of DFT bin u of n, as in
// the centred layout (−n/2 … (n−1)/2).
func deadLeavesTestFreq(u, n int) int {
	if u < n-n/2 {
		return u
	}
	return u - n
}

// deadLeavesTestDelta fits log Γ = c − 2Δ log|k| by OLS over the bins
// with |ky| ≥ cross and |kx| ≥ cross (lattice units; this also drops
// k = 0), |k| in cycles per pixel, and returns Δ: the paper's estimator.
func deadLeavesTestDelta(power [][]float64, cross int) float64 {
	rows, cols := len(power), len(power[0])
	var xs, ys []float64
	for u := range rows {
		fy := deadLeavesTestFreq(u, rows)
		for v := range cols {
			fx := deadLeavesTestFreq(v, cols)
			if fy < cross && -fy < cross || fx < cross && -fx < cross {
				continue
			}
			k := math.Hypot(float64(fy)/float64(rows), float64(fx)/float64(cols))
			xs = append(xs, math.Log(k))
			ys = append(ys, math.Log(power[u][v]))
		}
	}
	_, slope := stat.LinearRegression(xs, ys, nil, false)
	return -slope / 2
}

func TestDeadLeavesTestEstimator(t *testing.T) {
	t.Parallel()
	// The estimator itself: an exact power law gives its Δ back, with the
	// mask dropping the cross.
	for _, n := range []int{11, 16, 32} {
		power := make([][]float64, n)
		for u := range power {
			power[u] = make([]float64, n)
			for v := range power[u] {
				fy, fx := deadLeavesTestFreq(u, n), deadLeavesTestFreq(v, n)
				k := math.Hypot(float64(fy)/float64(n), float64(fx)/float64(n))
				power[u][v] = 3 * math.Pow(k, -2*1.3)
				if fy == 0 || fx == 0 {
					power[u][v] = 1e9 // masked: must not matter
				}
			}
		}
		assert.InDelta(t, 1.3, deadLeavesTestDelta(power, 4), 1e-12, "n=%d", n)
	}
	// The DFT: Parseval (orthonormal), and a cosine lands in its bins.
	rnd := rand.New(rand.NewPCG(1, 2))
	m := mat.NewDense(6, 10, nil)
	m.Apply(func(int, int, float64) float64 { return rnd.NormFloat64() }, m)
	mean := mat.Sum(m) / 60
	var energy float64
	for _, v := range m.RawMatrix().Data {
		energy += (v - mean) * (v - mean)
	}
	power := deadLeavesTestPower([]*mat.Dense{m})
	var total float64
	for _, row := range power {
		total += floats.Sum(row)
	}
	assert.InDelta(t, energy, total, 1e-10)
	m.Apply(func(y, x int, _ float64) float64 { return math.Cos(2 * math.Pi * (2*float64(y)/6 + 3*float64(x)/10)) }, m)
	power = deadLeavesTestPower([]*mat.Dense{m})
	// cos splits its energy 60·½ between k = (2, 3) and (−2, −3).
	assert.InDelta(t, 15, power[2][3], 1e-9)
	assert.InDelta(t, 15, power[4][7], 1e-9)
	// White noise has Δ ≈ 0: 64 images of 32×32, 672 fitted bins; the
	// slope's standard error is about 0.03, so Δ within 0.05.
	imgs := make([]*mat.Dense, 64)
	for i := range imgs {
		imgs[i] = mat.NewDense(32, 32, nil)
		imgs[i].Apply(func(int, int, float64) float64 { return rnd.NormFloat64() }, imgs[i])
	}
	assert.InDelta(t, 0, deadLeavesTestDelta(deadLeavesTestPower(imgs), 4), 0.05)
}

func TestDeadLeavesSpectrum(t *testing.T) {
	t.Parallel()
	// Δ of the defaults as documented on DeadLeaves: mean and seed-to-seed
	// standard deviation of Δ over sets of 64 images, sets seeded
	// PCG(100+i, 1), measured with this estimator.
	type target struct {
		n, sets   int
		mean, std float64
	}
	targets := []target{{32, 16, 1.658, 0.016}}
	if testing.Short() {
		targets = []target{{32, 4, 1.658, 0.016}}
	} else {
		targets = append(targets, target{64, 8, 1.619, 0.007})
	}
	for _, tg := range targets {
		d := DeadLeaves{Rows: tg.n, Cols: tg.n}
		ds := make([]float64, tg.sets)
		for i := range ds {
			imgs, err := d.Images(64, rand.NewPCG(uint64(100+i), 1))
			require.NoError(t, err)
			ds[i] = deadLeavesTestDelta(deadLeavesTestPower(imgs), 4)
			// Each set within 4 standard deviations of the documented mean.
			assert.InDelta(t, tg.mean, ds[i], 4*tg.std, "size %d set %d", tg.n, i)
		}
		mean, std := stat.MeanStdDev(ds, nil)
		t.Logf("size %d: Δ = %.3f ± %.3f over %d sets", tg.n, mean, std, tg.sets)
		// The mean of the sets has standard error std/√sets; allow 3 of them
		// (plus the rounding of the documented value).
		assert.InDelta(t, tg.mean, mean, 3*tg.std/math.Sqrt(float64(tg.sets))+0.0005, "size %d mean", tg.n)
		// And the spread is what the documentation says, within a factor 2.
		assert.True(t, std > tg.std/2 && std < 2*tg.std, "size %d: std %.4f, documented %.4f", tg.n, std, tg.std)
		// Natural images have Δ ≈ 1.5–1.7.
		assert.True(t, mean > 1.5 && mean < 1.7, "size %d: Δ %.3f", tg.n, mean)
	}
}

func BenchmarkDeadLeaves(b *testing.B) {
	for _, s := range []int{1, 4} {
		d := DeadLeaves{Rows: 96, Cols: 96, Supersample: s}
		b.Run(map[int]string{1: "96x96x256/supersample1", 4: "96x96x256/supersample4"}[s], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Images(256, rand.NewPCG(1, 2)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestLeafShapeString(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s    LeafShape
		want string
	}{{LeafDisc, "disc"}, {LeafSquare, "square"}, {LeafShape(7), "LeafShape(7)"}} {
		if got := c.s.String(); got != c.want {
			t.Errorf("%d: String() = %q, want %q", int(c.s), got, c.want)
		}
	}
}
