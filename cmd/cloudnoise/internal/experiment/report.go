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
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
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
	FileCSV     = "experiment.csv"            // one line per data set, model and K
	FileBands   = "experiment-bands.csv"      // band errors along the trajectory
	FileMetrics = "experiment-metrics-%s.png" // metrics against K
	FileBandPNG = "experiment-bands-%s.png"   // band error against reverse time
	FileSamples = "experiment-samples-%s.png" // data and samples
)

// WriteFiles writes the results of res into dir (which must exist): the
// JSON, the CSV tables and, per data set, the three pictures. Every file is
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
	if err := add(FileCSV, func(w io.Writer) error { return writeRowsCSV(w, res) }); err != nil {
		return nil, err
	}
	if err := add(FileBands, func(w io.Writer) error { return writeBandsCSV(w, res) }); err != nil {
		return nil, err
	}
	for _, d := range res.Datasets {
		p := filepath.Join(dir, fmt.Sprintf(FileMetrics, d.Name))
		if err := metricsPlot(p, d); err != nil {
			return nil, err
		}
		paths = append(paths, p)
		p = filepath.Join(dir, fmt.Sprintf(FileBandPNG, d.Name))
		if err := bandsPlot(p, d, res.Config.TrajectoryK); err != nil {
			return nil, err
		}
		paths = append(paths, p)
		p = filepath.Join(dir, fmt.Sprintf(FileSamples, d.Name))
		if err := samplesPicture(p, d, res.Config.Ks); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// jsonSafe prepares res for JSON and returns it: an infinite standard error
// (an estimate from one pair) is not a valid JSON number, so it is set to
// −1 in place. Only Estimate.StdErr can be infinite.
func jsonSafe(res *Result) *Result {
	fix := func(s *Scores) {
		if s == nil {
			return
		}
		if math.IsInf(s.Mahalanobis.StdErr, 0) {
			s.Mahalanobis.StdErr = -1
		}
		if math.IsInf(s.MahalanobisData.StdErr, 0) {
			s.MahalanobisData.StdErr = -1
		}
	}
	for _, d := range res.Datasets {
		fix(d.Baseline)
		for _, m := range d.Models {
			for _, r := range m.Rows {
				fix(r.Scores)
			}
		}
	}
	return res
}

// csvHeader is the header of FileCSV.
var csvHeader = []string{"dataset", "model", "delta", "method", "k", "n",
	"lsd_db", "frechet", "mahalanobis", "mahalanobis_se", "mahalanobis_data", "mahalanobis_data_se",
	"w1", "tv", "nn_median", "nn_train_median", "nn_ratio", "nn_below_p5", "seconds"}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// scoreFields returns the metric columns of FileCSV for sc.
func scoreFields(sc *Scores) []string {
	return []string{strconv.Itoa(sc.N), fmtFloat(sc.LSD), fmtFloat(sc.Frechet),
		fmtFloat(sc.Mahalanobis.Mean), fmtFloat(sc.Mahalanobis.StdErr),
		fmtFloat(sc.MahalanobisData.Mean), fmtFloat(sc.MahalanobisData.StdErr),
		fmtFloat(sc.W1), fmtFloat(sc.TV),
		fmtFloat(sc.Nearest.MedianSample), fmtFloat(sc.Nearest.MedianTrain),
		fmtFloat(sc.Nearest.Ratio), fmtFloat(sc.Nearest.BelowShare)}
}

// writeRowsCSV writes FileCSV: the baseline of each data set (model
// "data", k 0) and one line per model and sampling run.
func writeRowsCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, d := range res.Datasets {
		rec := append([]string{d.Name, "data", fmtFloat(d.Fit.Delta), "-", "0"}, scoreFields(d.Baseline)...)
		cw.Write(append(rec, "0"))
		for _, m := range d.Models {
			for _, r := range m.Rows {
				rec := append([]string{d.Name, m.Noise, fmtFloat(m.Delta), r.Method, strconv.Itoa(r.K)}, scoreFields(r.Scores)...)
				cw.Write(append(rec, fmtFloat(r.Seconds)))
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

// writeBandsCSV writes FileBands: per data set, model and trajectory step,
// t, t/T and the relative error of each band.
func writeBandsCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	head := []string{"dataset", "model", "step", "t", "t_over_T"}
	for b := 0; b+1 < len(bandEdges); b++ {
		head = append(head, "band"+strconv.Itoa(b))
	}
	cw.Write(head)
	for _, d := range res.Datasets {
		for _, m := range d.Models {
			for s, row := range m.BandErrors {
				rec := []string{d.Name, m.Noise, strconv.Itoa(s), strconv.Itoa(m.Times[s]), fmtFloat(float64(m.Times[s]) / timeSteps)}
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

// modelColor returns the colour of a noise kind.
func modelColor(kind string) color.Color {
	if kind == diffusion.CloudNoise.String() {
		return plotting.ColorCloud
	}
	return plotting.ColorWhite
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

// metricsPlot draws LSD, Fréchet distance and Mahalanobis distance (with
// standard errors) against K for both models, with the data baseline as a
// grey line.
func metricsPlot(path string, d *DatasetResult) error {
	type metric struct {
		title string
		get   func(*Scores) (float64, float64)
	}
	metrics := []metric{
		{"log-spectral distance (dB)", func(s *Scores) (float64, float64) { return s.LSD, 0 }},
		{"spectral Fréchet distance²", func(s *Scores) (float64, float64) { return s.Frechet, 0 }},
		{"Mahalanobis d(samples, data)", func(s *Scores) (float64, float64) { return s.Mahalanobis.Mean, s.Mahalanobis.StdErr }},
		{"pixel histogram W1", func(s *Scores) (float64, float64) { return s.W1, 0 }},
	}
	var plots []*plot.Plot
	for mi, mt := range metrics {
		p := plot.New()
		p.Title.Text = mt.title
		p.X.Label.Text = "DDIM steps K"
		p.X.Scale = plot.LogScale{}
		var kt plot.ConstantTicks
		for _, r := range d.Models[0].Rows {
			if r.Method == diffusion.DDIM.String() {
				kt = append(kt, plot.Tick{Value: float64(r.K), Label: strconv.Itoa(r.K)})
			}
		}
		p.X.Tick.Marker = kt
		var kmin, kmax float64 = math.Inf(1), 0
		for _, m := range d.Models {
			var xy plotter.XYs
			var errs plotter.YErrors
			for _, r := range m.Rows {
				if r.Method != diffusion.DDIM.String() {
					continue
				}
				v, e := mt.get(r.Scores)
				xy = append(xy, plotter.XY{X: float64(r.K), Y: v})
				errs = append(errs, struct{ Low, High float64 }{e, e})
				kmin, kmax = min(kmin, float64(r.K)), max(kmax, float64(r.K))
			}
			if len(xy) == 0 {
				continue
			}
			l, pts, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			l.Color, pts.Color = modelColor(m.Noise), modelColor(m.Noise)
			p.Add(l, pts)
			eb, err := plotter.NewYErrorBars(struct {
				plotter.XYer
				plotter.YErrorer
			}{xy, errs})
			if err == nil {
				eb.Color = modelColor(m.Noise)
				p.Add(eb)
			}
			label := m.Noise
			if m.Noise == diffusion.CloudNoise.String() {
				label = fmt.Sprintf("cloud (Δ=%.2f)", m.Delta)
			}
			p.Legend.Add(label, l, pts)
		}
		if base, _ := mt.get(d.Baseline); kmax > 0 {
			bl, err := plotter.NewLine(plotter.XYs{{X: kmin, Y: base}, {X: kmax, Y: base}})
			if err != nil {
				return err
			}
			bl.Color = plotting.ColorMasked
			bl.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(bl)
			p.Legend.Add("data vs data", bl)
		}
		p.Y.Min = 0
		// One legend, bottom right of the first panel, above the
		// baseline: the log-spectral distances stay far above it.
		p.Legend.YOffs = vg.Points(14)
		if mi > 0 {
			p.Legend = plot.NewLegend()
		}
		plots = append(plots, p)
	}
	return savePlots(path, plots, 16*vg.Inch, 4*vg.Inch)
}

// bandColors are the colours of the bands, low to high frequency.
var bandColors = []color.Color{
	color.RGBA{R: 0x44, G: 0x1a, B: 0x8a, A: 0xff},
	color.RGBA{R: 0x21, G: 0x90, B: 0x8d, A: 0xff},
	color.RGBA{R: 0xe0, G: 0x8a, B: 0x00, A: 0xff},
	color.RGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xff},
}

// bandsPlot draws, for each model in its own panel, the band errors of x̂0
// against t/T on an inverted axis (sampling runs left to right, from
// t = T to 0) and a log error axis.
func bandsPlot(path string, d *DatasetResult, k int) error {
	var plots []*plot.Plot
	for _, m := range d.Models {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: %s noise, x̂0 band error, DDIM K=%d", d.Name, m.Noise, k)
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
		th.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(th)
		p.Legend.Add("settled (0.1)", th)
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
	return savePlots(path, plots, 12*vg.Inch, 4.5*vg.Inch)
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

// mosaic tiles up to 16 images into a grid of 4 columns with 1-pixel gaps
// at lo.
func mosaic(imgs []*mat.Dense, lo float64) *mat.Dense {
	return plotting.Tile(imgs[:min(len(imgs), 16)], 4, 1, lo)
}

// samplesPicture draws 16 training images and 16 samples of each model at
// the smallest and two larger K, on the data's grey scale.
func samplesPicture(path string, d *DatasetResult, ks []int) error {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range d.Data {
		lo, hi = min(lo, mat.Min(x)), max(hi, mat.Max(x))
	}
	panels := []plotting.Panel{{Title: d.Name + " data", Field: mosaic(d.Data, lo), Lo: lo, Hi: hi}}
	show := pictureKs(ks)
	for _, m := range d.Models {
		for _, k := range show {
			if imgs := m.Pictures[k]; len(imgs) > 0 {
				panels = append(panels, plotting.Panel{Title: fmt.Sprintf("%s, K=%d", m.Noise, k), Field: mosaic(imgs, lo), Lo: lo, Hi: hi})
			}
		}
	}
	return plotting.Gallery(path, panels, len(panels), 1.8*vg.Inch)
}

// pictureKs returns the Ks shown in pictures: the smallest, one in the
// middle and the largest (fewer if there are fewer Ks).
func pictureKs(ks []int) []int {
	if len(ks) <= 3 {
		return ks
	}
	return []int{ks[0], ks[len(ks)/2], ks[len(ks)-1]}
}

// Markdown returns the tables of res in Markdown: per data set, one line
// per model and K with every metric, and the settle times of the bands.
func Markdown(res *Result) string {
	var b strings.Builder
	for _, d := range res.Datasets {
		fmt.Fprintf(&b, "### %s (%d training images, data Δ = %.2f ± %.2f)\n\n", d.Name, d.Images, d.Fit.Delta, d.Fit.DeltaErr)
		b.WriteString("| model | sampler | K | LSD (dB) | Fréchet² | Mahalanobis ± se | W1 | TV | NN median / train NN median | below train p5 | time (s) |\n")
		b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		line := func(model, method, k string, sc *Scores, sec string) {
			fmt.Fprintf(&b, "| %s | %s | %s | %.2f | %.3g | %.2f ± %.2f | %.4f | %.3f | %.3f / %.3f = %.2f | %.2f | %s |\n",
				model, method, k, sc.LSD, sc.Frechet, sc.Mahalanobis.Mean, sc.Mahalanobis.StdErr, sc.W1, sc.TV,
				sc.Nearest.MedianSample, sc.Nearest.MedianTrain, sc.Nearest.Ratio, sc.Nearest.BelowShare, sec)
		}
		line("data", d.BaselineLabel, "–", d.Baseline, "–")
		for _, m := range d.Models {
			name := m.Noise
			if m.Noise == diffusion.CloudNoise.String() {
				name = fmt.Sprintf("cloud Δ=%.2f", m.Delta)
			}
			for _, r := range m.Rows {
				method := "DDIM η=0"
				if r.Method == diffusion.DDPM.String() {
					method = "DDPM"
				}
				line(name, method, strconv.Itoa(r.K), r.Scores, fmt.Sprintf("%.1f", r.Seconds))
			}
		}
		if len(d.Models) > 0 && len(d.Models[0].Rows) > 0 {
			e := d.Models[0].Rows[0].Scores.MahalanobisData
			fmt.Fprintf(&b, "\nd(data, data | Q0) = %.2f ± %.2f (N = %d disjoint pairs of training images): the Mahalanobis value of a perfect generator.\n", e.Mean, e.StdErr, e.N)
		}
		b.WriteString("\nSettle time t/T of each band (x̂0 within a relative squared error of 0.1 from then on; larger is earlier):\n\n| model | ")
		for bnd := 0; bnd+1 < len(bandEdges); bnd++ {
			b.WriteString(bandName(bnd) + " | ")
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(bandEdges)-1) + "\n")
		for _, m := range d.Models {
			fmt.Fprintf(&b, "| %s |", m.Noise)
			for _, v := range m.Settle {
				fmt.Fprintf(&b, " %.3f |", v)
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "\nTraining: ")
		for i, m := range d.Models {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s %.0f s, final loss %.4f", m.Noise, m.TrainSeconds, m.Loss)
		}
		b.WriteString(".\n\n")
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(&b, "Skipped: %s\n\n", s)
	}
	fmt.Fprintf(&b, "Total wall time %.0f s on %d cores.\n", res.Seconds, res.Cores)
	return b.String()
}
