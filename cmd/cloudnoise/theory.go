package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/plotting"
	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/eval"
)

const theoryExamples = `  cloudnoise theory                                  # power-law data Δ = 1.5, 32×32, white/cloud/matched
  cloudnoise theory -delta 1.5 -size 32 -noise white,matched -k 5,10,20,50 -max-signal 0.9999 -json
  cloudnoise theory -size 32 -plot theory.png photos/ # the photos' measured spectrum
  cloudnoise theory -method ddpm -k 10,100,1000
  cloudnoise theory -size 32 -mixture 256 -k 5,10,20,50 photos/   # + mode coverage of a Gaussian mixture
`

// Noise names of -noise.
const (
	theoryWhite   = "white"
	theoryCloud   = "cloud"
	theoryMatched = "matched"
)

// jsonFloat is a float64 that encodes NaN and ±Inf as null (JSON has no
// such numbers): an infinite KL, for noise that never reaches some
// frequency of the data.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(v)
}

func jsonFloats(v []float64) []jsonFloat {
	out := make([]jsonFloat, len(v))
	for i, x := range v {
		out[i] = jsonFloat(x)
	}
	return out
}

// theoryRow is one noise at one K.
type theoryRow struct {
	Noise  string      `json:"noise"`
	K      int         `json:"k"`
	LSD    jsonFloat   `json:"lsd_db"`
	KL     jsonFloat   `json:"kl"`
	Bands  []jsonFloat `json:"band_db"`
	Settle []float64   `json:"settle"`
	// Unreached counts the frequencies where the data has power and the
	// samples none (the noise has no power there; KL is then infinite).
	Unreached int `json:"unreached,omitempty"`
	// WhiteK is, for a noise other than white, the smallest K at which it
	// reaches white noise's LSD at this K (0 when white is not computed,
	// -1 when not reached within 4K). With linspace spacing the search
	// starts at K = 2, the first K that starts sampling at t = T.
	WhiteK int `json:"k_to_white_lsd,omitempty"`

	bandErrors [][]float64
	times      []int
}

// theoryNoise describes one noise of the run.
type theoryNoise struct {
	Name        string  `json:"noise"`
	Description string  `json:"description"`
	Information float64 `json:"information_nats"` // I(x_0; x_T)
	InfoFinite  bool    `json:"information_finite"`
	// InformationExact is I(x_0; x_T) with the noise's exact pixel
	// covariance (diffusion.PixelInformation), for noise that is not
	// diagonal in Fourier space (cloud noise with Pad > 1) on grids of up
	// to 1024 pixels.
	InformationExact *float64 `json:"information_exact_nats,omitempty"`
}

// theoryResult is the JSON output of theory.
type theoryResult struct {
	Rows      int            `json:"rows"`
	Cols      int            `json:"cols"`
	Data      string         `json:"data"`
	Delta     float64        `json:"delta"`       // of the power-law data, or fitted to the images
	NoiseΔ    float64        `json:"cloud_delta"` // Δ of the cloud noise
	Pad       float64        `json:"cloud_pad"`
	Steps     int            `json:"steps"`
	MaxSignal float64        `json:"max_signal"`
	MinSignal float64        `json:"min_signal"`
	Method    string         `json:"method"`
	Eta       float64        `json:"eta"`
	Spacing   string         `json:"spacing"`
	Edges     []float64      `json:"band_edges"`
	Noises    []theoryNoise  `json:"noises"`
	Results   []theoryRow    `json:"results"`
	Mixture   *mixtureResult `json:"mixture,omitempty"`
}

// runTheory computes the exact outcome of sampling with the optimal
// denoiser for Gaussian data (diffusion.GaussianTheory).
func runTheory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("theory", "[flags] [PATH...]\n\nThe exact output spectrum of DDIM/DDPM with the optimal (Wiener) denoiser for Gaussian data\ndiagonal in Fourier space (diffusion.GaussianTheory), for white noise, the library's power-law\ncloud noise and matched noise (spectrum equal to the data's): the log-spectral distance (LSD,\nas eval.LogSpectralError) and KL per dimension to the data against the number of steps K, the\npower error per frequency band, when each band settles, and the information left at t = T.\nWithout PATH the data are a power law with -delta on a -size grid; with PATH, the images'\nmeasured spectrum (normalised to unit pixel variance, as the trainer's data).", theoryExamples)
	delta := fs.Float64("delta", -1, "Δ of the power-law data (without PATH; negative: 1.5); with PATH it sets the cloud noise's Δ instead of the fitted one")
	size := fs.Int("size", 32, "grid size `N`×N of the power-law data; with PATH, centre-crop and resize the images to N×N (0: keep their size)")
	lf := addLoadFlags(fs)
	rf := addResizeFlags(fs)
	noises := fs.String("noise", "white,cloud,matched", "comma-separated noises: white, cloud (the paper's construction, its exact spectrum), matched (N = data spectrum)")
	ks := fs.String("k", "5,10,20,50,100", "comma-separated numbers of sampling steps K")
	steps := fs.Int("steps", 1000, "steps T of the offset cosine schedule")
	maxSignal := fs.Float64("max-signal", 0.95, "signal rate at t = 1, the schedule's clean end (the paper's 0.95; 0.9999 removes the endpoint's shrinkage)")
	minSignal := fs.Float64("min-signal", 0.02, "signal rate at t = T")
	method := fs.String("method", diffusion.DDIM.String(), "sampler: ddim or ddpm (ddpm with K < T is DDIM with η = 1, as the sampler runs it)")
	eta := fs.Float64("eta", 0, "DDIM's η in [0, 1]")
	spacing := fs.String("spacing", "linspace", "timestep spacing: linspace, leading or trailing")
	pad := fs.Float64("pad", noise.DefaultPad, "padding factor of the cloud noise (1: periodic)")
	settleK := fs.Int("settle-k", 0, "K of the band settle times and curves (0: the largest -k)")
	asJSON := fs.Bool("json", false, "print one JSON object with a results array")
	mixture := fs.Int("mixture", 0, "with PATH: also run the real sampler with the exact denoiser of a Gaussian mixture of the first `M` normalised images and report mode coverage (0: off)")
	spread := fs.Float64("spread", 0.25, "share of the data spectrum in each mixture component's covariance, in (0, 1)")
	samples := fs.Int("samples", 192, "samples per noise and K of the mixture benchmark")
	seed := fs.Uint64("seed", 1, "random seed of the mixture benchmark")
	plotPath := fs.String("plot", "", "draw the LSD against K per noise to `FILE`, and the band errors along the trajectory at -settle-k to FILE-bands (same extension)")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	kList, err := parseInts(*ks)
	if err != nil {
		return fs.misuse(stderr, "-k: %v", err)
	}
	var names []string
	for _, n := range strings.Split(*noises, ",") {
		n = strings.TrimSpace(strings.ToLower(n))
		switch n {
		case "":
			continue
		case theoryWhite, theoryCloud, theoryMatched:
		default:
			return fs.misuse(stderr, "-noise %q: want white, cloud or matched", n)
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	sp, err := noise.ParseSpacing(*spacing)
	m, methodErr := diffusion.ParseMethod(*method)
	switch {
	case len(names) == 0:
		return fs.misuse(stderr, "-noise: no noise given")
	case err != nil:
		return fs.misuse(stderr, "-spacing: %v", err)
	case math.IsNaN(*delta) || math.IsInf(*delta, 0):
		return fs.misuse(stderr, "-delta %v must be finite", *delta)
	case *size < 0 || *size > 4096 || fs.NArg() == 0 && *size < 2:
		return fs.misuse(stderr, "-size %d must be between 2 and 4096", *size)
	case *steps < 1 || *steps > 1<<20:
		return fs.misuse(stderr, "-steps %d must be between 1 and %d", *steps, 1<<20)
	case !(*eta >= 0 && *eta <= 1):
		return fs.misuse(stderr, "-eta %v outside [0, 1]", *eta)
	case methodErr != nil:
		return fs.misuse(stderr, "-method %q: want ddim or ddpm", *method)
	case math.IsNaN(*pad) || math.IsInf(*pad, 0) || *pad < 1:
		return fs.misuse(stderr, "-pad %v must be ≥ 1", *pad)
	case *mixture < 0:
		return fs.misuse(stderr, "-mixture %d must not be negative", *mixture)
	case *mixture > 0 && fs.NArg() == 0:
		return fs.misuse(stderr, "-mixture needs images (PATH...)")
	case !(*spread > 0 && *spread < 1):
		return fs.misuse(stderr, "-spread %v outside (0, 1)", *spread)
	case *samples < 1 || *samples > 1<<16:
		return fs.misuse(stderr, "-samples %d must be between 1 and %d", *samples, 1<<16)
	}
	for _, k := range kList {
		if k < 1 || k > *steps {
			return fs.misuse(stderr, "-k: %d steps outside 1…%d (the schedule's -steps)", k, *steps)
		}
	}
	slices.Sort(kList)
	kList = slices.Compact(kList)
	sk := *settleK
	if sk == 0 {
		sk = kList[len(kList)-1]
	}
	if sk < 1 || sk > *steps {
		return fs.misuse(stderr, "-settle-k %d outside 1…%d", sk, *steps)
	}
	sched, err := noise.NewOffsetCosineSchedule(*steps, *maxSignal, *minSignal)
	if err != nil {
		return fs.misuse(stderr, "-max-signal/-min-signal: %v", err)
	}
	var bandsPath string
	if *plotPath != "" {
		if err := checkOutput(*plotPath); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
		ext := filepath.Ext(*plotPath)
		bandsPath = strings.TrimSuffix(*plotPath, ext) + "-bands" + ext
		if err := checkOutput(bandsPath); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}

	res := theoryResult{
		Steps: *steps, MaxSignal: *maxSignal, MinSignal: *minSignal,
		Method: *method, Eta: *eta, Spacing: sp.String(), Pad: *pad,
		Edges: eval.DefaultBandEdges(),
	}
	if m == diffusion.DDPM {
		res.Eta = 1
	}
	var (
		data *mat.Dense
		imgs []*mat.Dense
	)
	if fs.NArg() == 0 {
		res.Delta = *delta
		if res.Delta < 0 {
			res.Delta = noise.CloudDelta
		}
		res.NoiseΔ = res.Delta
		res.Rows, res.Cols = *size, *size
		res.Data = fmt.Sprintf("power law Δ = %g", res.Delta)
		if data, err = powerLawSpectrum(*size, *size, res.Delta); err != nil {
			return err
		}
	} else {
		if imgs, _, err = loadImages(fs.Args(), *size, rf, lf, stderr); err != nil {
			return err
		}
		sf, err := fitSpectrum(imgs, nil)
		if err != nil {
			return err
		}
		data = sf.Power
		res.Rows, res.Cols = sf.Rows, sf.Cols
		res.Delta = sf.Fit.Delta
		res.NoiseΔ = res.Delta
		if *delta >= 0 {
			res.NoiseΔ = *delta
		}
		res.Data = fmt.Sprintf("%d images (measured spectrum; fitted Δ = %.3f)", sf.Images, sf.Fit.Delta)
	}
	theories := make(map[string]*diffusion.GaussianTheory, len(names))
	for _, name := range names {
		var spec *mat.Dense
		var desc string
		switch name {
		case theoryWhite:
			spec = mat.NewDense(res.Rows, res.Cols, nil)
			for i := range spec.RawMatrix().Data {
				spec.RawMatrix().Data[i] = 1
			}
			desc = "white: N(k) = 1"
		case theoryMatched:
			spec = data
			desc = "matched: N(k) = P(k), the data's spectrum (drawn exactly by periodic noise of that density, Pad 1)"
		case theoryCloud:
			s, err := noise.NewSampler(noise.Spec{Rows: res.Rows, Cols: res.Cols, Delta: res.NoiseΔ, Pad: *pad}, nil)
			if err != nil {
				return err
			}
			spec = cleanPower(s.Power())
			desc = fmt.Sprintf("cloud: the library's power-law noise, Δ = %.4g, Pad %g; N(k) its exact expected spectrum (Sampler.Power)", res.NoiseΔ, *pad)
			if *pad > 1 {
				desc += "; the crop is not periodic, so the diagonal model is an approximation"
			}
		}
		th, err := diffusion.NewGaussianTheory(data, spec, sched)
		if err != nil {
			return fmt.Errorf("%s noise: %w", name, err)
		}
		theories[name] = th
		info := th.Information(*steps)
		tn := theoryNoise{Name: name, Description: desc, Information: finiteOr(info, -1), InfoFinite: !math.IsInf(info, 0)}
		if name == theoryCloud && *pad > 1 && res.Rows*res.Cols <= maxExactInfoPixels {
			if tn.InformationExact, err = exactInformation(data, noise.Spec{Rows: res.Rows, Cols: res.Cols, Delta: res.NoiseΔ, Pad: *pad}, sched); err != nil {
				return err
			}
		}
		res.Noises = append(res.Noises, tn)
	}
	opts := func(k int) diffusion.TheoryOptions {
		return diffusion.TheoryOptions{SampleOptions: diffusion.SampleOptions{Method: m, Steps: k, Eta: *eta, Spacing: sp}}
	}
	lsdAt := map[string]map[int]float64{}
	predict := func(name string, k int) (*diffusion.Prediction, error) {
		pr, err := theories[name].Predict(opts(k))
		if err != nil {
			return nil, err
		}
		if lsdAt[name] == nil {
			lsdAt[name] = map[int]float64{}
		}
		lsdAt[name][k] = pr.LSD
		return pr, nil
	}
	allK := kList
	if !slices.Contains(allK, sk) {
		allK = append(slices.Clone(kList), sk)
	}
	for _, name := range names {
		for _, k := range allK {
			pr, err := predict(name, k)
			if err != nil {
				return err
			}
			row := theoryRow{
				Noise: name, K: k, LSD: jsonFloat(pr.LSD), KL: jsonFloat(pr.KL),
				Bands: jsonFloats(pr.BandPower), Settle: pr.Settle, Unreached: pr.Unreached,
				bandErrors: pr.BandErrors, times: pr.Times,
			}
			res.Results = append(res.Results, row)
		}
	}
	// For each noise other than white: the K it needs to reach white's LSD.
	if slices.Contains(names, theoryWhite) {
		for i := range res.Results {
			r := &res.Results[i]
			if r.Noise == theoryWhite {
				continue
			}
			target := lsdAt[theoryWhite][r.K]
			r.WhiteK = -1
			// From K = 2: with one step, linspace starts at t = 1, not T,
			// and for matched noise the starting noise is already a sample
			// of the Gaussian data (N = P), so K = 1 is exact there.
			k0 := 1
			if sp == noise.Linspace {
				k0 = 2
			}
			for k := k0; k <= min(4*r.K, *steps); k++ {
				l, ok := lsdAt[r.Noise][k]
				if !ok {
					pr, err := predict(r.Noise, k)
					if err != nil {
						return err
					}
					l = pr.LSD
				}
				if l <= target {
					r.WhiteK = k
					break
				}
			}
		}
	}
	if *mixture > 0 {
		var progress io.Writer
		if !*asJSON {
			progress = stderr
		}
		res.Mixture, err = mixtureBenchmark(ctx, imgs, *mixture, *spread, names, kList, sched,
			opts(0).SampleOptions, res.NoiseΔ, *pad, *samples, *seed, progress)
		if err != nil {
			return err
		}
	}
	if *plotPath != "" {
		if err := saveTheoryPlots(*plotPath, bandsPath, &res, kList, sk); err != nil {
			return err
		}
	}
	// The settle-K row is reported only when it was asked for in -k.
	var rows []theoryRow
	for _, r := range res.Results {
		if slices.Contains(kList, r.K) {
			rows = append(rows, r)
		}
	}
	res.Results = rows
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	printTheory(stdout, &res)
	if res.Mixture != nil {
		printMixture(stdout, res.Mixture)
	}
	if *plotPath != "" {
		fmt.Fprintf(stdout, "wrote %s and %s\n", *plotPath, bandsPath)
	}
	return nil
}

// maxExactInfoPixels bounds the grids on which theory computes the exact
// information of padded noise: O(D³) with D pixels, about a second at
// 32×32.
const maxExactInfoPixels = 1024

// exactInformation returns I(x_0; x_T) for stationary data with the
// spectrum data and the exact pixel covariance of the noise spec, or nil
// when the noise covariance is singular (infinite information).
func exactInformation(data *mat.Dense, spec noise.Spec, sched *noise.Schedule) (*float64, error) {
	dc, err := diffusion.StationaryCovariance(data)
	if err != nil {
		return nil, err
	}
	nc, err := diffusion.NoiseCovariance(spec)
	if err != nil {
		return nil, err
	}
	v, err := diffusion.PixelInformation(dc, nc, sched, sched.Steps())
	if err != nil {
		return nil, nil // singular: reported as infinite
	}
	return &v, nil
}

func finiteOr(v, alt float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return alt
	}
	return v
}

func printTheory(w io.Writer, r *theoryResult) {
	fmt.Fprintf(w, "Exact %s (η = %g, %s) with the optimal denoiser, %d×%d %s,\n", strings.ToUpper(r.Method), r.Eta, r.Spacing, r.Rows, r.Cols, r.Data)
	fmt.Fprintf(w, "offset cosine schedule of %d steps, signal rate %g → %g.\n", r.Steps, r.MaxSignal, r.MinSignal)
	for _, n := range r.Noises {
		info := "∞ (the noise misses some frequency of the data)"
		if n.InfoFinite {
			info = fmt.Sprintf("%.3g nats", n.Information)
		}
		if n.InformationExact != nil {
			info += fmt.Sprintf(" (diagonal model), %.3g nats with the noise's exact pixel covariance", *n.InformationExact)
		}
		fmt.Fprintf(w, "  %s; I(x0; x_T) = %s\n", n.Description, info)
	}
	var hdr []string
	for b := 0; b+1 < len(r.Edges); b++ {
		hdr = append(hdr, bandName(r.Edges, b))
	}
	fmt.Fprintf(w, "\n%-8s %5s %8s %9s  %-30s %-24s %s\n", "noise", "K", "LSD dB", "KL", "band power dB ("+strings.Join(hdr, ", ")+")", "settle t/T", "K for white's LSD")
	for _, row := range r.Results {
		var bands, settle []string
		for _, b := range row.Bands {
			bands = append(bands, fmt.Sprintf("%+.2f", float64(b)))
		}
		for _, s := range row.Settle {
			settle = append(settle, fmt.Sprintf("%.2f", s))
		}
		wk := ""
		switch {
		case row.WhiteK > 0:
			wk = fmt.Sprint(row.WhiteK)
		case row.WhiteK < 0:
			wk = fmt.Sprintf("> %d", 4*row.K)
		}
		kl := fmt.Sprintf("%9.4f", float64(row.KL))
		if math.IsInf(float64(row.KL), 0) {
			kl = fmt.Sprintf("%9s", "∞")
		}
		fmt.Fprintf(w, "%-8s %5d %8.3f %s  %-30s %-24s %s\n", row.Noise, row.K, float64(row.LSD), kl, strings.Join(bands, " "), strings.Join(settle, " "), wk)
	}
	fmt.Fprintf(w, "\nLSD: RMS over radial bins of the dB ratio of the samples' expected spectrum to the data's (eval.LogSpectralError).\n")
	fmt.Fprintf(w, "KL: KL(samples ‖ data) per pixel, nats. Settle: t/T when the band's x̂0 error falls below %g for good (Figure 17).\n", diffusion.DefaultSettleThreshold)
}

func bandName(edges []float64, b int) string {
	lo, hi := edges[b], edges[b+1]
	if hi >= math.Sqrt(0.5) {
		return fmt.Sprintf(">%s", frac(lo))
	}
	if lo == 0 {
		return fmt.Sprintf("≤%s", frac(hi))
	}
	return fmt.Sprintf("%s–%s", frac(lo), frac(hi))
}

// frac writes 1/n for reciprocals of integers, the number otherwise.
func frac(v float64) string {
	if v > 0 {
		if n := 1 / v; n == math.Round(n) {
			return fmt.Sprintf("1/%d", int(n))
		}
	}
	return fmt.Sprintf("%g", v)
}

var theoryColors = map[string]color.Color{
	theoryWhite:   plotting.ColorWhite,
	theoryCloud:   plotting.ColorCloud,
	theoryMatched: plotting.ColorData,
}

var bandColors = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
}

var noiseDashes = map[string][]vg.Length{
	theoryWhite:   nil,
	theoryCloud:   {vg.Points(6), vg.Points(3)},
	theoryMatched: {vg.Points(2), vg.Points(2)},
}

// saveTheoryPlots draws the LSD against K per noise to path, and the band
// errors of x̂0 along the trajectory at K = sk to bandsPath (one colour
// per band, one dash pattern per noise, the settle threshold as a grey
// line).
func saveTheoryPlots(path, bandsPath string, r *theoryResult, kList []int, sk int) error {
	var curves []plotting.Curve
	for _, n := range r.Noises {
		var x, y []float64
		for _, row := range r.Results {
			if row.Noise == n.Name && slices.Contains(kList, row.K) {
				x = append(x, float64(row.K))
				y = append(y, float64(row.LSD))
			}
		}
		curves = append(curves, plotting.Curve{Label: n.Name, X: x, Y: y, Color: theoryColors[n.Name], Dashed: n.Name != theoryWhite})
	}
	title := fmt.Sprintf("Exact %s, optimal denoiser, %d×%d %s", strings.ToUpper(r.Method), r.Rows, r.Cols, r.Data)
	p, err := plotting.LogLog(title, "sampling steps K", "log-spectral distance (dB)", curves)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	p.Legend.Top = true
	if err := plotting.Save(path, p, 7*vg.Inch, 5*vg.Inch); err != nil {
		return err
	}

	bp := plot.New()
	bp.Title.Text = fmt.Sprintf("Band error of x̂0 along the trajectory, K = %d (settled below %g)", sk, diffusion.DefaultSettleThreshold)
	bp.X.Label.Text = "t/T (sampling runs from right to left)"
	bp.Y.Label.Text = "relative squared error of the band"
	bp.Y.Scale = plot.LogScale{}
	bp.Y.Tick.Marker = plot.LogTicks{}
	bp.X.Min, bp.X.Max = 0, 1
	var ymin float64 = 1e-3
	for _, row := range r.Results {
		if row.K != sk {
			continue
		}
		for b := 0; b+1 < len(r.Edges); b++ {
			var xy plotter.XYs
			for i, e := range row.bandErrors {
				if e[b] > 0 && !math.IsInf(e[b], 0) {
					xy = append(xy, plotter.XY{X: float64(row.times[i]) / float64(r.Steps), Y: e[b]})
					ymin = min(ymin, e[b])
				}
			}
			if len(xy) == 0 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return fmt.Errorf("%s: %w", bandsPath, err)
			}
			l.LineStyle = draw.LineStyle{Color: bandColors[b%len(bandColors)], Width: vg.Points(1.5), Dashes: noiseDashes[row.Noise]}
			bp.Add(l)
		}
	}
	thr, err := plotter.NewLine(plotter.XYs{{X: 0, Y: diffusion.DefaultSettleThreshold}, {X: 1, Y: diffusion.DefaultSettleThreshold}})
	if err != nil {
		return fmt.Errorf("%s: %w", bandsPath, err)
	}
	thr.LineStyle = draw.LineStyle{Color: plotting.ColorMasked, Width: vg.Points(1)}
	bp.Add(thr)
	bp.Y.Min = max(ymin, 1e-8)
	for _, n := range r.Noises {
		l := &plotter.Line{LineStyle: draw.LineStyle{Color: color.Black, Width: vg.Points(1.5), Dashes: noiseDashes[n.Name]}}
		bp.Legend.Add(n.Name, l)
	}
	for b := 0; b+1 < len(r.Edges); b++ {
		l := &plotter.Line{LineStyle: draw.LineStyle{Color: bandColors[b%len(bandColors)], Width: vg.Points(1.5)}}
		bp.Legend.Add("|k| "+bandName(r.Edges, b), l)
	}
	bp.Legend.Top = true
	bp.Legend.Left = true
	return plotting.Save(bandsPath, bp, 7*vg.Inch, 5*vg.Inch)
}
