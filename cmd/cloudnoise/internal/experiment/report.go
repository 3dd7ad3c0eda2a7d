package experiment

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	gstat "gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/plotting"
	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/internal/atomicfile"
)

// Names of the files WriteFiles writes; %s is the data set.
const (
	FileJSON    = "experiment.json"           // the whole Result
	FileCSV     = "experiment.csv"            // one line per data set, model, seed, sampler and K
	FileTheory  = "experiment-theory.csv"     // the exact Gaussian predictions
	FileX0      = "experiment-x0.csv"         // the x̂0 checks during training
	FileBands   = "experiment-bands.csv"      // band errors along the trajectory
	FileMetrics = "experiment-metrics-%s.png" // metrics against K
	FileX0PNG   = "experiment-x0-%s.png"      // x̂0 error / Gaussian bound against t
	FileBandPNG = "experiment-bands-%s.png"   // band error against reverse time
	FileSamples = "experiment-samples-%s.png" // data and samples
)

// WriteFiles writes the results of res into dir (which must exist): the
// JSON, the CSV tables and, per data set, the four pictures. Every file is
// written atomically. It returns the paths written.
func WriteFiles(dir string, res *Result) ([]string, error) {
	var paths []string
	add := func(name string, write func(io.Writer) error) error {
		p := filepath.Join(dir, name)
		if err := atomicfile.Write("", p, write); err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	}
	if err := add(FileJSON, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(jsonSafe(res))
	}); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer, *Result) error
	}{{FileCSV, writeRowsCSV}, {FileTheory, writeTheoryCSV}, {FileX0, writeX0CSV}, {FileBands, writeBandsCSV}} {
		if err := add(f.name, func(w io.Writer) error { return f.write(w, res) }); err != nil {
			return nil, err
		}
	}
	for _, d := range res.Datasets {
		for _, pic := range []struct {
			name string
			draw func(string) error
		}{
			{FileMetrics, func(p string) error { return metricsPlot(p, d) }},
			{FileX0PNG, func(p string) error { return x0Plot(p, d, res.Config.X0Tolerance) }},
			{FileBandPNG, func(p string) error { return bandsPlot(p, d, res.Config.TrajectoryK) }},
			{FileSamples, func(p string) error { return samplesPicture(p, d, res.Config.Ks) }},
		} {
			p := filepath.Join(dir, fmt.Sprintf(pic.name, d.Name))
			if err := pic.draw(p); err != nil {
				return nil, err
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// jsonSafe prepares res for JSON and returns it: values that are not valid
// JSON numbers (an infinite standard error from one pair, an infinite LSD
// or KL of a noise that misses frequencies, NaN band powers) are set to −1
// in place, which no such quantity takes otherwise.
func jsonSafe(res *Result) *Result {
	fix := func(v *float64) {
		if math.IsInf(*v, 0) || math.IsNaN(*v) {
			*v = -1
		}
	}
	fixScores := func(s *Scores) {
		if s == nil {
			return
		}
		fix(&s.Mahalanobis.StdErr)
		fix(&s.MahalanobisData.StdErr)
	}
	for _, d := range res.Datasets {
		fixScores(d.Baseline)
		for _, th := range d.Theory {
			fix(&th.Information)
			for _, r := range th.Rows {
				fix(&r.LSD)
				fix(&r.KL)
				for i := range r.BandPower {
					fix(&r.BandPower[i])
				}
			}
		}
		for _, m := range d.Models {
			fix(&m.Information)
			for _, r := range m.Rows {
				fixScores(r.Scores)
			}
			for _, c := range m.Checks {
				for i := range c.Errors {
					for j := range c.Errors[i].Bands {
						fix(&c.Errors[i].Bands[j])
					}
					for j := range c.Errors[i].BandBounds {
						fix(&c.Errors[i].BandBounds[j])
					}
				}
			}
		}
	}
	return res
}

// csvHeader is the header of FileCSV.
var csvHeader = []string{"dataset", "model", "delta", "seed", "method", "k", "n",
	"lsd_db", "frechet", "mahalanobis", "mahalanobis_se", "mahalanobis_data", "mahalanobis_data_se",
	"w1", "tv", "nn_median", "nn_train_median", "nn_ratio", "nn_below_p5", "variance_ratio", "border_ratio",
	"band0_db", "band1_db", "band2_db", "band3_db", "seconds"}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// scoreFields returns the metric columns of FileCSV for sc.
func scoreFields(sc *Scores) []string {
	return []string{strconv.Itoa(sc.N), fmtFloat(sc.LSD), fmtFloat(sc.Frechet),
		fmtFloat(sc.Mahalanobis.Mean), fmtFloat(sc.Mahalanobis.StdErr),
		fmtFloat(sc.MahalanobisData.Mean), fmtFloat(sc.MahalanobisData.StdErr),
		fmtFloat(sc.W1), fmtFloat(sc.TV),
		fmtFloat(sc.Nearest.MedianSample), fmtFloat(sc.Nearest.MedianTrain),
		fmtFloat(sc.Nearest.Ratio), fmtFloat(sc.Nearest.BelowShare),
		fmtFloat(sc.Variance), fmtFloat(sc.Border),
		bandField(sc.BandPower, 0), bandField(sc.BandPower, 1), bandField(sc.BandPower, 2), bandField(sc.BandPower, 3)}
}

// bandField formats band b of a band power, empty if there is none.
func bandField(p []float64, b int) string {
	if b >= len(p) {
		return ""
	}
	return fmtFloat(p[b])
}

// writeRowsCSV writes FileCSV: the baseline of each data set (model
// "data", k 0) and one line per model, seed and sampling run.
func writeRowsCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, d := range res.Datasets {
		rec := append([]string{d.Name, "data", fmtFloat(d.Fit.Delta), "-", "-", "0"}, scoreFields(d.Baseline)...)
		cw.Write(append(rec, "0"))
		for _, m := range d.Models {
			for _, r := range m.Rows {
				rec := append([]string{d.Name, m.Noise, fmtFloat(m.Delta), strconv.FormatUint(m.Seed, 10), r.Method, strconv.Itoa(r.K)}, scoreFields(r.Scores)...)
				cw.Write(append(rec, fmtFloat(r.Seconds)))
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeTheoryCSV writes FileTheory: one line per data set, noise, sampler
// and K with the exact LSD and KL and the band power errors.
func writeTheoryCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	head := []string{"dataset", "noise", "delta", "information_nats", "method", "k", "lsd_db", "kl_nats"}
	for b := 0; b+1 < len(bandEdges); b++ {
		head = append(head, "band"+strconv.Itoa(b)+"_db")
	}
	cw.Write(head)
	for _, d := range res.Datasets {
		for _, th := range d.Theory {
			for _, r := range th.Rows {
				rec := []string{d.Name, th.Noise, fmtFloat(th.Delta), fmtFloat(th.Information), r.Method, strconv.Itoa(r.K), fmtFloat(r.LSD), fmtFloat(r.KL)}
				for _, v := range r.BandPower {
					rec = append(rec, fmtFloat(v))
				}
				cw.Write(rec)
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeX0CSV writes FileX0: one line per data set, model, seed, check and
// noise level.
func writeX0CSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"dataset", "model", "seed", "step", "t", "mse", "mse_se", "bound", "ratio"})
	for _, d := range res.Datasets {
		for _, m := range d.Models {
			for _, c := range m.Checks {
				for i, e := range c.Errors {
					cw.Write([]string{d.Name, m.Noise, strconv.FormatUint(m.Seed, 10), strconv.Itoa(c.Step), strconv.Itoa(e.T),
						fmtFloat(e.MSE), fmtFloat(e.StdErr), fmtFloat(e.Bound), fmtFloat(c.Ratio[i])})
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// bandName returns the label of band b of bandEdges, with k for |k|
// in cycles per pixel (no "|", which would break a Markdown table).
func bandName(b int) string {
	lo, hi := bandEdges[b], bandEdges[b+1]
	if hi >= 1 {
		return fmt.Sprintf("k > %s", fraction(lo))
	}
	if lo == 0 {
		return fmt.Sprintf("k ≤ %s", fraction(hi))
	}
	return fmt.Sprintf("%s < k ≤ %s", fraction(lo), fraction(hi))
}

// fraction formats 1/n as "1/n".
func fraction(v float64) string {
	if n := math.Round(1 / v); math.Abs(1/n-v) < 1e-12 {
		return "1/" + strconv.Itoa(int(n))
	}
	return fmtFloat(v)
}

// writeBandsCSV writes FileBands: per data set, model, seed and trajectory
// step, t, t/T and the relative error of each band.
func writeBandsCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	head := []string{"dataset", "model", "seed", "step", "t", "t_over_T"}
	for b := 0; b+1 < len(bandEdges); b++ {
		head = append(head, "band"+strconv.Itoa(b))
	}
	cw.Write(head)
	for _, d := range res.Datasets {
		for _, m := range d.Models {
			for s, row := range m.BandErrors {
				rec := []string{d.Name, m.Noise, strconv.FormatUint(m.Seed, 10), strconv.Itoa(s), strconv.Itoa(m.Times[s]), fmtFloat(float64(m.Times[s]) / timeSteps)}
				for _, v := range row {
					rec = append(rec, fmtFloat(v))
				}
				cw.Write(rec)
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// colorMatched is the colour of matched noise.
var colorMatched = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff} // green

// modelColor returns the colour of a noise kind.
func modelColor(kind string) color.Color {
	switch kind {
	case diffusion.CloudNoise.String():
		return plotting.ColorCloud
	case diffusion.MatchedNoise.String():
		return colorMatched
	}
	return plotting.ColorWhite
}

// group is the runs of one noise on one data set, one per seed.
type group struct {
	noise  string
	delta  float64
	models []*ModelResult
	theory *TheoryResult
}

// label names the group's noise, with Δ for cloud noise.
func (g *group) label() string {
	if g.noise == diffusion.CloudNoise.String() {
		return fmt.Sprintf("cloud Δ=%.2f", g.delta)
	}
	return g.noise
}

// groups returns the models of d grouped by noise, in the order of the
// first appearance of each noise.
func groups(d *DatasetResult) []*group {
	var gs []*group
	for _, m := range d.Models {
		var g *group
		for _, h := range gs {
			if h.noise == m.Noise {
				g = h
			}
		}
		if g == nil {
			g = &group{noise: m.Noise, delta: m.Delta}
			for _, th := range d.Theory {
				if th.Noise == m.Noise {
					g.theory = th
				}
			}
			gs = append(gs, g)
		}
		g.models = append(g.models, m)
	}
	return gs
}

// stat is a mean over seeds with the sample standard deviation (0 for one
// seed).
type stat struct{ Mean, SD float64 }

// over returns the mean and standard deviation of get over the group's
// models at one sampler and K; ok is false if no model has that run.
func (g *group) over(method string, k int, get func(*Scores) float64) (st stat, ok bool) {
	var vs []float64
	for _, m := range g.models {
		for _, r := range m.Rows {
			if r.Method == method && r.K == k {
				vs = append(vs, get(r.Scores))
			}
		}
	}
	if len(vs) == 0 {
		return stat{}, false
	}
	return meanSD(vs), true
}

// meanSD returns the mean and sample standard deviation of vs.
func meanSD(vs []float64) stat {
	if len(vs) < 2 {
		return stat{Mean: gstat.Mean(vs, nil)}
	}
	mean, sd := gstat.MeanStdDev(vs, nil)
	return stat{Mean: mean, SD: sd}
}

// ks returns the Ks of a method in the runs of m, in order.
func ks(m *ModelResult, method string) []int {
	var out []int
	for _, r := range m.Rows {
		if r.Method == method {
			out = append(out, r.K)
		}
	}
	return out
}

// savePlots draws the plots side by side and writes the PNG atomically.
func savePlots(path string, plots []*plot.Plot, w, h vg.Length) error {
	img := vgimg.New(w, h)
	dc := draw.New(img)
	dc.SetColor(image.White)
	dc.Fill(dc.Rectangle.Path())
	const pad = 4 * vg.Millimeter
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: pad, PadY: pad, PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
	for c, p := range plots {
		p.Draw(canvases[0][c])
	}
	return atomicfile.Write("", path, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	})
}

// dashed is the dash pattern of DDPM curves and baselines.
var dashed = []vg.Length{vg.Points(4), vg.Points(3)}

// kTicks marks the Ks of a log axis.
func kTicks(k []int) plot.ConstantTicks {
	var t plot.ConstantTicks
	for _, v := range k {
		t = append(t, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
	}
	return t
}

// metricsPlot draws LSD, Fréchet distance, Mahalanobis distance and W1
// against K, per noise the mean over seeds with ±1 standard deviation as
// error bars, DDIM solid and DDPM dashed, the exact Gaussian LSD of DDIM
// dotted in the first panel and the data baseline as a grey line.
func metricsPlot(path string, d *DatasetResult) error {
	type metric struct {
		title string
		get   func(*Scores) float64
	}
	metrics := []metric{
		{"log-spectral distance (dB)", func(s *Scores) float64 { return s.LSD }},
		{"spectral Fréchet distance²", func(s *Scores) float64 { return s.Frechet }},
		{"Mahalanobis d(samples, data)", func(s *Scores) float64 { return s.Mahalanobis.Mean }},
		{"pixel histogram W1", func(s *Scores) float64 { return s.W1 }},
	}
	gs := groups(d)
	if len(gs) == 0 {
		return fmt.Errorf("experiment: %s: no models to plot", d.Name)
	}
	var plots []*plot.Plot
	for mi, mt := range metrics {
		p := plot.New()
		p.Title.Text = mt.title
		p.X.Label.Text = "sampling steps K (DDIM solid, DDPM dashed)"
		p.X.Scale = plot.LogScale{}
		all := append(ks(gs[0].models[0], diffusion.DDIM.String()), ks(gs[0].models[0], diffusion.DDPM.String())...)
		slices.Sort(all)
		all = slices.Compact(all)
		p.X.Tick.Marker = kTicks(all)
		for _, g := range gs {
			for _, method := range []string{diffusion.DDIM.String(), diffusion.DDPM.String()} {
				var xy plotter.XYs
				var errs plotter.YErrors
				for _, k := range ks(g.models[0], method) {
					st, _ := g.over(method, k, mt.get)
					xy = append(xy, plotter.XY{X: float64(k), Y: st.Mean})
					errs = append(errs, struct{ Low, High float64 }{st.SD, st.SD})
				}
				if len(xy) == 0 {
					continue
				}
				l, pts, err := plotter.NewLinePoints(xy)
				if err != nil {
					return err
				}
				l.Color, pts.Color = modelColor(g.noise), modelColor(g.noise)
				if method == diffusion.DDPM.String() {
					l.Dashes = dashed
				}
				p.Add(l, pts)
				eb, err := plotter.NewYErrorBars(struct {
					plotter.XYer
					plotter.YErrorer
				}{xy, errs})
				if err == nil {
					eb.Color = modelColor(g.noise)
					p.Add(eb)
				}
				if method == diffusion.DDIM.String() {
					p.Legend.Add(g.label(), l, pts)
				}
			}
			if mi == 0 && g.theory != nil {
				var xy plotter.XYs
				for _, r := range g.theory.Rows {
					if r.Method == diffusion.DDIM.String() && !math.IsInf(r.LSD, 0) && !math.IsNaN(r.LSD) {
						xy = append(xy, plotter.XY{X: float64(r.K), Y: r.LSD})
					}
				}
				if len(xy) > 0 {
					l, err := plotter.NewLine(xy)
					if err != nil {
						return err
					}
					l.Color = modelColor(g.noise)
					l.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
					p.Add(l)
					p.Legend.Add(g.noise+", exact Gaussian", l)
				}
			}
		}
		if base := mt.get(d.Baseline); len(all) > 0 {
			bl, err := plotter.NewLine(plotter.XYs{{X: float64(all[0]), Y: base}, {X: float64(all[len(all)-1]), Y: base}})
			if err != nil {
				return err
			}
			bl.Color = plotting.ColorMasked
			bl.Dashes = dashed
			p.Add(bl)
			p.Legend.Add("data vs data", bl)
		}
		p.Y.Min = 0
		p.Legend.Top = true
		if mi > 0 {
			p.Legend = plot.NewLegend()
		}
		plots = append(plots, p)
	}
	return savePlots(path, plots, 18*vg.Inch, 4.5*vg.Inch)
}

// x0Plot draws, per noise, the ratio of the network's x̂0 error to the
// Gaussian bound against t/T at the last check, the mean over seeds with
// ±1 standard deviation, and the tolerance as a dashed line.
func x0Plot(path string, d *DatasetResult, tol float64) error {
	p := plot.New()
	p.Title.Text = d.Name + ": x̂0 error of the trained networks / Gaussian bound (held-out images)"
	p.X.Label.Text = "t/T"
	p.Y.Label.Text = "MSE(x̂0) / Gaussian MMSE"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	for _, g := range groups(d) {
		last := func(m *ModelResult) *X0Check {
			if len(m.Checks) == 0 {
				return nil
			}
			return m.Checks[len(m.Checks)-1]
		}
		c0 := last(g.models[0])
		if c0 == nil {
			continue
		}
		var xy plotter.XYs
		var errs plotter.YErrors
		for i, e := range c0.Errors {
			var vs []float64
			for _, m := range g.models {
				if c := last(m); c != nil && i < len(c.Ratio) {
					vs = append(vs, c.Ratio[i])
				}
			}
			st := meanSD(vs)
			xy = append(xy, plotter.XY{X: float64(e.T) / timeSteps, Y: st.Mean})
			errs = append(errs, struct{ Low, High float64 }{min(st.SD, st.Mean/2), st.SD})
		}
		l, pts, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		l.Color, pts.Color = modelColor(g.noise), modelColor(g.noise)
		p.Add(l, pts)
		if eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{xy, errs}); err == nil {
			eb.Color = modelColor(g.noise)
			p.Add(eb)
		}
		p.Legend.Add(fmt.Sprintf("%s (step %d)", g.label(), c0.Step), l, pts)
	}
	for _, y := range []float64{1, tol} {
		l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: y}, {X: 1, Y: y}})
		if err != nil {
			return err
		}
		l.Color = plotting.ColorMasked
		l.Dashes = dashed
		p.Add(l)
	}
	p.Legend.Top = true
	return savePlots(path, []*plot.Plot{p}, 7*vg.Inch, 4.5*vg.Inch)
}

// bandColors are the colours of the bands, low to high frequency.
var bandColors = []color.Color{
	color.RGBA{R: 0x44, G: 0x1a, B: 0x8a, A: 0xff},
	color.RGBA{R: 0x21, G: 0x90, B: 0x8d, A: 0xff},
	color.RGBA{R: 0xe0, G: 0x8a, B: 0x00, A: 0xff},
	color.RGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xff},
}

// bandsPlot draws, for each noise in its own panel (its first seed), the
// band errors of x̂0 against t/T on an inverted axis (sampling runs left to
// right, from t = T to 0) and a log error axis.
func bandsPlot(path string, d *DatasetResult, k int) error {
	var plots []*plot.Plot
	for _, g := range groups(d) {
		m := g.models[0]
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: %s, x̂0 band error, DDIM K=%d, seed %d", d.Name, g.label(), k, m.Seed)
		p.X.Label.Text = "t/T (sampling runs from 1 to 0)"
		p.Y.Label.Text = "‖band of x̂0 − final‖² / ‖band of final‖²"
		p.X.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decadeTicks{}
		p.X.Min, p.X.Max = 0, 1
		for b := 0; b+1 < len(bandEdges); b++ {
			var xy plotter.XYs
			for s, row := range m.BandErrors {
				// The last step's error is 0 up to rounding (x̂0 is the
				// final sample there): not drawable on a log axis.
				if v := row[b]; v > bandPlotFloor && !math.IsInf(v, 0) {
					xy = append(xy, plotter.XY{X: float64(m.Times[s]) / timeSteps, Y: v})
				}
			}
			if len(xy) == 0 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return err
			}
			l.Color = bandColors[b%len(bandColors)]
			l.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(bandName(b), l)
		}
		th, err := plotter.NewLine(plotter.XYs{{X: 0, Y: SettleThreshold}, {X: 1, Y: SettleThreshold}})
		if err != nil {
			return err
		}
		th.Color = plotting.ColorMasked
		th.Dashes = dashed
		p.Add(th)
		p.Legend.Add(fmt.Sprintf("settled (%g)", SettleThreshold), th)
		p.Legend.Left = true
		plots = append(plots, p)
	}
	if len(plots) == 0 {
		return fmt.Errorf("experiment: %s: no band errors to plot", d.Name)
	}
	// The same error range on every panel.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range plots {
		lo, hi = min(lo, p.Y.Min), max(hi, p.Y.Max)
	}
	for _, p := range plots {
		p.Y.Min, p.Y.Max = lo, hi
	}
	return savePlots(path, plots, 6*vg.Inch*vg.Length(len(plots)), 4.5*vg.Inch)
}

// bandPlotFloor is the smallest band error drawn.
const bandPlotFloor = 1e-6

// decadeTicks marks the powers of 10 of a log axis, labelled 1e-3 … 1,
// 10, with unlabelled minor ticks at 2…9 times them.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		d := math.Pow(10, e)
		if d >= lo && d <= hi {
			label := fmt.Sprintf("1e%d", int(e))
			if e >= 0 && e <= 3 {
				label = strconv.Itoa(int(d))
			}
			ticks = append(ticks, plot.Tick{Value: d, Label: label})
		}
		for m := 2.0; m < 10; m++ {
			if v := m * d; v >= lo && v <= hi {
				ticks = append(ticks, plot.Tick{Value: v})
			}
		}
	}
	return ticks
}

// mosaic tiles up to 16 images into a grid of at most 4 columns with
// 1-pixel gaps. Gaps and the empty cells of a last row that is not full
// are drawn white (hi), so that they cannot be taken for dark samples.
func mosaic(imgs []*mat.Dense, hi float64) *mat.Dense {
	n := min(len(imgs), 16)
	return plotting.Tile(imgs[:n], min(n, 4), 1, hi)
}

// samplesPicture draws 16 training images and 16 samples of the first
// seed of each noise at the smallest, a middle and the largest K, on the
// data's grey scale.
func samplesPicture(path string, d *DatasetResult, ks []int) error {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range d.Data {
		lo, hi = min(lo, mat.Min(x)), max(hi, mat.Max(x))
	}
	panels := []plotting.Panel{{Title: d.Name + " data", Field: mosaic(d.Data, hi), Lo: lo, Hi: hi}}
	show := pictureKs(ks)
	for _, g := range groups(d) {
		for _, k := range show {
			if imgs := g.models[0].Pictures[k]; len(imgs) > 0 {
				panels = append(panels, plotting.Panel{Title: fmt.Sprintf("%s, K=%d", g.label(), k), Field: mosaic(imgs, hi), Lo: lo, Hi: hi})
			}
		}
	}
	return plotting.Gallery(path, panels, 1+len(show), 1.8*vg.Inch)
}

// pictureKs returns the Ks shown in pictures: the smallest, one in the
// middle and the largest (fewer if there are fewer Ks).
func pictureKs(ks []int) []int {
	if len(ks) <= 3 {
		return ks
	}
	return []int{ks[0], ks[len(ks)/2], ks[len(ks)-1]}
}

// pm formats a mean ± standard deviation.
func pm(s stat, format string) string {
	return fmt.Sprintf(format+" ± "+format, s.Mean, s.SD)
}

// Markdown returns the tables of res in Markdown: per data set, the exact
// Gaussian predictions, the training checks, one line per noise, sampler
// and K with every metric (mean ± standard deviation over seeds), and the
// settle times of the bands, exact and measured.
func Markdown(res *Result) string {
	var b strings.Builder
	cfg := res.Config
	for _, d := range res.Datasets {
		gs := groups(d)
		fmt.Fprintf(&b, "### %s (%d training images of %d×%d; Δ = %.2f ± %.2f with the paper's estimator, %.2f ± %.2f global)\n\n",
			d.Name, d.Images, cfg.Size, cfg.Size, d.PaperFit.Delta, d.PaperFit.DeltaErr, d.Fit.Delta, d.Fit.DeltaErr)

		b.WriteString("**Exact Gaussian theory** (the data's measured spectrum, optimal denoiser): log-spectral distance in dB, KL per dimension in nats, information left at t = T.\n\n")
		b.WriteString("| noise | info at T (nats) | sampler |")
		var tks []int
		if len(d.Theory) > 0 {
			for _, r := range d.Theory[0].Rows {
				if r.Method == diffusion.DDIM.String() {
					tks = append(tks, r.K)
				}
			}
		}
		for _, k := range tks {
			fmt.Fprintf(&b, " K=%d LSD / KL |", k)
		}
		b.WriteString("\n|---|---:|---|" + strings.Repeat("---:|", len(tks)) + "\n")
		for _, th := range d.Theory {
			name := th.Noise
			if th.Noise == diffusion.CloudNoise.String() {
				name = fmt.Sprintf("cloud Δ=%.2f", th.Delta)
			}
			for _, method := range []string{diffusion.DDIM.String(), diffusion.DDPM.String()} {
				fmt.Fprintf(&b, "| %s | %.3g | %s |", name, th.Information, method)
				for _, k := range tks {
					cell := " – |"
					for _, r := range th.Rows {
						if r.Method == method && r.K == k {
							cell = fmt.Sprintf(" %.2f / %.3g |", r.LSD, r.KL)
						}
					}
					b.WriteString(cell)
				}
				b.WriteString("\n")
			}
		}

		fmt.Fprintf(&b, "\n**Training** (%d steps of batch %d, %v-prediction, UNet base %d in %v with the %v head and %v padding; x̂0 error on %d held-out images against the Gaussian bound at t = %v):\n\n",
			cfg.Steps, cfg.Batch, cfg.Target, cfg.Base, cfg.Precision, cfg.Head, cfg.Padding, d.HeldOut, cfg.X0Times)
		b.WriteString("| noise | seed | within ×" + fmtFloat(cfg.X0Tolerance) + " of the bound from step | final max ratio (at t) | final loss | training time (s) |\n|---|---:|---:|---:|---:|---:|\n")
		for _, g := range gs {
			for _, m := range g.models {
				reached := "not reached"
				if m.TrainedAt > 0 {
					reached = strconv.Itoa(m.TrainedAt)
				}
				final := "–"
				if n := len(m.Checks); n > 0 {
					c := m.Checks[n-1]
					at := 0
					for i, r := range c.Ratio {
						if r == c.MaxRatio {
							at = c.Errors[i].T
						}
					}
					final = fmt.Sprintf("%.2f (t = %d)", c.MaxRatio, at)
				}
				fmt.Fprintf(&b, "| %s | %d | %s | %s | %.4f | %.0f |\n", g.label(), m.Seed, reached, final, m.Loss, m.TrainSeconds)
			}
		}

		fmt.Fprintf(&b, "\n**Samples** (%d per run; mean ± standard deviation over %d seeds):\n\n", cfg.Samples, cfg.Seeds)
		b.WriteString("| noise | sampler | K | LSD (dB) | exact LSD | Fréchet² | Mahalanobis | W1 | variance ratio | border ratio | NN ratio |\n")
		b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		bs := d.Baseline
		fmt.Fprintf(&b, "| data | %s | – | %.2f | – | %.3g | %.2f | %.4f | %.2f | %.2f | %.2f |\n",
			d.BaselineLabel, bs.LSD, bs.Frechet, bs.Mahalanobis.Mean, bs.W1, bs.Variance, bs.Border, bs.Nearest.Ratio)
		for _, g := range gs {
			for _, method := range []string{diffusion.DDIM.String(), diffusion.DDPM.String()} {
				for _, k := range ks(g.models[0], method) {
					get := func(f func(*Scores) float64) stat { st, _ := g.over(method, k, f); return st }
					exact := "–"
					if g.theory != nil {
						for _, r := range g.theory.Rows {
							if r.Method == method && r.K == k {
								exact = fmt.Sprintf("%.2f", r.LSD)
							}
						}
					}
					fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", g.label(), method, k,
						pm(get(func(s *Scores) float64 { return s.LSD }), "%.2f"), exact,
						pm(get(func(s *Scores) float64 { return s.Frechet }), "%.3g"),
						pm(get(func(s *Scores) float64 { return s.Mahalanobis.Mean }), "%.2f"),
						pm(get(func(s *Scores) float64 { return s.W1 }), "%.4f"),
						pm(get(func(s *Scores) float64 { return s.Variance }), "%.2f"),
						pm(get(func(s *Scores) float64 { return s.Border }), "%.2f"),
						pm(get(func(s *Scores) float64 { return s.Nearest.Ratio }), "%.2f"))
				}
			}
		}
		if len(d.Models) > 0 && len(d.Models[0].Rows) > 0 {
			e := d.Models[0].Rows[0].Scores.MahalanobisData
			fmt.Fprintf(&b, "\nd(data, data | Q0) = %.2f ± %.2f (N = %d random pairs of training images): the Mahalanobis value of a perfect generator. Variance and border ratios are the samples' over the data's (1 is right).\n", e.Mean, e.StdErr, e.N)
		}

		fmt.Fprintf(&b, "\nPower of the samples over the data's per band, in dB (negative: missing detail), DDIM at K = %d, exact Gaussian and trained (mean ± sd over seeds):\n\n| noise | ", cfg.TrajectoryK)
		for bnd := 0; bnd+1 < len(bandEdges); bnd++ {
			b.WriteString(bandName(bnd) + " | ")
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(bandEdges)-1) + "\n")
		for _, g := range gs {
			if g.theory != nil {
				for _, r := range g.theory.Rows {
					if r.Method == diffusion.DDIM.String() && r.K == cfg.TrajectoryK {
						fmt.Fprintf(&b, "| %s, exact |", g.label())
						for _, v := range r.BandPower {
							fmt.Fprintf(&b, " %.2f |", v)
						}
						b.WriteString("\n")
					}
				}
			}
			fmt.Fprintf(&b, "| %s, trained |", g.label())
			for bnd := 0; bnd+1 < len(bandEdges); bnd++ {
				st, ok := g.over(diffusion.DDIM.String(), cfg.TrajectoryK, func(s *Scores) float64 {
					if bnd < len(s.BandPower) {
						return s.BandPower[bnd]
					}
					return math.NaN()
				})
				if !ok {
					b.WriteString(" – |")
					continue
				}
				fmt.Fprintf(&b, " %s |", pm(st, "%.2f"))
			}
			b.WriteString("\n")
		}

		fmt.Fprintf(&b, "\nSettle time t/T of each band at DDIM K = %d (x̂0 within a relative squared error of %g of the final sample from then on; larger is earlier), exact Gaussian and trained (mean ± sd over seeds):\n\n| noise | ", cfg.TrajectoryK, SettleThreshold)
		for bnd := 0; bnd+1 < len(bandEdges); bnd++ {
			b.WriteString(bandName(bnd) + " | ")
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(bandEdges)-1) + "\n")
		for _, g := range gs {
			if g.theory != nil && len(g.theory.Settle) > 0 {
				fmt.Fprintf(&b, "| %s, exact |", g.label())
				for _, v := range g.theory.Settle {
					fmt.Fprintf(&b, " %.3f |", v)
				}
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "| %s, trained |", g.label())
			for bnd := 0; bnd+1 < len(bandEdges); bnd++ {
				var vs []float64
				for _, m := range g.models {
					if bnd < len(m.Settle) {
						vs = append(vs, m.Settle[bnd])
					}
				}
				if len(vs) == 0 {
					b.WriteString(" – |")
					continue
				}
				fmt.Fprintf(&b, " %s |", pm(meanSD(vs), "%.3f"))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(&b, "Skipped: %s\n\n", s)
	}
	fmt.Fprintf(&b, "Total wall time %.0f s on %d cores.\n", res.Seconds, res.Cores)
	return b.String()
}
