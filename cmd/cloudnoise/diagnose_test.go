package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/imageio"
)

// TestTrainTargetAndClip trains a tiny v-predicting model with the clean
// end at 0.9999, checks the checkpoint, and samples it with static and
// dynamic clipping: the outputs in normalised units stay inside the range.
func TestTrainTargetAndClip(t *testing.T) {
	t.Parallel()
	data := trainTestData(t)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "v.ckpt")
	stdout, _, err, _ := cliRun(t, trainTestArgs(data, ckpt, "-noise", "white", "-target", "v", "-max-signal", "0.9999", "-min-signal", "0.01")...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "mse loss on v")
	ck, err := diffusion.ReadCheckpoint(ckpt)
	require.NoError(t, err)
	assert.Equal(t, diffusion.TargetV, ck.Train.Target)
	assert.Equal(t, 0.9999, ck.Train.MaxSignal)
	assert.Equal(t, 0.01, ck.Train.MinSignal)
	s, err := diffusion.NewSamplerFromCheckpoint(ck, false)
	require.NoError(t, err)
	for _, c := range []struct {
		args  []string
		bound float64
	}{
		{[]string{"-clip", "-0.5,0.5"}, 0.5},
		{[]string{"-clip-dynamic", "0.9", "-clip-bound", "0.3"}, 0.3},
	} {
		npy := filepath.Join(dir, "c.npy")
		_, _, err, _ := cliRun(t, append([]string{"generate", "-ckpt", ckpt, "-count", "3", "-steps", "4", "-o", npy}, c.args...)...)
		require.NoError(t, err, "%v", c.args)
		imgs, err := imageio.LoadNPY(npy)
		require.NoError(t, err)
		flat := s.Normalizer().Normalize(nil, imgs)
		for _, v := range flat {
			require.LessOrEqual(t, math.Abs(v), c.bound*(1+1e-9), "%v", c.args)
		}
	}
	for i, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-clip", "1"}, "-clip"},
		{[]string{"-clip", "1,0"}, "-clip"},
		{[]string{"-clip", "a,1"}, "-clip"},
		{[]string{"-clip-dynamic", "1.5"}, "-clip-dynamic"},
		{[]string{"-clip-dynamic", "0.9", "-clip-bound", "0"}, "-clip-bound"},
		{[]string{"-clip", "-1,1", "-clip-dynamic", "0.9"}, "exclude"},
	} {
		_, _, err, code := cliRun(t, append([]string{"generate", "-ckpt", ckpt, "-o", filepath.Join(dir, "x.png")}, c.args...)...)
		t.Run(fmt.Sprint(i), func(t *testing.T) { cliCheckError(t, err, code, 2, c.want) })
	}
	for i, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-target", "score"}, "-target"},
		{[]string{"-max-signal", "0.01"}, "-max-signal"},
		{[]string{"-min-signal", "0"}, "-min-signal"},
	} {
		_, _, err, code := cliRun(t, trainTestArgs(data, filepath.Join(dir, "bad.ckpt"), c.args...)...)
		t.Run(fmt.Sprint("train", i), func(t *testing.T) { cliCheckError(t, err, code, 2, c.want) })
	}
	_, _, err, code := cliRun(t, trainTestArgs(data, ckpt, "-resume", "-steps", "6", "-target", "x0")...)
	cliCheckError(t, err, code, 2, "-target x0 conflicts with the checkpoint's v")
}

// TestDiagnose runs diagnose on a tiny model with held-out images: the
// JSON has the sample checks, and the x̂0 errors at the default times with
// their Gaussian bounds, which must equal GaussianTheory.X0Error for the
// held-out spectrum.
func TestDiagnose(t *testing.T) {
	t.Parallel()
	data := trainTestData(t)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "m.ckpt")
	_, _, err, _ := cliRun(t, trainTestArgs(data, ckpt, "-noise", "white")...)
	require.NoError(t, err)
	stdout, _, err, _ := cliRun(t, "diagnose", "-ckpt", ckpt, "-data", data, "-count", "6", "-steps", "3", "-json")
	require.NoError(t, err)
	var res diagnoseResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &res), stdout)
	assert.Equal(t, 6, res.Samples.Count)
	assert.Equal(t, 3, res.Samples.Steps)
	assert.Len(t, res.Samples.Rings, 2)
	assert.Greater(t, res.Samples.Variance, 0.0)
	assert.Equal(t, 12, res.Images)
	assert.InDelta(t, 1, res.DataVariance, 1e-9, "the training images normalised per pixel")
	require.NotNil(t, res.Information)
	require.Len(t, res.X0, 6)
	assert.Equal(t, []int{1, 50, 200, 500, 800, 1000}, []int{res.X0[0].T, res.X0[1].T, res.X0[2].T, res.X0[3].T, res.X0[4].T, res.X0[5].T})
	for i := 1; i < len(res.X0); i++ {
		assert.Greater(t, res.X0[i].Bound, res.X0[i-1].Bound, "the bound grows with the noise")
	}
	for _, e := range res.X0 {
		assert.Greater(t, e.MSE, 0.0)
		assert.Len(t, e.Bands, 4)
	}
	assert.Equal(t, "zero", res.Padding)
	assert.Equal(t, "groupnorm", res.Head)
	text, _, err, _ := cliRun(t, "diagnose", "-ckpt", ckpt, "-count", "4", "-steps", "2")
	require.NoError(t, err)
	assert.Contains(t, text, "border ratios")
	assert.Contains(t, text, "zero padding, groupnorm head")
	assert.NotContains(t, text, "held-out")
	for i, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-count", "1"}, "-count"},
		{[]string{"-steps", "5000"}, "exceeds"},
		{[]string{"-t", "0"}, "-t"},
		{[]string{"-rings", "9"}, "-rings"},
		{[]string{"-data", data, "-size", "8"}, "-size"},
		{[]string{"stray"}, "unexpected"},
	} {
		_, _, err, code := cliRun(t, append([]string{"diagnose", "-ckpt", ckpt}, c.args...)...)
		t.Run(fmt.Sprint(i), func(t *testing.T) { cliCheckError(t, err, code, 2, c.want) })
	}
}

// TestTrainHeadPadding trains tiny models with the mean head and each
// padding: the checkpoint records them, diagnose runs on the models and
// names them, and -resume accepts the same values and refuses others
// without touching the checkpoint.
func TestTrainHeadPadding(t *testing.T) {
	t.Parallel()
	data := trainTestData(t)
	dir := t.TempDir()
	for _, pad := range []string{"replicate", "circular"} {
		ckpt := filepath.Join(dir, pad+".ckpt")
		stdout, _, err, _ := cliRun(t, trainTestArgs(data, ckpt, "-head", "mean", "-padding", pad, "-steps", "2")...)
		require.NoError(t, err)
		assert.Contains(t, stdout, "("+pad+" padding, mean head)")
		ck, err := diffusion.ReadCheckpoint(ckpt)
		require.NoError(t, err)
		want, err := diffusion.ParsePadding(pad)
		require.NoError(t, err)
		assert.Equal(t, want, ck.Model.Padding)
		assert.Equal(t, diffusion.HeadMean, ck.Model.Head)
		info, err := os.Stat(ckpt)
		require.NoError(t, err)

		stdout, _, err, _ = cliRun(t, "diagnose", "-ckpt", ckpt, "-data", data, "-count", "4", "-steps", "2", "-json")
		require.NoError(t, err)
		var res diagnoseResult
		require.NoError(t, json.Unmarshal([]byte(stdout), &res), stdout)
		assert.Equal(t, pad, res.Padding)
		assert.Equal(t, "mean", res.Head)
		assert.Len(t, res.Samples.Rings, 2)
		require.Len(t, res.X0, 6)

		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"-head", "groupnorm"}, "-head groupnorm conflicts with the checkpoint's mean"},
			{[]string{"-padding", "zero"}, "-padding zero conflicts with the checkpoint's " + pad},
		} {
			_, _, err, code := cliRun(t, trainTestArgs(data, ckpt, append([]string{"-resume", "-steps", "3"}, c.args...)...)...)
			cliCheckError(t, err, code, 2, c.want)
		}
		after, err := os.Stat(ckpt)
		require.NoError(t, err)
		assert.Equal(t, info.ModTime(), after.ModTime(), "refused runs leave the checkpoint alone")
		// The same values resume.
		stdout, _, err, _ = cliRun(t, trainTestArgs(data, ckpt, "-resume", "-steps", "3", "-head", "mean", "-padding", pad)...)
		require.NoError(t, err)
		assert.Contains(t, stdout, "done: step 3")
	}
}
