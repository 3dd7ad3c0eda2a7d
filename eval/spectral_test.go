package eval

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// specRandom returns an r×c image of standard normal pixels plus a ramp.
func specRandom(rnd *rand.Rand, r, c int) *mat.Dense {
	x := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			x.Set(i, j, rnd.NormFloat64()+0.3*float64(i)-0.1*float64(j))
		}
	}
	return x
}

// specRealFFTMatrix returns F_R as an explicit P×P matrix acting on images
// flattened row-major: column p is noise.RealFFT2 of the p-th unit image.
func specRealFFTMatrix(r, c int) *mat.Dense {
	p := r * c
	f := mat.NewDense(p, p, nil)
	for q := range p {
		e := mat.NewDense(r, c, nil)
		e.Set(q/c, q%c, 1)
		X := noise.RealFFT2(e)
		for i := range p {
			f.Set(i, q, X.At(i/c, i%c))
		}
	}
	return f
}

// specPixelCovariance returns Fᵀ diag(g) F, the pixel-space covariance of
// fields whose F_R coefficients are uncorrelated with variances g.
func specPixelCovariance(f *mat.Dense, g []float64) *mat.SymDense {
	var gf mat.Dense
	gf.Apply(func(i, j int, v float64) float64 { return g[i] * v }, f)
	var s mat.Dense
	s.Mul(f.T(), &gf)
	return specSym(&s)
}

// specSqrtm returns the symmetric square root of the positive semidefinite s.
func specSqrtm(s *mat.SymDense) *mat.Dense {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		panic("eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	n := len(vals)
	d := mat.NewDense(n, n, nil)
	for i, v := range vals {
		d.Set(i, i, math.Sqrt(math.Max(v, 0)))
	}
	var out mat.Dense
	out.Product(&vecs, d, vecs.T())
	return &out
}

// specSym returns the symmetric part (a + aᵀ)/2 of the square matrix a.
func specSym(a *mat.Dense) *mat.SymDense {
	n, _ := a.Dims()
	s := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}

func TestSpectralFrechetMatchesFullFID(t *testing.T) {
	t.Parallel()
	// The reference is the FID formula on explicit pixel-space covariances
	// Σ_i = F_Rᵀ diag(power_i) F_R with matrix square roots from gonum's
	// EigenSym: ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2(Σ1^½ Σ2 Σ1^½)^½).
	rnd := rand.New(rand.NewPCG(31, 32))
	for _, size := range [][2]int{{3, 4}, {4, 4}, {5, 3}} {
		r, c := size[0], size[1]
		p := r * c
		f := specRealFFTMatrix(r, c)
		g1, g2 := make([]float64, p), make([]float64, p)
		for i := range g1 {
			g1[i] = rnd.Float64() * 3
			g2[i] = rnd.Float64()
		}
		mu1, mu2 := specRandom(rnd, r, c), specRandom(rnd, r, c)
		s1, s2 := specPixelCovariance(f, g1), specPixelCovariance(f, g2)
		r1 := specSqrtm(s1)
		var inner mat.Dense
		inner.Product(r1, s2, r1)
		cross := specSqrtm(specSym(&inner))
		var diff mat.Dense
		diff.Sub(mu1, mu2)
		want := mat.Norm(&diff, 2)*mat.Norm(&diff, 2) + mat.Trace(s1) + mat.Trace(s2) - 2*mat.Trace(cross)

		got, err := SpectralFrechet(mu1, mat.NewDense(r, c, g1), mu2, mat.NewDense(r, c, g2))
		require.NoError(t, err)
		assert.InDelta(t, want, got, 1e-9*want, "%d×%d", r, c)

		noMean, err := SpectralFrechet(nil, mat.NewDense(r, c, g1), nil, mat.NewDense(r, c, g2))
		require.NoError(t, err)
		assert.InDelta(t, want-mat.Norm(&diff, 2)*mat.Norm(&diff, 2), noMean, 1e-9*want, "%d×%d without means", r, c)

		self, err := SpectralFrechet(mu1, mat.NewDense(r, c, g1), mu1, mat.NewDense(r, c, g1))
		require.NoError(t, err)
		assert.Equal(t, 0.0, self, "distance of a distribution to itself")
	}
}

func TestSpectralFrechetBadInput(t *testing.T) {
	t.Parallel()
	g := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	neg := mat.NewDense(2, 2, []float64{1, -2, 3, 4})
	nan := mat.NewDense(2, 2, []float64{1, 2, math.NaN(), 4})
	infMean := mat.NewDense(2, 2, []float64{0, math.Inf(1), 0, 0})
	for i, test := range []struct {
		m1, g1, m2, g2 mat.Matrix
		want           string
	}{
		{nil, nil, nil, g, "nil power"},
		{nil, g, nil, mat.NewDense(2, 3, nil), "sizes 2×2 and 2×3"},
		{g, g, nil, g, "one mean is nil"},
		{nil, neg, nil, g, "power1 has the invalid variance -2"},
		{nil, g, nil, nan, "power2 has the invalid variance NaN"},
		{g, g, mat.NewDense(3, 2, nil), g, "3×2 mean"},
		{infMean, g, g, g, "non-finite mean difference"},
	} {
		v, err := SpectralFrechet(test.m1, test.g1, test.m2, test.g2)
		if err == nil || !strings.HasPrefix(err.Error(), "eval: ") || !strings.Contains(err.Error(), test.want) {
			t.Errorf("case %d: error %v, want an eval: error containing %q", i, err, test.want)
		}
		assert.Equal(t, 0.0, v, "case %d", i)
	}
}

func TestLogSpectralError(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(43, 44))
	xs := []*mat.Dense{specRandom(rnd, 8, 6), specRandom(rnd, 8, 6)}
	ys := []*mat.Dense{specRandom(rnd, 8, 6)}
	doubled := make([]*mat.Dense, len(xs))
	for i, x := range xs {
		doubled[i] = mat.NewDense(8, 6, nil)
		doubled[i].Scale(2, x)
	}
	self, err := LogSpectralError(xs, xs)
	require.NoError(t, err)
	assert.Equal(t, 0.0, self, "a set against itself")
	// Scaling by 2 multiplies every power by 4: 10·log₁₀ 4 dB in every bin.
	two, err := LogSpectralError(doubled, xs)
	require.NoError(t, err)
	assert.InDelta(t, 10*math.Log10(4), two, 1e-12)
	// The definition, from noise.RadialPower (checked against a naive DFT
	// in the noise package's tests).
	_, px, err := noise.RadialPower(xs)
	require.NoError(t, err)
	_, py, err := noise.RadialPower(ys)
	require.NoError(t, err)
	var s float64
	for b := range px {
		d := 10 * math.Log10(px[b]/py[b])
		s += d * d
	}
	got, err := LogSpectralError(xs, ys)
	require.NoError(t, err)
	assert.InDelta(t, math.Sqrt(s/float64(len(px))), got, 1e-10)
}

func TestLogSpectralErrorBadInput(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(45, 46))
	a, b := specRandom(rnd, 4, 4), specRandom(rnd, 4, 4)
	nan := mat.DenseCopyOf(a)
	nan.Set(1, 1, math.NaN())
	constant := mat.NewDense(4, 4, []float64{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2})
	for i, test := range []struct {
		xs, ys []*mat.Dense
		want   string
	}{
		{nil, []*mat.Dense{a}, "xs is empty"},
		{[]*mat.Dense{a}, nil, "ys is empty"},
		{[]*mat.Dense{a, nil}, []*mat.Dense{b}, "xs[1] is nil"},
		{[]*mat.Dense{a, mat.NewDense(4, 5, nil)}, []*mat.Dense{b}, "xs[1] is 4×5"},
		{[]*mat.Dense{a}, []*mat.Dense{mat.NewDense(5, 4, nil)}, "ys[0] is 5×4"},
		{[]*mat.Dense{a}, []*mat.Dense{nan}, "ys[0] has a non-finite pixel NaN"},
		{[]*mat.Dense{mat.NewDense(1, 8, nil)}, []*mat.Dense{mat.NewDense(1, 8, nil)}, "no radial frequency bins"},
		{[]*mat.Dense{a}, []*mat.Dense{constant}, "zero power"},
	} {
		v, err := LogSpectralError(test.xs, test.ys)
		if err == nil || !strings.HasPrefix(err.Error(), "eval: ") || !strings.Contains(err.Error(), test.want) {
			t.Errorf("case %d: error %v, want an eval: error containing %q", i, err, test.want)
		}
		assert.Equal(t, 0.0, v, "case %d", i)
	}
}
