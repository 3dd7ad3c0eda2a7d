package plotting

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cloud-diffusion/noise"
)

// SpectrumMask reports whether the centred index (i, j) of a rows×cols
// power spectrum is left out of the fit by opts: the central cross
// |ky| < Cross or |kx| < Cross (0 means 4, negative means none) and the
// radial range [KMin, KMax] in cycles per pixel (0 means no bound). It
// mirrors the selection of noise.FitPowerLaw; k = 0 is always masked.
func SpectrumMask(rows, cols, i, j int, k float64, opts *noise.FitOptions) bool {
	var o noise.FitOptions
	if opts != nil {
		o = *opts
	}
	cross := o.Cross
	if cross == 0 {
		cross = 4
	}
	ky, kx := i-rows/2, j-cols/2
	switch {
	case ky == 0 && kx == 0:
		return true
	case cross > 0 && (abs(ky) < cross || abs(kx) < cross):
		return true
	case o.KMin > 0 && k < o.KMin:
		return true
	case o.KMax > 0 && k > o.KMax:
		return true
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// FittedLabel is the legend of the fitted points of Spectrum: their number
// of frequencies, and for the binned fit its number of bins (its
// PowerLaw.Points).
func FittedLabel(frequencies int, fit noise.PowerLaw) string {
	if fit.Method == noise.FitBinned {
		return fmt.Sprintf("fitted (%d frequencies in %d bins)", frequencies, fit.Points)
	}
	return fmt.Sprintf("fitted (%d frequencies)", frequencies)
}

// Spectrum returns the paper's Figure 9: the power spectrum Γ(k) against
// |k| on log-log axes, every frequency a dot (grey where opts masks it out
// of the fit), with the fitted line A²/|k|^(2Δ) over the fitted range.
// Non-positive values are left out (a log scale cannot show them).
func Spectrum(power *mat.Dense, fit noise.PowerLaw, opts *noise.FitOptions, title string) (*plot.Plot, error) {
	rows, cols := power.Dims()
	kk := noise.Wavenumbers(rows, cols)
	var used, masked plotter.XYs
	kLo, kHi := math.Inf(1), 0.0
	for i := range rows {
		for j := range cols {
			k, v := kk.At(i, j), power.At(i, j)
			if k == 0 || !positive(v) {
				continue
			}
			if SpectrumMask(rows, cols, i, j, k, opts) {
				masked = append(masked, plotter.XY{X: k, Y: v})
				continue
			}
			used = append(used, plotter.XY{X: k, Y: v})
			kLo, kHi = min(kLo, k), max(kHi, k)
		}
	}
	if len(used)+len(masked) == 0 {
		return nil, errNothing
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "|k| (cycles per pixel)"
	p.Y.Label.Text = "power Γ(k)"
	logLog(p)
	p.Legend.Top = true
	if len(masked) > 0 {
		s, err := plotter.NewScatter(masked)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: ColorMasked, Radius: vg.Points(1.2), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("masked (%d frequencies)", len(masked)), s)
	}
	if len(used) > 0 {
		s, err := plotter.NewScatter(used)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: ColorWhite, Radius: vg.Points(1.2), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add(FittedLabel(len(used), fit), s)
	}
	if len(used) > 1 && fit.A > 0 && kHi > kLo {
		line := make(plotter.XYs, 0, 2)
		for _, k := range []float64{kLo, kHi} {
			if v := fit.Power(k); positive(v) {
				line = append(line, plotter.XY{X: k, Y: v})
			}
		}
		if len(line) == 2 {
			l, err := plotter.NewLine(line)
			if err != nil {
				return nil, err
			}
			l.LineStyle = draw.LineStyle{Color: ColorFit, Width: vg.Points(2)}
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("A²/|k|^(2Δ), Δ = %.3f ± %.3f", fit.Delta, fit.DeltaErr), l)
		}
	}
	return p, nil
}
