package diffusion

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloud-diffusion/noise"
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

// TestTrainerTargets checks the loss of one training step for each target
// against its definition: the MSE of the network's output (computed here
// with a copy of the initial network) against ε, x_0 or v = a ε − s x_0 of
// the step's batch, images, times and noise.
func TestTrainerTargets(t *testing.T) {
	t.Parallel()
	for _, target := range []Target{TargetEps, TargetX0, TargetV} {
		tc := trainTestTC()
		tc.Target = target
		tc.MaxSignal = 0.9999
		net := trainTestNet(t, 1)
		before := net.Clone()
		tr, err := NewTrainer(net, trainTestImages(6, 8, 5), tc)
		require.NoError(t, err)
		var eps []float64
		tr.noiseHook = func(e []float64) { eps = append([]float64(nil), e...) }
		loss, err := tr.Step()
		require.NoError(t, err)
		p := tr.plane
		out := make([]float64, len(eps))
		before.Forward(out, tr.xt, tr.tc, tc.Batch)
		var want float64
		for i, k := range tr.idx {
			a, s := tr.sched.SignalRate(tr.ts[i]), tr.sched.NoiseRate(tr.ts[i])
			x0 := tr.data[k*p : (k+1)*p]
			tgt := make([]float64, p)
			switch target {
			case TargetEps:
				copy(tgt, eps[i*p:(i+1)*p])
			case TargetX0:
				copy(tgt, x0)
			case TargetV:
				for j := range tgt {
					tgt[j] = a*eps[i*p+j] - s*x0[j]
				}
			}
			for j, y := range tgt {
				d := out[i*p+j] - y
				want += d * d
			}
		}
		want /= float64(len(out))
		assert.InDelta(t, want, loss, 1e-12*want, "%v", target)
		// The run's schedule has the configured clean end.
		assert.InDelta(t, 0.9999, tr.Schedule().SignalRate(1), 1e-15)
		// Its sampler converts the target back.
		s := tr.Sampler()
		if target == TargetEps {
			_, ok := s.Denoiser().(*UNet)
			assert.True(t, ok)
		} else {
			assert.Equal(t, target, s.Denoiser().(NetworkDenoiser).Target)
		}
		assert.NotNil(t, s.Model())
	}
	tc := trainTestTC()
	tc.Target = Target(5)
	_, err := NewTrainer(trainTestNet(t, 1), trainTestImages(2, 8, 5), tc)
	assert.Error(t, err)
	tc = trainTestTC()
	tc.MaxSignal = 0.01 // below MinSignal
	_, err = NewTrainer(trainTestNet(t, 1), trainTestImages(2, 8, 5), tc)
	assert.Error(t, err)
}

// TestCheckpointTargetAndScheduleEnds checks that the target and the
// schedule's ends survive a checkpoint and reach its sampler, and that the
// version-1 checkpoints, written before these fields, load with the legacy
// values (ε, 0.95, 0.02).
func TestCheckpointTargetAndScheduleEnds(t *testing.T) {
	t.Parallel()
	tc := trainTestTC()
	tc.Steps = 2
	tc.Target = TargetV
	tc.MaxSignal, tc.MinSignal = 0.999, 0.01
	tr, err := NewTrainer(trainTestNet(t, 1), trainTestImages(4, 8, 6), tc)
	require.NoError(t, err)
	require.NoError(t, tr.Train(context.Background(), nil))
	path := filepath.Join(t.TempDir(), "v.ckpt")
	require.NoError(t, tr.Save(path))
	ck, err := ReadCheckpoint(path)
	require.NoError(t, err)
	assert.Equal(t, TargetV, ck.Train.Target)
	assert.Equal(t, 0.999, ck.Train.MaxSignal)
	assert.Equal(t, 0.01, ck.Train.MinSignal)
	s, err := NewSamplerFromCheckpoint(ck, false)
	require.NoError(t, err)
	assert.Equal(t, TargetV, s.Denoiser().(NetworkDenoiser).Target)
	assert.InDelta(t, 0.01, s.Schedule().SignalRate(s.Schedule().Steps()), 1e-15)
	a, err := s.Sample(context.Background(), 2, &SampleOptions{Steps: 3}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	b, err := tr.Sampler().Sample(context.Background(), 2, &SampleOptions{Steps: 3}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	for i := range a.Images {
		assert.Equal(t, b.Images[i].RawMatrix().Data, a.Images[i].RawMatrix().Data)
	}
	for _, f := range []string{"v1-cloud.ckpt", "v1-white.ckpt"} {
		ck, err := ReadCheckpoint(filepath.Join("testdata", f))
		require.NoError(t, err)
		assert.Equal(t, TargetEps, ck.Train.Target, f)
		assert.Equal(t, 0.95, ck.Train.MaxSignal, f)
		assert.Equal(t, 0.02, ck.Train.MinSignal, f)
	}
}

// TestSamplerClip checks clipping in the real sampler with the exact
// Gaussian denoiser: a range wider than any value changes nothing (up to
// the rounding of recomputing ε̂); a tight static range bounds every x̂_0
// of the trajectory and the output, for DDIM and DDPM; dynamic
// thresholding bounds the output by Bound.
func TestSamplerClip(t *testing.T) {
	t.Parallel()
	const size = 8
	P := powerLaw(size, size, 1.5)
	den, err := NewGaussianDenoiser(P, constSpectrum(size, size, 1), 1)
	require.NoError(t, err)
	sched := offsetCosine(t, 50, 0.9999, 0.02)
	s, err := NewSampler(den, sched, IdentityNormalizer(1, size), noise.Spec{Density: noise.WhiteDensity()})
	require.NoError(t, err)
	ctx := context.Background()
	sample := func(o SampleOptions) *Samples {
		o.Trajectory = true
		out, err := s.Sample(ctx, 6, &o, rand.NewPCG(7, 7))
		require.NoError(t, err)
		return out
	}
	plain := sample(SampleOptions{Steps: 10})
	wide := sample(SampleOptions{Steps: 10, Clip: Clip{Mode: ClipStatic, Lo: -1e6, Hi: 1e6}})
	for i := range plain.Images {
		assert.InDeltaSlice(t, plain.Images[i].RawMatrix().Data, wide.Images[i].RawMatrix().Data, 1e-9)
	}
	var maxAbs float64
	for _, m := range plain.Images {
		for _, v := range m.RawMatrix().Data {
			maxAbs = max(maxAbs, math.Abs(v))
		}
	}
	lim := maxAbs / 2 // binding for the largest values
	for _, o := range []SampleOptions{{Steps: 10}, {Method: DDPM}, {Steps: 10, Eta: 1}} {
		o.Clip = Clip{Mode: ClipStatic, Lo: -lim, Hi: lim}
		out := sample(o)
		for k, step := range out.X0 {
			for _, m := range step {
				for _, v := range m.RawMatrix().Data {
					require.LessOrEqual(t, math.Abs(v), lim*(1+1e-9), "%+v step %d", o, k)
				}
			}
		}
		for _, m := range out.Images {
			for _, v := range m.RawMatrix().Data {
				require.LessOrEqual(t, math.Abs(v), lim*(1+1e-9), "%+v", o)
			}
		}
	}
	out := sample(SampleOptions{Steps: 10, Clip: Clip{Mode: ClipDynamic, Percentile: 0.9, Bound: lim}})
	for _, m := range out.Images {
		for _, v := range m.RawMatrix().Data {
			require.LessOrEqual(t, math.Abs(v), lim*(1+1e-9))
		}
	}
	_, err = s.Sample(ctx, 1, &SampleOptions{Clip: Clip{Mode: ClipStatic, Lo: 1, Hi: 0}}, nil)
	assert.Error(t, err)
}
