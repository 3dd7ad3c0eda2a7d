package noise

import (
	"bytes"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/dsp/window"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/cloud-diffusion/noise/internal/parallel"
)

// covTol is the tolerance for comparisons of sums of a few hundred products
// of values of order 1 computed in different orders.
const covTol = 1e-12

// covTestDFT is the orthonormal 2-D DFT by its definition, with At, in the
// centred layout: z[i][j] is frequency (i−rows/2, j−cols/2).
func covTestDFT(x mat.Matrix) [][]complex128 {
	rows, cols := x.Dims()
	z := make([][]complex128, rows)
	norm := complex(1/math.Sqrt(float64(rows*cols)), 0)
	for i := range rows {
		z[i] = make([]complex128, cols)
		for j := range cols {
			var s complex128
			for p := range rows {
				for q := range cols {
					ph := -2 * math.Pi * (float64((i-rows/2)*p)/float64(rows) + float64((j-cols/2)*q)/float64(cols))
					s += complex(x.At(p, q), 0) * cmplx.Rect(1, ph)
				}
			}
			z[i][j] = s * norm
		}
	}
	return z
}

// covTestImages returns n rows×cols images with values offset + N(0, 1).
func covTestImages(rnd *rand.Rand, n, rows, cols int, offset float64) []*mat.Dense {
	xs := make([]*mat.Dense, n)
	for t := range xs {
		xs[t] = mat.NewDense(rows, cols, nil)
		for i := range rows {
			for j := range cols {
				xs[t].Set(i, j, offset+rnd.NormFloat64()*(1+0.1*float64(i)))
			}
		}
	}
	return xs
}

// covTestNaive returns the per-pixel mean, population std and the power
// Γ_k = mean_t |Z_k(w·x_t) − mean Z_k|² / mean_p(w_p² var x_p) computed
// directly from the definitions with a naive DFT. w may be nil (all ones).
func covTestNaive(xs []*mat.Dense, w *mat.Dense) (mean, std, power *mat.Dense) {
	rows, cols := xs[0].Dims()
	n := float64(len(xs))
	mean = mat.NewDense(rows, cols, nil)
	std = mat.NewDense(rows, cols, nil)
	wt := func(i, j int) float64 {
		if w == nil {
			return 1
		}
		return w.At(i, j)
	}
	var meanVar float64
	for i := range rows {
		for j := range cols {
			var m float64
			for _, x := range xs {
				m += x.At(i, j)
			}
			m /= n
			var v float64
			for _, x := range xs {
				d := x.At(i, j) - m
				v += d * d
			}
			v /= n
			mean.Set(i, j, m)
			std.Set(i, j, math.Sqrt(v))
			meanVar += wt(i, j) * wt(i, j) * v
		}
	}
	meanVar /= float64(rows * cols)
	zs := make([][][]complex128, len(xs))
	for t, x := range xs {
		y := mat.NewDense(rows, cols, nil)
		for i := range rows {
			for j := range cols {
				y.Set(i, j, wt(i, j)*x.At(i, j))
			}
		}
		zs[t] = covTestDFT(y)
	}
	power = mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			var mz complex128
			for t := range zs {
				mz += zs[t][i][j]
			}
			mz /= complex(n, 0)
			var g float64
			for t := range zs {
				d := zs[t][i][j] - mz
				g += real(d)*real(d) + imag(d)*imag(d)
			}
			power.Set(i, j, g/n/meanVar)
		}
	}
	return mean, std, power
}

func covTestEqual(t *testing.T, got, want mat.Matrix, tol float64, msg string) {
	t.Helper()
	r, c := want.Dims()
	gr, gc := got.Dims()
	require.Equal(t, [2]int{r, c}, [2]int{gr, gc}, msg)
	for i := range r {
		for j := range c {
			assert.InDelta(t, want.At(i, j), got.At(i, j), tol, "%s at (%d, %d)", msg, i, j)
		}
	}
}

// TestSpectrumHandComputed checks a set of three 2×3 images against values
// computed by hand.
func TestSpectrumHandComputed(t *testing.T) {
	t.Parallel()
	xs := []*mat.Dense{
		mat.NewDense(2, 3, []float64{0, 1, 2, 3, 4, 5}),
		mat.NewDense(2, 3, []float64{1, 1, 1, 1, 1, 1}),
		mat.NewDense(2, 3, []float64{2, 4, 0, 2, 4, 3}),
	}
	s := NewSpectrum(2, 3)
	for _, x := range xs {
		require.NoError(t, s.Add(x))
	}
	// Means: (0+1+2)/3 = 1, (1+1+4)/3 = 2, (2+1+0)/3 = 1, (3+1+2)/3 = 2,
	// (4+1+4)/3 = 3, (5+1+3)/3 = 3.
	mean, err := s.Mean()
	require.NoError(t, err)
	covTestEqual(t, mean, mat.NewDense(2, 3, []float64{1, 2, 1, 2, 3, 3}), covTol, "mean")
	// Population variances: pixel (0,0): (1+0+1)/3 = 2/3; (0,1): (1+1+4)/3 = 2;
	// (0,2): (1+0+1)/3 = 2/3; (1,0): (1+1+0)/3 = 2/3; (1,1): (1+4+1)/3 = 2;
	// (1,2): (4+4+0)/3 = 8/3.
	std, err := s.Std()
	require.NoError(t, err)
	want := mat.NewDense(2, 3, []float64{2.0 / 3, 2, 2.0 / 3, 2.0 / 3, 2, 8.0 / 3})
	want.Apply(func(_, _ int, v float64) float64 { return math.Sqrt(v) }, want)
	covTestEqual(t, std, want, covTol, "std")
	// Γ at k = 0 (centred index (1, 1)): Z_0 = Σx/√6 of mean-removed images;
	// image sums minus the mean sum 12: 15−12 = 3, 6−12 = −6, 15−12 = 3, so
	// E|Z_0|² = (9+36+9)/(3·6) = 3; the mean variance is (2/3·3+2+2+8/3)/6 =
	// 13/9, so Γ_0 = 3·9/13 = 27/13.
	power, err := s.Power()
	require.NoError(t, err)
	assert.InDelta(t, 27.0/13, power.At(1, 1), covTol, "Γ at k=0")
	_, _, naive := covTestNaive(xs, nil)
	covTestEqual(t, power, naive, covTol, "power")
	// The mean of Γ over all k is 1 (F_R is orthogonal).
	assert.InDelta(t, 1, mat.Sum(power)/6, covTol, "mean Γ")
	mv, err := s.MeanVariance()
	require.NoError(t, err)
	assert.InDelta(t, 13.0/9, mv, covTol, "mean variance")
}

// TestSpectrumNaive compares Mean, Std and Power with the naive DFT over
// odd, even and rectangular sizes, for Dense and non-Dense input.
func TestSpectrumNaive(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{1, 1}, {1, 5}, {2, 3}, {3, 3}, {4, 4}, {5, 2}, {6, 7}, {8, 5}} {
		rows, cols := sz[0], sz[1]
		xs := covTestImages(rnd, 5, rows, cols, 3)
		wantMean, wantStd, wantPower := covTestNaive(xs, nil)
		for _, dense := range []bool{true, false} {
			name := fmt.Sprintf("%d×%d dense=%v", rows, cols, dense)
			s := NewSpectrum(rows, cols)
			for _, x := range xs {
				var in mat.Matrix = x
				if !dense {
					in = x.T().T() // a non-Dense view with the same values
				}
				require.NoError(t, s.Add(in), name)
			}
			require.Equal(t, len(xs), s.Count(), name)
			mean, err := s.Mean()
			require.NoError(t, err, name)
			covTestEqual(t, mean, wantMean, covTol, name+" mean")
			std, err := s.Std()
			require.NoError(t, err, name)
			covTestEqual(t, std, wantStd, covTol, name+" std")
			power, err := s.Power()
			require.NoError(t, err, name)
			covTestEqual(t, power, wantPower, 1e-11, name+" power")
		}
	}
}

// TestSpectrumWindow compares a Hann-windowed and a Tukey-windowed spectrum
// with the naive computation on windowed images.
func TestSpectrumWindow(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(3, 4))
	for _, w := range []struct {
		name string
		fn   func([]float64) []float64
	}{
		{"hann", window.Hann},
		{"tukey", window.Tukey{Alpha: 0.5}.Transform},
	} {
		rows, cols := 6, 7
		xs := covTestImages(rnd, 4, rows, cols, 1)
		wy := w.fn(covTestOnes(rows))
		wx := w.fn(covTestOnes(cols))
		wm := mat.NewDense(rows, cols, nil)
		for i := range rows {
			for j := range cols {
				wm.Set(i, j, wy[i]*wx[j])
			}
		}
		_, _, want := covTestNaive(xs, wm)
		s, err := NewSpectrumOptions(rows, cols, &SpectrumOptions{Window: w.fn})
		require.NoError(t, err)
		require.NoError(t, s.AddBatch(xs))
		got, err := s.Power()
		require.NoError(t, err)
		covTestEqual(t, got, want, 1e-11, w.name)
	}
}

func covTestOnes(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// TestSpectrumStandardized checks the paper-exact second pass against the
// naive computation on standardised images, and that it agrees with the
// one-pass Power when every pixel has the same standard deviation.
func TestSpectrumStandardized(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(5, 6))
	rows, cols := 5, 6
	xs := covTestImages(rnd, 6, rows, cols, 2)
	first := NewSpectrum(rows, cols)
	require.NoError(t, first.AddBatch(xs))
	second, err := first.Standardized()
	require.NoError(t, err)
	for _, x := range xs {
		require.NoError(t, second.Add(x))
	}
	got, err := second.Power()
	require.NoError(t, err)

	// Naive: standardise with the naive mean and std, then mean |Z|².
	mean, std, _ := covTestNaive(xs, nil)
	zs := make([]*mat.Dense, len(xs))
	for t, x := range xs {
		zs[t] = mat.NewDense(rows, cols, nil)
		zs[t].Apply(func(i, j int, v float64) float64 { return (v - mean.At(i, j)) / std.At(i, j) }, x)
	}
	want := mat.NewDense(rows, cols, nil)
	for _, z := range zs {
		dft := covTestDFT(z)
		for i := range rows {
			for j := range cols {
				a := cmplx.Abs(dft[i][j])
				want.Set(i, j, want.At(i, j)+a*a/float64(len(xs)))
			}
		}
	}
	covTestEqual(t, got, want, 1e-11, "standardised")

	// Uniform σ: rescale the standardised images to σ = 2.5 with a
	// pixel-dependent offset; the per-pixel standard deviation is then 2.5
	// everywhere and both estimators agree up to rounding.
	ys := make([]*mat.Dense, len(zs))
	for t, z := range zs {
		ys[t] = mat.NewDense(rows, cols, nil)
		ys[t].Apply(func(i, j int, v float64) float64 { return 2.5*v + float64(i*j) }, z)
	}
	plain := NewSpectrum(rows, cols)
	require.NoError(t, plain.AddBatch(ys))
	p1, err := plain.Power()
	require.NoError(t, err)
	std2, err := plain.Std()
	require.NoError(t, err)
	assert.InDelta(t, 2.5, mat.Min(std2), 1e-12)
	assert.InDelta(t, 2.5, mat.Max(std2), 1e-12)
	st, err := plain.Standardized()
	require.NoError(t, err)
	require.NoError(t, st.AddBatch(ys))
	p2, err := st.Power()
	require.NoError(t, err)
	covTestEqual(t, p1, p2, 1e-11, "uniform σ")

	// A constant pixel standardises to zero instead of NaN.
	cs := []*mat.Dense{mat.NewDense(1, 2, []float64{1, 0}), mat.NewDense(1, 2, []float64{1, 2})}
	c1 := NewSpectrum(1, 2)
	require.NoError(t, c1.AddBatch(cs))
	c2, err := c1.Standardized()
	require.NoError(t, err)
	require.NoError(t, c2.AddBatch(cs))
	pc, err := c2.Power()
	require.NoError(t, err)
	// Standardised images (0, −1) and (0, 1): Z = (x0 ± x1)/√2, |Z|² = 1/2
	// at both frequencies; mean variance (0+1)/2 = 1/2, so Γ = 1.
	covTestEqual(t, pc, mat.NewDense(1, 2, []float64{1, 1}), covTol, "constant pixel")
}

// TestSpectrumBadInput checks that bad images are rejected and add nothing,
// and that empty and constant sets give errors.
func TestSpectrumBadInput(t *testing.T) {
	t.Parallel()
	s := NewSpectrum(2, 3)
	for _, fn := range []func() (*mat.Dense, error){s.Mean, s.Std, s.Power} {
		_, err := fn()
		assert.ErrorContains(t, err, "noise: ")
		assert.ErrorContains(t, err, "empty")
	}
	_, err := s.Standardized()
	assert.Error(t, err)
	_, err = s.MeanVariance()
	assert.Error(t, err)
	good := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	require.NoError(t, s.Add(good))
	before, err := s.MarshalBinary()
	require.NoError(t, err)
	nan := mat.DenseCopyOf(good)
	nan.Set(1, 2, math.NaN())
	inf := mat.DenseCopyOf(good)
	inf.Set(0, 1, math.Inf(-1))
	var nilDense *mat.Dense
	for i, x := range []mat.Matrix{nil, nilDense, mat.NewDense(3, 2, nil), mat.NewDense(2, 4, nil), &mat.Dense{}, nan, inf, nan.T().T()} {
		err := s.Add(x)
		assert.ErrorContains(t, err, "noise: ", "case %d", i)
		if d, ok := x.(*mat.Dense); ok {
			assert.Error(t, s.AddBatch([]*mat.Dense{good, d}), "batch case %d", i)
		}
	}
	assert.Error(t, s.AddBatch([]*mat.Dense{good, nil}))
	err = s.AddBatch([]*mat.Dense{good, good, nan})
	assert.ErrorContains(t, err, "image 2")
	after, err := s.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, before, after, "bad input changed the accumulator")
	assert.Equal(t, 1, s.Count())
	// One image, or identical images: zero variance.
	_, err = s.Power()
	assert.ErrorContains(t, err, "zero variance")
	require.NoError(t, s.Add(good))
	_, err = s.Power()
	assert.ErrorContains(t, err, "zero variance")
	std, err := s.Std()
	require.NoError(t, err)
	assert.Equal(t, 0.0, mat.Max(std))

	// Invalid sizes and options.
	assert.Panics(t, func() { NewSpectrum(0, 3) })
	assert.Panics(t, func() { NewSpectrum(3, -1) })
	_, err = NewSpectrumOptions(MaxPixels, 2, &SpectrumOptions{})
	assert.Error(t, err)
	_, err = NewSpectrumOptions(2, 3, &SpectrumOptions{Center: good})
	assert.Error(t, err)
	_, err = NewSpectrumOptions(2, 3, &SpectrumOptions{Center: good, Scale: mat.NewDense(3, 2, nil)})
	assert.Error(t, err)
	neg := mat.DenseCopyOf(good)
	neg.Scale(-1, neg)
	_, err = NewSpectrumOptions(2, 3, &SpectrumOptions{Center: good, Scale: neg})
	assert.Error(t, err)
	_, err = NewSpectrumOptions(2, 3, &SpectrumOptions{Center: nan, Scale: good})
	assert.Error(t, err)
	// Hann of length 1 divides by zero: NaN window.
	_, err = NewSpectrumOptions(1, 3, &SpectrumOptions{Window: window.Hann})
	assert.Error(t, err)
	_, err = NewSpectrumOptions(2, 3, &SpectrumOptions{Window: func(s []float64) []float64 { return s[:1] }})
	assert.Error(t, err)
	_, err = NewSpectrumOptions(2, 3, &SpectrumOptions{Window: func(s []float64) []float64 { clear(s); return s }})
	assert.Error(t, err)
}

// TestSpectrumMerge checks with random splits that merging partial
// accumulators equals one accumulator over all images.
func TestSpectrumMerge(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(rt *rapid.T) {
		rows := rapid.IntRange(1, 6).Draw(rt, "rows")
		cols := rapid.IntRange(1, 6).Draw(rt, "cols")
		n := rapid.IntRange(2, 12).Draw(rt, "n")
		seed := rapid.Uint64().Draw(rt, "seed")
		rnd := rand.New(rand.NewPCG(seed, 7))
		xs := covTestImages(rnd, n, rows, cols, rapid.Float64Range(-100, 100).Draw(rt, "offset"))
		all := NewSpectrum(rows, cols)
		for _, x := range xs {
			if err := all.Add(x); err != nil {
				rt.Fatal(err)
			}
		}
		// Random shards, some possibly empty, merged in order.
		merged := NewSpectrum(rows, cols)
		for lo := 0; lo < n; {
			hi := rapid.IntRange(lo, n).Draw(rt, "hi")
			part := NewSpectrum(rows, cols)
			if err := part.AddBatch(xs[lo:hi]); err != nil {
				rt.Fatal(err)
			}
			if err := merged.Merge(part); err != nil {
				rt.Fatal(err)
			}
			if hi == lo {
				hi++
				if err := merged.Add(xs[lo]); err != nil {
					rt.Fatal(err)
				}
			}
			lo = hi
		}
		if merged.Count() != n {
			rt.Fatalf("count %d, want %d", merged.Count(), n)
		}
		for _, pair := range [][2]func() (*mat.Dense, error){{all.Mean, merged.Mean}, {all.Std, merged.Std}, {all.Power, merged.Power}} {
			a, errA := pair[0]()
			b, errB := pair[1]()
			if errA != nil || errB != nil {
				rt.Fatal(errA, errB)
			}
			// Relative tolerance: offsets up to 100 make means of order 100.
			if !mat.EqualApprox(a, b, 1e-9) {
				rt.Fatalf("merged differs:\n%v\n%v", mat.Formatted(a), mat.Formatted(b))
			}
		}
	})
}

func TestSpectrumMergeErrors(t *testing.T) {
	t.Parallel()
	a := NewSpectrum(2, 3)
	for i, o := range []*Spectrum{nil, NewSpectrum(3, 2), NewSpectrum(2, 4)} {
		assert.Error(t, a.Merge(o), "case %d", i)
	}
	half := func(s []float64) []float64 {
		for i := range s {
			s[i] *= 0.5
		}
		return s
	}
	hann, err := NewSpectrumOptions(2, 3, &SpectrumOptions{Window: half})
	require.NoError(t, err)
	assert.ErrorContains(t, a.Merge(hann), "window")
	assert.ErrorContains(t, hann.Merge(a), "window")
	b := NewSpectrum(2, 3)
	rnd := rand.New(rand.NewPCG(1, 1))
	require.NoError(t, b.AddBatch(covTestImages(rnd, 3, 2, 3, 0)))
	st, err := b.Standardized()
	require.NoError(t, err)
	assert.ErrorContains(t, a.Merge(st), "standardisation")
	// Merging with itself doubles the count and keeps the statistics.
	p0, err := b.Power()
	require.NoError(t, err)
	require.NoError(t, b.Merge(b))
	assert.Equal(t, 6, b.Count())
	p1, err := b.Power()
	require.NoError(t, err)
	covTestEqual(t, p1, p0, covTol, "self merge")
}

// TestSpectrumAddBatch checks that AddBatch gives bit for bit the result of
// Add in turn, across group boundaries.
func TestSpectrumAddBatch(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 9))
	for _, sz := range [][2]int{{3, 4}, {64, 72}} {
		xs := covTestImages(rnd, 4*spectrumGroup*3+1, sz[0], sz[1], 0.5)
		seq := NewSpectrum(sz[0], sz[1])
		for _, x := range xs {
			require.NoError(t, seq.Add(x))
		}
		a, err := seq.MarshalBinary()
		require.NoError(t, err)
		// Three workers on two cores, one worker, and the default.
		for _, procs := range []int{3, 1, 0} {
			old := runtime.GOMAXPROCS(procs)
			bat := NewSpectrum(sz[0], sz[1])
			require.NoError(t, bat.AddBatch(xs[:5]))
			require.NoError(t, bat.AddBatch(xs[5:]))
			runtime.GOMAXPROCS(old)
			b, err := bat.MarshalBinary()
			require.NoError(t, err)
			assert.True(t, bytes.Equal(a, b), "%v GOMAXPROCS %d: AddBatch differs from Add", sz, procs)
		}
	}
}

func TestSpectrumBinary(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(11, 12))
	xs := covTestImages(rnd, 5, 4, 5, 1)
	plain := NewSpectrum(4, 5)
	require.NoError(t, plain.AddBatch(xs))
	win, err := NewSpectrumOptions(4, 5, &SpectrumOptions{Window: window.Hann})
	require.NoError(t, err)
	require.NoError(t, win.AddBatch(xs))
	st, err := win.Standardized()
	require.NoError(t, err)
	require.NoError(t, st.AddBatch(xs))
	for i, s := range []*Spectrum{plain, win, st, NewSpectrum(1, 1)} {
		data, err := s.MarshalBinary()
		require.NoError(t, err)
		var got Spectrum
		require.NoError(t, got.UnmarshalBinary(data), "case %d", i)
		again, err := got.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, data, again, "case %d", i)
		assert.Equal(t, s.Count(), got.Count())
		if s.Count() > 1 {
			p0, err := s.Power()
			require.NoError(t, err)
			p1, err := got.Power()
			require.NoError(t, err)
			assert.True(t, mat.Equal(p0, p1), "case %d", i)
			// A decoded accumulator keeps accumulating and merging.
			require.NoError(t, got.Add(xs[0]))
			require.NoError(t, got.Merge(s))
		}
	}

	data, err := st.MarshalBinary()
	require.NoError(t, err)
	var s Spectrum
	require.NoError(t, s.UnmarshalBinary(data))
	keep, err := s.MarshalBinary()
	require.NoError(t, err)
	bad := func(f func([]byte) []byte) []byte { return f(append([]byte(nil), data...)) }
	for i, b := range [][]byte{
		nil,
		data[:3],
		data[:20],
		data[:len(data)-1],
		append(append([]byte(nil), data...), 0),
		bad(func(b []byte) []byte { b[0] = 'X'; return b }),
		bad(func(b []byte) []byte { b[4] = 9; return b }),
		bad(func(b []byte) []byte { b[5] = 0x80; return b }),
		bad(func(b []byte) []byte { b[6] = 0; b[7] = 0; return b }),                                 // rows 0
		bad(func(b []byte) []byte { b[9] = 0x7f; return b }),                                        // huge rows
		bad(func(b []byte) []byte { copy(b[22:], []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f}); return b }), // NaN mean
		[]byte("PNG\x89 not a spectrum at all, just some foreign bytes"),
	} {
		assert.Error(t, s.UnmarshalBinary(b), "case %d", i)
		now, err := s.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, keep, now, "case %d changed the receiver", i)
	}
}

func TestSpectrumAddAllocs(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 3))
	xs := covTestImages(rnd, 2, 96, 96, 0)
	s := NewSpectrum(96, 96)
	require.NoError(t, s.Add(xs[0]))
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = s.Add(xs[1]) }))
	require.NoError(t, s.AddBatch(xs))
	assert.Zero(t, testing.AllocsPerRun(10, func() { _ = s.AddBatch(xs) }))
}

// TestSpectrumWhite checks Γ ≈ 1 for white noise. With n images each
// periodogram value is an average of n−1 degrees of freedom per real
// coefficient, so Γ_k has relative standard error about √(1/(n−1)) at paired
// frequencies (two coefficients: √(1/(2(n−1))) each, averaged); the mean
// over all k of |Γ−1| is checked to lie within 25% of its expectation
// √(2/π)·sd.
func TestSpectrumWhite(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(21, 22))
	const n = 201
	xs := covTestImages(rnd, n, 16, 16, 0)
	for _, x := range xs {
		x.Apply(func(i, _ int, v float64) float64 { return v / (1 + 0.1*float64(i)) }, x)
	}
	s := NewSpectrum(16, 16)
	require.NoError(t, s.AddBatch(xs))
	p, err := s.Power()
	require.NoError(t, err)
	var dev float64
	for _, v := range p.RawMatrix().Data {
		dev += math.Abs(v - 1)
	}
	dev /= 256
	sd := math.Sqrt(1 / float64(n-1)) // paired frequencies dominate (252 of 256)
	assert.InDelta(t, math.Sqrt(2/math.Pi)*sd, dev, 0.25*math.Sqrt(2/math.Pi)*sd)
}

func benchmarkSpectrumImages(n int) []*mat.Dense {
	rnd := rand.New(rand.NewPCG(1, 1))
	return covTestImages(rnd, n, 96, 96, 0.5)
}

// BenchmarkSpectrumAdd measures Add and AddBatch at 96×96 in images per
// second.
func BenchmarkSpectrumAdd(b *testing.B) {
	xs := benchmarkSpectrumImages(64)
	b.Run("single", func(b *testing.B) {
		s := NewSpectrum(96, 96)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := s.Add(xs[i%len(xs)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "images/s")
	})
	b.Run("batch", func(b *testing.B) {
		s := NewSpectrum(96, 96)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.AddBatch(xs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(xs))/b.Elapsed().Seconds(), "images/s")
	})
}

// spectrumTestAlloc returns the bytes allocated by f.
func spectrumTestAlloc(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestSpectrumMemory checks that the accumulator's memory is O(rows·cols),
// whatever the number of images: 32 bytes per pixel of state, a bounded
// work space for Add and AddBatch, and nothing more for more images.
func TestSpectrumMemory(t *testing.T) {
	const rows, cols = 96, 96
	xs := benchmarkSpectrumImages(3 * spectrumGroup * parallel.Workers())
	var s *Spectrum
	state := spectrumTestAlloc(func() { s = NewSpectrum(rows, cols) })
	add := spectrumTestAlloc(func() { require.NoError(t, s.Add(xs[0])) })
	batch := spectrumTestAlloc(func() { require.NoError(t, s.AddBatch(xs)) })
	again := spectrumTestAlloc(func() { require.NoError(t, s.AddBatch(xs)) })
	px := float64(rows * cols)
	t.Logf("bytes per pixel: state %.1f, Add work space %.1f, AddBatch work space %.1f (%d workers), later AddBatch %d bytes",
		float64(state)/px, float64(add)/px, float64(batch)/px, parallel.Workers(), again)
	assert.LessOrEqual(t, float64(state), 32*px+1024)
	assert.LessOrEqual(t, float64(add), 80*px)
	assert.LessOrEqual(t, float64(batch), float64(parallel.Workers())*(spectrumGroup*8+80)*px)
	assert.Less(t, again, uint64(4096), "AddBatch memory grows with the number of images")
}

// TestSpectrumReset checks that Reset empties the accumulator and that it
// then equals a new one; and that a zero Spectrum rejects use with errors.
func TestSpectrumReset(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(31, 32))
	xs := covTestImages(rnd, 4, 3, 5, 1)
	s := NewSpectrum(3, 5)
	require.NoError(t, s.AddBatch(xs[:2]))
	s.Reset()
	assert.Zero(t, s.Count())
	_, err := s.Power()
	assert.Error(t, err)
	require.NoError(t, s.AddBatch(xs[2:]))
	fresh := NewSpectrum(3, 5)
	require.NoError(t, fresh.AddBatch(xs[2:]))
	a, err := s.MarshalBinary()
	require.NoError(t, err)
	b, err := fresh.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b, a)

	var zero Spectrum
	assert.Error(t, zero.Add(xs[0]))
	assert.Error(t, zero.AddBatch(xs))
	assert.Error(t, zero.Merge(s))
	_, err = zero.Power()
	assert.Error(t, err)
}

// TestSpectrumHugeValues checks issue 15 item 7: images whose squares would
// overflow the accumulator are refused with an error, adding nothing,
// instead of making Power NaN (before the fix AddBatch of images scaled by
// 1e200 succeeded and Power returned NaN). Within the accepted range the
// power does not depend on the scale.
func TestSpectrumHugeValues(t *testing.T) {
	t.Parallel()
	s, err := NewSampler(Spec{Rows: 12, Cols: 10, Delta: 1.5}, rand.NewPCG(5, 6))
	require.NoError(t, err)
	xs := s.SampleBatch(make([]*mat.Dense, 20))
	scaled := func(f float64) []*mat.Dense {
		out := make([]*mat.Dense, len(xs))
		for i, x := range xs {
			out[i] = mat.NewDense(12, 10, nil)
			out[i].Scale(f, x)
		}
		return out
	}
	huge := scaled(1e200)
	sp := NewSpectrum(12, 10)
	assert.ErrorContains(t, sp.AddBatch(huge), "noise: image 0 has value")
	assert.ErrorContains(t, sp.Add(huge[3]), "beyond ±1e+100")
	assert.Zero(t, sp.Count(), "nothing added")
	_, err = FitImages(huge, nil)
	assert.Error(t, err)

	// 1e90 (pixels up to a few 1e90): the same power as unscaled, to
	// rounding.
	ref := NewSpectrum(12, 10)
	require.NoError(t, ref.AddBatch(xs))
	big := NewSpectrum(12, 10)
	require.NoError(t, big.AddBatch(scaled(1e90)))
	want, err := ref.Power()
	require.NoError(t, err)
	got, err := big.Power()
	require.NoError(t, err)
	assert.True(t, mat.EqualApprox(want, got, 1e-12), "power of scaled images")
}
