package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx" // runners, gs:// and local file systems

	"github.com/cloud-diffusion/noise"
	noisebeam "github.com/cloud-diffusion/noise/beam"
	"github.com/cloud-diffusion/noise/imageio"
)

func init() {
	register.Function1x1(filePath)
}

// filePath maps a matched file to its path.
func filePath(md fileio.FileMetadata) string { return md.Path }

const usageText = `usage: cloudnoise-beam -input GLOB [flags] [Beam pipeline options]

Estimates the spectrum Γ(k) of the images matching GLOB (PNG, JPEG, GIF;
local paths or gs://...) and fits the power law Γ(k) = A²/|k|^(2Δ), on
Apache Beam. Runs on the in-process prism runner unless -runner says
otherwise. Files that cannot be used (corrupt, unreadable, of another size)
are listed in the result and never fail the job.

Examples:
  cloudnoise-beam -input 'photos/*.png' -out result.json -spectrum power.npy
  cloudnoise-beam -input 'raw/*.jpg' -size 96 -method whittle
  cloudnoise-beam -input 'gs://bucket/photos/*.png' -size 96 \
      -out gs://bucket/out/result.json -spectrum gs://bucket/out/power.npy \
      -runner dataflow -project P -region europe-west1 \
      -temp_location gs://bucket/tmp -staging_location gs://bucket/staging

Flags:
`

// usageError is a misuse of the command (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// config holds the command's own flags.
type config struct {
	input, out, spectrum string
	window               string
	size, shards         int
	fit                  noise.FitOptions
}

// run is the whole command: it parses args, builds and runs the pipeline,
// and reports to stdout. Beam's own options (-runner, -endpoint, -project,
// ...), which Beam registers on flag.CommandLine, are accepted too.
func run(args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("cloudnoise-beam", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.input, "input", "", "file glob of the images (required), e.g. 'photos/*.png' or 'gs://b/p/*.jpg'")
	fs.IntVar(&c.size, "size", 0, "centre-crop and resize every image to size×size; 0: all images must have the size of the first readable one (others are listed as failed)")
	fs.StringVar(&c.out, "out", "result.json", "result JSON: delta, a, delta_err, a_err, r2, points, images, failed files")
	fs.StringVar(&c.spectrum, "spectrum", "", "if set, write Γ(k) (float64, rows×cols, centred layout) to this .npy file")
	fs.IntVar(&c.fit.Cross, "cross", 0, "mask of the central cross |kx|, |ky| < cross in the fit; 0: 4 (the paper's), negative: none")
	method := fs.String("method", "ols", "fit method: ols (the paper's), binned or whittle")
	fs.StringVar(&c.window, "window", "", "apodisation window of the spectrum: none (the paper's), hann or tukey (α = 0.5)")
	fs.Float64Var(&c.fit.KMin, "kmin", 0, "smallest |k| fitted, cycles per pixel (0: no bound)")
	fs.Float64Var(&c.fit.KMax, "kmax", 0, "largest |k| fitted, cycles per pixel (0: no bound)")
	fs.IntVar(&c.shards, "shards", runtime.GOMAXPROCS(0), "independent branches the files are spread over (noisebeam.Config.Shards); the prism runner runs one branch on one core")
	verbose := fs.Bool("v", false, "log the runner's progress (Beam's log level info instead of warn)")
	// Beam's options live on flag.CommandLine; accept them here too.
	flag.CommandLine.VisitAll(func(f *flag.Flag) {
		if fs.Lookup(f.Name) == nil {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		for _, name := range []string{"input", "size", "out", "spectrum", "cross", "method", "kmin", "kmax", "window", "shards", "v", "runner"} {
			if f := fs.Lookup(name); f != nil {
				fmt.Fprintf(fs.Output(), "  -%s\n    \t%s (default %q)\n", f.Name, f.Usage, f.DefValue)
			}
		}
		fmt.Fprint(fs.Output(), "\nBeam pipeline options (-endpoint, -project, -region, -temp_location,\n-staging_location, -environment_type, ...) are passed to the runner; see README.md.\n")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	// On a distributed runner's workers the binary is started in worker
	// mode, where Init runs the worker harness and never returns.
	level := "warn"
	if *verbose {
		level = "info"
	}
	if beamlog.LogLevel != level {
		// Written only when it changes: a runner left from an earlier run
		// in this process (tests) may be reading it.
		beamlog.LogLevel = level
	}
	beam.Init()

	if c.input == "" {
		return usagef("-input is required")
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if c.size < 0 || c.size > 0 && c.size > noise.MaxPixels/c.size {
		return usagef("-size %d out of range", c.size)
	}
	switch strings.ToLower(*method) {
	case "ols":
		c.fit.Method = noise.FitOLS
	case "binned":
		c.fit.Method = noise.FitBinned
	case "whittle":
		c.fit.Method = noise.FitWhittle
	default:
		return usagef("-method %q: want ols, binned or whittle", *method)
	}
	if c.out == "" {
		return usagef("-out must not be empty")
	}
	for _, p := range []string{c.out, c.spectrum} {
		if err := checkOutputDir(p); err != nil {
			return err
		}
	}

	ctx := context.Background()
	if c.shards < 1 || c.shards > 1024 {
		return usagef("-shards %d: want 1 to 1024", c.shards)
	}
	switch c.window {
	case "", "hann", "tukey":
	default:
		return usagef("-window %q: want hann or tukey", c.window)
	}
	cfg := noisebeam.Config{Rows: c.size, Cols: c.size, Resize: c.size > 0, Window: c.window, Shards: c.shards, Fit: c.fit}
	if c.size == 0 {
		rows, cols, err := probeSize(ctx, c.input)
		if err != nil {
			return err
		}
		cfg.Rows, cfg.Cols = rows, cols
	}

	p, s := beam.NewPipelineWithRoot()
	matches := fileio.MatchFiles(s, c.input, fileio.MatchEmptyAllow())
	paths := beam.ParDo(s, filePath, matches)
	out := noisebeam.SpectrumOfFiles(s, paths, cfg)
	noisebeam.WriteResult(s, out, c.out, c.spectrum)
	if _, err := beamx.RunWithMetrics(ctx, p); err != nil {
		return fmt.Errorf("pipeline failed: %w", err)
	}
	if f := fs.Lookup("async"); f != nil && f.Value.String() == "true" {
		fmt.Fprintf(stdout, "submitted; the result will be written to %s\n", c.out)
		return nil
	}
	return report(ctx, stdout, c.out)
}

// checkOutputDir returns an error if path is local and its directory does
// not exist, so that a long job does not fail at its last step.
func checkOutputDir(path string) error {
	if path == "" || strings.Contains(path, "://") {
		return nil
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("output %s: %w", path, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("output %s: %s is not a directory", path, dir)
	}
	return nil
}

// probeSize lists the files matching glob (through Beam's file systems) and
// returns the size of the first, in sorted order, whose image header can
// be read.
func probeSize(ctx context.Context, glob string) (rows, cols int, err error) {
	fsys, err := filesystem.New(ctx, glob)
	if err != nil {
		return 0, 0, err
	}
	defer fsys.Close()
	files, err := fsys.List(ctx, glob)
	if err != nil {
		return 0, 0, fmt.Errorf("listing %s: %w", glob, err)
	}
	if len(files) == 0 {
		return 0, 0, fmt.Errorf("no file matches -input %q", glob)
	}
	sort.Strings(files)
	var first error
	for _, f := range files {
		w, h, err := headerSize(ctx, fsys, f)
		if err == nil {
			return h, w, nil
		}
		if first == nil {
			first = err
		}
	}
	return 0, 0, fmt.Errorf("none of the %d files matching %q has a readable image header (first error: %v)", len(files), glob, first)
}

func headerSize(ctx context.Context, fsys filesystem.Interface, path string) (w, h int, err error) {
	r, err := fsys.OpenRead(ctx, path)
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	cfg, _, err := image.DecodeConfig(r) // decoders registered by imageio
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > imageio.MaxPixels/cfg.Height {
		return 0, 0, fmt.Errorf("%s: image size %d×%d out of range", path, cfg.Width, cfg.Height)
	}
	return cfg.Width, cfg.Height, nil
}

// report reads the result written by the pipeline and prints a summary. It
// returns an error if the result says there is no estimate.
func report(ctx context.Context, stdout io.Writer, path string) error {
	data, err := noisebeam.ReadFile(ctx, path)
	if err != nil {
		return err
	}
	var r noisebeam.Result
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if len(r.Failed) > 0 {
		fmt.Fprintf(stdout, "%d files failed (listed in %s), for example %s: %s\n", len(r.Failed), path, r.Failed[0].Path, r.Failed[0].Err)
	}
	if r.Error != "" {
		return fmt.Errorf("%s (%d images used; see %s)", r.Error, r.Images, path)
	}
	fmt.Fprintf(stdout, "Δ = %.4f ± %.4f, A = %.4g ± %.2g, R² = %.3f (%s, %d points) from %d images of %d×%d; result in %s\n",
		r.Delta, r.DeltaErr, r.A, r.AErr, r.R2, r.Method, r.Points, r.Images, r.Rows, r.Cols, path)
	return nil
}
