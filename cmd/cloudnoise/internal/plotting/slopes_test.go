package plotting

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

func TestLocalSlopesSegments(t *testing.T) {
	t.Parallel()
	band := func(lo, hi, delta, a float64) noise.SlopeBand {
		return noise.SlopeBand{KLo: lo, KHi: hi, PowerLaw: noise.PowerLaw{Delta: delta, A: a, DeltaErr: 0.01}}
	}
	prof := &noise.SlopeProfile{Bands: []noise.SlopeBand{
		band(0.0625, 0.125, 1, 0.5),
		band(0.125, 0.25, 2, 0.1),
		band(0.25, 0.5, 2, 0), // A = 0: the law is 0, not drawable on a log scale
	}}
	segs, bands := slopeSegments(prof)
	require.Len(t, segs, 2)
	require.Len(t, bands, 2)
	// Endpoints: A²/k^(2Δ) at the band edges.
	assert.InDeltaSlice(t, []float64{0.0625, 0.25 / (0.0625 * 0.0625)}, []float64{segs[0][0].X, segs[0][0].Y}, 1e-12)
	assert.InDeltaSlice(t, []float64{0.25, 0.01 / (0.25 * 0.25 * 0.25 * 0.25)}, []float64{segs[1][1].X, segs[1][1].Y}, 1e-9)

	// On a spectrum plot, saved.
	power := mat.NewDense(16, 16, nil)
	kk := noise.Wavenumbers(16, 16)
	for i := range 16 {
		for j := range 16 {
			if k := kk.At(i, j); k > 0 {
				power.Set(i, j, 1/(k*k))
			}
		}
	}
	p, err := Spectrum(power, noise.PowerLaw{Delta: 1, A: 1}, nil, "t")
	require.NoError(t, err)
	require.NoError(t, AddLocalSlopes(p, prof))
	require.NoError(t, Save(filepath.Join(t.TempDir(), "s.png"), p, Width, Height))
	assert.Error(t, AddLocalSlopes(p, nil))
	assert.Error(t, AddLocalSlopes(p, &noise.SlopeProfile{}))
}
