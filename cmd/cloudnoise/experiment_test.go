package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// experimentTestArgs returns the arguments of a smoke-sized experiment
// (16×16 dead leaves, base-8 UNet, three noises with one seed, 3 steps, 6
// samples; a few seconds)
// writing to out, without the photo set.
func experimentTestArgs(out string, extra ...string) []string {
	args := []string{"experiment", "-size", "16", "-images", "32", "-heldout", "8", "-base", "8", "-steps", "3", "-check", "3", "-batch", "4",
		"-seeds", "1", "-samples", "6", "-k", "1,3", "-traj", "3", "-ddpm", "2", "-photos", filepath.Join(out, "no-photos"), "-o", out}
	return append(args, extra...)
}

func TestExperimentSmoke(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "exp")
	stdout, stderr, err, code := cliRun(t, experimentTestArgs(out)...)
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	// Progress and the skipped photo set on stderr; tables and files on
	// stdout.
	assert.Contains(t, stderr, "deadleaves: white seed 1: training white model")
	assert.Contains(t, stderr, "photos: skipped")
	assert.Contains(t, stdout, "### deadleaves")
	assert.Contains(t, stdout, "| cloud Δ=")
	assert.Contains(t, stdout, "| white | ddpm | 2 |")
	assert.Contains(t, stdout, "| matched | ddim | 3 |")
	for _, name := range []string{"experiment.json", "experiment.csv", "experiment-bands.csv", "experiment-theory.csv", "experiment-x0.csv",
		"experiment-metrics-deadleaves.png", "experiment-x0-deadleaves.png", "experiment-bands-deadleaves.png", "experiment-samples-deadleaves.png"} {
		p := filepath.Join(out, name)
		assert.Contains(t, stdout, "wrote "+p)
		if strings.HasSuffix(name, ".png") {
			cliDecodePNG(t, p)
		} else {
			info, err := os.Stat(p)
			require.NoError(t, err)
			assert.Greater(t, info.Size(), int64(0))
		}
	}

	// The same seed gives the same tables (the wall times aside).
	if testing.Short() {
		return
	}
	again, _, err, _ := cliRun(t, experimentTestArgs(filepath.Join(t.TempDir(), "exp2"))...)
	require.NoError(t, err)
	assert.Equal(t, experimentTestNumbers(stdout), experimentTestNumbers(again))
}

// experimentTestNumbers returns the table lines of the output without the
// time column and the wall-time summary.
func experimentTestNumbers(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(l, "| "):
			f := strings.Split(l, "|")
			if len(f) > 3 {
				f = f[:len(f)-2] // the time column
			}
			out = append(out, strings.Join(f, "|"))
		case strings.HasPrefix(l, "d(data"):
			out = append(out, l)
		}
	}
	return out
}

func TestExperimentMisuse(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	for _, test := range []struct {
		args []string
		want string
	}{
		{[]string{"-k", "5,x"}, "-k"},
		{[]string{"-k", "0,3", "-traj", "3"}, "-k"},
		{[]string{"-k", "3,1001", "-traj", "3"}, "-k"},
		{[]string{"-traj", "7"}, "-traj"},
		{[]string{"-data", "cifar"}, "-data"},
		{[]string{"-steps", "0"}, "-steps"},
		{[]string{"-batch", "0"}, "-batch"},
		{[]string{"-samples", "2"}, "-samples"},
		{[]string{"-size", "30"}, "-size"},
		{[]string{"-images", "1"}, "-images"},
		{[]string{"-base", "12"}, "-base"},
		{[]string{"-ddpm", "2000"}, "-ddpm"},
		{[]string{"-ddpm", "x"}, "-ddpm"},
		{[]string{"-noise", "pink"}, "-noise"},
		{[]string{"-noise", ","}, "-noise"},
		{[]string{"-seeds", "0"}, "-seeds"},
		{[]string{"-heldout", "1"}, "-heldout"},
		{[]string{"-check", "0"}, "-check"},
		{[]string{"-x0-tol", "0.9"}, "-x0-tol"},
		{[]string{"-max-signal", "1"}, "-max-signal"},
		{[]string{"-target", "score"}, "-target"},
		{[]string{"-precision", "float16"}, "-precision"},
		{[]string{"-head", "attention"}, "-head"},
		{[]string{"-padding", "reflect"}, "-padding"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		_, stderr, err, code := cliRun(t, experimentTestArgs(out, test.args...)...)
		cliCheckError(t, err, code, 2, "experiment", test.want)
		assert.Empty(t, stderr, test.args)
	}
}

func TestExperimentFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// An output folder under a regular file cannot be made: exit 1 naming
	// it, before any training.
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	_, _, err, code := cliRun(t, experimentTestArgs(filepath.Join(file, "out"))...)
	cliCheckError(t, err, code, 1, file)

	// Only the photo set, and it is absent: nothing to run is a failure
	// that says why.
	_, _, err, code = cliRun(t, experimentTestArgs(filepath.Join(dir, "out"), "-data", "photos")...)
	cliCheckError(t, err, code, 1, "no data set", "does not exist")

	// A photo folder without images is an error naming it.
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o755))
	_, _, err, code = cliRun(t, experimentTestArgs(filepath.Join(dir, "out"), "-data", "photos", "-photos", empty)...)
	cliCheckError(t, err, code, 1, empty)
}
