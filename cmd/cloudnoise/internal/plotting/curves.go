package plotting

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Curve is one line of a log-log plot.
type Curve struct {
	Label  string
	X, Y   []float64
	Color  color.Color
	Dashed bool
}

// LogLog returns a plot of the curves on log-log axes. Points with a
// non-positive or non-finite coordinate are dropped (a log scale cannot
// show them); a curve left with no point is skipped, and if no curve has
// a point the result is an error.
func LogLog(title, xLabel, yLabel string, curves []Curve) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	logLog(p)
	drawn := 0
	for _, c := range curves {
		var xy plotter.XYs
		for i := range min(len(c.X), len(c.Y)) {
			if positive(c.X[i]) && positive(c.Y[i]) {
				xy = append(xy, plotter.XY{X: c.X[i], Y: c.Y[i]})
			}
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.LineStyle = lineStyle(c.Color, c.Dashed)
		p.Add(l)
		if c.Label != "" {
			p.Legend.Add(c.Label, l)
		}
		drawn++
	}
	if drawn == 0 {
		return nil, errNothing
	}
	return p, nil
}

// AddLegendLine adds a legend entry showing a line of colour c, dashed or
// solid, that stands for no data of its own: a key for the line styles.
func AddLegendLine(p *plot.Plot, label string, c color.Color, dashed bool) {
	l := &plotter.Line{LineStyle: lineStyle(c, dashed)}
	p.Legend.Add(label, l)
}

func lineStyle(c color.Color, dashed bool) draw.LineStyle {
	s := draw.LineStyle{Color: c, Width: vg.Points(1.5)}
	if dashed {
		s.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return s
}
