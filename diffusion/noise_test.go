package diffusion

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloud-diffusion/noise"
)

func TestNoiseSourceKinds(t *testing.T) {
	// White: independent standard normals, in order, from the source.
	s, err := NewNoiseSource(NoiseSpec{Kind: WhiteNoise}, 4, rand.NewPCG(5, 6))
	require.NoError(t, err)
	got := make([]float64, 3*16)
	s.Fill(got)
	ref := rand.New(rand.NewPCG(5, 6))
	for i, v := range got {
		assert.Equal(t, ref.NormFloat64(), v, "white value %d", i)
	}
	// Cloud: the library's sampler (noise.Fill) for the spec.
	spec := NoiseSpec{Kind: CloudNoise, Delta: 1.5}
	c, err := NewNoiseSource(spec, 8, rand.NewPCG(5, 6))
	require.NoError(t, err)
	assert.Equal(t, spec, c.Spec())
	got = make([]float64, 5*64)
	c.Fill(got)
	ns, err := noise.NewSampler(noise.Spec{Rows: 8, Cols: 8, Delta: 1.5}, rand.NewPCG(5, 6))
	require.NoError(t, err)
	want := make([]float64, 5*64)
	noise.Fill(ns, want)
	assert.Equal(t, want, got)
	assert.Panics(t, func() { c.Fill(make([]float64, 63)) })
	assert.Equal(t, "cloud(Δ=1.5)", spec.String())
	assert.Equal(t, "white", NoiseSpec{Kind: WhiteNoise}.String())
}

func TestNoiseSourceErrors(t *testing.T) {
	for _, spec := range []NoiseSpec{{Kind: "pink"}, {Kind: CloudNoise, Delta: -1}, {Kind: CloudNoise, Delta: 1, Pad: 0.5}} {
		_, err := NewNoiseSource(spec, 8, nil)
		assert.Error(t, err, "%v", spec)
	}
	_, err := NewNoiseSource(NoiseSpec{Kind: WhiteNoise}, 0, nil)
	assert.Error(t, err)
}
