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
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"

	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/experiment"
	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/eval"
)

// theoryJSON decodes the JSON output of theory into the typed result and a
// raw map, for checking the field names users depend on.
func theoryJSON(t *testing.T, stdout string) (theoryResult, map[string]any) {
	t.Helper()
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &raw), stdout)
	var res struct {
		theoryResult
		Results []struct {
			Noise  string     `json:"noise"`
			K      int        `json:"k"`
			LSD    *float64   `json:"lsd_db"`
			KL     *float64   `json:"kl"`
			Bands  []*float64 `json:"band_db"`
			Settle []float64  `json:"settle"`
			WhiteK int        `json:"k_to_white_lsd"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &res), stdout)
	out := res.theoryResult
	for _, r := range res.Results {
		row := theoryRow{Noise: r.Noise, K: r.K, Settle: r.Settle, WhiteK: r.WhiteK, LSD: jsonFloat(math.NaN()), KL: jsonFloat(math.Inf(1))}
		if r.LSD != nil {
			row.LSD = jsonFloat(*r.LSD)
		}
		if r.KL != nil {
			row.KL = jsonFloat(*r.KL)
		}
		out.Results = append(out.Results, row)
	}
	return out, raw
}

// TestTheoryAcceptance runs the acceptance command of issue 16 and checks
// its JSON: a results array of objects with noise, k, lsd_db and kl; the
// audit's numbers (white 5.00/2.29/1.09/0.44, matched 2.63/1.15/0.54/0.21
// dB at K = 5/10/20/50; the library's full-precision values are pinned in
// diffusion's TestGaussianTheoryAuditNumbers); and matched noise reaching
// white noise's LSD in about half the steps (measured: 6, 11 and 25 steps
// for white's K = 10, 20 and 50).
func TestTheoryAcceptance(t *testing.T) {
	t.Parallel()
	stdout, _, err, _ := cliRun(t, "theory", "-delta", "1.5", "-size", "32", "-noise", "white,matched", "-k", "5,10,20,50", "-max-signal", "0.9999", "-json")
	require.NoError(t, err)
	res, raw := theoryJSON(t, stdout)
	rows, ok := raw["results"].([]any)
	require.True(t, ok, "results is an array")
	require.Len(t, rows, 8)
	for _, r := range rows {
		obj := r.(map[string]any)
		for _, k := range []string{"noise", "k", "lsd_db", "kl"} {
			assert.Contains(t, obj, k)
		}
	}
	want := map[string][]float64{
		"white":   {5.00, 2.29, 1.09, 0.44},
		"matched": {2.63, 1.15, 0.54, 0.21},
	}
	ks := []int{5, 10, 20, 50}
	for _, r := range res.Results {
		i := -1
		for j, k := range ks {
			if k == r.K {
				i = j
			}
		}
		require.GreaterOrEqual(t, i, 0, "K = %d", r.K)
		assert.InDelta(t, want[r.Noise][i], float64(r.LSD), 0.005, "%s K = %d", r.Noise, r.K)
		if r.Noise == "matched" && r.K >= 10 {
			ratio := float64(r.WhiteK) / float64(r.K)
			assert.True(t, ratio >= 0.4 && ratio <= 0.65, "matched needs %d steps for white's LSD at K = %d", r.WhiteK, r.K)
		}
	}
	assert.Equal(t, 0.9999, res.MaxSignal)
	assert.Equal(t, "power law Δ = 1.5", res.Data)
}

// TestTheorySettleDefinition checks that the theory's bands and settle
// times are the experiment's: the same band edges (eval's) and threshold,
// and eval.SettleTimes applied to the predicted band errors gives the
// predicted settle times.
func TestTheorySettleDefinition(t *testing.T) {
	t.Parallel()
	assert.Equal(t, experiment.SettleThreshold, diffusion.DefaultSettleThreshold)
	data, err := powerLawSpectrum(32, 32, 1.5)
	require.NoError(t, err)
	white := mat.NewDense(32, 32, nil)
	for i := range white.RawMatrix().Data {
		white.RawMatrix().Data[i] = 1
	}
	sched, err := noise.NewOffsetCosineSchedule(1000, 0.95, 0.02)
	require.NoError(t, err)
	th, err := diffusion.NewGaussianTheory(data, white, sched)
	require.NoError(t, err)
	for _, o := range []diffusion.SampleOptions{{Steps: 50}, {Steps: 20, Eta: 1}} {
		pr, err := th.Predict(diffusion.TheoryOptions{SampleOptions: o})
		require.NoError(t, err)
		assert.Equal(t, eval.DefaultBandEdges(), pr.Edges, "default bands")
		got, err := eval.SettleTimes(pr.BandErrors, pr.Times, 1000, experiment.SettleThreshold)
		require.NoError(t, err)
		assert.Equal(t, got, pr.Settle, "%+v", o)
	}
}

func TestTheoryImagesAndPlots(t *testing.T) {
	t.Parallel()
	path, _ := cliNPY(t, 30, 16, 1.5, 3)
	dir := t.TempDir()
	plot := filepath.Join(dir, "theory.png")
	stdout, _, err, _ := cliRun(t, "theory", path, "-size", "0", "-k", "2,5,20", "-plot", plot)
	require.NoError(t, err)
	assert.Contains(t, stdout, "30 images (measured spectrum")
	for _, name := range []string{"white", "cloud", "matched"} {
		assert.Contains(t, stdout, "\n"+name)
	}
	assert.Contains(t, stdout, "wrote "+plot)
	cliDecodePNG(t, plot)
	cliDecodePNG(t, filepath.Join(dir, "theory-bands.png"))

	// Padded cloud noise also gets the information with its exact pixel
	// covariance, larger than the diagonal model's.
	stdout, _, err, _ = cliRun(t, "theory", path, "-size", "0", "-noise", "cloud", "-k", "5", "-json")
	require.NoError(t, err)
	var res theoryResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &res), stdout)
	require.Len(t, res.Noises, 1)
	require.NotNil(t, res.Noises[0].InformationExact)
	assert.Greater(t, *res.Noises[0].InformationExact, res.Noises[0].Information)

	// Periodic cloud noise with k = 0 removed never creates the image
	// mean the data have: the KL is infinite, reported as null in JSON.
	stdout, _, err, _ = cliRun(t, "theory", path, "-size", "0", "-noise", "cloud", "-pad", "1", "-k", "5", "-json")
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &raw), stdout)
	row := raw["results"].([]any)[0].(map[string]any)
	assert.Nil(t, row["kl"])
	assert.EqualValues(t, 1, row["unreached"])
	assert.NotContains(t, raw["noises"].([]any)[0].(map[string]any), "information_exact_nats", "periodic noise is diagonal")
	assert.NotNil(t, row["lsd_db"])
}

// TestTheoryMixture runs the mixture benchmark on a few fields: the JSON
// has the baseline (draws from the mixture, classified back to their own
// components, so every component with a draw counts) and one row per
// noise and K, with coverage counts that cannot exceed the samples.
func TestTheoryMixture(t *testing.T) {
	t.Parallel()
	path, _ := cliNPY(t, 30, 16, 1.5, 5)
	stdout, _, err, _ := cliRun(t, "theory", path, "-size", "0", "-mixture", "12", "-samples", "24", "-k", "2,5", "-json")
	require.NoError(t, err)
	var res theoryResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &res), stdout)
	m := res.Mixture
	require.NotNil(t, m)
	assert.Equal(t, 12, m.Components)
	assert.Equal(t, 24, m.Samples)
	require.Len(t, m.Results, 6)
	// 24 draws from 12 equal components: 12·(1 − (11/12)^24) distinct expected.
	assert.InDelta(t, 12*(1-math.Pow(11.0/12, 24)), m.Baseline.ExpectedDistinct, 1e-9)
	for _, r := range append(m.Results, m.Baseline) {
		assert.True(t, r.Distinct >= 1 && r.Distinct <= 12, "%+v", r)
		assert.Greater(t, float64(r.LSD), 0.0)
	}
	_, _, err, code := cliRun(t, "theory", "-mixture", "5")
	cliCheckError(t, err, code, 2, "needs images")
	_, _, err, code = cliRun(t, "theory", path, "-mixture", "5", "-spread", "1")
	cliCheckError(t, err, code, 2, "-spread")
}

func TestTheoryBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(t.TempDir(), "file") // a file where a folder should be
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	for i, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-k", "2000"}, 2, "outside 1…1000"},
		{[]string{"-k", "0"}, 2, "outside 1…1000"},
		{[]string{"-k", "x"}, 2, "-k"},
		{[]string{"-eta", "1.5"}, 2, "-eta"},
		{[]string{"-eta", "NaN"}, 2, "-eta"},
		{[]string{"-noise", "red"}, 2, "-noise"},
		{[]string{"-noise", ","}, 2, "no noise"},
		{[]string{"-max-signal", "0.01"}, 2, "not monotone"},
		{[]string{"-size", "1"}, 2, "-size"},
		{[]string{"-delta", "Inf"}, 2, "-delta"},
		{[]string{"-method", "euler"}, 2, "-method"},
		{[]string{"-spacing", "odd"}, 2, "-spacing"},
		{[]string{"-pad", "0.5"}, 2, "-pad"},
		{[]string{"-steps", "0"}, 2, "-steps"},
		{[]string{"-settle-k", "5000"}, 2, "-settle-k"},
		{[]string{filepath.Join(dir, "missing")}, 1, "missing"},
		{[]string{"-plot", filepath.Join(blocker, "a.png")}, 1, "-plot"},
	} {
		_, _, err, code := cliRun(t, append([]string{"theory"}, c.args...)...)
		t.Run(fmt.Sprint(i), func(t *testing.T) { cliCheckError(t, err, code, c.code, c.want) })
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no file written on error")
}
