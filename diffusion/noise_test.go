package diffusion

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// ResolveNoise fits Δ to the normalised training images for CloudNoise. On
// cloud noise of Δ = 1.5 the paper's fit (OLS, cross masked) recovers it;
// the tolerance 0.15 covers the bias of the fit at 32×32 documented in
// powerlaw.go plus the scatter of 64 images. MatchedNoise measures their
// spectrum (Pad 1), WhiteNoise is white; the trainer takes the spec as it
// is.
func TestResolveNoise(t *testing.T) {
	s, err := noise.NewSampler(noise.Spec{Rows: 32, Cols: 32, Delta: 1.5}, rand.NewPCG(3, 4))
	require.NoError(t, err)
	imgs := s.SampleBatch(make([]*mat.Dense, 64))
	norm, err := FitNormalizer(imgs, 1, 32, PixelNorm)
	require.NoError(t, err)

	r, err := ResolveNoise(CloudNoise, imgs, norm, &NoiseOptions{KMin: 0.01})
	require.NoError(t, err)
	require.NotNil(t, r.Fit)
	t.Logf("fitted %v", r.Fit)
	assert.InDelta(t, 1.5, r.Fit.Delta, 0.15)
	assert.Equal(t, noise.Spec{Rows: 32, Cols: 32, Delta: r.Fit.Delta, KMin: 0.01}, r.Spec)
	net, err := NewUNet(UNetConfig{Channels: 1, Size: 32, Base: 8, Mults: []int{1}, ResBlocks: 1, Groups: 4}, rand.NewPCG(1, 1))
	require.NoError(t, err)
	tc := trainTestTC()
	tc.Noise = r.Spec
	tr, err := NewTrainer(net, imgs, tc)
	require.NoError(t, err)
	assert.Equal(t, r.Spec, tr.Noise())

	// Matched: the spectrum of the normalised planes, exactly.
	m, err := ResolveNoise(MatchedNoise, imgs, norm, nil)
	require.NoError(t, err)
	assert.Equal(t, 1.0, m.Spec.Pad)
	sp := noise.NewSpectrum(32, 32)
	data := norm.Normalize(nil, imgs)
	for p := range 64 {
		require.NoError(t, sp.Add(mat.NewDense(32, 32, data[p*1024:(p+1)*1024])))
	}
	power, err := sp.Power()
	require.NoError(t, err)
	ms, err := noise.NewSampler(m.Spec, nil)
	require.NoError(t, err)
	assert.True(t, mat.EqualApprox(power, ms.Power(), 1e-10))
	assert.Equal(t, 64, m.Spec.Density.Images())
	assert.Contains(t, NoiseName(m.Spec), "matched (measured spectrum of 64 images")
	// Smoothing and a too-noisy spectrum.
	_, err = ResolveNoise(MatchedNoise, imgs[:10], norm, nil)
	assert.ErrorContains(t, err, "relative standard error")
	sm, err := ResolveNoise(MatchedNoise, imgs[:10], norm, &NoiseOptions{Bins: 6, Pad: 2})
	require.NoError(t, err)
	assert.Equal(t, 2.0, sm.Spec.Pad)

	w, err := ResolveNoise(WhiteNoise, imgs, norm, &NoiseOptions{Pad: 5})
	require.NoError(t, err)
	assert.True(t, noise.Spec{Rows: 32, Cols: 32, Density: noise.WhiteDensity()}.Equal(w.Spec))
	assert.Equal(t, "white", NoiseName(w.Spec))
	assert.NotNil(t, w.Fit, "the data's fit is reported for every kind")
	assert.Equal(t, "cloud (Δ = 1.5000, pad 1, kmin 0.1)", NoiseName(noise.Spec{Delta: 1.5, Pad: 1, KMin: 0.1}))

	_, err = ResolveNoise(NoiseKind(7), imgs, norm, nil)
	assert.ErrorContains(t, err, "unknown noise")
	_, err = ResolveNoise(CloudNoise, imgs, nil, nil)
	assert.ErrorContains(t, err, "normaliser")
	_, err = ResolveNoise(CloudNoise, imgs[:1], &Normalizer{Kind: PixelNorm, Channels: 1, Size: 16, Mean: make([]float64, 256), Std: make([]float64, 256)}, nil)
	assert.Error(t, err)
}

func TestNoiseKindNames(t *testing.T) {
	for _, k := range []NoiseKind{WhiteNoise, CloudNoise, MatchedNoise} {
		got, err := ParseNoiseKind(strings.ToUpper(k.String()))
		require.NoError(t, err)
		assert.Equal(t, k, got)
		b, err := k.MarshalText()
		require.NoError(t, err)
		var u NoiseKind
		require.NoError(t, u.UnmarshalText(b))
		assert.Equal(t, k, u)
	}
	_, err := ParseNoiseKind("pink")
	assert.ErrorContains(t, err, "diffusion: unknown noise \"pink\"")
	assert.Equal(t, "NoiseKind(9)", NoiseKind(9).String())
	_, err = NoiseKind(9).MarshalText()
	assert.Error(t, err)
}
