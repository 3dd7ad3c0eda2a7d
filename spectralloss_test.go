package noise

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// slossNaive is the reference loss: the naive orthonormal complex DFT (At
// loops, unshifted frequencies) and (1/P) Σ_k |Z_k|² w(k) with the weight
// written out from its definition: max(|k|, 1/max(rows, cols))^(2Δ),
// normalised to mean 1.
func slossNaive(r mat.Matrix, delta float64) float64 {
	rows, cols := r.Dims()
	p := float64(rows * cols)
	k1 := 1 / float64(max(rows, cols))
	weight := func(u, v int) float64 {
		fu, fv := float64(u), float64(v)
		if u > rows/2 {
			fu -= float64(rows)
		}
		if v > cols/2 {
			fv -= float64(cols)
		}
		return math.Pow(math.Max(math.Hypot(fu/float64(rows), fv/float64(cols)), k1), 2*delta)
	}
	var wsum, s float64
	for u := range rows {
		for v := range cols {
			var z complex128
			for i := range rows {
				for j := range cols {
					z += complex(r.At(i, j), 0) * cmplx.Exp(complex(0, -2*math.Pi*(float64(u*i)/float64(rows)+float64(v*j)/float64(cols))))
				}
			}
			w := weight(u, v)
			if rows*cols == 1 {
				w = 1
			}
			wsum += w
			s += w * real(z*cmplx.Conj(z)) / p
		}
	}
	return s / (wsum / p) / p
}

func TestSpectralLossMatchesNaiveDFT(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(61, 62))
	for _, size := range [][2]int{{1, 1}, {1, 6}, {4, 4}, {5, 7}, {8, 6}, {9, 9}} {
		rows, cols := size[0], size[1]
		for _, delta := range []float64{0, 0.75, 1.49977, 2.5} {
			l, err := NewSpectralLoss(rows, cols, delta)
			require.NoError(t, err)
			r := mahaRandom(rnd, rows, cols)
			want := slossNaive(r, delta)
			assert.InDelta(t, want, l.Loss(r), 1e-11*want, "%d×%d Δ=%v", rows, cols, delta)
			got, _ := l.Gradient(nil, r)
			assert.InDelta(t, want, got, 1e-11*want, "%d×%d Δ=%v: loss from Gradient", rows, cols, delta)
		}
	}
}

func TestSpectralWeightsProperties(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{1, 1}, {3, 8}, {8, 8}, {96, 96}} {
		rows, cols := size[0], size[1]
		for _, delta := range []float64{0, 1.5, 400} {
			w, err := SpectralWeights(rows, cols, delta)
			require.NoError(t, err)
			data := w.RawMatrix().Data
			var sum float64
			for _, v := range data {
				require.False(t, math.IsNaN(v) || math.IsInf(v, 0) || v < 0, "%d×%d Δ=%v: weight %v", rows, cols, delta, v)
				sum += v
			}
			assert.InDelta(t, 1, sum/float64(rows*cols), 1e-12, "%d×%d Δ=%v: mean weight", rows, cols, delta)
			if delta == 0 {
				for _, v := range data {
					assert.InDelta(t, 1, v, 1e-12, "Δ=0 weights are all 1")
				}
			}
			if rows*cols > 1 && delta > 0 && delta < 100 {
				// The floor: the zero frequency has the weight of the lowest
				// nonzero frequency, one step along the longer axis.
				lowest := w.At(rows/2, cols/2+1)
				if rows > cols {
					lowest = w.At(rows/2+1, cols/2)
				}
				assert.InDelta(t, lowest, w.At(rows/2, cols/2), 1e-15, "%d×%d Δ=%v: floor", rows, cols, delta)
				// And for Δ > 0 no weight is below the floor.
				for _, v := range data {
					assert.GreaterOrEqual(t, v, lowest*(1-1e-15))
				}
			}
		}
	}
}

func TestSpectralLossWhiteResidualMeanOne(t *testing.T) {
	t.Parallel()
	// Mean-1 weights make E[L] = 1 for unit-variance white residuals (every
	// F_R coefficient has unit variance). Over n = 2000 residuals the mean
	// loss must be within 4.5 standard errors of 1.
	const rows, cols, n = 12, 10, 2000
	l, err := NewSpectralLoss(rows, cols, 1.49977)
	require.NoError(t, err)
	rnd := rand.New(rand.NewPCG(63, 64))
	r := mat.NewDense(rows, cols, nil)
	var s, ss float64
	for range n {
		data := r.RawMatrix().Data
		for p := range data {
			data[p] = rnd.NormFloat64()
		}
		v := l.Loss(r)
		s += v
		ss += v * v
	}
	mean := s / n
	se := math.Sqrt((ss/n - mean*mean) / n)
	assert.InDelta(t, 1, mean, 4.5*se)
}

func TestSpectralLossGradient(t *testing.T) {
	t.Parallel()
	// L is a quadratic form, so central differences are exact up to
	// rounding: (L(r + h e) − L(r − h e)) / 2h = ∂L/∂r_e.
	rnd := rand.New(rand.NewPCG(65, 66))
	for _, size := range [][2]int{{1, 1}, {4, 5}, {6, 6}, {7, 3}} {
		rows, cols := size[0], size[1]
		l, err := NewSpectralLoss(rows, cols, 1.5)
		require.NoError(t, err)
		r := mahaRandom(rnd, rows, cols)
		rc := mat.DenseCopyOf(r)
		loss, grad := l.Gradient(nil, r)
		require.True(t, mat.Equal(r, rc), "Gradient modified its input")
		assert.InDelta(t, l.Loss(r), loss, 1e-14*loss)
		const h = 1e-3
		for i := range rows {
			for j := range cols {
				p, m := mat.DenseCopyOf(r), mat.DenseCopyOf(r)
				p.Set(i, j, p.At(i, j)+h)
				m.Set(i, j, m.At(i, j)-h)
				want := (l.Loss(p) - l.Loss(m)) / (2 * h)
				assert.InDelta(t, want, grad.At(i, j), 1e-9*math.Max(1, math.Abs(want)), "%d×%d (%d, %d)", rows, cols, i, j)
			}
		}
		// In place: dst may be r itself.
		inPlace := mat.DenseCopyOf(r)
		_, got := l.Gradient(inPlace, inPlace)
		assert.True(t, mat.EqualApprox(grad, got, 1e-14), "%d×%d: in-place gradient", rows, cols)
	}
}

func TestSpectralLossZeroAllocs(t *testing.T) {
	l, err := NewSpectralLoss(96, 96, 1.5)
	require.NoError(t, err)
	r := mahaRandom(rand.New(rand.NewPCG(67, 68)), 96, 96)
	dst := mat.NewDense(96, 96, nil)
	if a := testing.AllocsPerRun(10, func() { l.Loss(r) }); a != 0 {
		t.Errorf("Loss allocates %v times per call", a)
	}
	if a := testing.AllocsPerRun(10, func() { l.Gradient(dst, r) }); a != 0 {
		t.Errorf("Gradient allocates %v times per call", a)
	}
}

func TestSpectralLossBadInput(t *testing.T) {
	t.Parallel()
	for i, test := range []struct {
		rows, cols int
		delta      float64
	}{
		{0, 3, 1}, {3, -1, 1}, {1 << 14, 1 << 14, 1},
		{3, 3, -0.5}, {3, 3, math.NaN()}, {3, 3, math.Inf(1)},
	} {
		l, err := NewSpectralLoss(test.rows, test.cols, test.delta)
		if err == nil || l != nil || !strings.HasPrefix(err.Error(), "noise: ") {
			t.Errorf("case %d: NewSpectralLoss = %v, %v; want a noise: error", i, l, err)
		}
		w, err := SpectralWeights(test.rows, test.cols, test.delta)
		if err == nil || w != nil || !strings.HasPrefix(err.Error(), "noise: ") {
			t.Errorf("case %d: SpectralWeights = %v, %v; want a noise: error", i, w, err)
		}
	}
	l, err := NewSpectralLoss(4, 4, 1)
	require.NoError(t, err)
	for i, f := range []func(){
		func() { l.Loss(mat.NewDense(4, 5, nil)) },
		func() { l.Gradient(nil, mat.NewDense(3, 4, nil)) },
		func() { l.Gradient(mat.NewDense(2, 2, nil), mat.NewDense(4, 4, nil)) },
	} {
		assert.PanicsWithValue(t, mat.ErrShape, f, "case %d", i)
	}
	assert.PanicsWithValue(t, "noise: SpectralLoss.Loss of a nil residual", func() { l.Loss(nil) })
}
