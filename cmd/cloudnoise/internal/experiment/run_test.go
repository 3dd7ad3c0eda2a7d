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

// runTestConfig is a configuration that runs in about a second: 16×16
// dead-leaves images, a base-8 UNet, 3 training steps, 6 samples.
func runTestConfig() Config {
	return Config{
		Datasets: []string{DeadLeavesData, PhotosData}, Size: 16, DeadLeaves: 24,
		PhotosDir: filepath.Join("testdata-absent", "photos"),
		Base:      8, Steps: 3, Batch: 4, Samples: 6,
		Ks: []int{1, 3}, TrajectoryK: 3, DDPMK: 2, Seed: 7,
	}
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
	require.Len(t, d.Models, 2)
	assert.Equal(t, cfg.Samples, d.Baseline.N)
	for _, m := range d.Models {
		// One row per DDIM K and one DDPM row, every metric finite.
		require.Len(t, m.Rows, len(cfg.Ks)+1, m.Noise)
		for i, r := range m.Rows {
			wantMethod, wantK := diffusion.DDIM, 0
			if i < len(cfg.Ks) {
				wantK = cfg.Ks[i]
			} else {
				wantMethod, wantK = diffusion.DDPM, cfg.DDPMK
			}
			assert.Equal(t, wantMethod.String(), r.Method)
			assert.Equal(t, wantK, r.K)
			sc := r.Scores
			assert.Equal(t, cfg.Samples, sc.N)
			for _, v := range []float64{sc.LSD, sc.Frechet, sc.Mahalanobis.Mean, sc.W1, sc.TV, sc.Nearest.Ratio} {
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
	assert.Equal(t, diffusion.WhiteNoise.String(), d.Models[0].Noise)
	assert.Equal(t, 0.0, d.Models[0].Delta)
	assert.Equal(t, diffusion.CloudNoise.String(), d.Models[1].Noise)
	assert.Greater(t, d.Models[1].Delta, 0.0)

	// The files: valid JSON, CSV with a header and one line per row, PNGs
	// that decode.
	dir := t.TempDir()
	paths, err := WriteFiles(dir, res)
	require.NoError(t, err)
	assert.Len(t, paths, 3+3)
	raw, err := os.ReadFile(filepath.Join(dir, FileJSON))
	require.NoError(t, err)
	var back Result
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.Equal(t, d.Models[1].Rows[0].Scores.LSD, back.Datasets[0].Models[1].Rows[0].Scores.LSD)
	csvText, err := os.ReadFile(filepath.Join(dir, FileCSV))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(csvText)), "\n")
	assert.Len(t, lines, 1+1+2*(len(cfg.Ks)+1)) // header, baseline, rows
	assert.True(t, strings.HasPrefix(lines[0], "dataset,model,delta,method,k,n,lsd_db"))
	bands, err := os.ReadFile(filepath.Join(dir, FileBands))
	require.NoError(t, err)
	assert.Len(t, strings.Split(strings.TrimSpace(string(bands)), "\n"), 1+2*cfg.TrajectoryK)
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
	assert.Contains(t, md, "| white | DDIM η=0 | 3 |")
	assert.Contains(t, md, "| white | DDPM | 2 |")
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
	cfg.DDPMK = 0
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
		func(c *Config) { c.DDPMK = -1 },
		func(c *Config) { c.DDPMK = 1001 },
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
	cfg.DDPMK = 0
	res, err := Run(context.Background(), cfg, nil)
	require.NoError(t, err)
	require.Len(t, res.Datasets, 1)
	d := res.Datasets[0]
	assert.Equal(t, 256, d.Images)
	assert.Contains(t, d.BaselineLabel, "half")
	assert.Equal(t, 128, d.Baseline.N)
	// Half the data against the other half is no copy.
	assert.Greater(t, d.Baseline.Nearest.Ratio, 0.5)
}
