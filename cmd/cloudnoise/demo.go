package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/vg"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/plotting"
	"github.com/cloud-diffusion/noise/internal/atomicfile"
)

const demoExamples = `  cloudnoise demo                          # built-in dead-leaves images → ./cloudnoise-demo/
  cloudnoise demo -o /tmp/out -images 64 -size 64
  cloudnoise demo -size 96 photos/         # the same pipeline on your own images
`

// Names of the files the demo writes in its output folder.
const (
	demoGallery  = "gallery.png"   // white, pink, cloud, red noise and data (Figure 12)
	demoSpectrum = "spectrum.png"  // log-log spectrum, masked points, fitted line (Figure 9)
	demoBars     = "distances.png" // the distance table as bars (Figure 19)
	demoSNR      = "snr.png"       // per-frequency SNR, white vs cloud (Figure 17)
	demoSummary  = "summary.txt"   // what the demo printed
)

// runDemo runs the paper's pipeline on a built-in image set and draws its
// figures.
func runDemo(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "[flags] [PATH...]\n\nThe paper's pipeline in one command: draws dead-leaves images (a deterministic\nmodel of natural images built into the library; or loads PATH...), fits the scaling\nparameter Δ of their spectrum, computes the Mahalanobis distance table, the\nper-frequency SNR of white and cloud noise, and writes four figures and a summary\nto the output folder.", demoExamples)
	out := fs.String("o", "cloudnoise-demo", "output `folder`")
	size := fs.Int("size", 96, "image size `S`×S (the paper's is 96)")
	rf := addResizeFlags(fs)
	count := fs.Int("images", 256, "dead-leaves images to draw (without PATH)")
	samples := fs.Int("samples", 0, "white and cloud noise fields for the distances (0: as many as images)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same numbers and pictures")
	lf := addLoadFlags(fs)
	paper := fs.Bool("paper", false, "distances on the paper's published scale (A = noise.PaperAmplitude) instead of unit-variance Q0")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	switch {
	case *size < 16 || *size > 1024:
		return fs.misuse(stderr, "-size %d must be between 16 and 1024 (the fit masks the central cross of 4 frequencies)", *size)
	case *count < 2 || *count > 100000:
		return fs.misuse(stderr, "-images %d must be between 2 and 100000", *count)
	case *samples < 0 || *samples == 1:
		return fs.misuse(stderr, "-samples %d must be 0 or at least 2", *samples)
	}
	if err := ensureDir(*out); err != nil {
		return err
	}
	for _, name := range []string{demoGallery, demoSpectrum, demoBars, demoSNR, demoSummary} {
		if err := checkOutput(filepath.Join(*out, name)); err != nil {
			return err
		}
	}
	start := time.Now()
	var log bytes.Buffer
	w := io.MultiWriter(stdout, &log)

	// 1. The image set.
	var imgs []*mat.Dense
	var what string
	if fs.NArg() == 0 {
		var err error
		imgs, err = noise.DeadLeaves{Rows: *size, Cols: *size}.Images(*count, source(*seed))
		if err != nil {
			return err
		}
		what = fmt.Sprintf("%d dead-leaves images of %d×%d (noise.DeadLeaves, seed %d)", len(imgs), *size, *size, *seed)
	} else {
		var err error
		if imgs, _, err = loadImages(fs.Args(), *size, rf, lf, stderr); err != nil {
			return err
		}
		what = fmt.Sprintf("%d images of %d×%d from %s", len(imgs), *size, *size, strings.Join(fs.Args(), ", "))
	}
	fmt.Fprintf(w, "cloudnoise demo: %s\n\n", what)

	// 2. The power spectrum and its fit (Figure 9).
	sf, err := fitSpectrum(imgs, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Power law Γ(k) = A²/|k|^(2Δ), the paper's fit (pixels standardised, OLS of log Γ on log |k|, central cross |kx| < 4 or |ky| < 4 masked):\n")
	fmt.Fprintf(w, "  Δ = %.4f ± %.4f   A = %.4g ± %.2g   R² = %.3f   (%d points)\n", sf.Fit.Delta, sf.Fit.DeltaErr, sf.Fit.A, sf.Fit.AErr, sf.Fit.R2, sf.Fit.Points)
	for _, m := range []noise.FitMethod{noise.FitBinned, noise.FitWhittle} {
		f, err := noise.FitPowerLaw(sf.Power, &noise.FitOptions{Method: m, Samples: len(imgs) - 1})
		if err != nil {
			fmt.Fprintf(w, "  %-8s fit failed: %v\n", m, err)
			continue
		}
		fmt.Fprintf(w, "  %-8s Δ = %.4f ± %.4f\n", m.String()+":", f.Delta, f.DeltaErr)
	}
	if g := min(16, len(imgs)/2); g >= 2 {
		if jf, err := fitSpectrum(imgs, &noise.ImageFitOptions{Groups: g}); err == nil {
			fmt.Fprintf(w, "  OLS with jackknife errors over %d groups of images: Δ = %.4f ± %.4f\n", g, jf.Fit.Delta, jf.Fit.DeltaErr)
		}
	}
	fmt.Fprintln(w, "  (natural photographs: Δ ≈ 1.5–1.7; white noise 0, pink 1, red 2)")
	fmt.Fprintln(w)
	title := fmt.Sprintf("Power spectrum of %d images, %d×%d", sf.Images, sf.Rows, sf.Cols)
	if err := saveSpectrumPlot(filepath.Join(*out, demoSpectrum), sf, nil, title); err != nil {
		return err
	}

	// 3. The distance table (Figure 19), with Δ fitted above.
	topts := &noise.TableOptions{Delta: sf.Fit.Delta, Samples: *samples}
	if *paper {
		topts.A = noise.PaperAmplitude
	}
	t, err := distanceTable(imgs, topts, *seed+1)
	if err != nil {
		return err
	}
	printTable(w, t)
	fmt.Fprintln(w)
	if err := saveDistancePlot(filepath.Join(*out, demoBars), t); err != nil {
		return err
	}

	// 4. Per-frequency SNR (Figure 17), cosine schedule.
	sched := noise.CosineSchedule(1000, 0.008)
	curves, err := snrCurves(sf.Power, sf.Fit.Delta, sched, []int{50, 200, 500, 800, 950}, 32)
	if err != nil {
		return err
	}
	res := snrResult{Rows: sf.Rows, Cols: sf.Cols, Delta: sf.Fit.Delta, Data: fmt.Sprintf("%d images", sf.Images),
		Schedule: "cosine", Steps: 1000, Curves: curves}
	printSNR(w, &res)
	fmt.Fprintln(w)
	if err := saveSNRPlot(filepath.Join(*out, demoSNR), curves, fmt.Sprintf("Per-frequency SNR, %s, Δ = %.3f, cosine schedule", res.Data, res.Delta)); err != nil {
		return err
	}

	// 5. The noise gallery (Figure 12) with four of the images.
	if err := demoGalleryPNG(filepath.Join(*out, demoGallery), imgs, *size, *seed); err != nil {
		return err
	}

	fmt.Fprintf(w, "Wrote to %s/ in %.1f s:\n", *out, time.Since(start).Seconds())
	for _, f := range [][2]string{
		{demoGallery, "white, pink, cloud and red noise, and four images (paper Figure 12)"},
		{demoSpectrum, "log-log power spectrum, masked points grey, fitted line (Figure 9)"},
		{demoBars, "Mahalanobis distances with standard errors (Figure 19)"},
		{demoSNR, "per-frequency SNR of white vs cloud noise (Figure 17)"},
		{demoSummary, "this text"},
	} {
		fmt.Fprintf(w, "  %-14s %s\n", f[0], f[1])
	}
	return atomicfile.Write("", filepath.Join(*out, demoSummary), func(o io.Writer) error {
		_, err := o.Write(log.Bytes())
		return err
	})
}

// demoGalleryPNG draws white, pink, cloud and red noise of size n and the
// first four images.
func demoGalleryPNG(path string, imgs []*mat.Dense, n int, seed uint64) error {
	var panels []plotting.Panel
	ws, err := noise.NewSampler(noise.Spec{Rows: n, Cols: n, Density: noise.WhiteDensity()}, source(seed+2))
	if err != nil {
		return err
	}
	panels = append(panels, plotting.Panel{Title: "white, Δ = 0", Field: ws.Sample(nil), Lo: -3, Hi: 3})
	for _, nz := range []struct {
		name  string
		delta float64
	}{{"pink", noise.PinkDelta}, {"cloud", noise.CloudDelta}, {"red", noise.RedDelta}} {
		s, err := noise.NewSampler(noise.Spec{Rows: n, Cols: n, Delta: nz.delta}, source(seed+3))
		if err != nil {
			return err
		}
		panels = append(panels, plotting.Panel{Title: fmt.Sprintf("%s, Δ = %g", nz.name, nz.delta), Field: s.Sample(nil), Lo: -3, Hi: 3})
	}
	for i := range min(4, len(imgs)) {
		panels = append(panels, plotting.Panel{Title: fmt.Sprintf("image %d", i+1), Field: imgs[i]})
	}
	return plotting.Gallery(path, panels, 4, 1.6*vg.Inch)
}
