package plotting

import (
	"errors"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cloud-diffusion/noise"
)

// slopeSegments returns, for every band of prof, the band's fitted law
// A²/|k|^(2Δ) at the band's edges KLo and KHi; bands whose law is not
// positive and finite at both edges (a log scale cannot show them) are
// left out.
func slopeSegments(prof *noise.SlopeProfile) ([]plotter.XYs, []noise.SlopeBand) {
	var segs []plotter.XYs
	var bands []noise.SlopeBand
	for _, b := range prof.Bands {
		lo, hi := b.Power(b.KLo), b.Power(b.KHi)
		if !positive(lo) || !positive(hi) || !(b.KHi > b.KLo) {
			continue
		}
		segs = append(segs, plotter.XYs{{X: b.KLo, Y: lo}, {X: b.KHi, Y: hi}})
		bands = append(bands, b)
	}
	return segs, bands
}

// slopeColors are the colours of successive local-slope bands.
var slopeColors = []color.Color{
	ColorCloud,
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
	color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, // pink
}

// AddLocalSlopes draws the local slope profile on a spectrum plot (see
// Spectrum): each band's own fitted line over the band, in turn in
// red, orange, purple, brown and pink, with a legend entry giving the
// band and its Δ and standard error.
func AddLocalSlopes(p *plot.Plot, prof *noise.SlopeProfile) error {
	if prof == nil {
		return errors.New("no local slopes")
	}
	segs, bands := slopeSegments(prof)
	if len(segs) == 0 {
		return errNothing
	}
	for i, s := range segs {
		l, err := plotter.NewLine(s)
		if err != nil {
			return err
		}
		l.LineStyle = draw.LineStyle{Color: slopeColors[i%len(slopeColors)], Width: vg.Points(2.5)}
		p.Add(l)
		b := bands[i]
		p.Legend.Add(fmt.Sprintf("local Δ = %.2f ± %.2f, |k| %.3g–%.3g", b.Delta, b.DeltaErr, b.KLo, b.KHi), l)
	}
	return nil
}
