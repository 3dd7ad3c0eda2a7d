package eval

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// bandsTestEnergy returns Σ_{k in band b} |Z_k|² of x under the naive
// orthonormal 2-D DFT (O(P²), At-based): the reference for BandErrors,
// whose real transform has the same band sums (F_R packs √2·Re and √2·Im
// of the pairs k, −k, which lie in the same band).
func bandsTestEnergy(x *mat.Dense, edges []float64) []float64 {
	r, c := x.Dims()
	out := make([]float64, len(edges)-1)
	for ky := -r / 2; ky < r-r/2; ky++ {
		for kx := -c / 2; kx < c-c/2; kx++ {
			var z complex128
			for a := range r {
				for b := range c {
					ph := -2 * math.Pi * (float64(ky*a)/float64(r) + float64(kx*b)/float64(c))
					z += complex(x.At(a, b), 0) * cmplx.Exp(complex(0, ph))
				}
			}
			z /= complex(math.Sqrt(float64(r*c)), 0)
			k := math.Hypot(float64(ky)/float64(r), float64(kx)/float64(c))
			for bd := range out {
				if k > edges[bd] && k <= edges[bd+1] {
					out[bd] += real(z)*real(z) + imag(z)*imag(z)
				}
			}
		}
	}
	return out
}

func TestBandErrorsNaive(t *testing.T) {
	t.Parallel()
	const tol = 1e-10
	for _, size := range [][2]int{{16, 16}, {15, 17}} {
		r, c := size[0], size[1]
		final := histTestRandom(3, r, c, 1, 0.2, rand.NewPCG(21, 22))
		traj := [][]*mat.Dense{
			histTestRandom(3, r, c, 1, 0, rand.NewPCG(23, 24)),
			histTestRandom(3, r, c, 0.1, 0, rand.NewPCG(25, 26)),
		}
		// The second step is final plus a small perturbation.
		for i := range traj[1] {
			traj[1][i].Add(traj[1][i], final[i])
		}
		traj = append(traj, final) // the last step is final: error 0
		got, err := BandErrors(traj, final, DefaultBandEdges())
		require.NoError(t, err)
		require.Len(t, got, 3)
		total := make([]float64, len(DefaultBandEdges())-1)
		for _, f := range final {
			for b, e := range bandsTestEnergy(f, DefaultBandEdges()) {
				total[b] += e
			}
		}
		for s, step := range traj {
			want := make([]float64, len(total))
			for i, x := range step {
				var d mat.Dense
				d.Sub(x, final[i])
				for b, e := range bandsTestEnergy(&d, DefaultBandEdges()) {
					want[b] += e / total[b]
				}
			}
			assert.InDeltaSlice(t, want, got[s], tol, "%d×%d step %d", r, c, s)
		}
		for b, v := range got[2] {
			assert.Equal(t, 0.0, v, "last step band %d", b)
		}
	}
}

func TestBandErrorsSingleBand(t *testing.T) {
	t.Parallel()
	// A perturbation by a cosine of frequency (ky, kx) = (0, 6)/16, |k| =
	// 3/8, changes only the top band (|k| > 1/4).
	const n = 16
	final := histTestRandom(2, n, n, 1, 0, rand.NewPCG(31, 32))
	step := make([]*mat.Dense, len(final))
	for i, f := range final {
		step[i] = mat.DenseCopyOf(f)
		for a := range n {
			for b := range n {
				step[i].Set(a, b, f.At(a, b)+0.3*math.Cos(2*math.Pi*6*float64(b)/n))
			}
		}
	}
	got, err := BandErrors([][]*mat.Dense{step}, final, DefaultBandEdges())
	require.NoError(t, err)
	for b := range 3 {
		assert.InDelta(t, 0, got[0][b], 1e-24, "band %d", b)
	}
	assert.Greater(t, got[0][3], 0.0)
}

func TestBandErrorsBadInput(t *testing.T) {
	t.Parallel()
	final := histTestRandom(2, 8, 8, 1, 0, rand.NewPCG(1, 1))
	odd := histTestRandom(2, 8, 9, 1, 0, rand.NewPCG(1, 1))
	nan := histTestRandom(2, 8, 8, 1, 0, rand.NewPCG(1, 1))
	nan[1].Set(0, 0, math.NaN())
	constant := []*mat.Dense{mat.NewDense(8, 8, nil), mat.NewDense(8, 8, nil)}
	for i, test := range []struct {
		traj  [][]*mat.Dense
		final []*mat.Dense
		edges []float64
	}{
		{nil, final, []float64{0}},                              // one edge
		{nil, final, []float64{0, 0.2, 0.1}},                    // not increasing
		{nil, final, []float64{-1, 0.2}},                        // negative
		{nil, final, []float64{0, math.Inf(1)}},                 // infinite
		{nil, nil, DefaultBandEdges()},                          // no final
		{[][]*mat.Dense{final[:1]}, final, DefaultBandEdges()},  // step of the wrong length
		{[][]*mat.Dense{odd}, final, DefaultBandEdges()},        // wrong shape
		{[][]*mat.Dense{nan}, final, DefaultBandEdges()},        // NaN in a step
		{nil, nan, DefaultBandEdges()},                          // NaN in final
		{nil, []*mat.Dense{nil}, DefaultBandEdges()},            // nil final
		{[][]*mat.Dense{{nil, nil}}, final, DefaultBandEdges()}, // nil step image
		{nil, constant, DefaultBandEdges()},                     // no energy in a band
	} {
		_, err := BandErrors(test.traj, test.final, test.edges)
		assert.ErrorContains(t, err, "eval:", "case %d", i)
	}
}

func TestSettleTimes(t *testing.T) {
	t.Parallel()
	// Hand-made errors for T = 1000 and two bands. Band 0 drops below 0.1
	// at step 1 and stays: settles at t = 800. Band 1 dips below at step 1,
	// rises again at step 2 and settles at step 3 (t = 200).
	errs := [][]float64{{0.9, 0.9}, {0.05, 0.05}, {0.02, 0.3}, {0.01, 0.01}, {0, 0}}
	times := []int{1000, 800, 500, 200, 1}
	got, err := SettleTimes(errs, times, 1000, 0.1)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{0.8, 0.2}, got, 1e-15)

	// A band that is never below the threshold before the end settles at
	// the last step.
	got, err = SettleTimes([][]float64{{1}, {1}, {0}}, []int{10, 5, 1}, 10, 0.1)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{0.1}, got, 1e-15)

	for i, test := range []struct {
		errs  [][]float64
		times []int
		T     int
	}{
		{nil, nil, 10},
		{[][]float64{{1}}, []int{1, 2}, 10},
		{[][]float64{{1}}, []int{1}, 0},
		{[][]float64{{1, 2}, {0}}, []int{2, 1}, 10},
	} {
		_, err := SettleTimes(test.errs, test.times, test.T, 0.1)
		assert.ErrorContains(t, err, "eval:", "case %d", i)
	}
}

func TestBandErrorsNilEdges(t *testing.T) {
	t.Parallel()
	final := histTestRandom(3, 16, 16, 1, 0, rand.NewPCG(21, 22))
	traj := [][]*mat.Dense{histTestRandom(3, 16, 16, 1, 0, rand.NewPCG(23, 24)), final}
	got, err := BandErrors(traj, final, nil)
	require.NoError(t, err)
	want, err := BandErrors(traj, final, []float64{0, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1})
	require.NoError(t, err)
	assert.Equal(t, want, got, "nil edges are DefaultBandEdges()")
	assert.Equal(t, []float64{0, 0, 0, 0}, got[1], "the final step has no error")
}

func TestBands(t *testing.T) {
	t.Parallel()
	// Against |k| computed here from its definition, on odd, even and
	// rectangular grids.
	edges := []float64{0, 0.1, 0.3, 0.5}
	for _, size := range [][2]int{{16, 16}, {15, 17}, {8, 5}} {
		r, c := size[0], size[1]
		got, err := Bands(r, c, edges)
		require.NoError(t, err)
		for i := range r {
			for j := range c {
				k := math.Hypot(float64(i-r/2)/float64(r), float64(j-c/2)/float64(c))
				want := -1
				for b := 0; b+1 < len(edges); b++ {
					if k > edges[b] && k <= edges[b+1] {
						want = b
					}
				}
				assert.Equal(t, want, got[i*c+j], "%d×%d at (%d, %d), |k| = %v", r, c, i, j, k)
			}
		}
	}
	def, err := Bands(16, 16, nil)
	require.NoError(t, err)
	want, err := Bands(16, 16, DefaultBandEdges())
	require.NoError(t, err)
	assert.Equal(t, want, def, "nil edges are DefaultBandEdges()")
	for _, bad := range [][]float64{{0}, {0.2, 0.1}, {-1, 0.1}, {0, math.Inf(1)}, {math.NaN(), 1}} {
		_, err := Bands(4, 4, bad)
		assert.ErrorContains(t, err, "eval: Bands:", "%v", bad)
	}
}
