package diffusion

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTargetRoundTrip checks that the training target of each kind,
// converted back as if the network had predicted it exactly, gives the true
// noise, and that the targets are the textbook ones (v = a ε − s x_0, and
// x̂_0 = a x_t − s v of Salimans & Ho).
func TestTargetRoundTrip(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	const n = 50
	x0, eps := make([]float64, n), make([]float64, n)
	for i := range x0 {
		x0[i], eps[i] = rnd.NormFloat64()*2, rnd.NormFloat64()
	}
	for _, th := range []float64{0.01, 0.7, 1.55} {
		a, s := math.Cos(th), math.Sin(th)
		xt := make([]float64, n)
		for i := range xt {
			xt[i] = a*x0[i] + s*eps[i]
		}
		for _, p := range []Target{TargetEps, TargetX0, TargetV} {
			tgt := make([]float64, n)
			p.From(tgt, x0, eps, a, s)
			got := make([]float64, n)
			p.Noise(got, tgt, xt, a, s)
			assert.InDeltaSlice(t, eps, got, 1e-9/s, "%v θ = %v", p, th)
			if p == TargetV {
				for i := range tgt {
					assert.InDelta(t, x0[i], a*xt[i]-s*tgt[i], 1e-12, "x̂_0 = a x_t − s v")
				}
			}
			// In place.
			p.Noise(tgt, tgt, xt, a, s)
			assert.InDeltaSlice(t, eps, tgt, 1e-9/s)
		}
	}
	assert.Panics(t, func() { TargetV.From(make([]float64, 2), x0, eps, 1, 0) })
	assert.Panics(t, func() { Target(7).Noise(make([]float64, n), x0, eps, 1, 1) })
}

func TestTargetNames(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want Target
	}{{"eps", TargetEps}, {"EPSILON", TargetEps}, {"noise", TargetEps}, {"x0", TargetX0}, {"v", TargetV}, {"Velocity", TargetV}} {
		got, err := ParseTarget(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	_, err := ParseTarget("score")
	assert.Error(t, err)
	b, err := json.Marshal(struct{ T Target }{TargetV})
	require.NoError(t, err)
	assert.JSONEq(t, `{"T":"v"}`, string(b))
	var back struct{ T Target }
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, TargetV, back.T)
	_, err = json.Marshal(Target(9))
	assert.Error(t, err)
	assert.Equal(t, "Target(9)", Target(9).String())
}

// TestNetworkDenoiser checks that the wrapper converts the network's raw
// output: for an x_0-predicting wrapper, ε̂ = (x_t − a·out)/s of the same
// network's output, in place or not.
func TestNetworkDenoiser(t *testing.T) {
	t.Parallel()
	net := trainTestNet(t, 1)
	_, size := net.Shape()
	sched := offsetCosine(t, 100, 0.95, 0.02)
	rnd := rand.New(rand.NewPCG(2, 2))
	x := make([]float64, 2*size*size)
	for i := range x {
		x[i] = rnd.NormFloat64()
	}
	raw := make([]float64, len(x))
	net.PredictNoise(raw, x, 2, sched, 40)
	for _, p := range []Target{TargetEps, TargetX0, TargetV} {
		d := NetworkDenoiser{Net: net, Target: p}
		want := make([]float64, len(x))
		p.Noise(want, raw, x, sched.SignalRate(40), sched.NoiseRate(40))
		got := make([]float64, len(x))
		d.PredictNoise(got, x, 2, sched, 40)
		assert.InDeltaSlice(t, want, got, 1e-12, "%v", p)
		y := append([]float64(nil), x...)
		d.PredictNoise(y, y, 2, sched, 40)
		assert.InDeltaSlice(t, want, y, 1e-12, "%v in place", p)
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	// Static: a clamp.
	x := []float64{-5, -1, 0, 2, 9}
	c := Clip{Mode: ClipStatic, Lo: -2, Hi: 3}
	require.NoError(t, c.validate())
	c.apply(x, 5, nil)
	assert.Equal(t, []float64{-2, -1, 0, 2, 3}, x)

	// Dynamic, per image of 5 values, against a direct computation: the
	// quantile by numpy's linear rule on the sorted |x|.
	rnd := rand.New(rand.NewPCG(3, 3))
	img := make([]float64, 3*40)
	for i := range img {
		img[i] = rnd.NormFloat64() * float64(1+i/40) // images of growing spread
	}
	orig := append([]float64(nil), img...)
	c = Clip{Mode: ClipDynamic, Percentile: 0.9, Bound: 1.5}
	require.NoError(t, c.validate())
	c.apply(img, 40, make([]float64, 40))
	for j := range 3 {
		abs := make([]float64, 40)
		for i := range abs {
			abs[i] = math.Abs(orig[j*40+i])
		}
		sort.Float64s(abs)
		pos := 0.9 * 39
		q := abs[35] + (pos-35)*(abs[36]-abs[35])
		r := math.Max(q, 1.5)
		for i := range 40 {
			want := math.Max(math.Min(orig[j*40+i], r), -r) * 1.5 / r
			assert.InDelta(t, want, img[j*40+i], 1e-12, "image %d value %d", j, i)
		}
	}
	// An image inside [−Bound, Bound] is unchanged.
	in := []float64{0.1, -0.5, 0.9}
	Clip{Mode: ClipDynamic, Percentile: 0.995, Bound: 1}.apply(in, 3, make([]float64, 3))
	assert.Equal(t, []float64{0.1, -0.5, 0.9}, in)
	assert.Equal(t, 2.0, quantile([]float64{3, 1, 2}, 0.5))
	assert.Equal(t, 3.0, quantile([]float64{3, 1, 2}, 1))

	for i, bad := range []Clip{
		{Mode: ClipStatic, Lo: 1, Hi: 1},
		{Mode: ClipStatic, Lo: math.NaN(), Hi: 1},
		{Mode: ClipDynamic, Percentile: 0, Bound: 1},
		{Mode: ClipDynamic, Percentile: 1.2, Bound: 1},
		{Mode: ClipDynamic, Percentile: 0.9, Bound: 0},
		{Mode: ClipMode(5)},
	} {
		assert.Error(t, bad.validate(), "case %d", i)
	}
	assert.Equal(t, "dynamic", ClipDynamic.String())
}
