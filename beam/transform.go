package noisebeam

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // local paths
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/imageio"
)

func init() {
	register.DoFn4x0[context.Context, string, func(Image), func(Failure)](&decodeFn{})
	register.DoFn4x0[context.Context, Image, func(Image), func(Failure)](&validateFn{})
	register.DoFn2x0[string, func(string)](&shardFn{})
	register.Emitter1[string]()
	register.Emitter1[Image]()
	register.Emitter1[Failure]()
}

// Metric counters of the transforms, in namespace "cloudnoise": "images"
// counts the inputs that reached the spectrum, "failed" those sent to the
// dead-letter output.
var (
	imagesCounter = beam.NewCounter(CounterNamespace, CounterImages)
	failedCounter = beam.NewCounter(CounterNamespace, CounterFailed)
)

// Names of the metric counters.
const (
	CounterNamespace = "cloudnoise"
	CounterImages    = "images"
	CounterFailed    = "failed"
)

// Config configures SpectrumOfImages and SpectrumOfFiles.
type Config struct {
	// Rows and Cols are the size of the images, required (at least 1).
	// Inputs of another size go to the dead-letter output, unless Resize.
	Rows, Cols int

	// Resize makes SpectrumOfFiles centre-crop and resize every file to
	// Rows×Cols (imageio.Options{Rows, Cols}; see package imageio) instead
	// of rejecting files of another size. SpectrumOfImages ignores it.
	Resize bool

	// Window names an apodisation window for the spectrum: "" (none, the
	// default and the paper's), "hann" or "tukey" (α = 0.5); see
	// SpectrumFn.Window and noise.SpectrumOptions.Window.
	Window string

	// Shards, if greater than 1, makes SpectrumOfFiles spread the paths
	// over that many independent branches (by a hash of the path), each
	// reshuffled, decoded and combined on its own, and merges the partial
	// spectra (MergeSpectraFn). Runners with dynamic work rebalancing
	// (Dataflow, Flink) parallelise one branch already; the prism runner
	// runs each stage of a batch pipeline as one bundle on one core, so
	// there Shards = the number of cores is what uses them. The result
	// does not depend on Shards beyond rounding. SpectrumOfImages ignores
	// it.
	Shards int

	// Fit is passed to noise.FitPowerLaw; the zero value is the paper's
	// method (unbinned OLS, central cross of half-width 4 masked).
	Fit noise.FitOptions
}

func (c *Config) check() error {
	f := SpectrumFn{Rows: c.Rows, Cols: c.Cols, Window: c.Window}
	return f.check()
}

// Outputs are the PCollections made by SpectrumOfImages and
// SpectrumOfFiles.
type Outputs struct {
	// Spectrum holds the MarshalBinary encoding of the merged
	// noise.Spectrum of all usable inputs: one element, or none when no
	// input was usable.
	Spectrum beam.PCollection

	// Estimate holds one Estimate (Γ and the power-law fit) made from
	// Spectrum: one element, or none when no input was usable.
	Estimate beam.PCollection

	// Failures is the dead-letter output: one Failure per unusable input.
	Failures beam.PCollection
}

// SpectrumOfImages estimates the spectrum and power law of a
// PCollection<Image>. Images that are not Rows×Cols, are malformed or hold
// a NaN or Inf go to the Failures output (Path = Image.Name) and are
// counted by the cloudnoise/failed counter; they never fail the job.
// It panics, like beam's transforms at construction, if cfg.Rows or
// cfg.Cols is less than 1 or cfg.Window is unknown.
func SpectrumOfImages(s beam.Scope, images beam.PCollection, cfg Config) Outputs {
	if err := cfg.check(); err != nil {
		panic(err.Error())
	}
	s = s.Scope("noise.SpectrumOfImages")
	valid, failed := beam.ParDo2(s, &validateFn{Rows: cfg.Rows, Cols: cfg.Cols}, images)
	return spectrumOf(s, valid, failed, cfg)
}

// SpectrumOfFiles estimates the spectrum and power law of the image files
// (PNG, JPEG or GIF) whose paths are in the PCollection<string> paths.
// Paths are opened with Beam's file systems: local paths are registered by
// this package; import a file system (for example
// github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs) for others.
// Files are decoded to grayscale in [0, 1] with imageio.Decode (and resized
// if cfg.Resize). The paths are reshuffled first, so that a runner spreads
// the decoding over its workers even when they all come from one element
// (a glob match).
//
// A file that cannot be opened or decoded, or has the wrong size, goes to
// the Failures output with its path and the error, and is counted by the
// cloudnoise/failed counter; it never fails the job. It panics if cfg.Rows
// or cfg.Cols is less than 1 or cfg.Window is unknown.
func SpectrumOfFiles(s beam.Scope, paths beam.PCollection, cfg Config) Outputs {
	if err := cfg.check(); err != nil {
		panic(err.Error())
	}
	s = s.Scope("noise.SpectrumOfFiles")
	if cfg.Shards <= 1 {
		paths = beam.Reshuffle(s, paths)
		images, failed := beam.ParDo2(s, &decodeFn{Rows: cfg.Rows, Cols: cfg.Cols, Resize: cfg.Resize}, paths)
		return spectrumOf(s, images, failed, cfg)
	}
	spectra := make([]beam.PCollection, cfg.Shards)
	failures := make([]beam.PCollection, cfg.Shards)
	for k := range cfg.Shards {
		ss := s.Scope(fmt.Sprintf("shard%d", k))
		shard := beam.ParDo(ss, &shardFn{Shard: k, Shards: cfg.Shards}, paths)
		shard = beam.Reshuffle(ss, shard)
		images, failed := beam.ParDo2(ss, &decodeFn{Rows: cfg.Rows, Cols: cfg.Cols, Resize: cfg.Resize}, shard)
		spectra[k] = beam.Combine(ss, &SpectrumFn{Rows: cfg.Rows, Cols: cfg.Cols, Window: cfg.Window}, images)
		failures[k] = failed
	}
	spec := beam.Combine(s, &MergeSpectraFn{Rows: cfg.Rows, Cols: cfg.Cols, Window: cfg.Window}, beam.Flatten(s, spectra...))
	est := beam.ParDo(s, &estimateFn{Fit: cfg.Fit}, spec)
	return Outputs{Spectrum: spec, Estimate: est, Failures: beam.Flatten(s, failures...)}
}

// shardFn passes the paths whose FNV-1a hash is Shard modulo Shards.
type shardFn struct {
	Shard, Shards int
}

func (f *shardFn) ProcessElement(path string, emit func(string)) {
	h := fnv.New64a()
	h.Write([]byte(path))
	if h.Sum64()%uint64(f.Shards) == uint64(f.Shard) {
		emit(path)
	}
}

func spectrumOf(s beam.Scope, images, failed beam.PCollection, cfg Config) Outputs {
	spec := beam.Combine(s, &SpectrumFn{Rows: cfg.Rows, Cols: cfg.Cols, Window: cfg.Window}, images)
	est := beam.ParDo(s, &estimateFn{Fit: cfg.Fit}, spec)
	return Outputs{Spectrum: spec, Estimate: est, Failures: failed}
}

// validateFn passes well-formed Rows×Cols images of finite pixels and sends
// the others to the dead-letter output.
type validateFn struct {
	Rows, Cols int
}

func (f *validateFn) ProcessElement(ctx context.Context, im Image, emit func(Image), fail func(Failure)) {
	if err := im.check(f.Rows, f.Cols); err != nil {
		failedCounter.Inc(ctx, 1)
		fail(Failure{Path: im.Name, Err: err.Error()})
		return
	}
	imagesCounter.Inc(ctx, 1)
	emit(im)
}

// decodeFn reads and decodes one image file per element. It keeps one
// file system per scheme for the life of the DoFn instance.
type decodeFn struct {
	Rows, Cols int
	Resize     bool

	fs map[string]filesystem.Interface
}

func (f *decodeFn) Teardown() error {
	var first error
	for _, fs := range f.fs {
		if err := fs.Close(); err != nil && first == nil {
			first = err
		}
	}
	f.fs = nil
	return first
}

func (f *decodeFn) ProcessElement(ctx context.Context, path string, emit func(Image), fail func(Failure)) {
	im, err := f.decode(ctx, path)
	if err != nil {
		failedCounter.Inc(ctx, 1)
		fail(Failure{Path: path, Err: err.Error()})
		return
	}
	imagesCounter.Inc(ctx, 1)
	emit(im)
}

func (f *decodeFn) decode(ctx context.Context, path string) (Image, error) {
	fs, err := f.fileSystem(ctx, path)
	if err != nil {
		return Image{}, err
	}
	r, err := fs.OpenRead(ctx, path)
	if err != nil {
		return Image{}, fmt.Errorf("noise: %w", err)
	}
	defer r.Close()
	var opts *imageio.Options
	if f.Resize {
		opts = &imageio.Options{Rows: f.Rows, Cols: f.Cols}
	}
	m, err := imageio.Decode(r, opts)
	if err != nil {
		return Image{}, err
	}
	im := NewImage(path, m)
	if err := im.check(f.Rows, f.Cols); err != nil {
		return Image{}, err
	}
	return im, nil
}

// fileSystem returns the file system of path, made on first use of its
// scheme.
func (f *decodeFn) fileSystem(ctx context.Context, path string) (filesystem.Interface, error) {
	scheme := schemeOf(path)
	if fs, ok := f.fs[scheme]; ok {
		return fs, nil
	}
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("noise: %w", err)
	}
	if f.fs == nil {
		f.fs = make(map[string]filesystem.Interface)
	}
	f.fs[scheme] = fs
	return fs, nil
}
