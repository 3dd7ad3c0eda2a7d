package noisebeam

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/dsp/window"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/imageio"
)

// TestMain runs the pipelines of this package's tests on prism, in process
// (ptest's default runner; -runner overrides it). Prism's progress logs
// (slog, level Info) are silenced.
func TestMain(m *testing.M) {
	beamlog.LogLevel = "warn" // read by beam.Init, called by ptest.Main
	ptest.Main(m)
}

// pipelineTestDelta is the Δ of the cloud noise written as test images.
const pipelineTestDelta = 1.5

// pipelineTestFolder writes n rows×cols 16-bit grayscale PNGs of cloud
// noise (Δ = 1.5, the library's sampler with a fixed seed), mapped to
// 0.5 + 0.12·v and clipped to [0, 1], into a new temporary folder, with
// image/png directly (not through imageio). It returns their paths in
// order.
func pipelineTestFolder(t testing.TB, n, rows, cols int, seed uint64) []string {
	t.Helper()
	dir := t.TempDir()
	sampler, err := noise.NewSampler(noise.Spec{Rows: rows, Cols: cols, Delta: pipelineTestDelta}, rand.NewPCG(seed, 2))
	require.NoError(t, err)
	paths := make([]string, n)
	for k := range paths {
		paths[k] = filepath.Join(dir, "img"+string(rune('a'+k/26))+string(rune('a'+k%26))+".png")
		pipelineTestWritePNG(t, paths[k], sampler.Sample(nil))
	}
	return paths
}

func pipelineTestWritePNG(t testing.TB, path string, m *mat.Dense) {
	t.Helper()
	rows, cols := m.Dims()
	img := image.NewGray16(image.Rect(0, 0, cols, rows))
	for i := range rows {
		for j := range cols {
			v := min(max(0.5+0.12*m.At(i, j), 0), 1)
			img.SetGray16(j, i, color.Gray16{Y: uint16(math.Round(v * 65535))})
		}
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
}

// pipelineTestReference is the single-machine computation on the same
// files: imageio.Load, noise.Spectrum.Add, Power and FitPowerLaw with the
// paper's options.
func pipelineTestReference(t *testing.T, paths []string, opts *imageio.Options) (*noise.Spectrum, *mat.Dense, noise.PowerLaw) {
	t.Helper()
	var s *noise.Spectrum
	for _, p := range paths {
		m, err := imageio.Load(p, opts)
		require.NoError(t, err)
		if s == nil {
			s = noise.NewSpectrum(m.Dims())
		}
		require.NoError(t, s.Add(m))
	}
	power, err := s.Power()
	require.NoError(t, err)
	fit, err := noise.FitPowerLaw(power, nil)
	require.NoError(t, err)
	return s, power, fit
}

// pipelineTestRun runs p on the test runner and returns the values of the
// cloudnoise/images and cloudnoise/failed counters.
func pipelineTestRun(t *testing.T, p *beam.Pipeline) (images, failed int64) {
	t.Helper()
	pr, err := ptest.RunWithMetrics(p)
	require.NoError(t, err)
	for _, c := range pr.Metrics().Query(func(r metrics.SingleResult) bool {
		return r.Namespace() == CounterNamespace
	}).Counters() {
		switch c.Name() {
		case CounterImages:
			images += c.Result()
		case CounterFailed:
			failed += c.Result()
		}
	}
	return images, failed
}

// pipelineTestOutputs reads the files written by WriteResult.
func pipelineTestOutputs(t *testing.T, resultPath, spectrumPath string) (Result, *mat.Dense) {
	t.Helper()
	data, err := os.ReadFile(resultPath)
	require.NoError(t, err)
	var r Result
	require.NoError(t, json.Unmarshal(data, &r))
	if spectrumPath == "" {
		return r, nil
	}
	f, err := os.Open(spectrumPath)
	if os.IsNotExist(err) {
		return r, nil
	}
	require.NoError(t, err)
	defer f.Close()
	var power mat.Dense
	require.NoError(t, npyio.Read(f, &power))
	return r, &power
}

// pipelineTestCompare checks the pipeline's result against the
// single-machine power and fit: Γ elementwise within combineTol relative,
// and the fit to 1e-9 (it is a smooth function of Γ, so it moves by about
// the same relative amount).
func pipelineTestCompare(t *testing.T, r Result, power, wantPower *mat.Dense, want noise.PowerLaw, n int) {
	t.Helper()
	require.Empty(t, r.Error)
	require.Equal(t, n, r.Images)
	require.NotNil(t, power, "spectrum file")
	for i := range wantPower.RawMatrix().Rows {
		for j := range wantPower.RawMatrix().Cols {
			g, w := power.At(i, j), wantPower.At(i, j)
			require.LessOrEqual(t, math.Abs(g-w), combineTol*math.Abs(w), "Γ(%d, %d): pipeline %v, single machine %v", i, j, g, w)
		}
	}
	require.InDelta(t, want.Delta, r.Delta, 1e-9, "Δ")
	require.InDelta(t, want.A, r.A, 1e-9*want.A, "A")
	require.InDelta(t, want.DeltaErr, r.DeltaErr, 1e-9, "Δ error")
	require.InDelta(t, want.R2, r.R2, 1e-9, "R²")
	require.Equal(t, want.Points, r.Points)
	// The sampler's Δ is 1.5; the paper's fit on 32 fields of this size is
	// within a few standard errors of it (see noise.FitPowerLaw's bias
	// table). This only guards against comparing two equally wrong
	// numbers.
	require.InDelta(t, pipelineTestDelta, r.Delta, 0.15)
}

// TestSpectrumOfFilesMatchesSpectrum runs the pipeline on prism over a
// folder of PNGs, with corrupt and unusable files mixed in, and checks
// that (a) Γ and the fit equal the single-machine Spectrum's on the good
// files, (b) every bad file is in the dead-letter output with its path and
// the error, and counted, and (c) the job does not fail.
func TestSpectrumOfFilesMatchesSpectrum(t *testing.T) {
	for _, shards := range []int{1, 3} {
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) { pipelineTestFiles(t, shards) })
	}
}

func pipelineTestFiles(t *testing.T, shards int) {
	const rows, cols, n = 40, 48, 32
	paths := pipelineTestFolder(t, n, rows, cols, 1)
	_, wantPower, want := pipelineTestReference(t, paths, nil)

	dir := filepath.Dir(paths[0])
	truncated := filepath.Join(dir, "truncated.png")
	good, err := os.ReadFile(paths[0])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(truncated, good[:len(good)/2], 0o644))
	text := filepath.Join(dir, "text.png")
	require.NoError(t, os.WriteFile(text, []byte("this is not an image"), 0o644))
	wrongSize := filepath.Join(dir, "wrongsize.png")
	pipelineTestWritePNG(t, wrongSize, mat.NewDense(rows, cols+1, nil))
	missing := filepath.Join(dir, "missing.png")
	bad := []string{truncated, text, wrongSize, missing}

	out := t.TempDir()
	resultPath, spectrumPath := filepath.Join(out, "result.json"), filepath.Join(out, "power.npy")
	p, s := beam.NewPipelineWithRoot()
	all := append(append([]string(nil), paths...), bad...)
	o := SpectrumOfFiles(s, beam.CreateList(s, all), Config{Rows: rows, Cols: cols, Shards: shards})
	WriteResult(s, o, resultPath, spectrumPath)
	images, failed := pipelineTestRun(t, p)

	require.Equal(t, int64(n), images, "images counter")
	require.Equal(t, int64(len(bad)), failed, "failed counter")
	r, power := pipelineTestOutputs(t, resultPath, spectrumPath)
	pipelineTestCompare(t, r, power, wantPower, want, n)
	require.Equal(t, rows, r.Rows)
	require.Equal(t, cols, r.Cols)
	require.Len(t, r.Failed, len(bad))
	// Sorted by path: missing, text, truncated, wrongsize.
	wantFailed := map[string]string{
		missing:   "no such file",
		text:      "imageio: ",
		truncated: "imageio: ",
		wrongSize: "want 40×48",
	}
	for k, f := range r.Failed {
		require.Contains(t, wantFailed, f.Path)
		require.Contains(t, f.Err, wantFailed[f.Path], f.Path)
		if k > 0 {
			require.Less(t, r.Failed[k-1].Path, f.Path, "failures sorted by path")
		}
	}
}

// TestSpectrumOfFilesResize checks Config.Resize: files of several sizes
// are centre-cropped and resized by imageio, as imageio.Load with the same
// target does on one machine.
func TestSpectrumOfFilesResize(t *testing.T) {
	const size, n = 24, 12
	a := pipelineTestFolder(t, n, 30, 40, 3)
	b := pipelineTestFolder(t, n, 24, 24, 4)
	paths := append(a, b...)
	opts := &imageio.Options{Rows: size, Cols: size}
	_, wantPower, _ := pipelineTestReference(t, paths, opts)

	out := t.TempDir()
	resultPath, spectrumPath := filepath.Join(out, "result.json"), filepath.Join(out, "power.npy")
	p, s := beam.NewPipelineWithRoot()
	o := SpectrumOfFiles(s, beam.CreateList(s, paths), Config{Rows: size, Cols: size, Resize: true})
	WriteResult(s, o, resultPath, spectrumPath)
	images, failed := pipelineTestRun(t, p)
	require.Equal(t, int64(2*n), images)
	require.Zero(t, failed)
	r, power := pipelineTestOutputs(t, resultPath, spectrumPath)
	require.Empty(t, r.Error)
	require.Equal(t, 2*n, r.Images)
	require.NotNil(t, power)
	for i := range size {
		for j := range size {
			require.LessOrEqual(t, math.Abs(power.At(i, j)-wantPower.At(i, j)), combineTol*wantPower.At(i, j), "Γ(%d, %d)", i, j)
		}
	}
}

// TestSpectrumOfImages runs the in-memory entry point: Images made from
// matrices, with malformed ones sent to the dead-letter output by name.
func TestSpectrumOfImages(t *testing.T) {
	const rows, cols, n = 17, 16, 20
	rnd := rand.New(rand.NewPCG(5, 6))
	sampler, err := noise.NewSampler(noise.Spec{Rows: rows, Cols: cols, Delta: 1}, rand.NewPCG(5, 6))
	require.NoError(t, err)
	ref := noise.NewSpectrum(rows, cols)
	var images []Image
	for k := range n {
		m := sampler.Sample(nil)
		m.Scale(1+rnd.Float64(), m)
		require.NoError(t, ref.Add(m))
		images = append(images, NewImage("ok"+string(rune('a'+k)), m))
	}
	nan := NewImage("nan", mat.NewDense(rows, cols, nil))
	nan.Pix[5] = math.NaN()
	images = append(images,
		nan,
		Image{Name: "short", Rows: rows, Cols: cols, Pix: make([]float64, 3)},
		NewImage("small", mat.NewDense(rows-1, cols, nil)),
	)
	wantPower, err := ref.Power()
	require.NoError(t, err)
	want, err := noise.FitPowerLaw(wantPower, nil)
	require.NoError(t, err)

	out := t.TempDir()
	resultPath, spectrumPath := filepath.Join(out, "r.json"), filepath.Join(out, "p.npy")
	p, s := beam.NewPipelineWithRoot()
	o := SpectrumOfImages(s, beam.CreateList(s, images), Config{Rows: rows, Cols: cols})
	WriteResult(s, o, resultPath, spectrumPath)
	nImages, nFailed := pipelineTestRun(t, p)
	require.Equal(t, int64(n), nImages)
	require.Equal(t, int64(3), nFailed)
	r, power := pipelineTestOutputs(t, resultPath, spectrumPath)
	require.Empty(t, r.Error)
	require.Equal(t, n, r.Images)
	for i := range rows {
		for j := range cols {
			require.LessOrEqual(t, math.Abs(power.At(i, j)-wantPower.At(i, j)), combineTol*wantPower.At(i, j), "Γ(%d, %d)", i, j)
		}
	}
	require.InDelta(t, want.Delta, r.Delta, 1e-9)
	var names []string
	for _, f := range r.Failed {
		names = append(names, f.Path)
		// Decoding errors come from imageio, the others from this package.
		require.True(t, strings.HasPrefix(f.Err, "imageio: ") || strings.HasPrefix(f.Err, "noise: "), f.Err)
	}
	require.Equal(t, []string{"nan", "short", "small"}, names)
}

// TestSpectrumOfFilesNoUsableImage: when every input fails, the job still
// succeeds and writes a result that says so and lists the failures, and no
// spectrum file.
func TestSpectrumOfFilesNoUsableImage(t *testing.T) {
	dir := t.TempDir()
	bad := []string{filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")}
	for _, b := range bad {
		require.NoError(t, os.WriteFile(b, []byte("garbage"), 0o644))
	}
	resultPath, spectrumPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "p.npy")
	p, s := beam.NewPipelineWithRoot()
	o := SpectrumOfFiles(s, beam.CreateList(s, bad), Config{Rows: 8, Cols: 8})
	WriteResult(s, o, resultPath, spectrumPath)
	images, failed := pipelineTestRun(t, p)
	require.Zero(t, images)
	require.Equal(t, int64(2), failed)
	r, power := pipelineTestOutputs(t, resultPath, spectrumPath)
	require.Nil(t, power, "no spectrum file without images")
	require.Contains(t, r.Error, "no usable image")
	require.Zero(t, r.Images)
	require.Len(t, r.Failed, 2)
	require.Equal(t, bad[0], r.Failed[0].Path)
	require.Equal(t, bad[1], r.Failed[1].Path)
}

// TestNewEstimate checks the single-machine equivalent against a direct
// computation, its Whittle default for Samples, and its errors.
func TestNewEstimate(t *testing.T) {
	sampler, err := noise.NewSampler(noise.Spec{Rows: 20, Cols: 20, Delta: 1}, rand.NewPCG(9, 9))
	require.NoError(t, err)
	s := noise.NewSpectrum(20, 20)
	for range 10 {
		require.NoError(t, s.Add(sampler.Sample(nil)))
	}
	data, err := s.MarshalBinary()
	require.NoError(t, err)
	power, err := s.Power()
	require.NoError(t, err)
	for _, fit := range []noise.FitOptions{{}, {Method: noise.FitBinned}, {Method: noise.FitWhittle, Cross: -1}} {
		e, err := NewEstimate(data, fit)
		require.NoError(t, err)
		require.Empty(t, e.Err)
		want := fit
		if want.Method == noise.FitWhittle {
			want.Samples = 9 // Count − 1
		}
		pl, err := noise.FitPowerLaw(power, &want)
		require.NoError(t, err)
		require.Equal(t, pl.Delta, e.Delta, "%v", fit.Method)
		require.Equal(t, pl.DeltaErr, e.DeltaErr, "%v", fit.Method)
		require.Equal(t, strings.ToLower(pl.Method.String()), e.Method, "the method as cloudnoise writes it (issue 15 item 12)")
		require.Equal(t, power.RawMatrix().Data, e.Power)
		got, err := e.PowerDense()
		require.NoError(t, err)
		require.True(t, mat.Equal(got, power))
		require.Equal(t, 10, e.Images)
	}

	// One image: zero variance, Err set, no error.
	one := noise.NewSpectrum(4, 4)
	require.NoError(t, one.Add(mat.NewDense(4, 4, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})))
	data1, err := one.MarshalBinary()
	require.NoError(t, err)
	e, err := NewEstimate(data1, noise.FitOptions{})
	require.NoError(t, err)
	require.Contains(t, e.Err, "zero variance")
	_, err = e.PowerDense()
	require.Error(t, err)
	r := NewResult(&e, nil)
	require.Equal(t, e.Err, r.Error)
	require.Equal(t, 1, r.Images)

	_, err = NewEstimate([]byte("junk"), noise.FitOptions{})
	require.ErrorContains(t, err, "noise: ")
}

// TestWriteFileLocalAtomic checks that WriteFile replaces a local file
// whole and that ReadFile reads it back.
func TestWriteFileLocalAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.json")
	ctx := context.Background()
	require.NoError(t, WriteFile(ctx, path, []byte("first")))
	require.NoError(t, WriteFile(ctx, path, []byte("second")))
	got, err := ReadFile(ctx, path)
	require.NoError(t, err)
	require.Equal(t, "second", string(got))
	require.Error(t, WriteFile(ctx, filepath.Join(path, "under-a-file"), []byte("x")))
	_, err = ReadFile(ctx, filepath.Join(t.TempDir(), "missing"))
	require.ErrorContains(t, err, "noise: ")
}

// TestSpectrumOfFilesWindow runs a windowed estimate in two shards and
// compares it with a single noise.Spectrum with window.Hann.
func TestSpectrumOfFilesWindow(t *testing.T) {
	const size, n = 24, 16
	paths := pipelineTestFolder(t, n, size, size, 12)
	ref, err := noise.NewSpectrumOptions(size, size, &noise.SpectrumOptions{Window: window.Hann})
	require.NoError(t, err)
	for _, p := range paths {
		m, err := imageio.Load(p, nil)
		require.NoError(t, err)
		require.NoError(t, ref.Add(m))
	}
	wantPower, err := ref.Power()
	require.NoError(t, err)

	out := t.TempDir()
	resultPath, spectrumPath := filepath.Join(out, "r.json"), filepath.Join(out, "p.npy")
	p, s := beam.NewPipelineWithRoot()
	o := SpectrumOfFiles(s, beam.CreateList(s, paths), Config{Rows: size, Cols: size, Window: "hann", Shards: 2})
	WriteResult(s, o, resultPath, spectrumPath)
	images, failed := pipelineTestRun(t, p)
	require.Equal(t, int64(n), images)
	require.Zero(t, failed)
	r, power := pipelineTestOutputs(t, resultPath, spectrumPath)
	require.Empty(t, r.Error)
	require.NotNil(t, power)
	for i := range size {
		for j := range size {
			require.LessOrEqual(t, math.Abs(power.At(i, j)-wantPower.At(i, j)), combineTol*wantPower.At(i, j), "Γ(%d, %d)", i, j)
		}
	}
	require.Panics(t, func() {
		_, s := beam.NewPipelineWithRoot()
		SpectrumOfFiles(s, beam.Create(s, "x.png"), Config{Rows: size, Cols: size, Window: "boxcar"})
	})
}
