package diffusion

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// ckTestTrainer returns a trainer with every kind of state in use: cloud
// noise, the spectral loss, and 3 steps taken.
func ckTestTrainer(t *testing.T) (*Trainer, []*mat.Dense) {
	t.Helper()
	imgs := trainTestImages(5, 8, 21)
	tc := trainTestTC()
	tc.Noise = noise.Spec{Delta: 1.2}
	tc.LossDelta = 1.2
	tc.Loss = LossSpectral
	tr, err := NewTrainer(trainTestNet(t, 1), imgs, tc)
	require.NoError(t, err)
	for range 3 {
		_, err := tr.Step()
		require.NoError(t, err)
	}
	return tr, imgs
}

func TestCheckpointRoundTrip(t *testing.T) {
	tr, _ := ckTestTrainer(t)
	path := filepath.Join(t.TempDir(), "a.ckpt")
	require.NoError(t, tr.Save(path))
	got, err := ReadCheckpoint(path)
	require.NoError(t, err)
	want := tr.Checkpoint()
	assert.Equal(t, want, got)
	assert.Equal(t, 3, got.Step)
	assert.Equal(t, noise.Spec{Rows: 8, Cols: 8, Delta: 1.2}, got.Train.Noise)
	// Every parameter array is stored bit for bit.
	for i, v := range want.V {
		require.Equal(t, math.Float64bits(v), math.Float64bits(got.V[i]))
	}
	// Saving again over the file replaces it atomically.
	_, err = tr.Step()
	require.NoError(t, err)
	require.NoError(t, tr.Save(path))
	got, err = ReadCheckpoint(path)
	require.NoError(t, err)
	assert.Equal(t, 4, got.Step)
}

// Resuming is exact: 10 steps in one go equal 5 steps, save, load and 5
// more steps, bit for bit, for every part of the state.
func TestCheckpointExactResume(t *testing.T) {
	for _, loss := range []Loss{LossMSE, LossSpectral} {
		imgs := trainTestImages(5, 8, 22)
		tc := trainTestTC()
		tc.Steps = 10
		tc.Noise = noise.Spec{Delta: 1.5}
		tc.LossDelta = 1.5
		tc.Loss = loss
		one, err := NewTrainer(trainTestNet(t, 1), imgs, tc)
		require.NoError(t, err)
		require.NoError(t, one.Train(context.Background(), nil))

		path := filepath.Join(t.TempDir(), "half.ckpt")
		half, err := NewTrainer(trainTestNet(t, 1), imgs, tc)
		require.NoError(t, err)
		for range 5 {
			_, err := half.Step()
			require.NoError(t, err)
		}
		require.NoError(t, half.Save(path))
		half = nil
		resumed, err := Resume(path, imgs)
		require.NoError(t, err)
		assert.Equal(t, 5, resumed.StepCount())
		require.NoError(t, resumed.Train(context.Background(), nil))

		a, b := one.Checkpoint(), resumed.Checkpoint()
		assert.Equal(t, 10, b.Step)
		assert.Equal(t, a.RNG, b.RNG, loss)
		for _, p := range []struct {
			name string
			x, y []float64
		}{{"params", a.Params, b.Params}, {"EMA", a.EMA, b.EMA}, {"M", a.M, b.M}, {"V", a.V, b.V}} {
			same := len(p.x) == len(p.y)
			for i := 0; same && i < len(p.x); i++ {
				same = math.Float64bits(p.x[i]) == math.Float64bits(p.y[i])
			}
			assert.True(t, same, "%s: %s differ after resuming", loss, p.name)
		}
		assert.Equal(t, a, b)
	}
}

// ckTestRewrite patches a valid checkpoint and recomputes its checksum, to
// reach the checks that follow the checksum.
func ckTestRewrite(data []byte, patch func([]byte)) []byte {
	d := append([]byte(nil), data...)
	patch(d)
	n := len(d) - 4
	binary.LittleEndian.PutUint32(d[n:], crc32.Checksum(d[:n], checkpointCRC))
	return d
}

func TestCheckpointCorrupt(t *testing.T) {
	tr, imgs := ckTestTrainer(t)
	var buf bytes.Buffer
	n, err := tr.Checkpoint().WriteTo(&buf)
	require.NoError(t, err)
	good := buf.Bytes()
	require.Equal(t, int64(len(good)), n)
	_, err = DecodeCheckpoint(good)
	require.NoError(t, err)

	flip := func(i int) []byte {
		d := append([]byte(nil), good...)
		d[i] ^= 0x10
		return d
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a diffusion checkpoint"},
		{"foreign", []byte("\x89PNG\r\n\x1a\n plus some more bytes of a picture"), "not a diffusion checkpoint"},
		{"magic only", good[:8], "truncated"},
		{"truncated header", good[:30], "truncated"},
		{"truncated middle", good[:len(good)/2], "truncated"},
		{"truncated checksum", good[:len(good)-2], "truncated"},
		{"trailing bytes", append(append([]byte(nil), good...), 0, 0, 0, 0, 0), "corrupted"},
		{"flipped weight byte", flip(len(good) / 2), "checksum"},
		{"flipped checksum", flip(len(good) - 1), "checksum"},
		{"flipped version", flip(8), "checksum"},
		{"wrong version", ckTestRewrite(good, func(d []byte) { binary.LittleEndian.PutUint32(d[8:], 3) }), "format version 3, this build reads versions 1 and 2"},
		{"version 1 without its noise section", ckTestRewrite(good, func(d []byte) { binary.LittleEndian.PutUint32(d[8:], 1) }), "lacks section \"NOIS\""},
		{"renamed section", ckTestRewrite(good, func(d []byte) { copy(d[16:20], "XXXX") }), "lacks section \"MCFG\""},
		{"bad model JSON", ckTestRewrite(good, func(d []byte) { d[28] = '!' }), "section \"MCFG\""},
	}
	dir := t.TempDir()
	for _, c := range cases {
		_, err := DecodeCheckpoint(c.data)
		if assert.Error(t, err, c.name) {
			assert.Contains(t, err.Error(), c.want, c.name)
		}
		path := filepath.Join(dir, "bad.ckpt")
		require.NoError(t, os.WriteFile(path, c.data, 0o644))
		_, err = ReadCheckpoint(path)
		if assert.Error(t, err, c.name) {
			assert.Contains(t, err.Error(), c.want, c.name)
			assert.Contains(t, err.Error(), path, c.name)
		}
		_, err = Resume(path, imgs)
		assert.Error(t, err, c.name)
	}
	_, err = ReadCheckpoint(filepath.Join(dir, "missing.ckpt"))
	assert.ErrorContains(t, err, "diffusion: reading checkpoint")
	_, err = ReadCheckpoint(dir)
	assert.ErrorContains(t, err, "not a regular file")
}

func TestCheckpointInconsistent(t *testing.T) {
	tr, imgs := ckTestTrainer(t)
	cases := []struct {
		name string
		edit func(*Checkpoint)
		want string
	}{
		{"short params", func(c *Checkpoint) { c.Params = c.Params[1:] }, "weights"},
		{"NaN EMA", func(c *Checkpoint) { c.EMA[7] = math.NaN() }, "EMA weights entry 7 is NaN"},
		{"bad model", func(c *Checkpoint) { c.Model.Groups = 3 }, "checkpoint model"},
		{"bad train", func(c *Checkpoint) { c.Train.Loss = Loss(7) }, "training configuration"},
		{"bad noise", func(c *Checkpoint) { c.Train.Noise.Delta = -1 }, "Delta = -1"},
		{"noise of another size", func(c *Checkpoint) { c.Train.Noise.Rows = 9 }, "noise of 9×8"},
		{"noise without size", func(c *Checkpoint) { c.Train.Noise.Rows, c.Train.Noise.Cols = 0, 0 }, "no size"},
		{"unstorable noise", func(c *Checkpoint) {
			c.Train.Noise = noise.Spec{Rows: 8, Cols: 8, Density: noise.RadialDensity(func(k float64) float64 { return 1 / (k + 0.1) })}
		}, "cannot be stored"},
		{"bad norm", func(c *Checkpoint) { c.Norm.Std[0] = 0 }, "normaliser entry 0"},
		{"bad rng", func(c *Checkpoint) { c.RNG = []byte("pcg") }, "random state"},
		{"negative step", func(c *Checkpoint) { c.Step = -1 }, "negative"},
	}
	for _, c := range cases {
		ck := tr.Checkpoint()
		c.edit(ck)
		_, err := ck.WriteTo(&bytes.Buffer{})
		if assert.Error(t, err, c.name) {
			assert.Contains(t, err.Error(), c.want, c.name)
		}
		_, err = ResumeFrom(ck, imgs)
		if c.name == "unstorable noise" {
			assert.NoError(t, err, "a run with a radial density resumes, without checkpoints")
			continue
		}
		assert.Error(t, err, c.name)
	}
	// A failed save keeps the previous file and leaves no temporary file.
	dir := t.TempDir()
	path := filepath.Join(dir, "run.ckpt")
	require.NoError(t, tr.Save(path))
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	ck := tr.Checkpoint()
	ck.M[0] = math.Inf(1)
	assert.Error(t, ck.Save(path))
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1)
	assert.Error(t, tr.Save(filepath.Join(dir, "no", "such", "dir.ckpt")))

	// Resume checks the images against the model.
	_, err = ResumeFrom(tr.Checkpoint(), trainTestImages(3, 16, 1))
	assert.ErrorContains(t, err, "the model wants 8×8")
}

// TestCheckpointV1 loads the version-1 checkpoints of testdata (written by
// the code before the noise became a noise.Spec; see testdata/README.md):
// the configuration converts, and the cloud model samples and resumes as
// the old code did (values printed by that code). The FFT engine rounds
// differently in the last bits from the code that printed them (and its
// plain-Go, AVX2 and AVX-512 kernels differ from each other there), so the
// values are compared to a relative 1e-12: they agree to about 1e-15,
// while any change to the model, the noise or the streams changes them at
// the first digits.
func TestCheckpointV1(t *testing.T) {
	for _, c := range []struct {
		file    string
		noise   noise.Spec
		lossD   float64
		loss    Loss
		samples []float64 // nil: the white stream changed
		resumed float64
	}{
		{"v1-cloud.ckpt", noise.Spec{Rows: 8, Cols: 8, Delta: 1.2}, 1.2, LossSpectral,
			[]float64{-35.084779081144035, -3.359962839816414, 0.4341237259167485}, 0.22308571695879886},
		{"v1-white.ckpt", noise.Spec{Rows: 8, Cols: 8, Density: noise.WhiteDensity()}, 0, LossMSE, nil, 0},
	} {
		path := filepath.Join("testdata", c.file)
		ck, err := ReadCheckpoint(path)
		require.NoError(t, err, c.file)
		assert.True(t, c.noise.Equal(ck.Train.Noise), "%s: noise %v", c.file, ck.Train.Noise)
		assert.Equal(t, c.lossD, ck.Train.LossDelta, c.file)
		assert.Equal(t, c.loss, ck.Train.Loss, c.file)
		assert.Equal(t, 3, ck.Step, c.file)
		s, err := LoadSampler(path)
		require.NoError(t, err)
		out, err := s.Sample(context.Background(), 2, &SampleOptions{Steps: 4, Method: DDPM}, rand.NewPCG(3, 4))
		require.NoError(t, err)
		if c.samples != nil {
			got := []float64{out.Images[0].At(0, 0), out.Images[1].At(7, 5), out.Images[0].At(3, 4)}
			for i, want := range c.samples {
				assert.InDelta(t, want, got[i], 1e-12*math.Abs(want), "%s sample %d", c.file, i)
			}
		}
		tr, err := Resume(path, trainTestImages(5, 8, 21))
		require.NoError(t, err)
		require.NoError(t, tr.SetSteps(4))
		loss, err := tr.Step()
		require.NoError(t, err)
		if c.samples != nil {
			assert.InDelta(t, c.resumed, loss, 1e-12*math.Abs(c.resumed), c.file)
		}
		// Saved again, it is a version-2 checkpoint with the same contents.
		var buf bytes.Buffer
		_, err = ck.WriteTo(&buf)
		require.NoError(t, err)
		assert.Equal(t, uint32(checkpointVersion), binary.LittleEndian.Uint32(buf.Bytes()[8:]))
		again, err := DecodeCheckpoint(buf.Bytes())
		require.NoError(t, err)
		assert.True(t, ck.Train.Noise.Equal(again.Train.Noise))
		ck.Train.Noise, again.Train.Noise = noise.Spec{}, noise.Spec{}
		assert.Equal(t, ck, again)
	}
}

// TestCheckpointMatchedNoise: a measured density round-trips exactly
// through a checkpoint, and the resumed run continues bit for bit.
func TestCheckpointMatchedNoise(t *testing.T) {
	imgs := trainTestImages(40, 8, 23)
	tc := trainTestTC()
	norm, err := FitNormalizer(imgs, 1, 8, tc.Normalize)
	require.NoError(t, err)
	r, err := ResolveNoise(MatchedNoise, imgs, norm, nil)
	require.NoError(t, err)
	tc.Noise = r.Spec
	tc.Steps = 6
	one, err := NewTrainer(trainTestNet(t, 1), imgs, tc)
	require.NoError(t, err)
	require.NoError(t, one.Train(context.Background(), nil))
	half, err := NewTrainer(trainTestNet(t, 1), imgs, tc)
	require.NoError(t, err)
	for range 3 {
		_, err := half.Step()
		require.NoError(t, err)
	}
	path := filepath.Join(t.TempDir(), "m.ckpt")
	require.NoError(t, half.Save(path))
	ck, err := ReadCheckpoint(path)
	require.NoError(t, err)
	assert.True(t, r.Spec.Equal(ck.Train.Noise), "%v", ck.Train.Noise)
	resumed, err := Resume(path, imgs)
	require.NoError(t, err)
	require.NoError(t, resumed.Train(context.Background(), nil))
	assert.Equal(t, one.Checkpoint().Params, resumed.Checkpoint().Params)
}
