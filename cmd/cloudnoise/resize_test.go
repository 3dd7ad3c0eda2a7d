package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/imageio"
)

// TestUpscaleRefused: every command that loads images at a size refuses
// a size above the images' (40×40 here) unless -upscale is given, before
// any work, with an error that names the flag.
func TestUpscaleRefused(t *testing.T) {
	t.Parallel()
	dir := cliPNGFolder(t, cliDeadLeaves(t, 6, 40, 3))
	out := t.TempDir()
	for _, args := range [][]string{
		{"fit", "-size", "48", dir},
		{"distance", "-size", "48", dir},
		{"snr", "-size", "48", dir},
		{"theory", "-size", "48", dir},
		{"demo", "-size", "48", "-o", out, dir},
		{"train", "-data", dir, "-size", "48", "-steps", "1", "-ckpt", out + "/x.ckpt"},
		{"sample", "-n", "48", "-noise", "matched", "-data", dir, "-o", out + "/x.npy"},
	} {
		_, _, err, code := cliRun(t, args...)
		cliCheckError(t, err, code, 1, "upscaling refused", "-upscale")
	}
	// With -upscale the images are enlarged (bicubic here, which puts
	// some power at every frequency, so the fit can run).
	stdout, _, err, _ := cliRun(t, "fit", "-json", "-size", "48", "-upscale", "-resize", "bicubic", dir)
	require.NoError(t, err)
	var got fitJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	assert.Equal(t, 48, got.Rows)
}

// TestFitResizeFlag: fit -resize M -size S gives the library's fit of the
// images loaded with imageio's method M, and an unknown method is a
// misuse (exit 2).
func TestFitResizeFlag(t *testing.T) {
	t.Parallel()
	dir := cliPNGFolder(t, cliDeadLeaves(t, 16, 48, 4))
	deltas := map[imageio.ResizeMethod]float64{}
	for _, m := range []imageio.ResizeMethod{imageio.ResizeFourier, imageio.ResizeBicubic, imageio.ResizeBox} {
		stdout, _, err, _ := cliRun(t, "fit", "-json", "-size", "24", "-resize", m.String(), dir)
		require.NoError(t, err, m)
		var got fitJSON
		require.NoError(t, json.Unmarshal([]byte(stdout), &got))
		imgs, _, err := imageio.LoadPaths([]string{dir}, &imageio.Options{Size: 24, Resize: m})
		require.NoError(t, err)
		want, err := noise.FitImages(imgs, nil)
		require.NoError(t, err)
		assert.InDelta(t, want.Delta, got.Delta, 1e-9, m)
		deltas[m] = got.Delta
	}
	assert.NotEqual(t, deltas[imageio.ResizeFourier], deltas[imageio.ResizeBicubic])
	_, _, err, code := cliRun(t, "fit", "-size", "24", "-resize", "lanczos", dir)
	cliCheckError(t, err, code, 2, "resize", "lanczos")
}
