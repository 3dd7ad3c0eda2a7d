package plotting

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/cloud-diffusion/noise"
)

func TestGray(t *testing.T) {
	t.Parallel()
	m := mat.NewDense(1, 5, []float64{-1, 0, 0.5, 1, 2})
	got := Gray(m, 0, 1)
	// round(255·clip(v, 0, 1)).
	assert.Equal(t, []uint8{0, 0, 128, 255, 255}, got.Pix)

	// lo == hi: the field's own range, -1 → 0 and 2 → 255.
	got = Gray(m, 0, 0)
	assert.Equal(t, []uint8{0, 85, 128, 170, 255}, got.Pix)

	// Constant fields are mid-grey, non-finite values black.
	got = Gray(mat.NewDense(1, 3, []float64{4, math.NaN(), 4}), 0, 0)
	assert.Equal(t, []uint8{128, 0, 128}, got.Pix)
}

// TestSpectrumMaskMatchesFit checks that the points drawn as "fitted" are
// exactly those noise.FitPowerLaw uses: for the OLS method PowerLaw.Points
// counts the unmasked lattice points.
func TestSpectrumMaskMatchesFit(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{16, 16}, {15, 20}, {24, 9}} {
		rows, cols := size[0], size[1]
		s, err := noise.NewSampler(noise.Spec{Rows: rows, Cols: cols, Delta: 1.5}, nil)
		require.NoError(t, err)
		spec := noise.NewSpectrum(rows, cols)
		require.NoError(t, spec.AddBatch(s.SampleBatch(make([]*mat.Dense, 8))))
		power, err := spec.Power()
		require.NoError(t, err)
		kk := noise.Wavenumbers(rows, cols)
		for _, opts := range []*noise.FitOptions{nil, {Cross: 2}, {Cross: -1}, {Cross: -1, KMin: 0.1, KMax: 0.4}} {
			fit, err := noise.FitPowerLaw(power, opts)
			require.NoError(t, err)
			used := 0
			for i := range rows {
				for j := range cols {
					if !SpectrumMask(rows, cols, i, j, kk.At(i, j), opts) {
						used++
					}
				}
			}
			assert.Equal(t, fit.Points, used, "%d×%d, %+v", rows, cols, opts)
		}
	}
}

func TestLogTicks(t *testing.T) {
	t.Parallel()
	var labels []string
	for _, tk := range (logTicks{}).Ticks(0.015, 0.7) {
		assert.True(t, tk.Value >= 0.015*(1-1e-9) && tk.Value <= 0.7*(1+1e-9), "tick %v outside the range", tk.Value)
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"0.02", "0.05", "0.1", "0.2", "0.5"}, labels)

	labels = nil
	for _, tk := range (logTicks{}).Ticks(1e-4, 1e4) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"0.0001", "0.001", "0.01", "0.1", "1", "10", "100", "1000", "10000"}, labels)
	assert.Empty(t, (logTicks{}).Ticks(0, 1), "no ticks for a non-positive range")
}

func TestLogLogDropsNonPositive(t *testing.T) {
	t.Parallel()
	_, err := LogLog("t", "x", "y", []Curve{{X: []float64{0, -1, 1}, Y: []float64{1, 1, 0}}})
	assert.ErrorIs(t, err, errNothing)

	p, err := LogLog("t", "x", "y", []Curve{
		{X: []float64{0, 1, 2, 4}, Y: []float64{5, 1, math.Inf(1), 0.25}},
		{X: []float64{-1}, Y: []float64{1}},
	})
	require.NoError(t, err)
	assert.Equal(t, 1.0, p.X.Min)
	assert.Equal(t, 4.0, p.X.Max)
	path := filepath.Join(t.TempDir(), "c.png")
	require.NoError(t, Save(path, p, Width, Height))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, 576, img.Bounds().Dx(), "6 inches at 96 dpi")
}

func TestSaveErrors(t *testing.T) {
	t.Parallel()
	p := plot.New()
	l, err := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 2}})
	require.NoError(t, err)
	p.Add(l)
	dir := t.TempDir()
	assert.ErrorContains(t, Save(filepath.Join(dir, "noext"), p, Width, Height), "extension")
	assert.Error(t, Save(filepath.Join(dir, "x.bmp"), p, Width, Height))

	// A log scale over a range that includes 0 panics inside gonum/plot:
	// Save reports it as an error and writes nothing.
	bad := plot.New()
	bad.Add(l)
	bad.X.Min = 0
	bad.X.Scale = plot.LogScale{}
	bad.X.Tick.Marker = plot.LogTicks{}
	path := filepath.Join(dir, "bad.png")
	assert.ErrorContains(t, Save(path, bad, Width, Height), "drawing the plot failed")
	_, err = os.Stat(path)
	assert.True(t, os.IsNotExist(err))
}

func TestGalleryAndBars(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := mat.NewDense(8, 8, nil)
	for i := range 8 {
		f.Set(i, i, 1)
	}
	path := filepath.Join(dir, "g.png")
	require.NoError(t, Gallery(path, []Panel{{Title: "a", Field: f}, {Title: "b", Field: f}, {Title: "c", Field: f}}, 2, 72))
	fh, err := os.Open(path)
	require.NoError(t, err)
	img, err := png.Decode(fh)
	fh.Close()
	require.NoError(t, err)
	// 2 columns of 72+6 points, 2 rows of 72+18 points, at 96 dpi.
	assert.Equal(t, 2*78*96/72, img.Bounds().Dx())
	assert.Equal(t, 2*90*96/72, img.Bounds().Dy())
	assert.Error(t, Gallery(path, nil, 2, 72))
	assert.Error(t, Gallery(path, []Panel{{Title: "empty"}}, 2, 72))

	tab := &noise.Table{Rows: 8, Cols: 8, Delta: 1.5}
	tab.White = noise.Estimate{Mean: 10, StdErr: 1, N: 4}
	tab.Cloud = noise.Estimate{Mean: 1, StdErr: 0.1, N: 4}
	p, err := DistanceBars(tab, "bars")
	require.NoError(t, err)
	require.NoError(t, Save(filepath.Join(dir, "b.png"), p, Width, Height))
	assert.Equal(t, 0.0, p.Y.Min)
	assert.InDelta(t, 11, p.Y.Max, 1e-12, "the largest bar plus its error bar")
}

func TestTile(t *testing.T) {
	t.Parallel()
	a := mat.NewDense(1, 2, []float64{1, 2})
	b := mat.NewDense(1, 2, []float64{3, 4})
	c := mat.NewDense(1, 2, []float64{5, 6})
	// Three 1×2 images in 2 columns with 1-pixel gaps of 9: the last row
	// holds one image and fill.
	got := Tile([]*mat.Dense{a, b, c}, 2, 1, 9)
	want := mat.NewDense(3, 5, []float64{
		1, 2, 9, 3, 4,
		9, 9, 9, 9, 9,
		5, 6, 9, 9, 9,
	})
	assert.True(t, mat.Equal(want, got), "got\n%v", mat.Formatted(got))
	// cols ≤ 0: ⌈√3⌉ = 2 columns; never more columns than images.
	assert.True(t, mat.Equal(want, Tile([]*mat.Dense{a, b, c}, 0, 1, 9)))
	r, cc := Tile([]*mat.Dense{a}, 5, 2, 0).Dims()
	assert.Equal(t, [2]int{1, 2}, [2]int{r, cc})
	assert.PanicsWithValue(t, mat.ErrShape, func() { Tile([]*mat.Dense{a, mat.NewDense(2, 2, nil)}, 2, 1, 0) })
}

// TestFigureFixes checks issue 15 item 15 (each case failed before the
// fix): log-axis labels share one format (100000 beside 1e+07 before), and
// the bar chart's legend names its colours (it had none).
func TestFigureFixes(t *testing.T) {
	t.Parallel()
	labels := func(lo, hi float64) []string {
		var out []string
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	assert.Equal(t, []string{"1e3", "1e4", "1e5", "1e6", "1e7"}, labels(1e3, 1e7))
	assert.Equal(t, []string{"1e-6", "1e-5", "1e-4", "1e-3"}, labels(1e-6, 2e-3))
	assert.Equal(t, []string{"2e4", "5e4", "1e5", "2e5"}, labels(1.5e4, 3e5))

	empty := plot.NewLegend()
	c := draw.New(vgimg.New(Width, Height))
	require.Zero(t, empty.Rectangle(c).Size().Y, "an empty legend has no height")
	var tab noise.Table
	tab.White = noise.Estimate{Mean: 10, StdErr: 1, N: 4}
	p, err := DistanceBars(&tab, "t")
	require.NoError(t, err)
	assert.Greater(t, p.Legend.Rectangle(c).Size().Y, vg.Length(0), "the colours have a legend")
	path := filepath.Join(t.TempDir(), "bars.png")
	require.NoError(t, SaveLegendRight(path, p, Width+1.5*vg.Inch, Height, 1.5*vg.Inch))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, int(math.Round(float64((Width+1.5*vg.Inch)/vg.Inch)*vgimg.DefaultDPI)), img.Bounds().Dx())
}
