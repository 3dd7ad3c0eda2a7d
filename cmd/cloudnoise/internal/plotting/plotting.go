// Package plotting draws the figures of the cloudnoise command with
// gonum.org/v1/plot: a gallery of fields (the paper's Figure 12), the
// log-log power spectrum with its masked points and fitted line (Figure 9),
// the distance table as a bar chart (Figure 19) and per-frequency SNR
// curves (Figure 17).
//
// gonum/plot's logarithmic scales panic on values ≤ 0, so every function
// here drops non-positive and non-finite points before plotting and returns
// an error when nothing is left. Files are written with
// internal/atomicfile: a reader never sees a half-written PNG.
package plotting

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cloud-diffusion/noise/internal/atomicfile"
)

// Default figure size.
const (
	Width  = 6 * vg.Inch
	Height = 4 * vg.Inch
)

// Colors used by the figures: white noise, cloud noise, data, and extras.
var (
	ColorWhite  = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff} // blue
	ColorCloud  = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} // red
	ColorData   = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff} // green
	ColorMasked = color.RGBA{R: 0xbb, G: 0xbb, B: 0xbb, A: 0xff} // grey
	ColorFit    = color.RGBA{A: 0xff}                            // black
)

// Save draws p at w×h and writes it atomically to path. The format comes
// from the extension of path (.png, .svg, .pdf, .jpg, .eps, .tif).
func Save(path string, p *plot.Plot, w, h vg.Length) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if format == "" {
		return fmt.Errorf("%s: no file extension to choose the picture format (use .png, .svg or .pdf)", path)
	}
	wt, err := writerTo(p, w, h, format)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write("", path, func(out io.Writer) error {
		_, err := wt.WriteTo(out)
		return err
	})
}

// SaveLegendRight is Save with the legend of p drawn in a column of width
// legendWidth to the right of the plot instead of over it, so that the
// legend neither hides data nor needs headroom in the axis ranges.
func SaveLegendRight(path string, p *plot.Plot, w, h, legendWidth vg.Length) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if format == "" {
		return fmt.Errorf("%s: no file extension to choose the picture format (use .png, .svg or .pdf)", path)
	}
	legend := p.Legend
	p.Legend = plot.NewLegend()
	defer func() { p.Legend = legend }()
	wt, err := render(w, h, format, func(dc draw.Canvas) {
		p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
		legend.Top, legend.Left = true, true
		legend.XOffs, legend.YOffs = vg.Points(4), -vg.Points(24)
		legend.Draw(draw.Crop(dc, w-legendWidth, 0, 0, 0))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.Write("", path, func(out io.Writer) error {
		_, err := wt.WriteTo(out)
		return err
	})
}

// render draws with draw on a new w×h canvas of the format, turning a
// panic of the plot library into an error.
func render(w, h vg.Length, format string, drawFn func(draw.Canvas)) (wt io.WriterTo, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing the plot failed: %v", r)
		}
	}()
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return nil, err
	}
	drawFn(draw.New(c))
	return c, nil
}

// writerTo renders p, turning a panic of the plot library (such as a log
// scale over a non-positive range) into an error.
func writerTo(p *plot.Plot, w, h vg.Length, format string) (wt io.WriterTo, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing the plot failed: %v", r)
		}
	}()
	return p.WriterTo(w, h, format)
}

// logLog sets log scales and log ticks on both axes of p.
func logLog(p *plot.Plot) {
	p.X.Scale = plot.LogScale{}
	p.Y.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	p.Y.Tick.Marker = logTicks{}
}

// logTicks marks a log axis at 1, 2, …, 9 × 10ⁿ, labelling the powers of
// ten, and also 2 and 5 × 10ⁿ when the axis spans fewer than three decades
// (plot.LogTicks labels powers of ten only, which leaves a short axis with
// a single label). The labels of one axis share one format: decimals
// (0.02, 100) when every tick lies within 10⁻⁴…10⁴, powers of ten (1e5,
// 2e5, 1e-6) otherwise, never a mix such as 100000 beside 1e+07.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > 0) {
		return nil
	}
	few := math.Log10(hi/lo) < 3
	decimal := lo >= 1e-4*(1-1e-9) && hi <= 1e4*(1+1e-9)
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := float64(m) * p
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || (few && (m == 2 || m == 5)) {
				if decimal {
					t.Label = strconv.FormatFloat(v, 'f', -1, 64)
				} else {
					t.Label = powerLabel(m, int(e))
				}
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// powerLabel formats m·10^e as "1e5", "2e-3": one short form for every
// label of an axis (the plot fonts lack a superscript minus).
func powerLabel(m, e int) string {
	return fmt.Sprintf("%de%d", m, e)
}

// positive reports whether v can be drawn on a log axis.
func positive(v float64) bool { return v > 0 && !math.IsInf(v, 1) }

var errNothing = errors.New("no positive finite values to plot on a log scale")
