package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/imageio"
)

// slopeFields writes n periodic 64×64 fields with the radial spectrum
// |k|^(−2·d1) below 1/8 cycles per pixel and ∝ |k|^(−2·d2) above
// (continuous) to a .npy stack.
func slopeFields(t *testing.T, n int, d1, d2 float64, seed uint64) (string, []*mat.Dense) {
	t.Helper()
	const kb = 0.125
	d := noise.RadialDensity(func(k float64) float64 {
		if k < kb {
			return math.Pow(k, -2*d1)
		}
		return math.Pow(kb, 2*d2-2*d1) * math.Pow(k, -2*d2)
	})
	s, err := noise.NewSampler(noise.Spec{Rows: 64, Cols: 64, Density: d, Pad: 1}, source(seed))
	require.NoError(t, err)
	fields := s.SampleBatch(make([]*mat.Dense, n))
	path := filepath.Join(t.TempDir(), "fields.npy")
	require.NoError(t, imageio.SaveNPY(path, fields))
	return path, fields
}

// TestFitLocalSlopes: fit reports the local slope profile of the library
// (noise.LocalSlopes of the fitted spectrum) in JSON and text, and warns
// on stderr and in JSON when Δ varies across the bands: for a broken law
// (Δ 0.8 below 1/8, 2 above), not for a single one (Δ 1.5).
func TestFitLocalSlopes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d1, d2 float64
		vary   bool
	}{{1.5, 1.5, false}, {0.8, 2, true}} {
		path, fields := slopeFields(t, 64, tc.d1, tc.d2, 3)
		stdout, stderr, err, _ := cliRun(t, "fit", "-json", path)
		require.NoError(t, err)
		var got fitJSON
		require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)

		f, err := noise.FitImages(fields, nil)
		require.NoError(t, err)
		want, err := noise.LocalSlopes(f.Power, &noise.SlopeOptions{FitOptions: noise.FitOptions{Samples: 63}})
		require.NoError(t, err)
		require.Len(t, got.LocalSlopes, len(want.Bands))
		for i, b := range want.Bands {
			assert.Equal(t, slopeJSON{KLo: b.KLo, KHi: b.KHi, Delta: b.Delta, DeltaErr: b.DeltaErr, Points: b.Points}, got.LocalSlopes[i], "band %d", i)
			// The break at 1/8 is a band edge: each band is one law.
			truth := tc.d1
			if b.KLo >= 0.125 {
				truth = tc.d2
			}
			assert.InDelta(t, truth, b.Delta, 4*b.DeltaErr, "band %d", i)
		}
		assert.Equal(t, tc.vary, got.LocalSlopesVary, "p = %g", got.LocalSlopesP)
		assert.Equal(t, want.P, got.LocalSlopesP)
		if tc.vary {
			require.Len(t, got.Warnings, 1)
			assert.Contains(t, got.Warnings[0], "Δ varies with |k|")
			assert.Contains(t, stderr, "cloudnoise: warning: Δ varies with |k|")
		} else {
			assert.NotNil(t, got.Warnings)
			assert.Empty(t, got.Warnings)
			assert.Empty(t, stderr)
		}

		// Text: one line per band, and the plot draws them.
		plot := filepath.Join(t.TempDir(), "s.png")
		stdout, _, err, _ = cliRun(t, "fit", "-plot", plot, path)
		require.NoError(t, err)
		assert.Equal(t, len(want.Bands), strings.Count(stdout, " ≤ |k| < "), stdout)
		cliDecodePNG(t, plot)
	}
}
