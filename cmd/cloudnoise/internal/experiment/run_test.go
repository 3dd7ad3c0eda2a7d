package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloud-diffusion/noise/diffusion"
)

// runTestConfig is a configuration that runs in a few seconds: 16×16
// dead-leaves images, a base-8 UNet, three noises with two seeds each, 4
// training steps with x̂0 checks at steps 2 and 4, 6 samples.
func runTestConfig() Config {
	cfg := DefaultConfig()
	cfg.Datasets = []string{DeadLeavesData, PhotosData}
	cfg.Size, cfg.DeadLeaves, cfg.HeldOut = 16, 32, 8
	cfg.PhotosDir = filepath.Join("testdata-absent", "photos")
	cfg.Seeds, cfg.Base, cfg.Steps, cfg.Batch, cfg.CheckEvery = 2, 8, 4, 4, 2
	cfg.X0Times = []int{1, 500, 1000}
	cfg.Samples, cfg.Ks, cfg.DDPMKs, cfg.TrajectoryK, cfg.Seed = 6, []int{1, 3}, []int{2}, 3, 7
	return cfg
}

func TestRunSmoke(t *testing.T) {
	t.Parallel()
	cfg := runTestConfig()
	var log bytes.Buffer
	res, err := Run(context.Background(), cfg, &log)
	require.NoError(t, err)
	// The absent photo folder is skipped with a message, not an error.
	require.Len(t, res.Skipped, 1)
	assert.Contains(t, res.Skipped[0], "photos: skipped")
	assert.Contains(t, log.String(), "photos: skipped")
	require.Len(t, res.Datasets, 1)
	d := res.Datasets[0]
	assert.Equal(t, DeadLeavesData, d.Name)
	assert.Equal(t, cfg.DeadLeaves, d.Images)
	assert.Equal(t, cfg.HeldOut, d.HeldOut)
	require.Len(t, d.Models, len(cfg.Noises)*cfg.Seeds)
	assert.Equal(t, cfg.HeldOut, d.Baseline.N)
	// The exact theory: one result per noise, a row per sampler and K,
	// every value finite and non-negative (its numbers are tested in
	// diffusion; here only that it is wired to every noise).
	require.Len(t, d.Theory, len(cfg.Noises))
	for _, th := range d.Theory {
		require.Len(t, th.Rows, len(cfg.Ks)+len(cfg.DDPMKs))
		assert.True(t, th.Information >= 0 && !math.IsInf(th.Information, 0), "%s: information %v", th.Noise, th.Information)
		for _, r := range th.Rows {
			assert.True(t, r.LSD >= 0 && r.KL >= 0, "%s %s K=%d: LSD %v KL %v", th.Noise, r.Method, r.K, r.LSD, r.KL)
		}
		require.Len(t, th.Settle, len(bandEdges)-1)
	}
	for i, m := range d.Models {
		// Noise-major, seeds Seed, Seed+1.
		assert.Equal(t, cfg.Noises[i/cfg.Seeds].String(), m.Noise)
		assert.Equal(t, cfg.Seed+uint64(i%cfg.Seeds), m.Seed)
		// x̂0 checks at steps 2 and 4, a finite positive ratio per level.
		require.Len(t, m.Checks, 2)
		for j, c := range m.Checks {
			assert.Equal(t, 2*(j+1), c.Step)
			require.Len(t, c.Ratio, len(cfg.X0Times))
			for _, r := range c.Ratio {
				assert.True(t, r > 0 && !math.IsInf(r, 0), "ratio %v", r)
				assert.LessOrEqual(t, r, c.MaxRatio)
			}
		}
		if m.TrainedAt > 0 {
			assert.Contains(t, []int{2, 4}, m.TrainedAt)
		}
		// One row per DDIM K and per DDPM K, every metric finite.
		require.Len(t, m.Rows, len(cfg.Ks)+len(cfg.DDPMKs), m.Noise)
		for i, r := range m.Rows {
			wantMethod, wantK := diffusion.DDIM, 0
			if i < len(cfg.Ks) {
				wantK = cfg.Ks[i]
			} else {
				wantMethod, wantK = diffusion.DDPM, cfg.DDPMKs[i-len(cfg.Ks)]
			}
			assert.Equal(t, wantMethod.String(), r.Method)
			assert.Equal(t, wantK, r.K)
			sc := r.Scores
			assert.Equal(t, cfg.Samples, sc.N)
			for _, v := range []float64{sc.LSD, sc.Frechet, sc.Mahalanobis.Mean, sc.W1, sc.TV, sc.Nearest.Ratio, sc.Variance, sc.Border} {
				assert.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%s %s K=%d: %v", m.Noise, r.Method, r.K, v)
				assert.GreaterOrEqual(t, v, 0.0)
			}
		}
		// The trajectory at K = 3: three steps, the last with error 0.
		require.Len(t, m.Times, cfg.TrajectoryK)
		require.Len(t, m.BandErrors, cfg.TrajectoryK)
		for _, v := range m.BandErrors[len(m.BandErrors)-1] {
			assert.InDelta(t, 0, v, 1e-20)
		}
		require.Len(t, m.Settle, len(bandEdges)-1)
		for _, v := range m.Settle {
			assert.True(t, v > 0 && v <= 1, "settle time %v", v)
		}
	}
	assert.Equal(t, 0.0, d.Models[0].Delta)
	assert.Greater(t, d.Models[cfg.Seeds].Delta, 0.0) // cloud
	// The same initial weights and stream for every noise of a seed, other
	// ones for another seed: the white runs of the two seeds differ.
	assert.NotEqual(t, d.Models[0].Rows[0].Scores.LSD, d.Models[1].Rows[0].Scores.LSD)

	// The files: valid JSON, CSV with a header and one line per row, PNGs
	// that decode.
	dir := t.TempDir()
	paths, err := WriteFiles(dir, res)
	require.NoError(t, err)
	assert.Len(t, paths, 5+4)
	raw, err := os.ReadFile(filepath.Join(dir, FileJSON))
	require.NoError(t, err)
	var back Result
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.Equal(t, d.Models[1].Rows[0].Scores.LSD, back.Datasets[0].Models[1].Rows[0].Scores.LSD)
	assert.Equal(t, d.Theory[2].Rows[1].LSD, back.Datasets[0].Theory[2].Rows[1].LSD)
	csvText, err := os.ReadFile(filepath.Join(dir, FileCSV))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(csvText)), "\n")
	runs := len(cfg.Noises) * cfg.Seeds
	assert.Len(t, lines, 1+1+runs*(len(cfg.Ks)+len(cfg.DDPMKs))) // header, baseline, rows
	assert.True(t, strings.HasPrefix(lines[0], "dataset,model,delta,seed,method,k,n,lsd_db"))
	bands, err := os.ReadFile(filepath.Join(dir, FileBands))
	require.NoError(t, err)
	assert.Len(t, strings.Split(strings.TrimSpace(string(bands)), "\n"), 1+runs*cfg.TrajectoryK)
	x0, err := os.ReadFile(filepath.Join(dir, FileX0))
	require.NoError(t, err)
	assert.Len(t, strings.Split(strings.TrimSpace(string(x0)), "\n"), 1+runs*2*len(cfg.X0Times))
	theory, err := os.ReadFile(filepath.Join(dir, FileTheory))
	require.NoError(t, err)
	assert.Len(t, strings.Split(strings.TrimSpace(string(theory)), "\n"), 1+len(cfg.Noises)*(len(cfg.Ks)+len(cfg.DDPMKs)))
	for _, p := range paths {
		if filepath.Ext(p) != ".png" {
			continue
		}
		f, err := os.Open(p)
		require.NoError(t, err)
		_, err = png.Decode(f)
		f.Close()
		assert.NoError(t, err, p)
	}
	md := Markdown(res)
	assert.Contains(t, md, "### deadleaves")
	assert.Contains(t, md, "| white | ddim | 3 |")
	assert.Contains(t, md, "| white | ddpm | 2 |")
	assert.Contains(t, md, "| matched, exact |")
	assert.Contains(t, md, "**Exact Gaussian theory**")
	assert.Contains(t, md, "Power of the samples over the data's per band")
	assert.Contains(t, md, "Skipped: photos")
}

func TestRunDeterministic(t *testing.T) {
	t.Parallel()
	// The same configuration gives the same numbers, bit for bit.
	if testing.Short() {
		t.Skip("runs the smoke experiment twice more")
	}
	cfg := runTestConfig()
	cfg.Datasets = []string{DeadLeavesData}
	cfg.DDPMKs = nil
	a, err := Run(context.Background(), cfg, nil)
	require.NoError(t, err)
	b, err := Run(context.Background(), cfg, nil)
	require.NoError(t, err)
	ja, _ := json.Marshal(stripTimes(a))
	jb, _ := json.Marshal(stripTimes(b))
	assert.JSONEq(t, string(ja), string(jb))
}

// stripTimes zeroes the wall times of res, which vary between runs.
func stripTimes(res *Result) *Result {
	res.Seconds = 0
	for _, d := range res.Datasets {
		for _, m := range d.Models {
			m.TrainSeconds = 0
			for _, r := range m.Rows {
				r.Seconds = 0
			}
		}
	}
	return res
}

func TestRunCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, runTestConfig(), nil)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	good := DefaultConfig()
	require.NoError(t, good.Validate())
	for i, mod := range []func(*Config){
		func(c *Config) { c.Datasets = nil },
		func(c *Config) { c.Datasets = []string{"cifar"} },
		func(c *Config) { c.Size = 30 },
		func(c *Config) { c.Size = 4 },
		func(c *Config) { c.DeadLeaves = 1 },
		func(c *Config) { c.Base = 12 },
		func(c *Config) { c.Steps = 0 },
		func(c *Config) { c.Batch = 0 },
		func(c *Config) { c.Samples = 3 },
		func(c *Config) { c.Ks = nil },
		func(c *Config) { c.Ks = []int{0, 50} },
		func(c *Config) { c.Ks = []int{50, 1001} },
		func(c *Config) { c.TrajectoryK = 7 },
		func(c *Config) { c.DDPMKs = []int{0} },
		func(c *Config) { c.DDPMKs = []int{1001} },
		func(c *Config) { c.HeldOut = 1 },
		func(c *Config) { c.Noises = nil },
		func(c *Config) { c.Noises = []diffusion.NoiseKind{diffusion.WhiteNoise, diffusion.WhiteNoise} },
		func(c *Config) { c.Noises = []diffusion.NoiseKind{7} },
		func(c *Config) { c.Seeds = 0 },
		func(c *Config) { c.MaxSignal = 1 },
		func(c *Config) { c.MinSignal = 0 },
		func(c *Config) { c.MaxSignal, c.MinSignal = 0.5, 0.6 },
		func(c *Config) { c.CheckEvery = 0 },
		func(c *Config) { c.X0Times = nil },
		func(c *Config) { c.X0Times = []int{0} },
		func(c *Config) { c.X0Tolerance = 0.5 },
	} {
		c := DefaultConfig()
		mod(&c)
		assert.ErrorContains(t, c.Validate(), "experiment:", "case %d", i)
		_, err := Run(context.Background(), c, nil)
		assert.Error(t, err, "Run case %d", i)
	}
}

func TestRunPhotos(t *testing.T) {
	t.Parallel()
	// The photo set of the shared data folder, when present (not in a
	// clean clone): loaded, resized and scored like dead leaves, with the
	// half-split baseline.
	if testing.Short() {
		t.Skip("loads 256 photographs")
	}
	dir := filepath.Join("..", "..", "..", "..", "..", "shared", "data", "photos96")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no photo set at %s: %v", dir, err)
	}
	cfg := runTestConfig()
	cfg.Datasets = []string{PhotosData}
	cfg.PhotosDir = dir
	cfg.DDPMKs = nil
	cfg.Noises = []diffusion.NoiseKind{diffusion.MatchedNoise}
	cfg.Seeds = 1
	res, err := Run(context.Background(), cfg, nil)
	require.NoError(t, err)
	require.Len(t, res.Datasets, 1)
	d := res.Datasets[0]
	assert.Equal(t, 256-cfg.HeldOut, d.Images)
	assert.Equal(t, cfg.HeldOut, d.HeldOut)
	assert.Contains(t, d.BaselineLabel, "half")
	assert.Equal(t, (256-cfg.HeldOut)/2, d.Baseline.N)
	// Half the data against the other half is no copy.
	assert.Greater(t, d.Baseline.Nearest.Ratio, 0.5)
}
