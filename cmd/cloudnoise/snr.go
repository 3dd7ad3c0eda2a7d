package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/plotting"
	"github.com/cloud-diffusion/noise/diffusion"
)

const snrExamples = `  cloudnoise snr -plot snr.png                  # power-law data with Δ = 1.5, 96×96
  cloudnoise snr -delta 1.8 -n 64 -t 100,500,900
  cloudnoise snr -plot snr.png photos/           # the images' own spectrum, cloud noise at their fitted Δ
  cloudnoise snr -schedule linear -steps 1000 -json photos/
  cloudnoise snr -delta 1.5 -steps 50 photos/     # Δ given: nothing fitted; times 5%…95% of 50 steps
  cloudnoise snr -cross -1 photos/               # fit Δ without the paper's central-cross mask
`

// snrCurve is the radial SNR of one noise at one time.
type snrCurve struct {
	Noise    string    `json:"noise"` // "white" or "cloud"
	T        int       `json:"t"`
	AlphaBar float64   `json:"alpha_bar"`
	K        []float64 `json:"k"`
	SNR      []float64 `json:"snr"`
}

// snrResult is the JSON output of snr.
type snrResult struct {
	Rows     int        `json:"rows"`
	Cols     int        `json:"cols"`
	Delta    float64    `json:"delta"`
	Data     string     `json:"data"` // "power law" or the number of images
	Schedule string     `json:"schedule"`
	Steps    int        `json:"steps"`
	Curves   []snrCurve `json:"curves"`
}

// powerLawSpectrum returns Γ(k) = A²|k|^(−2Δ) on the rows×cols centred
// grid with A = noise.UnitAmplitude (unit mean pixel variance) and 0 at
// k = 0: the spectrum of the library's cloud noise without the padding's
// leakage.
func powerLawSpectrum(rows, cols int, delta float64) (*mat.Dense, error) {
	a, err := noise.UnitAmplitude(rows, cols, delta)
	if err != nil {
		return nil, err
	}
	g := noise.Wavenumbers(rows, cols)
	raw := g.RawMatrix()
	for i := range rows {
		row := raw.Data[i*raw.Stride : i*raw.Stride+cols]
		for j, k := range row {
			if k > 0 {
				row[j] = a * a * math.Pow(k, -2*delta)
			}
		}
	}
	return g, nil
}

// snrCurves computes the radial SNR (noise.Schedule.RadialSNR) of the
// data spectrum against white noise (Γ = 1) and cloud noise with Δ = delta
// at each time.
func snrCurves(data *mat.Dense, delta float64, sched *noise.Schedule, times []int, bins int) ([]snrCurve, error) {
	rows, cols := data.Dims()
	white := mat.NewDense(rows, cols, nil)
	for i := range rows {
		for j := range cols {
			white.Set(i, j, 1)
		}
	}
	cloud, err := powerLawSpectrum(rows, cols, delta)
	if err != nil {
		return nil, err
	}
	bins = min(bins, rows*cols-1)
	var out []snrCurve
	for _, t := range times {
		for _, nz := range []struct {
			name string
			g    *mat.Dense
		}{{"white", white}, {"cloud", cloud}} {
			k, snr, err := sched.RadialSNR(data, nz.g, t, bins)
			if err != nil {
				return nil, err
			}
			out = append(out, snrCurve{Noise: nz.name, T: t, AlphaBar: sched.AlphaBar(t), K: k, SNR: snr})
		}
	}
	return out, nil
}

// newSchedule returns the named schedule of the given number of steps
// (diffusion.NewSchedule: the project's schedules by name).
func newSchedule(name string, steps int) (*noise.Schedule, error) {
	kind, err := diffusion.ParseScheduleKind(name)
	if err != nil {
		return nil, fmt.Errorf("-schedule %q: want cosine, linear or offset-cosine", name)
	}
	s, err := diffusion.NewSchedule(kind, steps)
	if err != nil {
		return nil, fmt.Errorf("-schedule %s with -steps %d: %w", name, steps, err)
	}
	return s, nil
}

// defaultSNRTimes returns the default times of snr for a schedule of steps
// steps: 5%, 20%, 50%, 80% and 95% of them, rounded, within 1..steps and
// without repeats.
func defaultSNRTimes(steps int) []int {
	var out []int
	for _, f := range []float64{0.05, 0.2, 0.5, 0.8, 0.95} {
		t := min(max(int(math.Round(f*float64(steps))), 1), steps)
		if len(out) == 0 || out[len(out)-1] != t {
			out = append(out, t)
		}
	}
	return out
}

// measuredPower returns the power spectrum of imgs as noise.FitImages
// measures it with the paper's estimator (each pixel standardised by its
// own mean and standard deviation, two passes), without fitting it.
func measuredPower(imgs []*mat.Dense) (*mat.Dense, error) {
	rows, cols := imgs[0].Dims()
	first := noise.NewSpectrum(rows, cols)
	if err := first.AddBatch(imgs); err != nil {
		return nil, err
	}
	if _, err := first.Power(); err != nil {
		return nil, err // zero variance: no standardisation
	}
	second, err := first.Standardized()
	if err != nil {
		return nil, err
	}
	if err := second.AddBatch(imgs); err != nil {
		return nil, err
	}
	return second.Power()
}

// runSNR computes the per-frequency SNR of the forward process.
func runSNR(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("snr", "[flags] [PATH...]\n\nThe signal-to-noise ratio of each frequency of x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε\n(the paper's Figure 17), SNR(k, t) = ᾱ_t Γ_data(k) / ((1−ᾱ_t) Γ_noise(k)), for white\nnoise and for cloud noise. Without PATH the data spectrum is the power law with -delta;\nwith PATH it is the images' measured spectrum and the cloud noise takes their fitted Δ\n(or -delta, and then nothing is fitted).", snrExamples)
	delta := fs.Float64("delta", -1, "Δ of the cloud noise (and of the power-law data without PATH); negative: 1.5, or fitted to PATH")
	n := fs.Int("n", 96, "grid size `N`×N without PATH")
	size := fs.Int("size", 0, "centre-crop and resize images to `S`×S (with PATH)")
	rf := addResizeFlags(fs)
	schedName := fs.String("schedule", "cosine", "noise schedule: cosine (Nichol & Dhariwal, s = 0.008), linear (DDPM β from 1e-4 to 0.02) or offset-cosine (the paper's, signal 0.95 to 0.02)")
	steps := fs.Int("steps", 1000, "steps of the schedule")
	timesFlag := fs.String("t", "", "comma-separated times t in 1..steps (default: 5%, 20%, 50%, 80% and 95% of -steps, 50,200,500,800,950 for 1000)")
	cross := fs.Int("cross", 0, "with PATH and no -delta: the fit of Δ masks the central cross |kx| < C or |ky| < C; 0 means 4 (the paper's), -1 no mask")
	lf := addLoadFlags(fs)
	bins := fs.Int("bins", 32, "radial bins of equal width in |k|")
	asJSON := fs.Bool("json", false, "print one JSON object with every curve")
	plotPath := fs.String("plot", "", "draw the SNR curves (paper Figure 17) to `FILE`")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case set["cross"] && fs.NArg() == 0:
		return fs.misuse(stderr, "-cross masks the fit of Δ to images: give PATH")
	case set["cross"] && *delta >= 0:
		return fs.misuse(stderr, "-cross masks the fit of Δ, and -delta %v is given: give one", *delta)
	}
	var times []int
	var err error
	if *timesFlag == "" {
		times = defaultSNRTimes(*steps)
	} else if times, err = parseInts(*timesFlag); err != nil {
		return fs.misuse(stderr, "-t: %v", err)
	}
	switch {
	case math.IsNaN(*delta) || math.IsInf(*delta, 0):
		return fs.misuse(stderr, "-delta %v must be finite", *delta)
	case *n < 2 || *n > 4096:
		return fs.misuse(stderr, "-n %d must be between 2 and 4096", *n)
	case *size < 0:
		return fs.misuse(stderr, "-size %d must not be negative", *size)
	case *bins < 1:
		return fs.misuse(stderr, "-bins %d must be positive", *bins)
	}
	sched, err := newSchedule(*schedName, *steps)
	if err != nil {
		return fs.misuse(stderr, "%v", err)
	}
	for _, t := range times {
		if t < 1 || t > sched.Steps() {
			return fs.misuse(stderr, "-t: time %d outside 1..%d", t, sched.Steps())
		}
	}
	if *plotPath != "" {
		if err := checkOutput(*plotPath); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}
	res := snrResult{Delta: *delta, Schedule: strings.ToLower(*schedName), Steps: sched.Steps()}
	var data *mat.Dense
	if fs.NArg() == 0 {
		if res.Delta < 0 {
			res.Delta = noise.CloudDelta
		}
		res.Rows, res.Cols, res.Data = *n, *n, "power law"
		if data, err = powerLawSpectrum(*n, *n, res.Delta); err != nil {
			return err
		}
	} else {
		imgs, _, err := loadImages(fs.Args(), *size, rf, lf, stderr)
		if err != nil {
			return err
		}
		res.Rows, res.Cols = imgs[0].Dims()
		res.Data = fmt.Sprintf("%d images", len(imgs))
		if res.Delta < 0 {
			sf, err := fitSpectrum(imgs, &noise.ImageFitOptions{FitOptions: noise.FitOptions{Cross: *cross}})
			if err != nil {
				return err
			}
			res.Delta, data = sf.Fit.Delta, sf.Power
		} else if data, err = measuredPower(imgs); err != nil {
			// -delta given: the data's spectrum only, no fit.
			return err
		}
	}
	if res.Curves, err = snrCurves(data, res.Delta, sched, times, *bins); err != nil {
		return err
	}
	if *plotPath != "" {
		title := fmt.Sprintf("Per-frequency SNR, %s data, Δ = %.3f, %s schedule", res.Data, res.Delta, res.Schedule)
		if err := saveSNRPlot(*plotPath, res.Curves, title); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(res)
	}
	printSNR(stdout, &res)
	if *plotPath != "" {
		fmt.Fprintf(stdout, "wrote %s\n", *plotPath)
	}
	return nil
}

// printSNR prints, for each time, the SNR at the lowest and the highest
// frequency bin for both noises: white noise drowns fine detail first,
// cloud noise drowns every frequency at the same rate.
func printSNR(w io.Writer, r *snrResult) {
	fmt.Fprintf(w, "SNR(k, t) = ᾱ_t Γ_data(k) / ((1−ᾱ_t) Γ_noise(k)), %d×%d %s data, cloud Δ = %.4g, %s schedule of %d steps\n",
		r.Rows, r.Cols, r.Data, r.Delta, r.Schedule, r.Steps)
	fmt.Fprintf(w, "%6s %8s  %-36s %-36s\n", "t", "ᾱ_t", "white: SNR low k → high k", "cloud: SNR low k → high k")
	for i := 0; i+1 < len(r.Curves); i += 2 {
		wc, cc := r.Curves[i], r.Curves[i+1]
		fmt.Fprintf(w, "%6d %8.4f  %-36s %-36s\n", wc.T, wc.AlphaBar, snrSpan(wc), snrSpan(cc))
	}
	if len(r.Curves) > 0 {
		c := r.Curves[0]
		fmt.Fprintf(w, "(low k = %.3g, high k = %.3g cycles per pixel: means of the first and last radial bins)\n", c.K[0], c.K[len(c.K)-1])
	}
}

func snrSpan(c snrCurve) string {
	lo, hi := c.SNR[0], c.SNR[len(c.SNR)-1]
	return fmt.Sprintf("%9.3g → %-9.3g (×%.2g)", lo, hi, hi/lo)
}

// saveSNRPlot draws the paper's Figure 17 (snrPlot) to path, its legend
// beside the curves.
func saveSNRPlot(path string, curves []snrCurve, title string) error {
	p, err := snrPlot(curves, title)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return plotting.SaveLegendRight(path, p, 8*vg.Inch, 5*vg.Inch, 1.3*vg.Inch)
}

// snrPlot returns the paper's Figure 17: white noise solid, cloud noise
// dashed, one colour per time; the axes span the data.
func snrPlot(curves []snrCurve, title string) (*plot.Plot, error) {
	palette := []color.Color{
		color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff}, color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
		color.RGBA{0xd6, 0x27, 0x28, 0xff}, color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
		color.RGBA{0xe3, 0x77, 0xc2, 0xff}, color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
	}
	var cs []plotting.Curve
	slot := map[int]int{}
	var order []int
	for _, c := range curves {
		if _, ok := slot[c.T]; !ok {
			slot[c.T] = len(slot)
			order = append(order, c.T)
		}
		cs = append(cs, plotting.Curve{X: c.K, Y: c.SNR, Color: palette[slot[c.T]%len(palette)], Dashed: c.Noise == "cloud"})
	}
	p, err := plotting.LogLog(title, "|k| (cycles per pixel)", "SNR(k, t)", cs)
	if err != nil {
		return nil, err
	}
	plotting.AddLegendLine(p, "white noise", color.Black, false)
	plotting.AddLegendLine(p, "cloud noise", color.Black, true)
	for _, t := range order {
		plotting.AddLegendLine(p, fmt.Sprintf("t = %d", t), palette[slot[t]%len(palette)], false)
	}
	return p, nil
}
