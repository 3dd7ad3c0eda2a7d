package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/imageio"
)

// trainTestData writes 12 dead-leaves images of 16×16 as a .npy stack.
func trainTestData(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "train.npy")
	require.NoError(t, imageio.SaveNPY(path, cliDeadLeaves(t, 12, 16, 3)))
	return path
}

// trainTestArgs is a tiny run: a 16×16 UNet of width 8, 4 steps of 2 images.
func trainTestArgs(data, ckpt string, extra ...string) []string {
	return append([]string{"train", "-data", data, "-size", "16", "-base", "8", "-steps", "4", "-batch", "2", "-every", "3", "-ckpt", ckpt}, extra...)
}

// cancelWriter collects output and cancels a context when it first sees
// the marker, from inside the write (so from the training loop itself).
type cancelWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if w.cancel != nil && strings.Contains(w.buf.String(), w.marker) {
		w.cancel()
		w.cancel = nil
	}
	return n, err
}

func TestTrainInterruptResume(t *testing.T) {
	t.Parallel()
	data := trainTestData(t)
	dir := t.TempDir()

	// The reference: 4 steps in one go.
	straight := filepath.Join(dir, "straight.ckpt")
	stdout, _, err, _ := cliRun(t, trainTestArgs(data, straight)...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "step 4/4")
	assert.Contains(t, stdout, "done: step 4")
	assert.Contains(t, stdout, "Δ fitted to the training images")
	want, err := diffusion.ReadCheckpoint(straight)
	require.NoError(t, err)
	assert.Equal(t, 4, want.Step)
	assert.Nil(t, want.Train.Noise.Density, "cloud noise: a power law")
	assert.Greater(t, want.Train.Noise.Delta, 0.0)
	assert.Equal(t, 16, want.Model.Size)

	// Interrupted after step 2, as Ctrl-C does: the context is cancelled
	// from the progress line, the run saves a checkpoint and returns nil.
	ckpt := filepath.Join(dir, "run.ckpt")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelWriter{marker: "step 2/4", cancel: cancel}
	err = runContext(ctx, trainTestArgs(data, ckpt), w, &bytes.Buffer{})
	require.NoError(t, err, "an interrupted run exits 0")
	assert.Contains(t, w.buf.String(), "interrupted at step 2 of 4")
	mid, err := diffusion.ReadCheckpoint(ckpt)
	require.NoError(t, err)
	assert.Equal(t, 2, mid.Step)

	// Resumed, it ends exactly where the straight run did.
	stdout, _, err, _ = cliRun(t, trainTestArgs(data, ckpt, "-resume")...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "steps 2→4")
	got, err := diffusion.ReadCheckpoint(ckpt)
	require.NoError(t, err)
	assert.Equal(t, 4, got.Step)
	assert.Equal(t, want.Params, got.Params, "resumed weights equal the straight run's bit for bit")
	assert.Equal(t, want.EMA, got.EMA)

	// Resuming a finished run needs a larger -steps; with it, it goes on.
	_, _, err, code := cliRun(t, trainTestArgs(data, ckpt, "-resume")...)
	cliCheckError(t, err, code, 1, "already at step 4")
	stdout, _, err, _ = cliRun(t, trainTestArgs(data, ckpt, "-resume", "-steps", "5")...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "done: step 5")
}

func TestTrainWhiteAndGenerate(t *testing.T) {
	t.Parallel()
	data := trainTestData(t)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "white.ckpt")
	_, _, err, _ := cliRun(t, trainTestArgs(data, ckpt, "-noise", "white", "-loss", "spectral", "-delta", "1.5", "-schedule", "cosine")...)
	require.NoError(t, err)
	ck, err := diffusion.ReadCheckpoint(ckpt)
	require.NoError(t, err)
	assert.True(t, noise.WhiteDensity().Equal(ck.Train.Noise.Density), "white noise")
	assert.Equal(t, diffusion.LossSpectral, ck.Train.Loss)
	assert.Equal(t, 1.5, ck.Train.LossDelta)
	assert.Equal(t, diffusion.ScheduleCosine, ck.Train.Schedule)

	// A grid of 5 images of 16×16: 3 columns, 2 rows, 2-pixel gaps; and the
	// frames of a 4-step reverse process (4 states and the result).
	grid := filepath.Join(dir, "grid.png")
	frames := filepath.Join(dir, "frames")
	stdout, _, err, _ := cliRun(t, "generate", "-ckpt", ckpt, "-count", "5", "-steps", "4", "-frames", frames, "-o", grid)
	require.NoError(t, err)
	assert.Contains(t, stdout, "wrote 5 frames")
	b := cliDecodePNG(t, grid).Bounds()
	assert.Equal(t, 3*18-2, b.Dx())
	assert.Equal(t, 2*18-2, b.Dy())
	entries, err := os.ReadDir(frames)
	require.NoError(t, err)
	assert.Len(t, entries, 5)

	// Interrupted (a cancelled context, as Ctrl-C): an error, no file.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	never := filepath.Join(dir, "never.png")
	err = runContext(ctx, []string{"generate", "-ckpt", ckpt, "-count", "2", "-steps", "2", "-o", never}, &bytes.Buffer{}, &bytes.Buffer{})
	cliCheckError(t, err, exitCode(err), 1, "interrupted")
	_, statErr := os.Stat(never)
	assert.True(t, os.IsNotExist(statErr))

	// .npy output: the same images as the library's sampler with the same
	// seed, DDPM here.
	npy := filepath.Join(dir, "s.npy")
	_, _, err, _ = cliRun(t, "generate", "-ckpt", ckpt, "-count", "3", "-sampler", "ddpm", "-steps", "5", "-seed", "9", "-o", npy)
	require.NoError(t, err)
	imgs, err := imageio.LoadNPY(npy)
	require.NoError(t, err)
	require.Len(t, imgs, 3)
	s, err := diffusion.NewSamplerFromCheckpoint(ck, false)
	require.NoError(t, err)
	res, err := s.Sample(context.Background(), 3, &diffusion.SampleOptions{Method: diffusion.DDPM, Steps: 5}, source(9))
	require.NoError(t, err)
	for i := range imgs {
		assert.True(t, mat.Equal(res.Images[i], imgs[i]), "image %d", i)
		for _, v := range imgs[i].RawMatrix().Data {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0))
		}
	}
}

func TestTrainGenerateErrors(t *testing.T) {
	t.Parallel()
	data := trainTestData(t)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "m.ckpt")

	corrupt := t.TempDir()
	require.NoError(t, imageio.SavePNG(filepath.Join(corrupt, "a.png"), mat.NewDense(16, 16, nil), 0, 1, 8))
	require.NoError(t, os.WriteFile(filepath.Join(corrupt, "b.png"), []byte{0x89, 'P', 'N', 'G', 0, 1, 2}, 0o644))
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, []byte("not a checkpoint"), 0o644))

	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"train", "-ckpt", ckpt}, 2, []string{"no PATH given"}},
		{trainTestArgs(data, ckpt, "-size", "10"), 2, []string{"-size 10"}},
		{trainTestArgs(data, ckpt, "-noise", "pink"), 2, []string{"-noise"}},
		{trainTestArgs(data, ckpt, "-pad", "0.5"), 2, []string{"-pad"}},
		{trainTestArgs(data, ckpt, "-kmin", "0.5"), 2, []string{"-kmin"}},
		{trainTestArgs(data, ckpt, "-smooth", "4"), 2, []string{"-smooth applies to -noise matched"}},
		{trainTestArgs(data, ckpt, "-noise", "white", "-delta", "1"), 2, []string{"-delta"}},
		{trainTestArgs(data, ckpt, "-resume", "-noise", "white"), 2, []string{"cannot change the noise"}},
		{trainTestArgs(data, ckpt, "-noise", "matched"), 1, []string{"relative standard error", "use at least 26 images"}},
		{trainTestArgs(data, ckpt, "-steps", "0"), 2, []string{"-steps"}},
		{trainTestArgs(data, ckpt, "-lr", "-1"), 2, []string{"-lr"}},
		{trainTestArgs(data, ckpt, "-base", "12"), 2, []string{"-base"}},
		{trainTestArgs(data, ckpt, "-schedule", "quadratic"), 2, []string{"-schedule"}},
		{trainTestArgs(data, ckpt, "-loss", "l1"), 2, []string{"-loss"}},
		{trainTestArgs(data, ckpt, "-precision", "float16"), 2, []string{"-precision"}},
		{trainTestArgs(data, ckpt, "-padding", "reflect"), 2, []string{"-padding", "zero, replicate or circular"}},
		{trainTestArgs(data, ckpt, "-head", "linear"), 2, []string{"-head", "groupnorm or mean"}},
		{trainTestArgs(filepath.Join(dir, "nope"), ckpt), 1, []string{"nope"}},
		{trainTestArgs(corrupt, ckpt), 1, []string{"b.png"}},
		{trainTestArgs(data, filepath.Join(file, "m.ckpt")), 1, []string{file}},
		{trainTestArgs(data, file, "-resume"), 1, []string{file}},
		{[]string{"generate", "-ckpt", filepath.Join(dir, "missing.ckpt")}, 1, []string{"missing.ckpt"}},
		{[]string{"generate", "-ckpt", file, "-o", filepath.Join(dir, "g.png")}, 1, []string{file}},
		{[]string{"generate", "-sampler", "euler"}, 2, []string{"-sampler"}},
		{[]string{"generate", "-eta", "2"}, 2, []string{"-eta"}},
		{[]string{"generate", "-count", "0"}, 2, []string{"-count"}},
		{[]string{"generate", "-o", "x.jpg"}, 2, []string{"x.jpg"}},
	} {
		_, _, err, code := cliRun(t, c.args...)
		cliCheckError(t, err, code, c.code, c.want...)
	}
	_, err := os.Stat(ckpt)
	assert.True(t, os.IsNotExist(err), "no checkpoint written by failed runs")

	// -steps beyond the model's training steps is misuse.
	_, _, err, _ = cliRun(t, trainTestArgs(data, ckpt, "-steps", "1")...)
	require.NoError(t, err)
	_, _, err, code := cliRun(t, "generate", "-ckpt", ckpt, "-steps", "1001", "-o", filepath.Join(dir, "g.png"))
	cliCheckError(t, err, code, 2, "-steps 1001")
}

// train -noise matched with -smooth, and cloud with -delta, -pad and -kmin:
// the checkpoint carries the noise.Spec, and generate samples from it.
func TestTrainNoiseFlags(t *testing.T) {
	data := trainTestData(t)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "m.ckpt")
	stdout, _, err, _ := cliRun(t, trainTestArgs(data, ckpt, "-noise", "matched", "-smooth", "6", "-kmin", "0.05")...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "noise matched (measured spectrum of 12 images")
	ck, err := diffusion.ReadCheckpoint(ckpt)
	require.NoError(t, err)
	ns := ck.Train.Noise
	assert.Equal(t, 12, ns.Density.Images())
	assert.Equal(t, [4]float64{16, 16, 1, 0.05}, [4]float64{float64(ns.Rows), float64(ns.Cols), ns.Pad, ns.KMin})
	stdout, _, err, _ = cliRun(t, "generate", "-ckpt", ckpt, "-count", "2", "-steps", "2", "-o", filepath.Join(dir, "g.npy"))
	require.NoError(t, err)
	assert.Contains(t, stdout, "noise matched")

	ckpt = filepath.Join(dir, "c.ckpt")
	stdout, _, err, _ = cliRun(t, trainTestArgs(data, ckpt, "-delta", "1.2", "-pad", "1", "-kmin", "0.1")...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "noise cloud (Δ = 1.2000, pad 1, kmin 0.1)")
	assert.NotContains(t, stdout, "fitted")
	ck, err = diffusion.ReadCheckpoint(ckpt)
	require.NoError(t, err)
	assert.Equal(t, noise.Spec{Rows: 16, Cols: 16, Delta: 1.2, Pad: 1, KMin: 0.1}, ck.Train.Noise)
}

// cloudnoise fit and cloudnoise train fit the same Δ to the same folder at
// the same size (both use noise.FitImages with the paper's estimator; the
// trainer fits the normalised images, which per-pixel standardisation
// cannot tell from the originals).
func TestFitAndTrainAgree(t *testing.T) {
	dir := cliPNGFolder(t, cliDeadLeaves(t, 24, 40, 9))
	stdout, _, err, _ := cliRun(t, "fit", "-json", "-size", "16", dir)
	require.NoError(t, err)
	var fit fitJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &fit), stdout)
	ckpt := filepath.Join(t.TempDir(), "a.ckpt")
	stdout, _, err, _ = cliRun(t, "train", "-data", dir, "-size", "16", "-base", "8", "-steps", "1", "-batch", "2", "-ckpt", ckpt)
	require.NoError(t, err)
	want := fmt.Sprintf("Δ fitted to the training images: %.4f ± %.4f", fit.Delta, fit.DeltaErr)
	assert.Contains(t, stdout, want)
	ck, err := diffusion.ReadCheckpoint(ckpt)
	require.NoError(t, err)
	assert.InDelta(t, fit.Delta, ck.Train.Noise.Delta, 1e-9)
}

// TestTrainResumeSettings checks issue 15 item 5: train -resume takes the
// image size from the checkpoint, refuses flags that would change its
// settings, and warns when the data's count or normalisation differ. Before
// the fix, resuming a 16×16 run without -size failed on the default 32×32
// images, -lr 0.5 was silently ignored, and other data went unnoticed.
func TestTrainResumeSettings(t *testing.T) {
	t.Parallel()
	data := trainTestData(t)
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	_, _, err, _ := cliRun(t, "train", "-data", data, "-size", "16", "-base", "8", "-steps", "1", "-batch", "2", "-ckpt", ckpt)
	require.NoError(t, err)

	// The size comes from the checkpoint; the same data: no warning.
	stdout, stderr, err, _ := cliRun(t, "train", "-data", data, "-resume", "-steps", "2", "-ckpt", ckpt)
	require.NoError(t, err)
	assert.Contains(t, stdout, "12 images of 1×16×16")
	assert.Contains(t, stdout, "done: step 2")
	assert.NotContains(t, stderr, "warning")
	// Repeating a checkpoint setting is fine.
	_, _, err, _ = cliRun(t, "train", "-data", data, "-resume", "-steps", "3", "-size", "16", "-batch", "2", "-base", "8", "-ckpt", ckpt)
	require.NoError(t, err)

	// Conflicting settings are refused, naming the flag and both values.
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"-lr", "0.5"}, "-lr 0.5 conflicts with the checkpoint's 0.001"},
		{[]string{"-size", "32"}, "-size 32 conflicts with the checkpoint's 16"},
		{[]string{"-batch", "4"}, "-batch 4"},
		{[]string{"-seed", "7"}, "-seed 7"},
		{[]string{"-base", "16"}, "-base 16"},
		{[]string{"-color"}, "-color true"},
		{[]string{"-schedule", "linear"}, "-schedule linear"},
		{[]string{"-loss", "spectral"}, "-loss spectral"},
		{[]string{"-target", "v"}, "-target v"},
		{[]string{"-max-signal", "0.9"}, "-max-signal 0.9"},
	} {
		args := append([]string{"train", "-data", data, "-resume", "-steps", "9", "-ckpt", ckpt}, c.flags...)
		_, _, err, code := cliRun(t, args...)
		cliCheckError(t, err, code, 2, c.want)
	}
	ck, err := diffusion.ReadCheckpoint(ckpt)
	require.NoError(t, err)
	assert.Equal(t, 3, ck.Step, "refused runs leave the checkpoint alone")

	// Other data: more images (count and statistics differ).
	more := filepath.Join(t.TempDir(), "more.npy")
	require.NoError(t, imageio.SaveNPY(more, cliDeadLeaves(t, 14, 16, 5)))
	_, stderr, err, _ = cliRun(t, "train", "-data", more, "-resume", "-steps", "4", "-ckpt", ckpt)
	require.NoError(t, err)
	assert.Contains(t, stderr, "warning: -resume "+ckpt+": the data differ from the checkpoint's: 14 images, the checkpoint's run had 12")
	assert.Contains(t, stderr, "normalisation statistics differ")
}
