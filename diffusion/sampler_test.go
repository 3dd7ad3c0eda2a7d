package diffusion

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// sampTestTrainer returns a trainer of the tiny network after 3 steps on 3
// channels, so that the normaliser is not trivial, with the given noise.
func sampTestTrainer(t *testing.T, ns noise.Spec, channels int) *Trainer {
	t.Helper()
	tc := trainTestTC()
	tc.Steps = 3
	tc.Noise = ns
	tr, err := NewTrainer(trainTestNet(t, channels), trainTestImages(4*channels, 8, 31), tc)
	require.NoError(t, err)
	require.NoError(t, tr.Train(context.Background(), nil))
	return tr
}

func TestSamplerShapesAndDeterminism(t *testing.T) {
	tr := sampTestTrainer(t, trainTestCloud, 3)
	s := tr.Sampler()
	opts := &SampleOptions{Steps: 4, Eta: 0.5, Trajectory: true, Frames: true, Batch: 2}
	a, err := s.Sample(context.Background(), 3, opts, rand.NewPCG(1, 2))
	require.NoError(t, err)
	assert.Equal(t, tr.Schedule().Timesteps(4, noise.Linspace), a.Times)
	assert.Equal(t, 100, a.Times[0], "linspace starts at T")
	require.Len(t, a.Images, 9)
	require.Len(t, a.X0, 4)
	require.Len(t, a.Frames, 4)
	for k := range a.X0 {
		require.Len(t, a.X0[k], 9)
		require.Len(t, a.Frames[k], 9)
	}
	for _, m := range a.Images {
		r, c := m.Dims()
		assert.Equal(t, [2]int{8, 8}, [2]int{r, c})
		for _, v := range m.RawMatrix().Data {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
		}
	}
	// The last step lands on x̂_0 of the last time: the output is the last
	// trajectory entry.
	for p := range a.Images {
		assert.True(t, mat.EqualApprox(a.Images[p], a.X0[3][p], 1e-12))
	}
	// Same seed, same images, for any batch size; another seed differs.
	for _, batch := range []int{0, 1, 3} {
		o := *opts
		o.Batch = batch
		b, err := s.Sample(context.Background(), 3, &o, rand.NewPCG(1, 2))
		require.NoError(t, err)
		for p := range a.Images {
			assert.True(t, mat.Equal(a.Images[p], b.Images[p]), "batch %d plane %d", batch, p)
		}
	}
	c, err := s.Sample(context.Background(), 3, opts, rand.NewPCG(1, 3))
	require.NoError(t, err)
	assert.False(t, mat.Equal(a.Images[0], c.Images[0]))

	// The sampler holds a copy of the EMA weights: training on does not
	// change it.
	tr.cfg.Steps = 4
	require.NoError(t, tr.Train(context.Background(), nil))
	d, err := s.Sample(context.Background(), 3, opts, rand.NewPCG(1, 2))
	require.NoError(t, err)
	assert.True(t, mat.Equal(a.Images[4], d.Images[4]))
}

// A naive reference for two DDIM steps (T → t₂ → 0) with η = 1, written out
// from the formulas of Song et al. eq. 12 with At/Set and the normaliser's
// fields, independent of the noise package's step helpers: it checks the
// sampler's time input t/T, noise order, step arithmetic and
// denormalisation.
func TestSamplerMatchesNaiveDDIM(t *testing.T) {
	tr := sampTestTrainer(t, trainTestCloud, 1)
	s := tr.Sampler()
	const n = 2
	got, err := s.Sample(context.Background(), n, &SampleOptions{Steps: 2, Eta: 1}, rand.NewPCG(4, 5))
	require.NoError(t, err)

	sched := tr.Schedule()
	T := sched.Steps()
	t1, t2 := got.Times[0], got.Times[1]
	require.Equal(t, T, t1)
	ns, err := noise.NewSampler(noise.Spec{Rows: 8, Cols: 8, Delta: 1.5}, rand.NewPCG(4, 5))
	require.NoError(t, err)
	x := make([]float64, n*64)
	noise.Fill(ns, x)
	net := tr.EMA().Clone()
	epsAt := func(t int) []float64 {
		e := make([]float64, n*64)
		net.Forward(e, x, []float64{float64(t) / float64(T), float64(t) / float64(T)}, n)
		return e
	}
	// Step 1: T → t2 with σ² = (1−ᾱ₂)/(1−ᾱ₁)·(1−ᾱ₁/ᾱ₂).
	a1, a2 := sched.AlphaBar(t1), sched.AlphaBar(t2)
	sigma := math.Sqrt((1 - a2) / (1 - a1) * (1 - a1/a2))
	e := epsAt(t1)
	z := make([]float64, n*64)
	noise.Fill(ns, z)
	for i := range x {
		x0 := (x[i] - math.Sqrt(1-a1)*e[i]) / math.Sqrt(a1)
		x[i] = math.Sqrt(a2)*x0 + math.Sqrt(1-a2-sigma*sigma)*e[i] + sigma*z[i]
	}
	// Step 2: t2 → 0, deterministic: x_0 = x̂_0.
	e = epsAt(t2)
	for i := range x {
		x[i] = (x[i] - math.Sqrt(1-a2)*e[i]) / math.Sqrt(a2)
	}
	nz := tr.Normalizer()
	for p := 0; p < n; p++ {
		for y := 0; y < 8; y++ {
			for c := 0; c < 8; c++ {
				want := x[p*64+y*8+c]*nz.Std[y*8+c] + nz.Mean[y*8+c]
				assert.InDelta(t, want, got.Images[p].At(y, c), 1e-9*(1+math.Abs(want)))
			}
		}
	}
}

// The sampler starts from noise of the model's kind and feeds that kind at
// every stochastic step (see TestTrainerNoiseKinds for the band-power
// statistic and its tolerances: here 8×8 planes, so the low band is
// 0 < |k| ≤ 1.5/8 and the test pools 3 images × 20 draws).
func TestSamplerNoiseKinds(t *testing.T) {
	for _, kind := range []noise.Spec{trainTestWhite, trainTestCloud} {
		tr := sampTestTrainer(t, kind, 1)
		s := tr.Sampler()
		assert.Equal(t, tr.Noise(), s.Noise())
		var steps []int
		var fed []float64
		s.noiseHook = func(step int, z []float64) {
			steps = append(steps, step)
			fed = append(fed, z...)
		}
		const K = 20
		_, err := s.Sample(context.Background(), 3, &SampleOptions{Method: DDPM, Steps: K}, rand.NewPCG(6, 7))
		require.NoError(t, err)
		// The start (−1) and every step but the last, which lands on t = 0.
		want := []int{-1}
		for k := 0; k < K-1; k++ {
			want = append(want, k)
		}
		assert.Equal(t, want, steps, kind)
		r := trainTestBandRatio(fed, 8)
		t.Logf("%s: low/high band power %.3g", kind, r)
		if kind == trainTestWhite {
			assert.InDelta(t, 1, r, 0.3)
		} else {
			assert.Greater(t, r, 10.0)
		}
		// Deterministic DDIM draws only the starting noise.
		steps = nil
		_, err = s.Sample(context.Background(), 1, &SampleOptions{Steps: 5}, rand.NewPCG(6, 7))
		require.NoError(t, err)
		assert.Equal(t, []int{-1}, steps)
	}
}

// DDPM with K = T uses the ancestral step at every time; DDIM with η = 1
// and K = T is the same process (noise.DDIMStep's documented equivalence),
// so both must agree to rounding from the same noise.
func TestSamplerDDPMFullEqualsDDIMEtaOne(t *testing.T) {
	tr := sampTestTrainer(t, trainTestCloud, 1)
	tr.cfg.TimeSteps = 12
	var err error
	tr.sched, err = NewSchedule(tr.cfg.Schedule, 12)
	require.NoError(t, err)
	s := tr.Sampler()
	a, err := s.Sample(context.Background(), 2, &SampleOptions{Method: DDPM}, rand.NewPCG(8, 9))
	require.NoError(t, err)
	require.Len(t, a.Times, 12)
	b, err := s.Sample(context.Background(), 2, &SampleOptions{Steps: 12, Eta: 1}, rand.NewPCG(8, 9))
	require.NoError(t, err)
	for p := range a.Images {
		assert.True(t, mat.EqualApprox(a.Images[p], b.Images[p], 1e-9), "plane %d", p)
	}
}

func TestSamplerFromCheckpoint(t *testing.T) {
	tr := sampTestTrainer(t, trainTestCloud, 1)
	path := filepath.Join(t.TempDir(), "m.ckpt")
	require.NoError(t, tr.Save(path))
	loaded, err := LoadSampler(path)
	require.NoError(t, err)
	opts := &SampleOptions{Steps: 3, Eta: 0.3}
	a, err := tr.Sampler().Sample(context.Background(), 2, opts, rand.NewPCG(1, 1))
	require.NoError(t, err)
	b, err := loaded.Sample(context.Background(), 2, opts, rand.NewPCG(1, 1))
	require.NoError(t, err)
	for p := range a.Images {
		assert.True(t, mat.Equal(a.Images[p], b.Images[p]))
	}
	ck, err := ReadCheckpoint(path)
	require.NoError(t, err)
	raw, err := NewSamplerFromCheckpoint(ck, true)
	require.NoError(t, err)
	assert.Equal(t, tr.Model().Params(), raw.Model().Params())
	assert.NotEqual(t, tr.Model().Params(), loaded.Model().Params(), "EMA weights by default")
}

func TestSamplerBadInput(t *testing.T) {
	tr := sampTestTrainer(t, trainTestWhite, 1)
	s := tr.Sampler()
	ctx := context.Background()
	cases := []struct {
		n    int
		opts SampleOptions
		want string
	}{
		{0, SampleOptions{}, "sample count"},
		{1, SampleOptions{Method: 5}, "unknown sampling method Method(5)"},
		{1, SampleOptions{Steps: 101}, "sampling steps"},
		{1, SampleOptions{Steps: -1}, "sampling steps"},
		{1, SampleOptions{Eta: 1.5}, "η"},
		{1, SampleOptions{Eta: math.NaN()}, "η"},
		{1, SampleOptions{Batch: -2}, "batch"},
		{1, SampleOptions{Spacing: 7}, "spacing"},
	}
	for _, c := range cases {
		_, err := s.Sample(ctx, c.n, &c.opts, rand.NewPCG(1, 1))
		assert.ErrorContains(t, err, c.want, "%+v", c)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := s.Sample(cctx, 1, &SampleOptions{Steps: 2}, nil)
	assert.ErrorIs(t, err, context.Canceled)

	_, err = NewSampler(nil, tr.Schedule(), tr.Normalizer(), tr.Noise())
	assert.Error(t, err)
	_, err = NewSampler(trainTestNet(t, 3), tr.Schedule(), tr.Normalizer(), tr.Noise())
	assert.ErrorContains(t, err, "normaliser for 1 channels")
	_, err = NewSampler(tr.Model(), tr.Schedule(), nil, tr.Noise())
	assert.Error(t, err)
	_, err = NewSampler(tr.Model(), tr.Schedule(), tr.Normalizer(), noise.Spec{Delta: -2})
	assert.ErrorContains(t, err, "Delta = -2")
	_, err = NewSampler(tr.Model(), tr.Schedule(), tr.Normalizer(), noise.Spec{Rows: 16, Cols: 16, Delta: 1})
	assert.ErrorContains(t, err, "noise of 16×16")
}
