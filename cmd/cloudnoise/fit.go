package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/plotting"
)

const fitExamples = `  cloudnoise fit photos/                          # Δ, A, errors, R² with the paper's method
  cloudnoise fit -standardize global photos/      # one scale for all pixels instead of each its own
  cloudnoise fit -size 96 -plot spectrum.png photos/ more.png
  cloudnoise fit -method whittle -json stack.npy  # one JSON object on stdout
  cloudnoise fit -cross -1 -kmin 0.05 -kmax 0.4 photos/
`

// fitFlags are the flags shared by fit and distance to choose the
// frequencies and the estimator.
type fitFlags struct {
	cross       *int
	kmin, kmax  *float64
	method      *string
	bins        *int
	standardize *string
}

func addFitFlags(fs *cmdFlags) *fitFlags {
	return &fitFlags{
		cross:       fs.Int("cross", 0, "mask the central cross |kx| < C or |ky| < C (lattice units); 0 means 4 (the paper's), -1 no mask (below -1: an error)"),
		kmin:        fs.Float64("kmin", 0, "smallest |k| of the fit, cycles per pixel (0: no bound)"),
		kmax:        fs.Float64("kmax", 0, "largest |k| of the fit, cycles per pixel (0: no bound)"),
		method:      fs.String("method", "ols", "estimator: ols (the paper's unbinned least squares), binned (weighted, radial log bins) or whittle (maximum likelihood)"),
		bins:        fs.Int("bins", 0, "radial bins of -method binned (0: 16; at most the number of distinct |k| fitted)"),
		standardize: fs.String("standardize", "pixel", "normalisation before the spectrum: pixel (each pixel by its own mean and standard deviation,\nthe paper's) or global (each pixel's mean removed, one scale for all)"),
	}
}

// options validates the flags and returns the options of noise.FitImages.
func (f *fitFlags) options() (*noise.ImageFitOptions, error) {
	st, err := noise.ParseStandardization(*f.standardize)
	if err != nil {
		return nil, fmt.Errorf("-standardize %q: want pixel or global", *f.standardize)
	}
	io := &noise.ImageFitOptions{Standardize: st, FitOptions: noise.FitOptions{Cross: *f.cross, KMin: *f.kmin, KMax: *f.kmax, Bins: *f.bins}}
	o := &io.FitOptions
	switch strings.ToLower(*f.method) {
	case "ols", "":
		o.Method = noise.FitOLS
	case "binned":
		o.Method = noise.FitBinned
	case "whittle":
		o.Method = noise.FitWhittle
	default:
		return nil, fmt.Errorf("-method %q: want ols, binned or whittle", *f.method)
	}
	switch {
	case !(*f.kmin >= 0) || math.IsInf(*f.kmin, 0):
		return nil, fmt.Errorf("-kmin %v must be finite and ≥ 0", *f.kmin)
	case !(*f.kmax >= 0) || math.IsInf(*f.kmax, 0):
		return nil, fmt.Errorf("-kmax %v must be finite and ≥ 0", *f.kmax)
	case *f.kmax > 0 && *f.kmax <= *f.kmin:
		return nil, fmt.Errorf("-kmax %v must exceed -kmin %v", *f.kmax, *f.kmin)
	case *f.bins < 0:
		return nil, fmt.Errorf("-bins %d must not be negative", *f.bins)
	case *f.cross < -1:
		return nil, fmt.Errorf("-cross %d: want -1 (no mask), 0 (the paper's 4) or a positive width", *f.cross)
	}
	return io, nil
}

// setOptions records the effective fit options in j: the mask (0 means
// the paper's 4), the radial range and the jackknife groups.
func (j *fitJSON) setOptions(o *noise.FitOptions, groups int) {
	j.Cross, j.KMin, j.KMax, j.Jackknife = o.Cross, o.KMin, o.KMax, groups
	if j.Cross == 0 {
		j.Cross = 4
	}
}

// groupsByName returns the group of each image: the images whose base
// names give the same key, the first submatch of re (or its whole match),
// share a group, numbered in order of first appearance. flag is the flag
// value, for errors.
func groupsByName(names []string, re *regexp.Regexp, flag string) ([]int, error) {
	ids := map[string]int{}
	out := make([]int, len(names))
	for i, name := range names {
		base := filepath.Base(name)
		m := re.FindStringSubmatch(base)
		if m == nil {
			return nil, fmt.Errorf("-jackknife-by %q: the name %s does not match", flag, base)
		}
		key := m[0]
		if len(m) > 1 {
			key = m[1]
		}
		id, ok := ids[key]
		if !ok {
			id = len(ids)
			ids[key] = id
		}
		out[i] = id
	}
	if len(ids) < 2 {
		return nil, fmt.Errorf("-jackknife-by %q: all %d images fall in one group; the jackknife needs at least 2", flag, len(names))
	}
	return out, nil
}

// spectrumFit is the power spectrum of an image set and its power-law fit.
type spectrumFit struct {
	Power       *mat.Dense
	Fit         noise.PowerLaw
	Images      int
	Rows, Cols  int
	Groups      int // jackknife groups of the errors, 0 for the method's own
	Standardize noise.Standardization
	// Slopes is the local slope profile (fit only; nil elsewhere), drawn
	// on the spectrum plot when set.
	Slopes *noise.SlopeProfile
	// Parts are the jackknife groups' spectra (nil without groups).
	Parts []*noise.Spectrum
}

// fitSpectrum fits the power law to the spectrum of imgs with
// noise.FitImages (opts nil: the paper's estimator).
func fitSpectrum(imgs []*mat.Dense, opts *noise.ImageFitOptions) (*spectrumFit, error) {
	if opts != nil && opts.Groups > len(imgs) {
		return nil, fmt.Errorf("-jackknife %d: more groups than the %d images", opts.Groups, len(imgs))
	}
	f, err := noise.FitImages(imgs, opts)
	if err != nil {
		return nil, err
	}
	rows, cols := imgs[0].Dims()
	return &spectrumFit{Power: f.Power, Fit: f.PowerLaw, Images: f.Images, Rows: rows, Cols: cols, Groups: f.Groups, Standardize: f.Standardize, Parts: f.Parts}, nil
}

// fitJSON is the JSON output of fit.
type fitJSON struct {
	Delta    float64 `json:"delta"`
	DeltaErr float64 `json:"delta_err"`
	A        float64 `json:"a"`
	AErr     float64 `json:"a_err"`
	R2       float64 `json:"r2"`
	Points   int     `json:"points"`
	Method   string  `json:"method"`
	// Standardize is the normalisation before the spectrum: "pixel" (the
	// paper's) or "global".
	Standardize string  `json:"standardize"`
	Images      int     `json:"images"`
	Rows        int     `json:"rows"`
	Cols        int     `json:"cols"`
	Cross       int     `json:"cross"`
	KMin        float64 `json:"kmin"`
	KMax        float64 `json:"kmax"`
	// LocalSlopes is the local slope profile Δ(k): Δ fitted in octave
	// bands of |k| over the fitted range (noise.LocalSlopes, or
	// noise.LocalSlopesJackknife with -jackknife), with the test of one Δ
	// across the bands: LocalSlopesTest is "chi2" (the method's errors)
	// or "hotelling" (jackknife), LocalSlopesStat its statistic on
	// LocalSlopesDoF degrees of freedom, LocalSlopesP its P value and
	// LocalSlopesVary whether P < noise.SlopeVariesLevel. Empty when no
	// band has enough frequencies.
	LocalSlopes     []slopeJSON `json:"local_slopes"`
	LocalSlopesTest string      `json:"local_slopes_test"`
	LocalSlopesStat float64     `json:"local_slopes_statistic"`
	LocalSlopesDoF  int         `json:"local_slopes_dof"`
	LocalSlopesP    float64     `json:"local_slopes_p"`
	LocalSlopesVary bool        `json:"local_slopes_vary"`
	// Warnings are the warnings also printed on stderr (never null).
	Warnings []string `json:"warnings"`
	// Jackknife is the number of groups of jackknife errors, 0 when the
	// errors are the method's own (model-based) ones.
	Jackknife int `json:"jackknife"`
	// Skipped lists the files left out by -skip-bad.
	Skipped []skippedJSON `json:"skipped,omitempty"`
}

// slopeJSON is one band of the local slope profile in fit's JSON.
type slopeJSON struct {
	KLo      float64 `json:"k_lo"`
	KHi      float64 `json:"k_hi"`
	Delta    float64 `json:"delta"`
	DeltaErr float64 `json:"delta_err"`
	Points   int     `json:"points"`
}

// localSlopes returns the local slope profile of sf's spectrum over the
// frequencies and with the estimator of opts (with jackknife errors when
// sf has groups), and the warnings to show: that Δ varies across the
// fitted range, or why there is no profile.
func localSlopes(sf *spectrumFit, opts *noise.FitOptions) (*noise.SlopeProfile, []string) {
	o := noise.SlopeOptions{FitOptions: *opts}
	if o.Samples == 0 {
		o.Samples = max(sf.Images-1, 1)
	}
	var prof *noise.SlopeProfile
	var err error
	if sf.Parts != nil {
		prof, err = noise.LocalSlopesJackknife(sf.Parts, &o)
	} else {
		prof, err = noise.LocalSlopes(sf.Power, &o)
	}
	if err != nil {
		return nil, []string{"no local slopes: " + strings.TrimPrefix(err.Error(), "noise: ")}
	}
	if !prof.Varies() {
		return prof, []string{}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, b := range prof.Bands {
		lo, hi = min(lo, b.Delta), max(hi, b.Delta)
	}
	return prof, []string{fmt.Sprintf("Δ varies with |k| by more than its errors: local slopes from %.2f to %.2f "+
		"(%s). The spectrum is not one power law over the fitted range, "+
		"so the fitted Δ depends on that range (-kmin, -kmax, -size)", lo, hi, slopeTest(sf, prof))}
}

// slopeTest describes the test of one Δ across the bands of prof.
func slopeTest(sf *spectrumFit, prof *noise.SlopeProfile) string {
	if sf.Parts != nil {
		return fmt.Sprintf("Hotelling's T² = %.3g over %d bands with jackknife errors from %d groups, p = %.2g", prof.Statistic, prof.DoF+1, len(sf.Parts), prof.P)
	}
	return fmt.Sprintf("χ² = %.3g on %d degrees of freedom with the %s model's errors, p = %.2g", prof.Statistic, prof.DoF, sf.Fit.Method, prof.P)
}

func powerLawJSON(f noise.PowerLaw) fitJSON {
	return fitJSON{Delta: f.Delta, DeltaErr: f.DeltaErr, A: f.A, AErr: f.AErr, R2: f.R2, Points: f.Points, Method: strings.ToLower(f.Method.String())}
}

// runFit fits Γ(k) = A²/|k|^(2Δ) to the power spectrum of an image set.
func runFit(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("fit", "[flags] PATH...\n\nPATH is an image file (PNG, JPEG, GIF), a folder of them, or a .npy stack\n(H,W), (N,H,W) or (N,1,H,W). All images must have one size unless -size is given.", fitExamples)
	size := fs.Int("size", 0, "centre-crop and resize every image to `S`×S pixels (0: keep sizes, which must agree)")
	rf := addResizeFlags(fs)
	ff := addFitFlags(fs)
	lf := addLoadFlags(fs)
	jack := fs.Int("jackknife", 0, "standard errors by the delete-one-group jackknife over `G` consecutive groups of the images in load order\n(G ≥ 2; keep crops of one photograph in one group, or see -jackknife-by). Without it the errors are the method's own, which assume\nindependent frequencies and are optimistic for real images")
	jackBy := fs.String("jackknife-by", "", "jackknife groups by file name: the images whose base names give the same match of the regular\nexpression `RE` (its first parenthesised group, if any) form one group; \"prefix\" is the name up to its last '_'\n(photo_000.png, photo_001.png, … of one photograph together)")
	asJSON := fs.Bool("json", false, "print one JSON object (delta, delta_err, a, a_err, r2, points, method, images, rows, cols, …)")
	plotPath := fs.String("plot", "", "draw the log-log spectrum with masked points and the fitted line (paper Figure 9) to `FILE` (.png, .svg, .pdf)")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	if fs.NArg() == 0 {
		return fs.misuse(stderr, "no PATH given: name image files, folders or .npy stacks")
	}
	if *size < 0 {
		return fs.misuse(stderr, "-size %d must not be negative", *size)
	}
	if *jack < 0 || *jack == 1 {
		return fs.misuse(stderr, "-jackknife %d must be 0 (off) or at least 2 groups", *jack)
	}
	if *jack != 0 && *jackBy != "" {
		return fs.misuse(stderr, "-jackknife and -jackknife-by both choose the groups: give one")
	}
	var groupRE *regexp.Regexp
	if *jackBy != "" {
		expr := *jackBy
		if expr == "prefix" {
			expr = `^(.*)_[^_]*$`
		}
		var err error
		if groupRE, err = regexp.Compile(expr); err != nil {
			return fs.misuse(stderr, "-jackknife-by %q: %v", *jackBy, err)
		}
	}
	opts, err := ff.options()
	if err != nil {
		return fs.misuse(stderr, "%v", err)
	}
	opts.Groups = *jack
	if *plotPath != "" {
		if err := checkOutput(*plotPath); err != nil {
			return fmt.Errorf("-plot: %w", err)
		}
	}
	imgs, names, skipped, err := loadNamed(fs.Args(), rf.options(*size), lf, stderr)
	if err != nil {
		return err
	}
	if groupRE != nil {
		if opts.GroupOf, err = groupsByName(names, groupRE, *jackBy); err != nil {
			return err
		}
	}
	sf, err := fitSpectrum(imgs, opts)
	if err != nil {
		return err
	}
	prof, warnings := localSlopes(sf, &opts.FitOptions)
	sf.Slopes = prof
	for _, w := range warnings {
		fmt.Fprintf(stderr, "cloudnoise: warning: %s\n", w)
	}
	if *plotPath != "" {
		title := fmt.Sprintf("Power spectrum of %d images, %d×%d", sf.Images, sf.Rows, sf.Cols)
		if err := saveSpectrumPlot(*plotPath, sf, &opts.FitOptions, title); err != nil {
			return err
		}
	}
	if *asJSON {
		j := powerLawJSON(sf.Fit)
		j.Images, j.Rows, j.Cols = sf.Images, sf.Rows, sf.Cols
		j.Standardize = sf.Standardize.String()
		j.setOptions(&opts.FitOptions, sf.Groups)
		j.Skipped = skipped
		j.LocalSlopes, j.Warnings = []slopeJSON{}, warnings
		if prof != nil {
			for _, b := range prof.Bands {
				j.LocalSlopes = append(j.LocalSlopes, slopeJSON{KLo: b.KLo, KHi: b.KHi, Delta: b.Delta, DeltaErr: b.DeltaErr, Points: b.Points})
			}
			j.LocalSlopesStat, j.LocalSlopesDoF, j.LocalSlopesP, j.LocalSlopesVary = prof.Statistic, prof.DoF, prof.P, prof.Varies()
			j.LocalSlopesTest = "chi2"
			if sf.Parts != nil {
				j.LocalSlopesTest = "hotelling"
			}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	printFit(stdout, sf)
	if *plotPath != "" {
		fmt.Fprintf(stdout, "wrote %s\n", *plotPath)
	}
	return nil
}

// printFit prints the fit for people.
func printFit(w io.Writer, sf *spectrumFit) {
	f := sf.Fit
	fmt.Fprintf(w, "%d images of %d×%d\n", sf.Images, sf.Rows, sf.Cols)
	fmt.Fprintf(w, "Δ  = %.4f ± %.4f\n", f.Delta, f.DeltaErr)
	fmt.Fprintf(w, "A  = %.4g ± %.2g (|k| in cycles per pixel)\n", f.A, f.AErr)
	fmt.Fprintf(w, "R² = %.4f (%s, %d points, %s standardisation)\n", f.R2, f.Method, f.Points, sf.Standardize)
	if sf.Groups > 0 {
		fmt.Fprintf(w, "errors: delete-one-group jackknife over %d groups of images\n", sf.Groups)
	} else {
		fmt.Fprintf(w, "errors: the %s model's (independent frequencies; optimistic for real images, see -jackknife)\n", f.Method)
	}
	if sf.Slopes != nil {
		fmt.Fprintln(w, "local slopes (Δ fitted per octave of |k|):")
		for _, b := range sf.Slopes.Bands {
			fmt.Fprintf(w, "  %.4f ≤ |k| < %.4f  Δ = %.3f ± %.3f  (%d points)\n", b.KLo, b.KHi, b.Delta, b.DeltaErr, b.Points)
		}
		fmt.Fprintf(w, "  one Δ across the bands: %s\n", slopeTest(sf, sf.Slopes))
	}
}

// saveSpectrumPlot draws the paper's Figure 9 for sf.
func saveSpectrumPlot(path string, sf *spectrumFit, opts *noise.FitOptions, title string) error {
	p, err := plotting.Spectrum(sf.Power, sf.Fit, opts, title)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if sf.Slopes != nil {
		if err := plotting.AddLocalSlopes(p, sf.Slopes); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return plotting.Save(path, p, plotting.Width, plotting.Height)
}
