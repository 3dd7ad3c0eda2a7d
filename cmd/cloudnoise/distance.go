package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/vg"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/plotting"
)

const distanceExamples = `  cloudnoise distance photos/                 # Δ fitted to the images (the paper's method)
  cloudnoise distance -delta 1.5 -paper photos/  # Δ given; numbers on the paper's published scale
  cloudnoise distance -json -plot bars.png stack.npy
`

// distanceEntries names the nine distances of a table in output order.
func distanceEntries(t *noise.Table) []struct {
	key string
	e   noise.Estimate
} {
	return []struct {
		key string
		e   noise.Estimate
	}{
		{"white", t.White}, {"cloud", t.Cloud}, {"images", t.Data},
		{"white_white", t.WhiteWhite}, {"cloud_cloud", t.CloudCloud}, {"images_images", t.DataData},
		{"white_cloud", t.WhiteCloud}, {"white_images", t.WhiteData}, {"cloud_images", t.CloudData},
	}
}

// estimateJSON is one distance with its standard error, null when it is
// undefined (from a single pair).
type estimateJSON struct {
	Mean   float64   `json:"mean"`
	StdErr jsonFloat `json:"stderr"`
	N      int       `json:"n"`
}

// tableJSON is the JSON output of distance.
type tableJSON struct {
	Rows      int                     `json:"rows"`
	Cols      int                     `json:"cols"`
	Delta     float64                 `json:"delta"`
	A         float64                 `json:"a"`
	Images    int                     `json:"images"`
	Samples   int                     `json:"samples"`
	Fit       *fitJSON                `json:"fit"`
	Distances map[string]estimateJSON `json:"distances"`
	Skipped   []skippedJSON           `json:"skipped,omitempty"` // files left out by -skip-bad
}

// makeTableJSON returns the JSON of t; opts are the options of the fit of
// Δ (used when t.Fit is set).
func makeTableJSON(t *noise.Table, opts *noise.ImageFitOptions) tableJSON {
	j := tableJSON{Rows: t.Rows, Cols: t.Cols, Delta: t.Delta, A: t.A, Images: t.Images, Samples: t.Samples,
		Distances: map[string]estimateJSON{}}
	if t.Fit != nil {
		f := powerLawJSON(*t.Fit)
		f.Images, f.Rows, f.Cols = t.Images, t.Rows, t.Cols
		f.Standardize = opts.Standardize.String()
		f.setOptions(&opts.FitOptions, 0)
		j.Fit = &f
	}
	for _, e := range distanceEntries(t) {
		j.Distances[e.key] = estimateJSON{Mean: e.e.Mean, StdErr: jsonFloat(e.e.StdErr), N: e.e.N}
	}
	return j
}

// runDistance computes the paper's table of Mahalanobis distances.
func runDistance(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("distance", "[flags] PATH...\n\nThe nine distances of the paper's table (its Figure 19): d(white|Q0), d(cloud|Q0),\nd(images|Q0) from the centre of Q0 = N(0, A²|k|^(−2Δ)) and the expected distance\nbetween independent draws of each pair, with standard errors. PATH is as for fit.", distanceExamples)
	size := fs.Int("size", 0, "centre-crop and resize every image to `S`×S pixels (0: keep sizes)")
	rf := addResizeFlags(fs)
	delta := fs.Float64("delta", -1, "Δ of Q0 and of the cloud noise; negative: fit it to the images (paper's method, or -method)")
	ff := addFitFlags(fs)
	lf := addLoadFlags(fs)
	amp := fs.Float64("a", 0, "amplitude A of Q0, 0 or between 1e-100 and 1e100 (0: unit mean pixel variance, noise.UnitAmplitude)")
	paper := fs.Bool("paper", false, "use A = noise.PaperAmplitude, which puts 96×96 distances on the paper's published scale")
	samples := fs.Int("samples", 0, "white and cloud noise fields drawn (0: as many as images; at least 2)")
	seed := fs.Uint64("seed", 1, "random seed of the noise fields and of the random pairing of the sets")
	asJSON := fs.Bool("json", false, "print one JSON object: rows, cols, delta, a, images, samples, fit, distances{white, cloud, images, white_white, …: mean, stderr (null from a single pair), n}")
	plotPath := fs.String("plot", "", "draw the distances as a bar chart (paper Figure 19) to `FILE`")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	if fs.NArg() == 0 {
		return fs.misuse(stderr, "no PATH given: name image files, folders or .npy stacks")
	}
	switch {
	case *size < 0:
		return fs.misuse(stderr, "-size %d must not be negative", *size)
	case math.IsNaN(*delta) || math.IsInf(*delta, 0):
		return fs.misuse(stderr, "-delta %v must be finite", *delta)
	case *amp != 0 && !(*amp >= noise.MinTableAmplitude && *amp <= noise.MaxTableAmplitude):
		return fs.misuse(stderr, "-a %v must be 0 or between %g and %g (beyond, distances or their squares overflow or underflow)", *amp, noise.MinTableAmplitude, noise.MaxTableAmplitude)
	case *paper && *amp != 0:
		return fs.misuse(stderr, "-paper and -a %v both set the amplitude: give one", *amp)
	case *samples < 0 || *samples == 1:
		return fs.misuse(stderr, "-samples %d must be 0 or at least 2", *samples)
	}
	fitOpts, err := ff.options()
	if err != nil {
		return fs.misuse(stderr, "%v", err)
	}
	if *plotPath != "" {
		if err := checkOutput(*plotPath); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}
	imgs, skipped, err := loadImages(fs.Args(), *size, rf, lf, stderr)
	if err != nil {
		return err
	}
	opts := &noise.TableOptions{Delta: *delta, A: *amp, Samples: *samples}
	if *paper {
		opts.A = noise.PaperAmplitude
	}
	if *delta < 0 {
		opts.Delta = 0
		opts.Fit = fitOpts
	}
	t, err := distanceTable(imgs, opts, *seed)
	if err != nil {
		return err
	}
	if *plotPath != "" {
		if err := saveDistancePlot(*plotPath, t); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		j := makeTableJSON(t, fitOpts)
		j.Skipped = skipped
		return enc.Encode(j)
	}
	printTable(stdout, t)
	if *plotPath != "" {
		fmt.Fprintf(stdout, "wrote %s\n", *plotPath)
	}
	return nil
}

// distanceTable runs noise.DistanceTable with the noise of seed.
func distanceTable(imgs []*mat.Dense, opts *noise.TableOptions, seed uint64) (*noise.Table, error) {
	if len(imgs) < 2 {
		return nil, fmt.Errorf("the distance table needs at least 2 images, got %d", len(imgs))
	}
	return noise.DistanceTable(imgs, opts, source(seed))
}

// printTable prints the table and the ratios the paper's argument rests on.
func printTable(w io.Writer, t *noise.Table) {
	if t.Fit != nil {
		f := *t.Fit
		fmt.Fprintf(w, "power law fitted to the images' spectrum: Δ = %.4g ± %.2g, spectrum amplitude %.4g ± %.2g (%v, R² = %.3f, %d points)\n",
			f.Delta, f.DeltaErr, f.A, f.AErr, f.Method, f.R2, f.Points)
	}
	fmt.Fprintln(w, t)
	if t.Cloud.Mean > 0 {
		fmt.Fprintf(w, "d(white|Q0)/d(cloud|Q0) = %.2f (paper, 96×96, Δ≈1.5: 19.32/1.94 = 9.96)\n", t.White.Mean/t.Cloud.Mean)
	}
	if t.CloudData.Mean > 0 {
		fmt.Fprintf(w, "d(white, images)/d(cloud, images) = %.2f (paper: 19.70/4.18 = 4.71)\n", t.WhiteData.Mean/t.CloudData.Mean)
	}
}

// saveDistancePlot draws the paper's Figure 19 for t.
func saveDistancePlot(path string, t *noise.Table) error {
	title := fmt.Sprintf("Mahalanobis distances, %d×%d, Δ = %.3f", t.Rows, t.Cols, t.Delta)
	p, err := plotting.DistanceBars(t, title)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return plotting.SaveLegendRight(path, p, plotting.Width+1.5*vg.Inch, plotting.Height, 1.5*vg.Inch)
}
