package noise

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// radialTestPoint is an independent frequency found with At and PartAt.
type radialTestPoint struct{ k, v float64 }

func radialTestPoints(p mat.Matrix, cross int) []radialTestPoint {
	rows, cols := p.Dims()
	var out []radialTestPoint
	for i := range rows {
		for j := range cols {
			ky, kx := i-rows/2, j-cols/2
			if ky == 0 && kx == 0 || PartAt(rows, cols, i, j) == ImagPart {
				continue
			}
			if cross > 0 && (ky*ky < cross*cross || kx*kx < cross*cross) {
				continue
			}
			ii, jj := Involution(rows, cols, i, j)
			k := math.Sqrt(float64(ky*ky)/float64(rows*rows) + float64(kx*kx)/float64(cols*cols))
			out = append(out, radialTestPoint{k, (p.At(i, j) + p.At(ii, jj)) / 2})
		}
	}
	return out
}

func radialTestPower(rnd *rand.Rand, rows, cols int) *mat.Dense {
	p := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			p.Set(i, j, rnd.ExpFloat64())
		}
	}
	return p
}

// TestRadialProfileExact compares exact bins with a naive grouping by |k|
// (to 1e-12) over odd, even and rectangular sizes and masks.
func TestRadialProfileExact(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{1, 4}, {7, 7}, {8, 8}, {9, 12}, {16, 10}} {
		p := radialTestPower(rnd, sz[0], sz[1])
		for _, cross := range []int{-1, 0, 2} {
			want := 4
			if cross != 0 {
				want = cross
			}
			pts := radialTestPoints(p, want)
			name := fmt.Sprintf("%v cross %d", sz, cross)
			got, err := RadialProfile(p, &RadialOptions{Cross: cross})
			if len(pts) == 0 {
				assert.Error(t, err, name)
				continue
			}
			require.NoError(t, err, name)
			sort.Slice(pts, func(a, b int) bool { return pts[a].k < pts[b].k })
			var groups [][]radialTestPoint
			for _, q := range pts {
				if n := len(groups); n > 0 && math.Abs(groups[n-1][0].k-q.k) < 1e-12 {
					groups[n-1] = append(groups[n-1], q)
				} else {
					groups = append(groups, []radialTestPoint{q})
				}
			}
			require.Len(t, got, len(groups), name)
			for b, g := range groups {
				vs := make([]float64, len(g))
				for i, q := range g {
					vs[i] = q.v
				}
				assert.InDelta(t, g[0].k, got[b].K, 1e-12, name)
				assert.Equal(t, got[b].K, got[b].Lo, name)
				assert.Equal(t, got[b].K, got[b].Hi, name)
				assert.Equal(t, len(g), got[b].Count, name)
				assert.InDelta(t, stat.Mean(vs, nil), got[b].Mean, 1e-12, name)
				if len(g) == 1 {
					assert.True(t, math.IsNaN(got[b].StdErr), name)
				} else {
					assert.InDelta(t, stat.StdErr(stat.StdDev(vs, nil), float64(len(vs))), got[b].StdErr, 1e-12, name)
				}
			}
		}
	}
}

// TestRadialProfileLog checks log bins against a naive assignment of the
// points to the documented edges.
func TestRadialProfileLog(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(3, 4))
	p := radialTestPower(rnd, 40, 36)
	for _, opts := range []*RadialOptions{{Bins: 10, Cross: -1}, {Bins: 25}, {Bins: 6, KMin: 0.1, KMax: 0.3}} {
		got, err := RadialProfile(p, opts)
		require.NoError(t, err)
		cross := opts.Cross
		if cross == 0 {
			cross = 4
		}
		var pts []radialTestPoint
		for _, q := range radialTestPoints(p, cross) {
			if q.k >= opts.KMin && (opts.KMax == 0 || q.k <= opts.KMax) {
				pts = append(pts, q)
			}
		}
		kmin, kmax := math.Inf(1), 0.0
		for _, q := range pts {
			kmin, kmax = math.Min(kmin, q.k), math.Max(kmax, q.k)
		}
		total := 0
		for b, bin := range got {
			var vs, logk []float64
			for _, q := range pts {
				// Edges with a relative tolerance for points on an edge.
				in := q.k >= bin.Lo*(1-1e-12) && q.k < bin.Hi*(1-1e-12)
				if b == len(got)-1 {
					in = q.k >= bin.Lo*(1-1e-12)
				}
				if in {
					vs = append(vs, q.v)
					logk = append(logk, math.Log(q.k))
				}
			}
			require.Equal(t, len(vs), bin.Count, "%+v bin %d", opts, b)
			assert.InDelta(t, stat.Mean(vs, nil), bin.Mean, 1e-12)
			assert.InDelta(t, math.Exp(stat.Mean(logk, nil)), bin.K, 1e-12)
			assert.Less(t, bin.Lo, bin.Hi)
			total += bin.Count
		}
		assert.Equal(t, len(pts), total, "%+v", opts)
		assert.InDelta(t, kmin, got[0].Lo, 1e-15)
		assert.InDelta(t, kmax, got[len(got)-1].Hi, 1e-15)
		assert.LessOrEqual(t, len(got), opts.Bins)
	}
}

// TestRadialProfileWhite checks the profile of Spectrum.Power of white
// noise: every bin mean is within 5 standard errors of 1.
func TestRadialProfileWhite(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(5, 6))
	s := NewSpectrum(24, 24)
	for range 30 {
		x := mat.NewDense(24, 24, nil)
		for i := range 24 {
			for j := range 24 {
				x.Set(i, j, rnd.NormFloat64())
			}
		}
		require.NoError(t, s.Add(x))
	}
	p, err := s.Power()
	require.NoError(t, err)
	prof, err := RadialProfile(p, &RadialOptions{Bins: 8, Cross: -1})
	require.NoError(t, err)
	for _, b := range prof {
		assert.InDelta(t, 1, b.Mean, 5*b.StdErr, "bin at %g", b.K)
	}
}

func TestRadialProfileBadInput(t *testing.T) {
	t.Parallel()
	good := mat.NewDense(8, 8, nil)
	good.Apply(func(_, _ int, _ float64) float64 { return 1 }, good)
	nan := mat.DenseCopyOf(good)
	nan.Set(0, 3, math.NaN())
	var nilDense *mat.Dense
	for i, c := range []struct {
		p    mat.Matrix
		opts *RadialOptions
	}{
		{nil, nil},
		{nilDense, nil},
		{&mat.Dense{}, nil},
		{nan, &RadialOptions{Cross: -1}},
		{good, &RadialOptions{Bins: -1}},
		{good, &RadialOptions{KMin: -0.1}},
		{good, &RadialOptions{KMin: 0.3, KMax: 0.1}},
		{good, &RadialOptions{KMin: 0.8}},                             // above every |k|
		{mat.NewDense(5, 5, nil), nil},                                // the cross covers everything
		{mat.NewDense(1, 1, []float64{3}), &RadialOptions{Cross: -1}}, // only k = 0
	} {
		_, err := RadialProfile(c.p, c.opts)
		if assert.Error(t, err, "case %d", i) {
			assert.Contains(t, err.Error(), "noise: ", "case %d", i)
		}
	}
}

// radialNaiveRAPSD bins the mean |Z_k|² of the naive orthonormal DFT (At
// loops, unshifted frequencies) by round(L·|k|), L = min(rows, cols).
func radialNaiveRAPSD(xs []*mat.Dense) (freq, power []float64) {
	r, c := xs[0].Dims()
	l := min(r, c)
	sum := make([]float64, l/2)
	count := make([]float64, l/2)
	for _, x := range xs {
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
				b := int(math.Floor(float64(l)*math.Hypot(fu/float64(r), fv/float64(c)) + 0.5))
				if b < 1 || b > l/2 {
					continue
				}
				var z complex128
				for i := range r {
					for j := range c {
						z += complex(x.At(i, j), 0) * cmplx.Exp(complex(0, -2*math.Pi*(float64(u*i)/float64(r)+float64(v*j)/float64(c))))
					}
				}
				sum[b-1] += real(z*cmplx.Conj(z)) / float64(r*c)
				count[b-1]++
			}
		}
	}
	for b := range sum {
		freq = append(freq, float64(b+1)/float64(l))
		power = append(power, sum[b]/count[b])
	}
	return freq, power
}

func TestRadialPowerMatchesNaiveDFT(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(41, 42))
	for _, size := range [][2]int{{2, 2}, {6, 8}, {7, 7}, {9, 4}, {8, 8}} {
		r, c := size[0], size[1]
		xs := []*mat.Dense{mahaRandom(rnd, r, c), mahaRandom(rnd, r, c), mahaRandom(rnd, r, c)}
		freq, power, err := RadialPower(xs)
		require.NoError(t, err)
		wantF, wantP := radialNaiveRAPSD(xs)
		assert.InDeltaSlice(t, wantF, freq, 1e-15, "%d×%d freq", r, c)
		require.Len(t, power, len(wantP))
		for b := range power {
			assert.InDelta(t, wantP[b], power[b], 1e-11*wantP[b], "%d×%d bin %d", r, c, b+1)
		}
	}
}

func TestRadialPowerBadInput(t *testing.T) {
	t.Parallel()
	_, _, err := RadialPower(nil)
	assert.ErrorContains(t, err, "noise: RadialPower: xs is empty")
	_, _, err = RadialPower([]*mat.Dense{mat.NewDense(1, 8, nil)})
	assert.ErrorContains(t, err, "no radial frequency bins")
}

// TestRadialBinsBounded checks issue 15 item 6: the number of log bins is
// bounded by the number of distinct |k| used, in RadialProfile and in the
// binned fit, with an error beyond (before the fix, Bins: 1<<40 walked its
// bins for minutes and any Bins above the count silently gave fewer bins).
func TestRadialBinsBounded(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(3, 4))
	p := radialTestPower(rnd, 16, 16)
	// The distinct |k| without the cross mask, found independently: the
	// exact profile has one bin per distinct |k|.
	exact, err := RadialProfile(p, &RadialOptions{Cross: -1})
	require.NoError(t, err)
	distinct := len(exact)
	require.Greater(t, distinct, 3)

	got, err := RadialProfile(p, &RadialOptions{Cross: -1, Bins: distinct})
	require.NoError(t, err, "as many bins as radii")
	assert.LessOrEqual(t, len(got), distinct)
	for _, bins := range []int{distinct + 1, 1 << 40, math.MaxInt} {
		_, err := RadialProfile(p, &RadialOptions{Cross: -1, Bins: bins})
		assert.ErrorContains(t, err, fmt.Sprintf("%d radial bins for %d distinct |k|", bins, distinct))
	}

	// The binned fit, on a power law over the same lattice (cross masked
	// as by default: fewer radii).
	law := mat.NewDense(16, 16, nil)
	w := Wavenumbers(16, 16)
	law.Apply(func(i, j int, _ float64) float64 {
		if k := w.At(i, j); k > 0 {
			return math.Pow(k, -3)
		}
		return 0
	}, law)
	masked, err := RadialProfile(law, nil)
	require.NoError(t, err)
	_, err = FitPowerLaw(law, &FitOptions{Method: FitBinned, Bins: len(masked)})
	require.NoError(t, err)
	for _, bins := range []int{len(masked) + 1, 2000000000} {
		_, err := FitPowerLaw(law, &FitOptions{Method: FitBinned, Bins: bins})
		assert.ErrorContains(t, err, "distinct |k|", "Bins %d", bins)
	}
}
