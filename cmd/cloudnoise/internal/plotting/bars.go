package plotting

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cloud-diffusion/noise"
)

// DistanceBars returns the paper's Figure 19: the nine Mahalanobis
// distances of t as bars with their standard errors, coloured by the
// family they involve (white noise blue, cloud noise red, images green).
// An undefined standard error (+Inf, from a single pair) draws no error bar.
// The legend names the colours; draw it beside the bars (SaveLegendRight).
func DistanceBars(t *noise.Table, title string) (*plot.Plot, error) {
	entries := []struct {
		name string
		e    noise.Estimate
		c    int // 0 white, 1 cloud, 2 data
	}{
		{"white|Q0", t.White, 0},
		{"cloud|Q0", t.Cloud, 1},
		{"images|Q0", t.Data, 2},
		{"white,white", t.WhiteWhite, 0},
		{"cloud,cloud", t.CloudCloud, 1},
		{"images,images", t.DataData, 2},
		{"white,images", t.WhiteData, 0},
		{"cloud,images", t.CloudData, 1},
		{"white,cloud", t.WhiteCloud, 0},
	}
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "Mahalanobis distance"
	p.Y.Min = 0
	names := make([]string, len(entries))
	colors := []interface{ RGBA() (r, g, b, a uint32) }{ColorWhite, ColorCloud, ColorData}
	for i, e := range entries {
		names[i] = e.name
		vals := make(plotter.Values, len(entries))
		vals[i] = e.e.Mean
		b, err := plotter.NewBarChart(vals, vg.Points(22))
		if err != nil {
			return nil, fmt.Errorf("distance %s: %w", e.name, err)
		}
		b.Color = colors[e.c]
		b.LineStyle.Width = 0
		p.Add(b)
		if math.IsInf(e.e.StdErr, 0) || math.IsNaN(e.e.StdErr) {
			continue // undefined (one pair): no error bar
		}
		eb, err := plotter.NewYErrorBars(errorBar{x: float64(i), y: e.e.Mean, err: e.e.StdErr})
		if err != nil {
			return nil, err
		}
		eb.LineStyle = draw.LineStyle{Color: ColorFit, Width: vg.Points(1)}
		p.Add(eb)
	}
	// The colours: each bar takes the colour of the first set it names.
	for i, name := range []string{"white noise first", "cloud noise first", "images first"} {
		b, err := plotter.NewBarChart(plotter.Values{0}, vg.Points(8))
		if err != nil {
			return nil, err
		}
		b.Color = colors[i]
		b.LineStyle.Width = 0
		p.Legend.Add(name, b)
	}
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YTop
	return p, nil
}

// errorBar is one point with a symmetric error, for plotter.NewYErrorBars.
type errorBar struct{ x, y, err float64 }

func (e errorBar) Len() int                       { return 1 }
func (e errorBar) XY(int) (float64, float64)      { return e.x, e.y }
func (e errorBar) YError(int) (low, high float64) { return e.err, e.err }
