package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/plotting"
	"github.com/cloud-diffusion/noise/imageio"
)

// cliRun runs the command with args and returns its stdout, stderr, error
// and the exit status main would use.
func cliRun(t *testing.T, args ...string) (stdout, stderr string, err error, code int) {
	t.Helper()
	var o, e bytes.Buffer
	err = run(args, &o, &e)
	return o.String(), e.String(), err, exitCode(err)
}

// cliDeadLeaves returns n deterministic dead-leaves images of size×size.
func cliDeadLeaves(t *testing.T, n, size int, seed uint64) []*mat.Dense {
	t.Helper()
	imgs, err := noise.DeadLeaves{Rows: size, Cols: size}.Images(n, source(seed))
	require.NoError(t, err)
	return imgs
}

// cliPNGFolder writes images as 8-bit PNGs img-000.png, … into a new folder.
func cliPNGFolder(t *testing.T, imgs []*mat.Dense) string {
	t.Helper()
	dir := t.TempDir()
	for i, m := range imgs {
		require.NoError(t, imageio.SavePNG(filepath.Join(dir, "img-"+string(rune('a'+i/26))+string(rune('a'+i%26))+".png"), m, 0, 1, 8))
	}
	return dir
}

// cliDecodePNG decodes the PNG at path.
func cliDecodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err, "decoding %s", path)
	return img
}

// cliCheckError checks a failed run: the exit status and that the error
// line is one line starting with "cloudnoise: " and containing each of
// want.
func cliCheckError(t *testing.T, err error, code, wantCode int, want ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, wantCode, code, "exit status for %v", err)
	line := errorLine(err)
	assert.True(t, strings.HasPrefix(line, "cloudnoise: "), line)
	assert.NotContains(t, line, "\n")
	assert.NotContains(t, line, "noise: noise:")
	for _, w := range want {
		assert.Contains(t, line, w)
	}
}

func TestMainUsage(t *testing.T) {
	t.Parallel()
	_, stderr, err, code := cliRun(t)
	cliCheckError(t, err, code, 2, "no command")
	assert.Contains(t, stderr, "Commands:")

	_, stderr, err, code = cliRun(t, "frobnicate")
	cliCheckError(t, err, code, 2, `unknown command "frobnicate"`, "demo")
	assert.Empty(t, stderr, "no usage text after a misuse")
	assert.Equal(t, "Run 'cloudnoise -h' for the commands.", usageHint(err))

	stdout, _, err, code := cliRun(t, "-h")
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	for _, c := range commands() {
		assert.Contains(t, stdout, c.name)
	}
}

func TestHelpEveryCommand(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		stdout, stderr, err, code := cliRun(t, c.name, "-h")
		require.NoError(t, err, c.name)
		assert.Equal(t, 0, code)
		assert.Empty(t, stderr, c.name)
		assert.Contains(t, stdout, "Usage: cloudnoise "+c.name, c.name)
		assert.Contains(t, stdout, "Examples:", c.name)
		assert.Contains(t, stdout, "cloudnoise "+c.name+" ", c.name, "an example line")
	}
}

// TestBadFlagEveryCommand checks issue 15 item 10 too: a misuse prints the
// one error line and a pointer to -h, not the whole usage (before the fix,
// the usage text of up to 36 lines came first).
func TestBadFlagEveryCommand(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		_, stderr, err, code := cliRun(t, c.name, "-no-such-flag")
		cliCheckError(t, err, code, 2, c.name, "no-such-flag")
		assert.Empty(t, stderr, c.name)
		assert.Equal(t, "Run 'cloudnoise "+c.name+" -h' for its flags and examples.", usageHint(err))
	}
	// A bad value, found after parsing: the same.
	_, stderr, err, code := cliRun(t, "sample", "-bits", "3")
	cliCheckError(t, err, code, 2, "-bits 3")
	assert.Empty(t, stderr)
	assert.Equal(t, "Run 'cloudnoise sample -h' for its flags and examples.", usageHint(err))
	// Failures get no hint.
	_, _, err, _ = cliRun(t, "fit", filepath.Join(t.TempDir(), "missing"))
	require.Error(t, err)
	assert.Empty(t, usageHint(err))
}

func TestPanicIsInternalError(t *testing.T) {
	saved := commandsFn
	t.Cleanup(func() { commandsFn = saved })
	commandsFn = func() []command {
		return []command{{name: "boom", run: func(context.Context, []string, io.Writer, io.Writer) error {
			var m *mat.Dense
			m.At(0, 0) // nil pointer dereference
			return nil
		}}}
	}
	_, _, err, code := cliRun(t, "boom")
	cliCheckError(t, err, code, 1, "internal error")
	assert.NotContains(t, errorLine(err), "goroutine", "no stack trace")
}

func TestErrorLine(t *testing.T) {
	t.Parallel()
	for i, c := range []struct{ in, want string }{
		{"noise: x.png: bad", "cloudnoise: x.png: bad"},
		{"fit: noise: x: y", "cloudnoise: fit: x: y"},
		{"imageio: x.png: bad", "cloudnoise: x.png: bad"},
		{"load: imageio: x.png: eval: y", "cloudnoise: load: x.png: y"},
		{"two\nlines", "cloudnoise: two lines"},
	} {
		assert.Equal(t, c.want, errorLine(errorString(c.in)), "case %d", i)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestSample(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	// One PNG: the field of the library's sampler with the same seed,
	// mapped from [-3, 3] to [0, 255].
	out := filepath.Join(dir, "one.png")
	stdout, _, err, _ := cliRun(t, "sample", "-n", "24", "-seed", "7", "-o", out)
	require.NoError(t, err)
	assert.Contains(t, stdout, "wrote "+out)
	got, err := imageio.Load(out, nil)
	require.NoError(t, err)
	s, err := noise.NewSampler(noise.Spec{Rows: 24, Cols: 24, Delta: 1.5}, source(7))
	require.NoError(t, err)
	want := s.SampleBatch(make([]*mat.Dense, 1))[0]
	for i := range 24 {
		for j := range 24 {
			// The PNG holds round(255 (v+3)/6) clipped: within half a grey level.
			v := min(max(want.At(i, j), -3), 3)
			assert.InDelta(t, (v+3)/6, got.At(i, j), 0.5/255+1e-12, "pixel %d,%d", i, j)
		}
	}

	// The .npy stack holds the same fields exactly, in order.
	npy := filepath.Join(dir, "f.npy")
	_, _, err, _ = cliRun(t, "sample", "-rows", "8", "-cols", "12", "-delta", "2", "-pad", "1", "-count", "3", "-seed", "3", "-o", npy)
	require.NoError(t, err)
	fields, err := imageio.LoadNPY(npy)
	require.NoError(t, err)
	require.Len(t, fields, 3)
	s, err = noise.NewSampler(noise.Spec{Rows: 8, Cols: 12, Delta: 2, Pad: 1}, source(3))
	require.NoError(t, err)
	for k, w := range s.SampleBatch(make([]*mat.Dense, 3)) {
		assert.True(t, mat.Equal(w, fields[k]), "field %d", k)
	}

	// A grid of 5 fields of 10×10: 3 columns, 2 rows, 2-pixel gaps.
	grid := filepath.Join(dir, "grid.png")
	_, _, err, _ = cliRun(t, "sample", "-n", "10", "-count", "5", "-o", grid)
	require.NoError(t, err)
	b := cliDecodePNG(t, grid).Bounds()
	assert.Equal(t, 3*12-2, b.Dx())
	assert.Equal(t, 2*12-2, b.Dy())

	// One file per field, 16-bit.
	split := filepath.Join(dir, "sub", "f.png")
	stdout, _, err, _ = cliRun(t, "sample", "-n", "6", "-count", "3", "-split", "-bits", "16", "-o", split)
	require.NoError(t, err)
	assert.Contains(t, stdout, "(3 files)")
	for _, name := range []string{"f-000.png", "f-001.png", "f-002.png"} {
		img := cliDecodePNG(t, filepath.Join(dir, "sub", name))
		_, ok := img.(*image.Gray16)
		assert.True(t, ok, "%s is %T, want 16-bit grey", name, img)
	}

	// Same seed, same bytes.
	again := filepath.Join(dir, "again.png")
	_, _, err, _ = cliRun(t, "sample", "-n", "24", "-seed", "7", "-o", again)
	require.NoError(t, err)
	b1, _ := os.ReadFile(out)
	b2, _ := os.ReadFile(again)
	assert.Equal(t, b1, b2)
}

func TestSampleMisuse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := filepath.Join(dir, "x.png")
	for i, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-bits", "12"}, "-bits"},
		{[]string{"-n", "0"}, "-n"},
		{[]string{"-rows", "5"}, "-rows"},
		{[]string{"-count", "0"}, "-count"},
		{[]string{"-range", "0"}, "-range"},
		{[]string{"-grid", "-1"}, "-grid"},
		{[]string{"-delta", "-1"}, "Delta"},
		{[]string{"-pad", "0.5"}, "ad"},
		{[]string{"-n", "abc"}, "-n"},
		{[]string{"-o", filepath.Join(dir, "x.txt")}, "x.txt"},
		{[]string{"extra"}, `"extra"`},
		{[]string{"-n", "100000", "-count", "100000"}, "-count"},
		{[]string{"-noise", "pink"}, "-noise"},
		{[]string{"-noise", "matched"}, "needs -data"},
		{[]string{"-noise", "white", "-delta", "1"}, "-delta"},
		{[]string{"-noise", "cloud", "-data", dir}, "-data applies"},
		{[]string{"-noise", "white", "-smooth", "4"}, "-smooth applies"},
	} {
		_, _, err, code := cliRun(t, append([]string{"sample", "-o", o}, c.args...)...)
		cliCheckError(t, err, code, 2, c.want)
		_ = i
	}
	_, statErr := os.Stat(o)
	assert.True(t, os.IsNotExist(statErr), "nothing written on misuse")
}

func TestUnwritableOutput(t *testing.T) {
	t.Parallel()
	// A regular file where a folder should be: creating anything under it
	// fails, even for root (permission bits would not stop root).
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o644))
	npy := filepath.Join(dir, "s.npy")
	_, _, err, _ := cliRun(t, "sample", "-n", "16", "-count", "4", "-o", npy)
	require.NoError(t, err)
	bad := filepath.Join(file, "out.png")
	for _, args := range [][]string{
		{"sample", "-n", "16", "-o", bad},
		{"fit", "-plot", bad, npy},
		{"distance", "-delta", "1.5", "-plot", bad, npy},
		{"snr", "-plot", bad},
		{"demo", "-size", "16", "-images", "4", "-o", filepath.Join(file, "demo")},
	} {
		_, _, err, code := cliRun(t, args...)
		cliCheckError(t, err, code, 1, file)
	}
}

// cliNPY writes n cloud-noise fields of size×size with Δ = delta to a
// .npy stack and returns its path and the fields.
func cliNPY(t *testing.T, n, size int, delta float64, seed uint64) (string, []*mat.Dense) {
	t.Helper()
	s, err := noise.NewSampler(noise.Spec{Rows: size, Cols: size, Delta: delta}, source(seed))
	require.NoError(t, err)
	fields := s.SampleBatch(make([]*mat.Dense, n))
	path := filepath.Join(t.TempDir(), "fields.npy")
	require.NoError(t, imageio.SaveNPY(path, fields))
	return path, fields
}

func TestFitJSON(t *testing.T) {
	t.Parallel()
	path, fields := cliNPY(t, 40, 32, 1.5, 11)
	for _, method := range []struct {
		flag string
		m    noise.FitMethod
	}{{"ols", noise.FitOLS}, {"binned", noise.FitBinned}, {"whittle", noise.FitWhittle}} {
		stdout, _, err, _ := cliRun(t, "fit", "-json", "-standardize", "global", "-method", method.flag, path)
		require.NoError(t, err)
		var raw map[string]any
		require.NoError(t, json.Unmarshal([]byte(stdout), &raw), stdout)
		for _, k := range []string{"delta", "a", "delta_err", "r2", "images"} {
			assert.Contains(t, raw, k)
		}
		var got fitJSON
		require.NoError(t, json.Unmarshal([]byte(stdout), &got))

		// Reference: the library called directly on the same fields, the
		// global estimator (one pass, Spectrum.Power).
		spec := noise.NewSpectrum(32, 32)
		for _, f := range fields {
			require.NoError(t, spec.Add(f))
		}
		power, err := spec.Power()
		require.NoError(t, err)
		want, err := noise.FitPowerLaw(power, &noise.FitOptions{Method: method.m, Samples: 39})
		require.NoError(t, err)
		// Add and AddBatch agree to rounding (noise's tests); JSON keeps
		// every digit.
		assert.InDelta(t, want.Delta, got.Delta, 1e-9, method.flag)
		assert.InDelta(t, want.DeltaErr, got.DeltaErr, 1e-9)
		assert.InDelta(t, want.A, got.A, 1e-9*want.A)
		assert.InDelta(t, want.R2, got.R2, 1e-9)
		assert.Equal(t, want.Points, got.Points)
		assert.Equal(t, 40, got.Images)
		assert.Equal(t, 32, got.Rows)
		assert.Equal(t, method.flag, got.Method)
		assert.Equal(t, "global", got.Standardize)
		// 40 fields of Δ = 1.5: the estimate is within 10 standard errors
		// plus the construction's documented bias (< 0.05 at 32×32).
		assert.InDelta(t, 1.5, got.Delta, 10*got.DeltaErr+0.05)
	}
}

func TestFitFolderTextAndPlot(t *testing.T) {
	t.Parallel()
	dir := cliPNGFolder(t, cliDeadLeaves(t, 12, 40, 5))
	plot := filepath.Join(t.TempDir(), "spectrum.png")
	// Flags after the path are accepted too.
	stdout, _, err, _ := cliRun(t, "fit", dir, "-size", "32", "-plot", plot)
	require.NoError(t, err)
	assert.Contains(t, stdout, "12 images of 32×32")
	assert.Contains(t, stdout, "Δ  = ")
	assert.Contains(t, stdout, "wrote "+plot)
	b := cliDecodePNG(t, plot).Bounds()
	assert.Equal(t, 576, b.Dx(), "6 inches at 96 dpi")
}

func TestFitInputErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-folder")

	corrupt := t.TempDir()
	require.NoError(t, imageio.SavePNG(filepath.Join(corrupt, "a.png"), mat.NewDense(8, 8, nil), 0, 1, 8))
	require.NoError(t, os.WriteFile(filepath.Join(corrupt, "b.png"), []byte("not a png at all"), 0o644))

	mixed := t.TempDir()
	require.NoError(t, imageio.SavePNG(filepath.Join(mixed, "small.png"), mat.NewDense(8, 8, nil), 0, 1, 8))
	require.NoError(t, imageio.SavePNG(filepath.Join(mixed, "large.png"), mat.NewDense(16, 16, nil), 0, 1, 8))

	empty := t.TempDir()

	constant := t.TempDir()
	for _, n := range []string{"a.png", "b.png"} {
		require.NoError(t, imageio.SavePNG(filepath.Join(constant, n), mat.NewDense(16, 16, nil), 0, 1, 8))
	}

	single := t.TempDir()
	require.NoError(t, imageio.SavePNG(filepath.Join(single, "only.png"), mat.NewDense(16, 16, nil), 0, 1, 8))

	for _, cmd := range []string{"fit", "distance", "snr"} {
		for i, c := range []struct {
			path string
			want []string
		}{
			{missing, []string{"no-such-folder"}},
			{corrupt, []string{"b.png"}},
			{mixed, []string{"16×16", "8×8"}},
			{empty, []string{empty, "no PNG"}},
			{constant, []string{"variance"}},
			{single, []string{"at least 2", "1"}},
		} {
			_, _, err, code := cliRun(t, cmd, c.path)
			cliCheckError(t, err, code, 1, c.want...)
			_ = i
		}
	}
}

func TestFitMisuse(t *testing.T) {
	t.Parallel()
	path, _ := cliNPY(t, 4, 16, 1.5, 1)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"fit"}, "no PATH"},
		{[]string{"fit", "-method", "magic", path}, "-method"},
		{[]string{"fit", "-kmin", "0.3", "-kmax", "0.2", path}, "-kmax"},
		{[]string{"fit", "-kmin", "-1", path}, "-kmin"},
		{[]string{"fit", "-size", "-3", path}, "-size"},
		{[]string{"fit", "-bins", "-3", path}, "-bins"},
		{[]string{"distance"}, "no PATH"},
		{[]string{"distance", "-samples", "1", path}, "-samples"},
		{[]string{"distance", "-a", "-2", path}, "-a"},
		{[]string{"distance", "-a", "2", "-paper", path}, "-paper"},
		{[]string{"snr", "-t", "0"}, "-t"},
		{[]string{"snr", "-t", "1,x"}, "-t"},
		{[]string{"snr", "-schedule", "quadratic"}, "-schedule"},
		{[]string{"snr", "-bins", "0"}, "-bins"},
		{[]string{"snr", "-n", "1"}, "-n"},
		{[]string{"demo", "-size", "8"}, "-size"},
		{[]string{"demo", "-images", "1"}, "-images"},
	} {
		_, _, err, code := cliRun(t, c.args...)
		cliCheckError(t, err, code, 2, c.want)
	}
	// A fit with too few frequencies left is a failure, not misuse.
	_, _, err, code := cliRun(t, "fit", "-kmin", "0.49", "-kmax", "0.5", path)
	cliCheckError(t, err, code, 1, "fitting")
}

func TestDistanceJSON(t *testing.T) {
	t.Parallel()
	imgs := cliDeadLeaves(t, 16, 24, 9)
	path := filepath.Join(t.TempDir(), "imgs.npy")
	require.NoError(t, imageio.SaveNPY(path, imgs))
	plot := filepath.Join(t.TempDir(), "bars.png")
	stdout, _, err, _ := cliRun(t, "distance", "-json", "-delta", "1.5", "-seed", "4", "-plot", plot, path)
	require.NoError(t, err)
	var got tableJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)

	// Reference: the library called directly with the same source.
	want, err := noise.DistanceTable(imgs, &noise.TableOptions{Delta: 1.5}, source(4))
	require.NoError(t, err)
	assert.Equal(t, 1.5, got.Delta)
	assert.Equal(t, want.A, got.A)
	assert.Equal(t, 16, got.Images)
	assert.Nil(t, got.Fit)
	require.Len(t, got.Distances, 9)
	for _, e := range distanceEntries(want) {
		g, ok := got.Distances[e.key]
		require.True(t, ok, e.key)
		assert.Equal(t, e.e.Mean, g.Mean, e.key)
		assert.Equal(t, e.e.StdErr, float64(g.StdErr), e.key)
		assert.Equal(t, e.e.N, g.N, e.key)
		assert.Greater(t, g.Mean, 0.0, e.key)
	}
	// The paper's ordering: white noise is far from Q0, cloud noise near.
	assert.Greater(t, got.Distances["white"].Mean, 3*got.Distances["cloud"].Mean)
	cliDecodePNG(t, plot)

	// Fitted Δ and the paper's scale, as text.
	stdout, _, err, _ = cliRun(t, "distance", "-paper", path)
	require.NoError(t, err)
	assert.Contains(t, stdout, "power law fitted to the images' spectrum: Δ = ")
	assert.Contains(t, stdout, "A = 1.3918")
	assert.Contains(t, stdout, "d(white|Q0)/d(cloud|Q0)")
}

func TestSNR(t *testing.T) {
	t.Parallel()
	plot := filepath.Join(t.TempDir(), "snr.png")
	stdout, _, err, _ := cliRun(t, "snr", "-json", "-n", "32", "-delta", "1.2", "-t", "10,500,990", "-bins", "8", "-plot", plot)
	require.NoError(t, err)
	var got snrResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	require.Len(t, got.Curves, 6)
	sched := noise.CosineSchedule(1000, 0.008)
	for _, c := range got.Curves {
		require.NotEmpty(t, c.SNR)
		ab := sched.AlphaBar(c.T)
		assert.Equal(t, ab, c.AlphaBar)
		switch c.Noise {
		case "cloud":
			// Data and noise share the spectrum: SNR(k, t) = ᾱ/(1−ᾱ)
			// at every k (closed form).
			for b, v := range c.SNR {
				assert.InDelta(t, ab/(1-ab), v, 1e-9*ab/(1-ab), "t %d bin %d", c.T, b)
			}
		case "white":
			// SNR = ᾱ/(1−ᾱ)·⟨A²|k|^(−2Δ)⟩ over the bin: falls with k.
			for b := 1; b < len(c.SNR); b++ {
				assert.Less(t, c.SNR[b], c.SNR[b-1], "t %d bin %d", c.T, b)
			}
		default:
			t.Fatalf("unknown noise %q", c.Noise)
		}
	}
	cliDecodePNG(t, plot)

	// With images: text output, cloud Δ fitted.
	path, _ := cliNPY(t, 8, 32, 1.5, 2)
	stdout, _, err, _ = cliRun(t, "snr", path, "-t", "100,900")
	require.NoError(t, err)
	assert.Contains(t, stdout, "8 images data")
	assert.Contains(t, stdout, "   100 ")
	assert.Contains(t, stdout, "   900 ")
}

func TestDemoSmall(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "demo")
	stdout, _, err, _ := cliRun(t, "demo", "-size", "24", "-images", "12", "-o", out)
	require.NoError(t, err)
	for _, want := range []string{"12 dead-leaves images of 24×24", "Δ = ", "Mahalanobis distances", "d(white|Q0)/d(cloud|Q0)", "SNR(k, t)"} {
		assert.Contains(t, stdout, want)
	}
	for _, name := range []string{demoGallery, demoSpectrum, demoBars, demoSNR} {
		cliDecodePNG(t, filepath.Join(out, name))
	}
	summary, err := os.ReadFile(filepath.Join(out, demoSummary))
	require.NoError(t, err)
	assert.Equal(t, stdout, string(summary), "summary.txt is what was printed")
	// No temporary files are left behind.
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 5)

	if testing.Short() {
		return
	}
	// Deterministic: the same seed prints the same numbers.
	out2 := filepath.Join(t.TempDir(), "demo")
	stdout2, _, err, _ := cliRun(t, "demo", "-size", "24", "-images", "12", "-o", out2)
	require.NoError(t, err)
	cut := func(s string) string { return s[:strings.Index(s, "Wrote to")] }
	assert.Equal(t, cut(stdout), cut(stdout2))

	// The demo on a folder of images.
	dir := cliPNGFolder(t, cliDeadLeaves(t, 6, 20, 1))
	stdout, _, err, _ = cliRun(t, "demo", "-size", "16", "-o", filepath.Join(t.TempDir(), "d"), dir)
	require.NoError(t, err)
	assert.Contains(t, stdout, "6 images of 16×16 from "+dir)
}

func TestFitJackknife(t *testing.T) {
	t.Parallel()
	path, fields := cliNPY(t, 30, 24, 1.5, 21)
	stdout, _, err, _ := cliRun(t, "fit", "-json", "-standardize", "global", "-jackknife", "4", path)
	require.NoError(t, err)
	var got fitJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	assert.Equal(t, 4, got.Jackknife)

	// Reference: four consecutive groups of 7, 8, 7 and 8 fields
	// (⌊g·30/4⌋ boundaries), accumulated one field at a time.
	var parts []*noise.Spectrum
	for _, b := range [][2]int{{0, 7}, {7, 15}, {15, 22}, {22, 30}} {
		p := noise.NewSpectrum(24, 24)
		for _, f := range fields[b[0]:b[1]] {
			require.NoError(t, p.Add(f))
		}
		parts = append(parts, p)
	}
	want, err := noise.FitPowerLawJackknife(parts, &noise.FitOptions{Samples: 29})
	require.NoError(t, err)
	assert.InDelta(t, want.Delta, got.Delta, 1e-9)
	assert.InDelta(t, want.DeltaErr, got.DeltaErr, 1e-9)
	assert.InDelta(t, want.AErr, got.AErr, 1e-9*want.A)

	stdout, _, err, _ = cliRun(t, "fit", "-jackknife", "3", path)
	require.NoError(t, err)
	assert.Contains(t, stdout, "jackknife over 3 groups")

	_, _, err, code := cliRun(t, "fit", "-jackknife", "1", path)
	cliCheckError(t, err, code, 2, "-jackknife 1")
	_, _, err, code = cliRun(t, "fit", "-jackknife", "31", path)
	cliCheckError(t, err, code, 1, "-jackknife 31", "30 images")
}

// The default of fit is the paper's estimator: each pixel standardised by
// its own mean and standard deviation (two passes), as computed here by
// hand with Spectrum and Spectrum.Standardized.
func TestFitPaperEstimator(t *testing.T) {
	path, fields := cliNPY(t, 30, 24, 1.5, 23)
	stdout, _, err, _ := cliRun(t, "fit", "-json", path)
	require.NoError(t, err)
	var got fitJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	assert.Equal(t, "pixel", got.Standardize)
	first := noise.NewSpectrum(24, 24)
	for _, f := range fields {
		require.NoError(t, first.Add(f))
	}
	second, err := first.Standardized()
	require.NoError(t, err)
	for _, f := range fields {
		require.NoError(t, second.Add(f))
	}
	power, err := second.Power()
	require.NoError(t, err)
	want, err := noise.FitPowerLaw(power, nil)
	require.NoError(t, err)
	assert.InDelta(t, want.Delta, got.Delta, 1e-9)
	assert.InDelta(t, want.DeltaErr, got.DeltaErr, 1e-9)
	_, _, err, code := cliRun(t, "fit", "-standardize", "none", path)
	cliCheckError(t, err, code, 2, "-standardize")
}

// sample -noise white and -noise matched draw the library's fields for the
// white Spec and for the measured density of the -data images.
func TestSampleNoiseKinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	npy := filepath.Join(dir, "w.npy")
	stdout, _, err, _ := cliRun(t, "sample", "-noise", "white", "-rows", "5", "-cols", "7", "-count", "3", "-seed", "4", "-o", npy)
	require.NoError(t, err)
	assert.Contains(t, stdout, "5×7, white")
	fields, err := imageio.LoadNPY(npy)
	require.NoError(t, err)
	s, err := noise.NewSampler(noise.Spec{Rows: 5, Cols: 7, Density: noise.WhiteDensity()}, source(4))
	require.NoError(t, err)
	for k, w := range s.SampleBatch(make([]*mat.Dense, 3)) {
		assert.True(t, mat.Equal(w, fields[k]), "white field %d", k)
	}

	imgs := cliDeadLeaves(t, 40, 16, 6)
	data := filepath.Join(dir, "leaves.npy")
	require.NoError(t, imageio.SaveNPY(data, imgs))
	out := filepath.Join(dir, "m.npy")
	stdout, _, err, _ = cliRun(t, "sample", "-noise", "matched", "-data", data, "-n", "16", "-count", "2", "-seed", "5", "-o", out)
	require.NoError(t, err)
	assert.Contains(t, stdout, "matched to the spectrum of 40 images")
	fields, err = imageio.LoadNPY(out)
	require.NoError(t, err)
	sp := noise.NewSpectrum(16, 16)
	require.NoError(t, sp.AddBatch(imgs))
	power, err := sp.Power()
	require.NoError(t, err)
	d, err := noise.MeasuredDensity(power, 40, nil)
	require.NoError(t, err)
	s, err = noise.NewSampler(noise.Spec{Rows: 16, Cols: 16, Density: d, Pad: 1}, source(5))
	require.NoError(t, err)
	for k, w := range s.SampleBatch(make([]*mat.Dense, 2)) {
		assert.True(t, mat.EqualApprox(w, fields[k], 1e-12), "matched field %d", k)
	}
	// Too few images for an unsmoothed spectrum: an error naming the cure.
	_, _, err, code := cliRun(t, "sample", "-noise", "matched", "-data", data, "-n", "8", "-o", filepath.Join(dir, "x.png"), "-rows", "16", "-cols", "12")
	cliCheckError(t, err, code, 1, "the images are 16×16, the fields 16×12")
	few := filepath.Join(dir, "few.npy")
	require.NoError(t, imageio.SaveNPY(few, imgs[:5]))
	_, _, err, code = cliRun(t, "sample", "-noise", "matched", "-data", few, "-n", "16", "-o", filepath.Join(dir, "y.png"))
	cliCheckError(t, err, code, 1, "relative standard error", "-smooth")
}

// TestDistanceRandomPairing checks issue 15 item 2 through the command: on a
// stack of overlapping crops sorted by field (like a folder of crops of a
// few photographs, read in name order), d(images, images) must estimate the
// mean over all pairs of distinct images, not the distance between
// neighbours in file order. Before the fix the command paired images 2i and
// 2i+1 and reported a value about 30% low, tens of standard errors away.
func TestDistanceRandomPairing(t *testing.T) {
	t.Parallel()
	const n, fields = 16, 6
	s, err := noise.NewSampler(noise.Spec{Rows: n + 8, Cols: n + 8, Delta: 1.5}, source(31))
	require.NoError(t, err)
	var imgs []*mat.Dense
	for _, f := range s.SampleBatch(make([]*mat.Dense, fields)) {
		for a := range 4 {
			for b := range 4 {
				imgs = append(imgs, mat.DenseCopyOf(f.Slice(2*a, 2*a+n, 2*b, 2*b+n)))
			}
		}
	}
	path := filepath.Join(t.TempDir(), "crops.npy")
	require.NoError(t, imageio.SaveNPY(path, imgs))

	// The mean over all pairs of distinct images, in the units of the
	// table: the images are standardised by one scale σ (the per-pixel mean
	// cancels in differences), so d_table(x, y) = d(x, y)/σ.
	m, err := noise.NewMetric(n, n, 1.5, 1)
	require.NoError(t, err)
	var mean mat.Dense
	mean.Scale(0, imgs[0])
	for _, x := range imgs {
		mean.Add(&mean, x)
	}
	mean.Scale(1/float64(len(imgs)), &mean)
	var ss float64
	for _, x := range imgs {
		var d mat.Dense
		d.Sub(x, &mean)
		ss += mat.Norm(&d, 2) * mat.Norm(&d, 2)
	}
	sigma := math.Sqrt(ss / float64(len(imgs)*n*n))
	var all float64
	for i := range imgs {
		for j := i + 1; j < len(imgs); j++ {
			all += m.Distance(imgs[i], imgs[j]) / sigma
		}
	}
	all /= float64(len(imgs) * (len(imgs) - 1) / 2)

	means := map[float64]bool{}
	for _, seed := range []string{"1", "2"} {
		stdout, _, err, _ := cliRun(t, "distance", "-json", "-delta", "1.5", "-a", "1", "-seed", seed, path)
		require.NoError(t, err)
		var got tableJSON
		require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
		e := got.Distances["images_images"]
		assert.Equal(t, len(imgs)/2, e.N)
		// A random sample of pairs: within 4 standard errors of the mean
		// over all pairs (a two-sided normal tail of 6·10⁻⁵; fixed seeds).
		assert.InDelta(t, all, e.Mean, 4*float64(e.StdErr), "-seed %s: %v ± %v, all pairs %v", seed, e.Mean, e.StdErr, all)
		means[e.Mean] = true
	}
	assert.Len(t, means, 2, "the pairing follows -seed")
}

// TestSinglePairStdErr checks issue 15 item 3: a distance from a single pair
// has no standard error, written as JSON null and drawn without an error
// bar; the run does not fail on input it accepts. Before the fix, -json
// failed with "json: unsupported value: +Inf", -plot with "plotter:
// infinite data point", and demo stopped after spectrum.png.
func TestSinglePairStdErr(t *testing.T) {
	t.Parallel()
	// 3 images: d(images, images) rests on one pair.
	path, _ := cliNPY(t, 3, 32, 1.5, 41)
	plot := filepath.Join(t.TempDir(), "bars.png")
	stdout, _, err, _ := cliRun(t, "distance", "-json", "-delta", "1.5", "-plot", plot, path)
	require.NoError(t, err)
	var got struct {
		Distances map[string]map[string]any `json:"distances"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	one := got.Distances["images_images"]
	assert.Equal(t, 1.0, one["n"])
	assert.Contains(t, one, "stderr")
	assert.Nil(t, one["stderr"], "undefined standard error: null")
	assert.IsType(t, 0.0, got.Distances["images"]["stderr"], "defined standard errors stay numbers")
	cliDecodePNG(t, plot)

	// -samples 2: one pair of white and of cloud noise.
	_, _, err, _ = cliRun(t, "distance", "-json", "-delta", "1.5", "-samples", "2", "-plot", plot, path)
	require.NoError(t, err)

	// The demo with 2 images writes all its files.
	out := filepath.Join(t.TempDir(), "demo")
	_, _, err, _ = cliRun(t, "demo", "-images", "2", "-size", "32", "-o", out)
	require.NoError(t, err)
	for _, name := range []string{demoGallery, demoSpectrum, demoBars, demoSNR} {
		cliDecodePNG(t, filepath.Join(out, name))
	}
	_, err = os.Stat(filepath.Join(out, demoSummary))
	assert.NoError(t, err)
}

// TestDistanceAmplitudeRange checks issue 15 item 3: -a values whose
// distances overflow (+Inf) or whose squares underflow (standard error "± 0")
// are refused up front, by the command and by the library.
func TestDistanceAmplitudeRange(t *testing.T) {
	t.Parallel()
	path, imgs := cliNPY(t, 8, 16, 1.5, 42)
	for _, a := range []string{"1e-300", "1e300", "-1", "NaN", "+Inf"} {
		_, _, err, code := cliRun(t, "distance", "-delta", "1.5", "-a", a, path)
		cliCheckError(t, err, code, 2, "-a")
	}
	for _, a := range []float64{1e-300, 1e300} {
		_, err := noise.DistanceTable(imgs, &noise.TableOptions{Delta: 1.5, A: a}, source(1))
		assert.ErrorContains(t, err, "amplitude", "A = %v", a)
	}
	// The bounds themselves give finite distances with nonzero errors.
	for _, a := range []float64{noise.MinTableAmplitude, noise.MaxTableAmplitude} {
		tab, err := noise.DistanceTable(imgs, &noise.TableOptions{Delta: 1.5, A: a}, source(1))
		require.NoError(t, err, "A = %v", a)
		for _, e := range distanceEntries(tab) {
			assert.False(t, math.IsInf(e.e.Mean, 0) || math.IsNaN(e.e.Mean), "A = %v %s = %v", a, e.key, e.e)
			assert.Greater(t, e.e.StdErr, 0.0, "A = %v %s = %v", a, e.key, e.e)
			assert.False(t, math.IsInf(e.e.StdErr, 0), "A = %v %s = %v", a, e.key, e.e)
		}
	}
}

// TestOutputIsFolder checks issue 15 item 4: an output path that is an
// existing folder is refused before any work, by every subcommand that
// writes files. Before the fix, train found it at its first checkpoint
// (with -every 0 after the whole run), generate after all sampling, and the
// others after their computation; stdout stayed empty only here.
func TestOutputIsFolder(t *testing.T) {
	t.Parallel()
	path, _ := cliNPY(t, 8, 16, 1.5, 43)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "isdir.png") // a folder with a file's name
	require.NoError(t, os.Mkdir(dir, 0o755))
	// Folders named like the files demo, theory and experiment write.
	demoOut := filepath.Join(tmp, "demo")
	require.NoError(t, os.MkdirAll(filepath.Join(demoOut, demoSpectrum), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(tmp, "th-bands.png"), 0o755))
	expOut := filepath.Join(tmp, "exp")
	require.NoError(t, os.MkdirAll(filepath.Join(expOut, "experiment-samples-deadleaves.png"), 0o755))
	for _, args := range [][]string{
		{"train", "-data", path, "-size", "16", "-base", "8", "-steps", "2", "-batch", "2", "-every", "0", "-ckpt", dir},
		{"generate", "-ckpt", filepath.Join(tmp, "model.ckpt"), "-o", dir},
		{"sample", "-n", "16", "-o", dir},
		{"fit", "-plot", dir, path},
		{"distance", "-delta", "1.5", "-plot", dir, path},
		{"snr", "-plot", dir},
		{"theory", "-delta", "1.5", "-size", "16", "-k", "2", "-plot", dir},
		{"theory", "-delta", "1.5", "-size", "16", "-k", "2", "-plot", filepath.Join(tmp, "th.png")},
		{"demo", "-size", "16", "-images", "4", "-o", demoOut},
		experimentTestArgs(expOut),
	} {
		t.Run(args[0], func(t *testing.T) {
			stdout, _, err, code := cliRun(t, args...)
			cliCheckError(t, err, code, 1, "is a folder: name a file")
			assert.Empty(t, stdout, "%v: no work before the check", args)
		})
	}
	_, err := os.Stat(filepath.Join(tmp, "th.png"))
	assert.True(t, os.IsNotExist(err), "theory wrote its first plot before failing on the second")
}

// TestFitBinsBounded checks issue 15 item 6 through the command: an absurd
// -bins is an error naming the bound, at once (it hung before the fix).
func TestFitBinsBounded(t *testing.T) {
	t.Parallel()
	path, _ := cliNPY(t, 8, 16, 1.5, 44)
	_, _, err, code := cliRun(t, "fit", "-method", "binned", "-bins", "2000000000", path)
	cliCheckError(t, err, code, 1, "2000000000 radial bins for", "distinct |k|")
}

// TestNPYStackShape checks issue 15 item 9: a .npy written by sample and
// generate is a stack (N, H, W) for any count, also 1 (before the fix one
// field was written as (H, W)).
func TestNPYStackShape(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	header := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return string(b[:min(128, len(b))])
	}
	for _, count := range []string{"1", "2"} {
		path := filepath.Join(dir, "s"+count+".npy")
		_, _, err, _ := cliRun(t, "sample", "-n", "8", "-count", count, "-o", path)
		require.NoError(t, err)
		assert.Contains(t, header(path), "'shape': ("+count+", 8, 8)")
	}
	data := filepath.Join(dir, "train.npy")
	require.NoError(t, imageio.SaveNPY(data, cliDeadLeaves(t, 8, 16, 3)))
	ckpt := filepath.Join(dir, "m.ckpt")
	_, _, err, _ := cliRun(t, "train", "-data", data, "-size", "16", "-base", "8", "-steps", "1", "-batch", "2", "-ckpt", ckpt)
	require.NoError(t, err)
	path := filepath.Join(dir, "g.npy")
	_, _, err, _ = cliRun(t, "generate", "-ckpt", ckpt, "-count", "1", "-steps", "2", "-o", path)
	require.NoError(t, err)
	assert.Contains(t, header(path), "'shape': (1, 16, 16)")
}

// TestSNRDeltaStepsCross checks issue 15 item 11: snr -delta with images
// fits nothing (before the fix it fitted Δ anyway and failed where the fit
// is impossible), the default times scale with -steps (before, -steps 10
// failed on the default -t 50,…), and -cross masks the fit as in fit.
func TestSNRDeltaStepsCross(t *testing.T) {
	t.Parallel()
	decode := func(stdout string) snrResult {
		t.Helper()
		var r snrResult
		require.NoError(t, json.Unmarshal([]byte(stdout), &r), stdout)
		return r
	}
	// 8×8 images: with the paper's cross mask of 4 no frequency is left,
	// so a fit is impossible; -delta needs none.
	small, _ := cliNPY(t, 6, 8, 1.5, 45)
	_, _, err, _ := cliRun(t, "fit", small)
	require.Error(t, err, "the fit is impossible here")
	stdout, _, err, _ := cliRun(t, "snr", "-json", "-delta", "1.5", "-bins", "2", small)
	require.NoError(t, err)
	got := decode(stdout)
	assert.Equal(t, 1.5, got.Delta)
	assert.Equal(t, "6 images", got.Data)

	// Default times: 5%, 20%, 50%, 80%, 95% of -steps, rounded.
	stdout, _, err, _ = cliRun(t, "snr", "-json", "-n", "16", "-steps", "10")
	require.NoError(t, err)
	var ts []int
	for _, c := range decode(stdout).Curves {
		if c.Noise == "white" {
			ts = append(ts, c.T)
		}
	}
	assert.Equal(t, []int{1, 2, 5, 8, 10}, ts) // 0.5 and 9.5 round away from zero
	assert.Equal(t, []int{50, 200, 500, 800, 950}, defaultSNRTimes(1000))

	// -cross: the Δ of fit with the same mask.
	path, _ := cliNPY(t, 12, 32, 1.5, 46)
	stdout, _, err, _ = cliRun(t, "fit", "-json", "-cross", "-1", path)
	require.NoError(t, err)
	var fit fitJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &fit), stdout)
	stdout, _, err, _ = cliRun(t, "snr", "-json", "-cross", "-1", path)
	require.NoError(t, err)
	assert.Equal(t, fit.Delta, decode(stdout).Delta)
	for _, args := range [][]string{{"snr", "-cross", "2"}, {"snr", "-cross", "2", "-delta", "1.5", path}} {
		_, _, err, code := cliRun(t, args...)
		cliCheckError(t, err, code, 2, "-cross")
	}
}

// TestConsistency checks issue 15 item 12 (each case failed before the
// fix): the JSON of distance reports the effective mask like fit; a binned
// fit's legend counts bins; -cross below -1 is an error; errors speak of
// flags, not Go names; experiment -k 0 reports -k; distance labels its two
// amplitudes. (The Beam module's lower-case method is checked in its own
// tests.)
func TestConsistency(t *testing.T) {
	t.Parallel()
	path, _ := cliNPY(t, 12, 32, 1.5, 47)
	stdout, _, err, _ := cliRun(t, "distance", "-json", path)
	require.NoError(t, err)
	var tab tableJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &tab), stdout)
	stdout, _, err, _ = cliRun(t, "fit", "-json", path)
	require.NoError(t, err)
	var fit fitJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &fit), stdout)
	require.NotNil(t, tab.Fit)
	assert.Equal(t, 4, fit.Cross)
	assert.Equal(t, fit.Cross, tab.Fit.Cross, "the same default mask")
	assert.Equal(t, fit.Standardize, tab.Fit.Standardize)

	assert.Equal(t, "fitted (7921 frequencies in 16 bins)", plotting.FittedLabel(7921, noise.PowerLaw{Method: noise.FitBinned, Points: 16}))
	assert.Equal(t, "fitted (7921 frequencies)", plotting.FittedLabel(7921, noise.PowerLaw{Method: noise.FitOLS, Points: 7921}))

	_, _, err, code := cliRun(t, "fit", "-cross", "-5", path)
	cliCheckError(t, err, code, 2, "-cross -5")

	one, _ := cliNPY(t, 1, 16, 1.5, 48)
	_, _, err, _ = cliRun(t, "distance", "-delta", "1.5", one)
	require.Error(t, err)
	assert.Contains(t, errorLine(err), "needs at least 2 images, got 1")
	assert.NotContains(t, errorLine(err), "DistanceTable")

	// Cloud noise fitted to 8×8 images: impossible with the paper's mask.
	small, _ := cliNPY(t, 6, 8, 1.5, 49)
	_, _, err, _ = cliRun(t, "train", "-data", small, "-size", "8", "-base", "8", "-steps", "1", "-batch", "2", "-ckpt", filepath.Join(t.TempDir(), "m.ckpt"))
	require.Error(t, err)
	assert.Contains(t, errorLine(err), "(give -delta)")
	assert.NotContains(t, errorLine(err), "noise.Spec")
	assert.NotContains(t, errorLine(err), "Config")

	_, _, err, code = cliRun(t, experimentTestArgs(t.TempDir(), "-k", "0")...)
	cliCheckError(t, err, code, 2, "-k: 0")

	stdout, _, err, _ = cliRun(t, "distance", path)
	require.NoError(t, err)
	assert.Contains(t, stdout, "power law fitted to the images' spectrum: Δ = ")
	assert.Contains(t, stdout, "spectrum amplitude")
	assert.Contains(t, stdout, "Q0 = N(0, A²|k|^(−2Δ)) with Δ = ")
}

// TestVersion checks issue 15 item 14's version subcommand (before the fix
// "cloudnoise version" was an unknown command).
func TestVersion(t *testing.T) {
	t.Parallel()
	stdout, _, err, _ := cliRun(t, "version")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(stdout, "cloudnoise "), stdout)
	assert.Contains(t, stdout, runtime.Version())
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-02T06:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	assert.Equal(t, "cloudnoise v1.2.3 (commit 0123456789ab, 2026-12-02T06:00:00Z, modified), "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH, versionLine(bi, true))
	_, _, err, code := cliRun(t, "version", "extra")
	cliCheckError(t, err, code, 2, "unexpected argument")
}

// TestLoadFlags checks issue 15 item 14's loading in the command: a folder
// given twice counts once, -r searches subfolders, -skip-bad skips and
// reports a corrupt file (stderr and -json), and train takes PATH...
// like the other commands (-data stays as a deprecated alias). Before the
// fix the folder counted twice, and -r, -skip-bad and train's positional
// paths did not exist.
func TestLoadFlags(t *testing.T) {
	t.Parallel()
	dir := cliPNGFolder(t, cliDeadLeaves(t, 6, 16, 50))
	sub := filepath.Join(dir, "more")
	require.NoError(t, os.Mkdir(sub, 0o755))
	for i, m := range cliDeadLeaves(t, 4, 16, 51) {
		require.NoError(t, imageio.SavePNG(filepath.Join(sub, fmt.Sprintf("m%d.png", i)), m, 0, 1, 8))
	}
	fitImages := func(args ...string) (fitJSON, string) {
		t.Helper()
		stdout, stderr, err, _ := cliRun(t, append([]string{"fit", "-json", "-cross", "-1"}, args...)...)
		require.NoError(t, err, stderr)
		var f fitJSON
		require.NoError(t, json.Unmarshal([]byte(stdout), &f), stdout)
		return f, stderr
	}
	f, _ := fitImages(dir)
	assert.Equal(t, 6, f.Images)
	f, stderr := fitImages(dir, dir)
	assert.Equal(t, 6, f.Images, "the folder given twice counts once")
	assert.Contains(t, stderr, "6 file(s) reached more than once were loaded once")
	f, _ = fitImages("-r", dir)
	assert.Equal(t, 10, f.Images, "-r: the subfolder too")

	bad := filepath.Join(dir, "zz-corrupt.png")
	require.NoError(t, os.WriteFile(bad, []byte("not a png"), 0o644))
	_, _, err, _ := cliRun(t, "fit", dir)
	cliCheckError(t, err, 1, 1, "zz-corrupt.png")
	f, stderr = fitImages("-skip-bad", dir)
	assert.Equal(t, 6, f.Images)
	require.Len(t, f.Skipped, 1)
	assert.Equal(t, bad, f.Skipped[0].Path)
	assert.Contains(t, f.Skipped[0].Error, "zz-corrupt.png")
	assert.Contains(t, stderr, "skipped 1 file(s) that could not be read (-skip-bad)")
	stdout, _, err, _ := cliRun(t, "distance", "-json", "-delta", "1.5", "-skip-bad", dir)
	require.NoError(t, err)
	var tab tableJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &tab))
	assert.Equal(t, 6, tab.Images)
	require.Len(t, tab.Skipped, 1)

	// train: PATH..., with -r and -skip-bad; -data as an alias; not both.
	ckpt := filepath.Join(t.TempDir(), "m.ckpt")
	stdout, _, err, _ = cliRun(t, "train", "-size", "16", "-base", "8", "-steps", "1", "-batch", "2", "-ckpt", ckpt, "-r", "-skip-bad", dir)
	require.NoError(t, err)
	assert.Contains(t, stdout, "on 10 images of 1×16×16")
	stdout, _, err, _ = cliRun(t, "train", "-size", "16", "-base", "8", "-steps", "1", "-batch", "2", "-ckpt", ckpt, "-data", sub)
	require.NoError(t, err)
	assert.Contains(t, stdout, "on 4 images")
	_, _, err, code := cliRun(t, "train", "-ckpt", ckpt, "-data", sub, dir)
	cliCheckError(t, err, code, 2, "both as PATH and with -data")
}

// TestFitJackknifeBy checks issue 15 item 14's grouping by file name: the
// jackknife groups of -jackknife-by are the images whose names match
// alike, whatever their order (before the fix only consecutive groups
// existed), and the fit equals the library's with those groups.
func TestFitJackknifeBy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	imgs := cliDeadLeaves(t, 9, 16, 52)
	// p0_a, p0_b, p0_c, p1_a, …: sorted by name, the letters interleave.
	var labels []int
	for i, m := range imgs {
		name := fmt.Sprintf("p%d_%c.png", i/3, 'a'+i%3)
		require.NoError(t, imageio.SavePNG(filepath.Join(dir, name), m, 0, 1, 8))
	}
	loaded, names, err := imageio.LoadPaths([]string{dir}, nil)
	require.NoError(t, err)
	for _, n := range names {
		labels = append(labels, int(n[len(n)-5]-'a')) // the letter: a, b, c
	}
	want, err := noise.FitImages(loaded, &noise.ImageFitOptions{GroupOf: labels})
	require.NoError(t, err)
	stdout, _, err, _ := cliRun(t, "fit", "-json", "-jackknife-by", `_(.)\.png$`, dir)
	require.NoError(t, err)
	var got fitJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	assert.Equal(t, 3, got.Jackknife)
	assert.Equal(t, want.Delta, got.Delta)
	assert.Equal(t, want.DeltaErr, got.DeltaErr)

	// "prefix": the name up to its last '_' (p0, p1, p2).
	stdout, _, err, _ = cliRun(t, "fit", "-json", "-jackknife-by", "prefix", dir)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	assert.Equal(t, 3, got.Jackknife)

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-jackknife", "3", "-jackknife-by", "prefix"}, 2, "give one"},
		{[]string{"-jackknife-by", "("}, 2, "-jackknife-by"},
		{[]string{"-jackknife-by", "^q"}, 1, "does not match"},
		{[]string{"-jackknife-by", "png"}, 1, "one group"},
	} {
		_, _, err, code := cliRun(t, append(append([]string{"fit"}, c.args...), dir)...)
		cliCheckError(t, err, code, c.code, c.want)
	}
}

// TestProgress checks issue 15 item 14's progress: generate reports its
// steps on stderr, and a large sample run its fields, drawn in chunks that
// give the same fields as one batch (before the fix both ran silently).
func TestProgress(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// sample: 300 fields of 16×16, passed as fields of 128×128 pixels so
	// that the run counts as large (2²² pixels and more) and is chunked.
	const n = 300
	s, err := noise.NewSampler(noise.Spec{Rows: 16, Cols: 16, Delta: 1.5}, source(3))
	require.NoError(t, err)
	var stderr bytes.Buffer
	chunked := sampleFields(s, n, 128*128, &stderr)
	s, err = noise.NewSampler(noise.Spec{Rows: 16, Cols: 16, Delta: 1.5}, source(3))
	require.NoError(t, err)
	whole := s.SampleBatch(make([]*mat.Dense, n))
	for i := range whole {
		require.True(t, mat.Equal(whole[i], chunked[i]), "field %d", i)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	assert.GreaterOrEqual(t, len(lines), 10)
	assert.LessOrEqual(t, len(lines), 25)
	assert.Contains(t, lines[len(lines)-1], "sample: 300/300 fields")
	_, stderr2, err, _ := cliRun(t, "sample", "-n", "32", "-count", "10", "-o", filepath.Join(dir, "few.npy"))
	require.NoError(t, err)
	assert.Empty(t, stderr2, "a small run is quiet")

	data := filepath.Join(dir, "train.npy")
	require.NoError(t, imageio.SaveNPY(data, cliDeadLeaves(t, 8, 16, 3)))
	ckpt := filepath.Join(dir, "m.ckpt")
	_, _, err, _ = cliRun(t, "train", "-size", "16", "-base", "8", "-steps", "1", "-batch", "2", "-ckpt", ckpt, data)
	require.NoError(t, err)
	_, stderr3, err, _ := cliRun(t, "generate", "-ckpt", ckpt, "-count", "2", "-steps", "4", "-o", filepath.Join(dir, "g.png"))
	require.NoError(t, err)
	assert.Contains(t, stderr3, "generate: 4/4 steps (2 images)")
}

// TestSNRPlotRange checks issue 15 item 15: the SNR figure's y axis spans
// the data (before the fix 2.5 decades of headroom for the legend ran it
// to 1e7 for data below 6e4; the legend now sits beside the curves).
func TestSNRPlotRange(t *testing.T) {
	t.Parallel()
	stdout, _, err, _ := cliRun(t, "snr", "-json", "-n", "32")
	require.NoError(t, err)
	var r snrResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	hi := 0.0
	for _, c := range r.Curves {
		for _, v := range c.SNR {
			hi = max(hi, v)
		}
	}
	p, err := snrPlot(r.Curves, "t")
	require.NoError(t, err)
	assert.LessOrEqual(t, p.Y.Max, hi*(1+1e-12), "the y axis ends at the largest SNR")
	path := filepath.Join(t.TempDir(), "snr.png")
	_, _, err, _ = cliRun(t, "snr", "-n", "32", "-plot", path)
	require.NoError(t, err)
	cliDecodePNG(t, path)
}

// TestNoGoNamesInErrors checks issue 15 item 12's last leak: a noise the
// grid cannot represent is described in words, not as a raw Spec{…}
// literal (before the fix: "spec Spec{Rows: 8, …} leaves no usable Fourier
// mode").
func TestNoGoNamesInErrors(t *testing.T) {
	t.Parallel()
	_, _, err, code := cliRun(t, "sample", "-n", "8", "-delta", "400", "-o", filepath.Join(t.TempDir(), "x.png"))
	cliCheckError(t, err, code, 2, "no usable Fourier mode", "Δ = 400")
	assert.NotContains(t, errorLine(err), "Spec{")
}
