package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/sbinet/npyio"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	noisebeam "github.com/cloud-diffusion/noise/beam"
	"github.com/cloud-diffusion/noise/imageio"
)

// runTestWrite writes n rows×cols 8-bit PNGs of cloud noise (Δ = 1.5,
// seeded) named prefix000.png... into dir with image/png, and returns
// their paths.
func runTestWrite(t *testing.T, dir, prefix string, n, rows, cols int, seed uint64) []string {
	t.Helper()
	sampler, err := noise.NewSampler(noise.Spec{Rows: rows, Cols: cols, Delta: 1.5}, rand.NewPCG(seed, 1))
	require.NoError(t, err)
	var paths []string
	for k := range n {
		m := sampler.Sample(nil)
		img := image.NewGray(image.Rect(0, 0, cols, rows))
		for i := range rows {
			for j := range cols {
				v := min(max(0.5+0.12*m.At(i, j), 0), 1)
				img.SetGray(j, i, color.Gray{Y: uint8(math.Round(v * 255))})
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("%s%03d.png", prefix, k))
		f, err := os.Create(path)
		require.NoError(t, err)
		require.NoError(t, png.Encode(f, img))
		require.NoError(t, f.Close())
		paths = append(paths, path)
	}
	return paths
}

// runTestRun calls run and returns its error and outputs.
func runTestRun(args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = run(args, &o, &e)
	return o.String(), e.String(), err
}

func runTestResult(t *testing.T, path string) noisebeam.Result {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var r noisebeam.Result
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

// TestRunFolder runs the command on a folder of PNGs with a corrupt file
// and compares its JSON and .npy with the single-machine computation.
func TestRunFolder(t *testing.T) {
	dir := t.TempDir()
	paths := runTestWrite(t, dir, "img", 24, 32, 32, 1)
	corrupt := filepath.Join(dir, "zzz.png")
	require.NoError(t, os.WriteFile(corrupt, []byte("\x89PNG\r\n\x1a\n broken"), 0o644))
	out := t.TempDir()
	resultPath, npyPath := filepath.Join(out, "r.json"), filepath.Join(out, "p.npy")

	stdout, _, err := runTestRun("-input", filepath.Join(dir, "*.png"), "-out", resultPath, "-spectrum", npyPath)
	require.NoError(t, err)
	require.Contains(t, stdout, "Δ = ")
	require.Contains(t, stdout, "1 files failed")

	// Single machine: the library's loader and Spectrum on the good files.
	s := noise.NewSpectrum(32, 32)
	for _, p := range paths {
		m, err := imageio.Load(p, nil)
		require.NoError(t, err)
		require.NoError(t, s.Add(m))
	}
	want, err := s.Power()
	require.NoError(t, err)
	fit, err := noise.FitPowerLaw(want, nil)
	require.NoError(t, err)

	r := runTestResult(t, resultPath)
	require.Empty(t, r.Error)
	require.Equal(t, 24, r.Images)
	require.Equal(t, [2]int{32, 32}, [2]int{r.Rows, r.Cols})
	require.InDelta(t, fit.Delta, r.Delta, 1e-9)
	require.InDelta(t, fit.A, r.A, 1e-9*fit.A)
	require.Equal(t, fit.Points, r.Points)
	require.Equal(t, "ols", r.Method)
	require.Len(t, r.Failed, 1)
	require.Equal(t, corrupt, r.Failed[0].Path)
	require.Contains(t, r.Failed[0].Err, "imageio: ")

	f, err := os.Open(npyPath)
	require.NoError(t, err)
	defer f.Close()
	var got mat.Dense
	require.NoError(t, npyio.Read(f, &got))
	for i := range 32 {
		for j := range 32 {
			// 1e-9 relative: merging differs from one accumulator by rounding only.
			require.LessOrEqual(t, math.Abs(got.At(i, j)-want.At(i, j)), 1e-9*want.At(i, j), "Γ(%d, %d)", i, j)
		}
	}
}

// TestRunSizes: without -size, files of another size than the first
// readable one are listed as failed; with -size all are resized and used.
// -method and -cross reach the fit.
func TestRunSizes(t *testing.T) {
	dir := t.TempDir()
	runTestWrite(t, dir, "a", 10, 20, 20, 2)
	odd := runTestWrite(t, dir, "b", 3, 24, 30, 3)
	out := filepath.Join(t.TempDir(), "r.json")

	_, _, err := runTestRun("-input", filepath.Join(dir, "*.png"), "-out", out, "-shards", "1")
	require.NoError(t, err)
	r := runTestResult(t, out)
	require.Equal(t, 10, r.Images)
	require.Len(t, r.Failed, 3)
	for k, f := range r.Failed {
		require.Equal(t, odd[k], f.Path)
		require.Contains(t, f.Err, "want 20×20")
	}

	_, _, err = runTestRun("-input", filepath.Join(dir, "*.png"), "-out", out, "-size", "16", "-method", "whittle", "-cross", "-1", "-shards", "3", "-window", "tukey")
	require.NoError(t, err)
	r = runTestResult(t, out)
	require.Empty(t, r.Error)
	require.Equal(t, 13, r.Images)
	require.Empty(t, r.Failed)
	require.Equal(t, 16, r.Rows)
	require.Equal(t, "whittle", r.Method)
	// Whittle counts independent frequencies: (16·16 − 2)/2 pairs plus the
	// 3 self-conjugate points other than k = 0, with no mask.
	require.Equal(t, (16*16-4)/2+3, r.Points)
}

// TestRunErrors covers misuse (usageError, exit status 2) and failures
// (exit status 1), including a run where every file is corrupt, which
// still writes its result listing them.
func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "*.png")
	runTestWrite(t, dir, "g", 2, 8, 8, 4)
	out := filepath.Join(t.TempDir(), "r.json")
	for k, c := range []struct {
		args  []string
		usage bool
		want  string
	}{
		{nil, true, "-input is required"},
		{[]string{"-input", good, "-size", "-3"}, true, "-size"},
		{[]string{"-input", good, "-method", "median"}, true, "-method"},
		{[]string{"-input", good, "extra"}, true, "unexpected arguments"},
		{[]string{"-input", good, "-nosuchflag"}, true, "nosuchflag"},
		{[]string{"-input", good, "-out", ""}, true, "-out"},
		{[]string{"-input", good, "-shards", "0"}, true, "-shards"},
		{[]string{"-input", good, "-window", "boxcar"}, true, "-window"},
		{[]string{"-input", filepath.Join(dir, "*.jpg"), "-out", out}, false, "no file matches"},
		{[]string{"-input", filepath.Join(dir, "*.jpg"), "-out", out, "-size", "8"}, false, "no usable image (0 failed)"},
		{[]string{"-input", good, "-out", filepath.Join(dir, "missing", "r.json")}, false, "missing"},
	} {
		_, _, err := runTestRun(c.args...)
		require.Error(t, err, "case %d", k)
		require.Contains(t, err.Error(), c.want, "case %d", k)
		require.Equal(t, c.usage, errors.As(err, new(usageError)), "case %d: usage error: %v", k, err)
	}
	_, _, err := runTestRun("-h")
	require.ErrorIs(t, err, flag.ErrHelp)

	bad := t.TempDir()
	for _, name := range []string{"a.png", "b.png"} {
		require.NoError(t, os.WriteFile(filepath.Join(bad, name), []byte("not an image"), 0o644))
	}
	_, _, err = runTestRun("-input", filepath.Join(bad, "*.png"), "-out", out, "-size", "8")
	require.ErrorContains(t, err, "no usable image")
	r := runTestResult(t, out)
	require.Len(t, r.Failed, 2)
	require.Zero(t, r.Images)
}
