package noise

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// mahaTol is the relative tolerance of exact comparisons: the FFT path and
// the naive O(N⁴) DFT differ by rounding only.
const mahaTol = 1e-11

// mahaNaiveDistance is the reference d(x, y | Q0): the orthonormal complex
// DFT of x − y computed by the definition with At loops, then
// √(Σ_{k≠0} |Z_k|² |k|^(2Δ))/A. It does not use F_R, the packing, the
// centred layout or the weight table of the code under test.
func mahaNaiveDistance(x, y mat.Matrix, delta, a float64) float64 {
	r, c := x.Dims()
	var s float64
	for u := range r {
		fu := float64(u)
		if u > r/2 {
			fu -= float64(r)
		}
		for v := range c {
			fv := float64(v)
			if v > c/2 {
				fv -= float64(c)
			}
			if u == 0 && v == 0 {
				continue
			}
			var z complex128
			for i := range r {
				for j := range c {
					d := x.At(i, j)
					if y != nil {
						d -= y.At(i, j)
					}
					z += complex(d, 0) * cmplx.Exp(complex(0, -2*math.Pi*(float64(u*i)/float64(r)+float64(v*j)/float64(c))))
				}
			}
			z /= complex(math.Sqrt(float64(r*c)), 0)
			k := math.Hypot(fu/float64(r), fv/float64(c))
			s += real(z*cmplx.Conj(z)) * math.Pow(k, 2*delta)
		}
	}
	return math.Sqrt(s) / a
}

func mahaRandom(rnd *rand.Rand, r, c int) *mat.Dense {
	x := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			x.Set(i, j, rnd.NormFloat64()+0.3*float64(i)-0.1*float64(j))
		}
	}
	return x
}

// mahaGoldenImage is the fixed input of the numpy golden values:
// sin(a·i + b·j) + 0.1·i·j − 0.05·j².
func mahaGoldenImage(r, c int, a, b float64) *mat.Dense {
	x := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			fi, fj := float64(i), float64(j)
			x.Set(i, j, math.Sin(a*fi+b*fj)+0.1*fi*fj-0.05*fj*fj)
		}
	}
	return x
}

func TestMetricGolden(t *testing.T) {
	t.Parallel()
	// Values computed with numpy via /usr/bin/python3 (numpy.fft.fft2,
	// norm="ortho", unshifted frequencies):
	//
	//	def img(r, c, a, b):
	//	    i = np.arange(r)[:, None]; j = np.arange(c)[None, :]
	//	    return np.sin(a*i + b*j) + 0.1*i*j - 0.05*j*j
	//	def dist(x, y, delta, A):
	//	    r, c = x.shape
	//	    z = np.fft.fft2(x - y, norm="ortho")
	//	    fy = np.fft.fftfreq(r); fx = np.fft.fftfreq(c)
	//	    k = np.hypot(fy[:, None], fx[None, :])
	//	    w = np.where(k > 0, k, 1.0) ** (2*delta); w[0, 0] = 0
	//	    return np.sqrt((np.abs(z)**2 * w).sum()) / A
	//	x = img(r, c, 1.3, 0.7); y = img(r, c, 0.4, 2.1)
	//	print(dist(x, y, delta, A), dist(x, 0*x, delta, A))
	for i, test := range []struct {
		rows, cols int
		delta, a   float64
		dist, norm float64
	}{
		{5, 6, 0, 1, 5.487039671337617, 5.0218230322717154},
		{5, 6, 1.5, 1, 1.0339216111059084, 0.8308061362975556},
		{5, 6, 1.49977, 0.8, 1.292709006615701, 1.0387631231966459},
		{5, 6, 2, 2.5, 0.25022681936214286, 0.19951678392561503},
		{4, 4, 0, 1, 3.8658130317798647, 2.407245100818674},
		{4, 4, 1.5, 1, 0.845313205220016, 0.4858666054689941},
		{4, 4, 1.49977, 0.8, 1.0568497454047314, 0.6074652930208007},
		{4, 4, 2, 2.5, 0.22492641814256215, 0.12381246905052738},
		{3, 7, 0, 1, 4.050394854354545, 4.516836808518941},
		{3, 7, 1.5, 1, 0.8822687030582512, 0.7352088272924763},
		{3, 7, 1.49977, 0.8, 1.1030751547980464, 0.9192271855167079},
		{3, 7, 2, 2.5, 0.22187896644146435, 0.17893611885361996},
	} {
		m, err := NewMetric(test.rows, test.cols, test.delta, test.a)
		require.NoError(t, err)
		x := mahaGoldenImage(test.rows, test.cols, 1.3, 0.7)
		y := mahaGoldenImage(test.rows, test.cols, 0.4, 2.1)
		if got := m.Distance(x, y); !scalar.EqualWithinRel(got, test.dist, mahaTol) {
			t.Errorf("case %d: Distance = %.17g, want %.17g", i, got, test.dist)
		}
		if got := m.Norm(x); !scalar.EqualWithinRel(got, test.norm, mahaTol) {
			t.Errorf("case %d: Norm = %.17g, want %.17g", i, got, test.norm)
		}
	}
}

func TestMetricMatchesNaiveDFT(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, size := range [][2]int{{1, 1}, {1, 5}, {2, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 9}, {7, 4}, {8, 8}, {9, 6}} {
		r, c := size[0], size[1]
		x, y := mahaRandom(rnd, r, c), mahaRandom(rnd, r, c)
		xc, yc := mat.DenseCopyOf(x), mat.DenseCopyOf(y)
		for _, delta := range []float64{0, 0.5, 1.49977, 2, 3.7} {
			for _, a := range []float64{1, 0.3, 2.5} {
				m, err := NewMetric(r, c, delta, a)
				require.NoError(t, err)
				want := mahaNaiveDistance(x, y, delta, a)
				got := m.Distance(x, y)
				if !scalar.EqualWithinAbsOrRel(got, want, 1e-13, mahaTol) {
					t.Errorf("%d×%d Δ=%v A=%v: Distance = %.17g, naive DFT %.17g", r, c, delta, a, got, want)
				}
				wantN := mahaNaiveDistance(x, nil, delta, a)
				if got := m.Norm(x); !scalar.EqualWithinAbsOrRel(got, wantN, 1e-13, mahaTol) {
					t.Errorf("%d×%d Δ=%v A=%v: Norm = %.17g, naive DFT %.17g", r, c, delta, a, got, wantN)
				}
				// A non-Dense view takes the At path: x.T().T() is x.
				if got2 := m.Distance(x.T().T(), y.T().T()); got2 != got {
					t.Errorf("%d×%d: Distance via mat.Matrix view = %v, via *mat.Dense %v", r, c, got2, got)
				}
				// Symmetry.
				if back := m.Distance(y, x); !scalar.EqualWithinAbsOrRel(back, got, 1e-14, 1e-14) {
					t.Errorf("%d×%d: d(y, x) = %v, d(x, y) = %v", r, c, back, got)
				}
			}
		}
		require.True(t, mat.Equal(x, xc), "Distance modified x")
		require.True(t, mat.Equal(y, yc), "Distance modified y")
	}
}

func TestMetricIgnoresMean(t *testing.T) {
	t.Parallel()
	// The weight at k = 0 is 0, also for Δ = 0, so a constant offset costs
	// nothing, and for Δ = 0, A = 1 the distance is the Euclidean norm of the
	// mean-removed difference (Parseval).
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, size := range [][2]int{{1, 1}, {4, 6}, {7, 7}, {8, 5}} {
		r, c := size[0], size[1]
		x := mahaRandom(rnd, r, c)
		shifted := mat.NewDense(r, c, nil)
		shifted.Apply(func(i, j int, v float64) float64 { return v + 17.25 }, x)
		for _, delta := range []float64{0, 1.5} {
			m, err := NewMetric(r, c, delta, 1)
			require.NoError(t, err)
			assert.InDelta(t, 0, m.Distance(x, shifted), 1e-12, "%d×%d Δ=%v: d(x, x+c)", r, c, delta)
			assert.InDelta(t, m.Norm(x), m.Distance(shifted, mat.NewDense(r, c, nil)), 1e-12)
		}
		m, err := NewMetric(r, c, 0, 1)
		require.NoError(t, err)
		mean := mat.Sum(x) / float64(r*c)
		var ss float64
		for i := range r {
			for j := range c {
				ss += (x.At(i, j) - mean) * (x.At(i, j) - mean)
			}
		}
		assert.InDelta(t, math.Sqrt(ss), m.Norm(x), 1e-12, "%d×%d Δ=0: Parseval", r, c)
	}
}

func TestMetricWeights(t *testing.T) {
	t.Parallel()
	m, err := NewMetric(6, 5, 1.25, 2)
	require.NoError(t, err)
	w := m.Weights()
	k := Wavenumbers(6, 5)
	for i := range 6 {
		for j := range 5 {
			want := math.Pow(k.At(i, j), 2.5) / 4
			if i == 3 && j == 2 {
				want = 0
			}
			assert.InDelta(t, want, w.At(i, j), 1e-15, "(%d, %d)", i, j)
		}
	}
	r, c := m.Dims()
	assert.Equal(t, [4]float64{6, 5, 1.25, 2}, [4]float64{float64(r), float64(c), m.Delta(), m.A()})
}

func TestNewMetricBadInput(t *testing.T) {
	t.Parallel()
	for i, test := range []struct {
		rows, cols int
		delta, a   float64
	}{
		{0, 4, 1, 1},
		{4, 0, 1, 1},
		{-3, 4, 1, 1},
		{4, -1, 1, 1},
		{1 << 14, 1 << 14, 1, 1}, // 2²⁸ pixels > MaxPixels
		{4, 4, -0.1, 1},
		{4, 4, math.NaN(), 1},
		{4, 4, math.Inf(1), 1},
		{4, 4, 1, 0},
		{4, 4, 1, -1},
		{4, 4, 1, math.NaN()},
		{4, 4, 1, math.Inf(1)},
	} {
		m, err := NewMetric(test.rows, test.cols, test.delta, test.a)
		if err == nil || m != nil {
			t.Errorf("case %d: NewMetric(%v) = %v, %v; want an error", i, test, m, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "noise: ") {
			t.Errorf("case %d: error %q lacks the noise: prefix", i, err)
		}
	}
}

func TestMetricShapePanics(t *testing.T) {
	t.Parallel()
	m, err := NewMetric(4, 5, 1.5, 1)
	require.NoError(t, err)
	good := mat.NewDense(4, 5, nil)
	for i, f := range []func(){
		func() { m.Distance(good, mat.NewDense(5, 4, nil)) },
		func() { m.Distance(mat.NewDense(4, 4, nil), good) },
		func() { m.Norm(mat.NewDense(3, 5, nil)) },
	} {
		assert.PanicsWithValue(t, mat.ErrShape, f, "case %d", i)
	}
	assert.PanicsWithValue(t, "noise: Distance of a nil matrix", func() { m.Distance(nil, good) })
	assert.PanicsWithValue(t, "noise: Norm of a nil matrix", func() { m.Norm(nil) })
}

func TestMetricZeroAllocs(t *testing.T) {
	m, err := NewMetric(96, 96, 1.49977, 1)
	require.NoError(t, err)
	rnd := rand.New(rand.NewPCG(5, 6))
	x, y := mahaRandom(rnd, 96, 96), mahaRandom(rnd, 96, 96)
	if a := testing.AllocsPerRun(20, func() { m.Distance(x, y) }); a != 0 {
		t.Errorf("Distance allocates %v times per call", a)
	}
	if a := testing.AllocsPerRun(20, func() { m.Norm(x) }); a != 0 {
		t.Errorf("Norm allocates %v times per call", a)
	}
	xs := []*mat.Dense{x, y, x, y, x, y}
	m.FromCenter(xs) // creates the worker plans
	if a := testing.AllocsPerRun(10, func() { m.FromCenter(xs) }); a != 0 {
		t.Errorf("FromCenter allocates %v times per call in steady state", a)
	}
}

func TestMetricBatchMatchesSerial(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	const r, c = 12, 10
	m, err := NewMetric(r, c, 1.5, 0.9)
	require.NoError(t, err)
	xs := make([]*mat.Dense, 9)
	ys := make([]*mat.Dense, 7)
	for i := range xs {
		xs[i] = mahaRandom(rnd, r, c)
	}
	for i := range ys {
		ys[i] = mahaRandom(rnd, r, c)
	}
	ref, err := NewMetric(r, c, 1.5, 0.9)
	require.NoError(t, err)
	estimate := func(d []float64) Estimate {
		mean, sd := stat.MeanStdDev(d, nil)
		return Estimate{Mean: mean, StdErr: sd / math.Sqrt(float64(len(d))), N: len(d)}
	}
	check := func(name string, got Estimate, d []float64) {
		t.Helper()
		want := estimate(d)
		assert.Equal(t, want.N, got.N, name)
		assert.InDelta(t, want.Mean, got.Mean, 1e-12, name)
		assert.InDelta(t, want.StdErr, got.StdErr, 1e-12, name)
	}

	var norms []float64
	for _, x := range xs {
		norms = append(norms, ref.Norm(x))
	}
	check("FromCenter", m.FromCenter(xs), norms)

	// Distinct sets (BetweenRand's documented pairing, here with the fixed
	// source of Between): xs (9) is longer than ys (7), so xs[π(i)] meets
	// ys[i] for i < 7, π a permutation of the indices of xs.
	perm := func(n int) []int { return rand.New(rand.NewPCG(betweenSeed, betweenSeed)).Perm(n) }
	var between []float64
	for i, j := range perm(len(xs))[:len(ys)] {
		between = append(between, ref.Distance(xs[j], ys[i]))
	}
	check("Between(xs, ys)", m.Between(xs, ys), between)
	// The shorter set first: ys[i] meets xs[π(i)], the same π.
	check("Between(ys, xs)", m.Between(ys, xs), between)
	// Another source gives other pairs: BetweenRand with an explicit source.
	var other []float64
	for i, j := range rand.New(rand.NewPCG(3, 4)).Perm(len(xs))[:len(ys)] {
		other = append(other, ref.Distance(xs[j], ys[i]))
	}
	check("BetweenRand(xs, ys)", m.BetweenRand(xs, ys, rand.NewPCG(3, 4)), other)

	// The same set: pairs (π(0), π(1)), …, (π(6), π(7)); xs[π(8)] unused.
	var self []float64
	p := perm(len(xs))
	for i := 0; i+1 < len(xs); i += 2 {
		self = append(self, ref.Distance(xs[p[i]], xs[p[i+1]]))
	}
	check("Between(xs, xs)", m.Between(xs, xs), self)
	// A copy of the slice is the same set too.
	check("Between(xs, copy)", m.Between(xs, append([]*mat.Dense(nil), xs...)), self)

	// Deterministic whatever the number of workers: bitwise equal results.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first [3]Estimate
	for n, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		mm, err := NewMetric(r, c, 1.5, 0.9)
		require.NoError(t, err)
		got := [3]Estimate{mm.FromCenter(xs), mm.Between(xs, ys), mm.Between(xs, xs)}
		// And reusing m, whose workers were made for another GOMAXPROCS.
		again := [3]Estimate{m.FromCenter(xs), m.Between(xs, ys), m.Between(xs, xs)}
		if n == 0 {
			first = got
		}
		assert.Equal(t, first, got, "GOMAXPROCS=%d", procs)
		assert.Equal(t, first, again, "GOMAXPROCS=%d, reused metric", procs)
	}
}

func TestEstimateEdgeCases(t *testing.T) {
	t.Parallel()
	none := newEstimate(nil)
	assert.True(t, math.IsNaN(none.Mean) && math.IsNaN(none.StdErr) && none.N == 0, "%v", none)
	one := newEstimate([]float64{2.5})
	assert.Equal(t, 2.5, one.Mean)
	assert.True(t, math.IsInf(one.StdErr, 1), "N=1 StdErr = %v, want +Inf", one.StdErr)
	assert.Equal(t, 1, one.N)
	// Mean 2, sample variance ((1)²+(1)²)/1 = 2, StdErr √(2/2) = 1.
	two := newEstimate([]float64{1, 3})
	assert.Equal(t, Estimate{Mean: 2, StdErr: 1, N: 2}, two)
	assert.Equal(t, "2 ± 1 (N=2)", two.String())
}

func TestMetricBatchBadInput(t *testing.T) {
	t.Parallel()
	// Programming errors panic (shapes with mat.ErrShape, as Distance);
	// data-dependent failure gives NaN (see Failures in the Metric doc).
	m, err := NewMetric(4, 4, 1.5, 1)
	require.NoError(t, err)
	rnd := rand.New(rand.NewPCG(9, 10))
	a, b, c := mahaRandom(rnd, 4, 4), mahaRandom(rnd, 4, 4), mahaRandom(rnd, 4, 4)
	nan := mat.DenseCopyOf(a)
	nan.Set(2, 3, math.NaN())
	inf := mat.DenseCopyOf(a)
	inf.Set(0, 1, math.Inf(-1))
	wrong := mat.NewDense(4, 5, nil)
	for i, test := range []struct {
		xs, ys []*mat.Dense
		want   any // the panic value
	}{
		{[]*mat.Dense{a, nil}, []*mat.Dense{b, c}, "noise: Between: xs[1] is nil"},
		{[]*mat.Dense{a, b}, []*mat.Dense{c, nil}, "noise: Between: ys[1] is nil"},
		{[]*mat.Dense{a, wrong}, []*mat.Dense{b, c}, mat.ErrShape},  // mixed shapes
		{[]*mat.Dense{wrong}, []*mat.Dense{wrong, a}, mat.ErrShape}, // not the metric's shape
		{[]*mat.Dense{a, b}, []*mat.Dense{c, wrong}, mat.ErrShape},
		// Whatever the pairing, xs[0] meets b, at ys[π(0)].
		{[]*mat.Dense{b}, []*mat.Dense{b, b}, "noise: Between: xs[0] and ys[" + strconv.Itoa(rand.New(rand.NewPCG(betweenSeed, betweenSeed)).Perm(2)[0]) + "] are the same matrix; pass the same slice twice to pair distinct elements of one set"},
		{[]*mat.Dense{a, a}, []*mat.Dense{a, a}, "noise: Between: xs[0] and xs[1], paired as distinct elements of one set, are the same matrix"},
	} {
		assert.PanicsWithValue(t, test.want, func() { m.Between(test.xs, test.ys) }, "case %d", i)
	}
	for i, test := range []struct {
		xs   []*mat.Dense
		want any
	}{
		{[]*mat.Dense{a, nil}, "noise: FromCenter: xs[1] is nil"},
		{[]*mat.Dense{a, wrong}, mat.ErrShape},
		{[]*mat.Dense{wrong, wrong}, mat.ErrShape},
	} {
		assert.PanicsWithValue(t, test.want, func() { m.FromCenter(test.xs) }, "case %d", i)
	}
	// No data: NaN, N = 0.
	for i, e := range []Estimate{
		m.Between(nil, []*mat.Dense{a}),
		m.Between([]*mat.Dense{}, []*mat.Dense{a}),
		m.Between([]*mat.Dense{a}, nil),
		m.Between([]*mat.Dense{a}, []*mat.Dense{a}), // the same set of one: no pair
		m.FromCenter(nil),
	} {
		assert.True(t, math.IsNaN(e.Mean) && math.IsNaN(e.StdErr) && e.N == 0, "case %d: %v", i, e)
	}
	// Non-finite pixels propagate to the estimate.
	for i, e := range []Estimate{
		m.Between([]*mat.Dense{a, nan}, []*mat.Dense{b, c}),
		m.Between([]*mat.Dense{a, b}, []*mat.Dense{inf, c}),
		m.FromCenter([]*mat.Dense{a, nan}),
		m.FromCenter([]*mat.Dense{inf}),
	} {
		assert.False(t, isFinite(e.Mean), "case %d: %v", i, e)
		assert.NotZero(t, e.N, "case %d", i)
	}
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func TestMetricWhiteNoiseMonteCarlo(t *testing.T) {
	t.Parallel()
	// For unit-variance white noise every X_k of the orthonormal F_R has
	// unit variance, so E[Norm²] = Σ_{k≠0} |k|^(2Δ)/A², summed here from
	// Wavenumbers. The sample mean of Norm² over n fields must lie within
	// 4.5 standard errors (sample sd/√n) of it: a false failure has
	// probability below 1e-5 (normal approximation, n = 400).
	const r, c, n = 24, 20, 400
	for _, delta := range []float64{0, 1, 1.49977} {
		m, err := NewMetric(r, c, delta, 1.3)
		require.NoError(t, err)
		k := Wavenumbers(r, c).RawMatrix().Data
		var want float64
		for _, v := range k {
			if v > 0 {
				want += math.Pow(v, 2*delta)
			}
		}
		want /= 1.3 * 1.3
		rnd := rand.New(rand.NewPCG(11, uint64(delta*100)))
		x := mat.NewDense(r, c, nil)
		sq := make([]float64, n)
		for s := range sq {
			data := x.RawMatrix().Data
			for p := range data {
				data[p] = rnd.NormFloat64()
			}
			d := m.Norm(x)
			sq[s] = d * d
		}
		mean, sd := stat.MeanStdDev(sq, nil)
		se := sd / math.Sqrt(n)
		assert.InDelta(t, want, mean, 4.5*se, "Δ=%v: mean Norm² %v, closed form %v (SE %v)", delta, mean, want, se)
	}
}

func BenchmarkDistance(b *testing.B) {
	for _, n := range []int{32, 96, 256} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			m, err := NewMetric(n, n, 1.49977, 1)
			require.NoError(b, err)
			rnd := rand.New(rand.NewPCG(1, 2))
			x, y := mahaRandom(rnd, n, n), mahaRandom(rnd, n, n)
			b.ReportAllocs()
			for b.Loop() {
				m.Distance(x, y)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "distances/s")
		})
	}
}

func BenchmarkFromCenter(b *testing.B) {
	const n, batch = 96, 256
	m, err := NewMetric(n, n, 1.49977, 1)
	require.NoError(b, err)
	rnd := rand.New(rand.NewPCG(1, 2))
	xs := make([]*mat.Dense, batch)
	for i := range xs {
		xs[i] = mahaRandom(rnd, n, n)
	}
	m.FromCenter(xs)
	b.ReportAllocs()
	for b.Loop() {
		m.FromCenter(xs)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "distances/s")
}

// mahaRealFFTMatrix returns F_R as an explicit P×P matrix acting on images
// flattened row-major: column p is RealFFT2 of the p-th unit image.
func mahaRealFFTMatrix(r, c int) *mat.Dense {
	p := r * c
	f := mat.NewDense(p, p, nil)
	for q := range p {
		e := mat.NewDense(r, c, nil)
		e.Set(q/c, q%c, 1)
		X := RealFFT2(e)
		for i := range p {
			f.Set(i, q, X.At(i/c, i%c))
		}
	}
	return f
}

// mahaPixelCovariance returns Fᵀ diag(g) F, the pixel-space covariance of
// fields whose F_R coefficients are uncorrelated with variances g.
func mahaPixelCovariance(f *mat.Dense, g []float64) *mat.SymDense {
	p := len(g)
	var gf mat.Dense
	gf.Apply(func(i, j int, v float64) float64 { return g[i] * v }, f)
	var s mat.Dense
	s.Mul(f.T(), &gf)
	sym := mat.NewSymDense(p, nil)
	for i := range p {
		for j := i; j < p; j++ {
			sym.SetSym(i, j, (s.At(i, j)+s.At(j, i))/2)
		}
	}
	return sym
}

// mahaSpectralSample returns F_R⁻¹(√g ⊙ ξ) with ξ standard normal: a field
// whose F_R coefficients are independent with variances g.
func mahaSpectralSample(rnd *rand.Rand, g *mat.Dense) *mat.Dense {
	r, c := g.Dims()
	X := mat.NewDense(r, c, nil)
	X.Apply(func(i, j int, v float64) float64 { return math.Sqrt(v) * rnd.NormFloat64() }, g)
	return InverseRealFFT2(X)
}

func TestExpectedSquaredWhiteExact(t *testing.T) {
	t.Parallel()
	// For white noise g = 1 the closed form is Σ_{k≠0} |k|^(2Δ)/A², here
	// summed independently from Wavenumbers.
	for _, size := range [][2]int{{1, 1}, {5, 4}, {8, 8}, {96, 96}} {
		r, c := size[0], size[1]
		m, err := NewMetric(r, c, 1.49977, 0.7)
		require.NoError(t, err)
		ones := mat.NewDense(r, c, nil)
		ones.Apply(func(int, int, float64) float64 { return 1 }, ones)
		var want float64
		for _, k := range Wavenumbers(r, c).RawMatrix().Data {
			if k > 0 {
				want += math.Pow(k, 2*1.49977)
			}
		}
		want /= 0.49
		got, err := m.ExpectedSquared(ones, nil)
		require.NoError(t, err)
		assert.InDelta(t, want, got, 1e-12*math.Max(1, want), "%d×%d", r, c)
		both, err := m.ExpectedSquared(ones, ones)
		require.NoError(t, err)
		assert.InDelta(t, 2*want, both, 1e-12*math.Max(1, want), "%d×%d, two white fields", r, c)
	}
}

func TestExpectedSquaredMonteCarlo(t *testing.T) {
	t.Parallel()
	// x and y with independent F_R coefficients of variances g1 and g2
	// (a steep power law and a flat-ish random spectrum). The mean of
	// d(x, y | Q0)² over n pairs must lie within 4.5 standard errors
	// (sample sd/√n; false-failure probability < 1e-5) of the trace formula.
	// The same holds for Norm(x)² with g2 = nil.
	const r, c, n = 16, 12, 2000
	m, err := NewMetric(r, c, 1.2, 1.1)
	require.NoError(t, err)
	rnd := rand.New(rand.NewPCG(21, 22))
	k := Wavenumbers(r, c)
	g1 := mat.NewDense(r, c, nil)
	g1.Apply(func(i, j int, v float64) float64 { return 0.3 * math.Pow(math.Max(v, 0.05), -2.4) }, k)
	g2 := mat.NewDense(r, c, nil)
	g2.Apply(func(int, int, float64) float64 { return 0.5 + rnd.Float64() }, g2)
	want, err := m.ExpectedSquared(g1, g2)
	require.NoError(t, err)
	wantNorm, err := m.ExpectedSquared(g1, nil)
	require.NoError(t, err)
	sq := make([]float64, n)
	sqn := make([]float64, n)
	for s := range n {
		x, y := mahaSpectralSample(rnd, g1), mahaSpectralSample(rnd, g2)
		d := m.Distance(x, y)
		sq[s] = d * d
		d = m.Norm(x)
		sqn[s] = d * d
	}
	mean, sd := stat.MeanStdDev(sq, nil)
	assert.InDelta(t, want, mean, 4.5*sd/math.Sqrt(n), "E[d²]: Monte Carlo %v, trace formula %v", mean, want)
	mean, sd = stat.MeanStdDev(sqn, nil)
	assert.InDelta(t, wantNorm, mean, 4.5*sd/math.Sqrt(n), "E[Norm²]: Monte Carlo %v, trace formula %v", mean, wantNorm)
}

func TestExpectedSquaredBadInput(t *testing.T) {
	t.Parallel()
	m, err := NewMetric(3, 4, 1, 1)
	require.NoError(t, err)
	good := mat.NewDense(3, 4, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	bad := func(v float64) *mat.Dense {
		g := mat.DenseCopyOf(good)
		g.Set(1, 2, v)
		return g
	}
	for i, test := range []struct {
		g1, g2 mat.Matrix
		want   string
	}{
		{nil, good, "g1 is nil"},
		{mat.NewDense(4, 3, nil), nil, "g1 is 4×3"},
		{good, mat.NewDense(3, 5, nil), "g2 is 3×5"},
		{bad(-1), nil, "g1 has the invalid variance -1 at (1, 2)"},
		{good, bad(math.NaN()), "g2 has the invalid variance NaN"},
		{bad(math.Inf(1)), good, "g1 has the invalid variance +Inf"},
	} {
		v, err := m.ExpectedSquared(test.g1, test.g2)
		if err == nil || !strings.HasPrefix(err.Error(), "noise: ") || !strings.Contains(err.Error(), test.want) {
			t.Errorf("case %d: error %v, want a noise: error containing %q", i, err, test.want)
		}
		assert.Equal(t, 0.0, v, "case %d", i)
	}
}

// mahaSym returns the symmetric part (a + aᵀ)/2 of the square matrix a.
func mahaSym(a *mat.Dense) *mat.SymDense {
	n, _ := a.Dims()
	s := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}

func TestCovarianceMetricMatchesGonum(t *testing.T) {
	// Reference: gonum's stat.Mahalanobis (SolveVecTo and a dot product)
	// on a random symmetric positive definite covariance B Bᵀ + I/2.
	rnd := rand.New(rand.NewPCG(51, 52))
	const n = 7
	b := mat.NewDense(n, n, nil)
	b.Apply(func(int, int, float64) float64 { return rnd.NormFloat64() }, b)
	var bb mat.Dense
	bb.Mul(b, b.T())
	cov := mahaSym(&bb)
	for i := range n {
		cov.SetSym(i, i, cov.At(i, i)+0.5)
	}
	m, err := NewCovarianceMetric(cov)
	require.NoError(t, err)
	assert.Equal(t, n, m.Dim())
	var chol mat.Cholesky
	require.True(t, chol.Factorize(cov))
	for range 5 {
		x, y := mat.NewVecDense(n, nil), mat.NewVecDense(n, nil)
		for i := range n {
			x.SetVec(i, rnd.NormFloat64())
			y.SetVec(i, rnd.NormFloat64())
		}
		want := stat.Mahalanobis(x, y, &chol)
		assert.InDelta(t, want, m.Distance(x, y), 1e-12*want)
	}
	x, y := mat.NewVecDense(n, nil), mat.NewVecDense(n, nil)
	if a := testing.AllocsPerRun(20, func() { m.Distance(x, y) }); a != 0 {
		t.Errorf("CovarianceMetric.Distance allocates %v times per call", a)
	}
}

func TestCovarianceMetricMatchesSpectralMetric(t *testing.T) {
	t.Parallel()
	// The spectral Metric is the full-covariance metric for
	// Σ0 = F_Rᵀ diag(A²|k|^(−2Δ)) F_R; the k = 0 variance is free (here 1)
	// and irrelevant for mean-free differences.
	const r, c, delta, a = 5, 6, 1.49977, 0.8
	f := mahaRealFFTMatrix(r, c)
	k := Wavenumbers(r, c).RawMatrix().Data
	g := make([]float64, r*c)
	for p, v := range k {
		g[p] = 1
		if v > 0 {
			g[p] = a * a * math.Pow(v, -2*delta)
		}
	}
	full, err := NewCovarianceMetric(mahaPixelCovariance(f, g))
	require.NoError(t, err)
	m, err := NewMetric(r, c, delta, a)
	require.NoError(t, err)
	rnd := rand.New(rand.NewPCG(53, 54))
	for range 5 {
		x, y := mahaRandom(rnd, r, c), mahaRandom(rnd, r, c)
		// Give y the mean of x so that the difference is mean-free.
		shift := (mat.Sum(x) - mat.Sum(y)) / float64(r*c)
		y.Apply(func(i, j int, v float64) float64 { return v + shift }, y)
		want := m.Distance(x, y)
		got := full.Distance(mat.NewVecDense(r*c, x.RawMatrix().Data), mat.NewVecDense(r*c, y.RawMatrix().Data))
		assert.InDelta(t, want, got, 1e-9*want)
	}
}

func TestCovarianceMetricBadInput(t *testing.T) {
	t.Parallel()
	big := mat.NewSymDense(MaxCovarianceDim+1, nil)
	for i, test := range []struct {
		cov  mat.Symmetric
		want string
	}{
		{nil, "nil covariance"},
		{big, "dimension 4097"},
		{mat.NewSymDense(2, []float64{1, 2, 2, 1}), "not positive definite"},             // eigenvalues 3, −1
		{mat.NewSymDense(2, []float64{-1, 0, 0, 1}), "not positive definite"},            // negative variance
		{mat.NewSymDense(2, []float64{1, 1, 1, 1}), "positive definite"},                 // singular, rank 1
		{mat.NewSymDense(2, []float64{1, 0, 0, 1e-17}), "singular to working precision"}, // condition 1e17
		{mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1}), "non-finite covariance NaN"},
		{mat.NewSymDense(2, []float64{math.Inf(1), 0, 0, 1}), "non-finite covariance +Inf"},
	} {
		m, err := NewCovarianceMetric(test.cov)
		if err == nil || m != nil || !strings.HasPrefix(err.Error(), "noise: ") || !strings.Contains(err.Error(), test.want) {
			t.Errorf("case %d: NewCovarianceMetric = %v, %v; want a noise: error containing %q", i, m, err, test.want)
		}
	}
	m, err := NewCovarianceMetric(mat.NewSymDense(2, []float64{2, 0, 0, 3}))
	require.NoError(t, err)
	assert.PanicsWithValue(t, mat.ErrShape, func() { m.Distance(mat.NewVecDense(2, nil), mat.NewVecDense(3, nil)) })
	assert.PanicsWithValue(t, "noise: CovarianceMetric.Distance of a nil vector", func() { m.Distance(nil, mat.NewVecDense(2, nil)) })
	// Diagonal covariance: the distance is √Σ (x_i − y_i)²/σ_i².
	assert.InDelta(t, math.Sqrt(1.0/2+4.0/3), m.Distance(mat.NewVecDense(2, []float64{1, 2}), mat.NewVecDense(2, nil)), 1e-15)
}

// correlatedCrops returns, for each of fields cloud-noise fields of
// (n+span)×(n+span) pixels, the n×n crops at the offsets (off+step·a,
// off+step·b) for a, b < 4, field after field: a set whose neighbours in
// order overlap (they share most of their pixels), like the crops of a few
// photographs in a folder sorted by name.
func correlatedCrops(t *testing.T, fields []*mat.Dense, n, off, step int) []*mat.Dense {
	t.Helper()
	var out []*mat.Dense
	for _, f := range fields {
		for a := range 4 {
			for b := range 4 {
				i, j := off+step*a, off+step*b
				out = append(out, mat.DenseCopyOf(f.Slice(i, i+n, j, j+n)))
			}
		}
	}
	return out
}

// TestBetweenRandomPairing checks issue 15 item 2 on a set of overlapping
// crops sorted by field: Between must estimate the mean distance over all
// pairs of distinct elements (its value under random pairing), which the
// test computes exhaustively, and not the distance between neighbours in
// the given order. Before the fix, Between paired xs[2i] with xs[2i+1] (and
// xs[i] with ys[i]), and this test failed: the neighbour estimates lie many
// standard errors below the all-pairs means (checked below).
func TestBetweenRandomPairing(t *testing.T) {
	t.Parallel()
	const n, span = 16, 8
	s, err := NewSampler(Spec{Rows: n + span, Cols: n + span, Delta: 1.5}, rand.NewPCG(21, 22))
	require.NoError(t, err)
	fields := s.SampleBatch(make([]*mat.Dense, 8))
	// 128 crops at offsets 0, 2, 4, 6 and, for the second set, at 1, 3, 5, 7
	// of the same fields: xs[i] and ys[i] come from the same field.
	xs := correlatedCrops(t, fields, n, 0, 2)
	ys := correlatedCrops(t, fields, n, 1, 2)
	m, err := NewMetric(n, n, 1.5, 1)
	require.NoError(t, err)

	// The exhaustive means: over the 128·127/2 pairs of distinct elements of
	// xs, and over the 128² pairs (xs[i], ys[j]). Random pairing is unbiased
	// for these (each of its pairs is uniform over them).
	var self, cross float64
	for i := range xs {
		for j := range xs {
			if j > i {
				self += m.Distance(xs[i], xs[j])
			}
			cross += m.Distance(xs[i], ys[j])
		}
	}
	self /= float64(len(xs) * (len(xs) - 1) / 2)
	cross /= float64(len(xs) * len(ys))

	// The neighbour pairings of the old Between, computed here.
	var neighbours, aligned []float64
	for i := 0; i+1 < len(xs); i += 2 {
		neighbours = append(neighbours, m.Distance(xs[i], xs[i+1]))
	}
	for i := range xs {
		aligned = append(aligned, m.Distance(xs[i], ys[i]))
	}

	for _, c := range []struct {
		name  string
		got   Estimate
		all   float64
		naive []float64
	}{
		{"Between(xs, xs)", m.Between(xs, xs), self, neighbours},
		{"BetweenRand(xs, xs)", m.BetweenRand(xs, xs, rand.NewPCG(5, 6)), self, neighbours},
		{"Between(xs, ys)", m.Between(xs, ys), cross, aligned},
		{"BetweenRand(xs, ys)", m.BetweenRand(xs, ys, rand.NewPCG(7, 8)), cross, aligned},
	} {
		// Random pairing: a sample of N pairs from the exhaustive set, so
		// the estimate is within a few standard errors of its mean (4 SE:
		// a two-sided normal tail of 6·10⁻⁵; the seeds are fixed).
		assert.InDelta(t, c.all, c.got.Mean, 4*c.got.StdErr, "%s = %v, all pairs %.4g", c.name, c.got, c.all)
		// The neighbour pairing is far off (the test would catch it): by
		// more than 10 of its own standard errors.
		naive := newEstimate(c.naive)
		assert.Greater(t, math.Abs(naive.Mean-c.all), 10*naive.StdErr, "%s: neighbour pairing %v, all pairs %.4g", c.name, naive, c.all)
		t.Logf("%s: random %v, neighbours %v, all pairs %.4g", c.name, c.got, naive, c.all)
	}
}
