package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"runtime"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/eval"
	"github.com/cloud-diffusion/noise/imageio"
)

// Result is the outcome of Run.
type Result struct {
	Config   Config
	Datasets []*DatasetResult
	Skipped  []string // data sets skipped, with the reason
	Seconds  float64  // wall time of Run
	Cores    int      // GOMAXPROCS during the run
}

// DatasetResult holds the results on one data set.
type DatasetResult struct {
	Name   string
	Images int            // training images
	Fit    noise.PowerLaw // power law of the training set's spectrum (Reference.Fit)
	// Baseline scores data against data: for dead leaves, held-out images
	// (as many as Samples) against the training set; for photos, which has
	// no held-out images, one random half of the set against the other
	// half. BaselineLabel says which.
	Baseline      *Scores
	BaselineLabel string
	Models        []*ModelResult
	// Data holds a few training images for pictures (not in JSON).
	Data []*mat.Dense `json:"-"`
}

// ModelResult holds one trained model's results.
type ModelResult struct {
	Noise string  // diffusion.WhiteNoise or diffusion.CloudNoise, by name
	Delta float64 // Δ of cloud noise (fitted to the normalised training set), 0 for white
	// Loss is the mean training loss over the last tenth of the steps (the
	// losses of white and cloud models are not comparable: different ε).
	Loss         float64
	TrainSeconds float64
	Rows         []*Row
	// Times and BandErrors are the trajectory at TrajectoryK: the times t
	// visited and eval.BandErrors of x̂0 at each (eval.DefaultBandEdges); Settle are
	// the eval.SettleTimes at SettleThreshold.
	Times      []int
	BandErrors [][]float64
	Settle     []float64
	// Pictures holds a few samples per K for pictures (not in JSON).
	Pictures map[int][]*mat.Dense `json:"-"`
}

// Row is one sampling run of a model.
type Row struct {
	Method  string // diffusion.DDIM (η = 0) or diffusion.DDPM
	K       int    // network evaluations
	Scores  *Scores
	Seconds float64 // sampling wall time
}

// bandEdges are the radial frequency bands of the band errors.
var bandEdges = eval.DefaultBandEdges()

// SettleThreshold is the relative squared band error below which a band
// counts as settled (eval.SettleTimes): 0.1, an error of about 32% in amplitude.
const SettleThreshold = 0.1

// PictureCount is the number of images kept per model and K for pictures.
const PictureCount = 16

// Run runs the experiment of cfg: for each data set, it trains a white and
// a cloud model and scores their samples for every K, writing progress
// lines to log (which may be nil). A data set whose folder is missing is
// skipped with a message (Result.Skipped). Run returns ctx.Err() if ctx is
// cancelled, and an error for an invalid cfg or a failing step.
func Run(ctx context.Context, cfg Config, log io.Writer) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = io.Discard
	}
	start := time.Now()
	res := &Result{Config: cfg, Cores: runtime.GOMAXPROCS(0)}
	for _, name := range cfg.Datasets {
		train, held, err := loadDataset(name, cfg)
		if errors.Is(err, errSkip) {
			msg := fmt.Sprintf("%s: skipped: %v", name, err)
			fmt.Fprintln(log, msg)
			res.Skipped = append(res.Skipped, msg)
			continue
		}
		if err != nil {
			return nil, err
		}
		dr, err := runDataset(ctx, cfg, name, train, held, log)
		if err != nil {
			return nil, err
		}
		res.Datasets = append(res.Datasets, dr)
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// errSkip marks a data set that is absent.
var errSkip = errors.New("data set absent")

// seeds of the random streams, second words of rand.NewPCG(cfg.Seed, ·).
const (
	seedData    = 1
	seedHeldOut = 2
	seedInit    = 3
	seedSample  = 4
	seedRef     = 5
)

// loadDataset returns the training images of the data set and, for dead
// leaves, held-out images (nil for photos).
func loadDataset(name string, cfg Config) (train, held []*mat.Dense, err error) {
	switch name {
	case DeadLeavesData:
		dl := noise.DeadLeaves{Rows: cfg.Size, Cols: cfg.Size}
		if train, err = dl.Images(cfg.DeadLeaves, rand.NewPCG(cfg.Seed, seedData)); err != nil {
			return nil, nil, err
		}
		if held, err = dl.Images(cfg.Samples, rand.NewPCG(cfg.Seed, seedHeldOut)); err != nil {
			return nil, nil, err
		}
		return train, held, nil
	case PhotosData:
		if cfg.PhotosDir == "" {
			return nil, nil, fmt.Errorf("no photo folder given: %w", errSkip)
		}
		if _, err := os.Stat(cfg.PhotosDir); errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("%s does not exist: %w", cfg.PhotosDir, errSkip)
		}
		imgs, _, err := imageio.LoadDir(cfg.PhotosDir, &imageio.Options{Size: cfg.Size})
		if err != nil {
			return nil, nil, err
		}
		if len(imgs) < 4 {
			return nil, nil, fmt.Errorf("experiment: %s has %d images, need at least 4", cfg.PhotosDir, len(imgs))
		}
		return imgs, nil, nil
	}
	return nil, nil, fmt.Errorf("experiment: unknown data set %q", name)
}

// runDataset trains and scores both models on one data set.
func runDataset(ctx context.Context, cfg Config, name string, train, held []*mat.Dense, log io.Writer) (*DatasetResult, error) {
	ref, err := NewReference(train, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dr := &DatasetResult{Name: name, Images: len(train), Fit: ref.Fit, Data: train[:min(PictureCount, len(train))]}
	fmt.Fprintf(log, "%s: %d training images of %d×%d, spectrum Δ = %.3f ± %.3f\n", name, len(train), cfg.Size, cfg.Size, ref.Fit.Delta, ref.Fit.DeltaErr)
	if held != nil {
		dr.BaselineLabel = fmt.Sprintf("held-out data (%d) vs training set", len(held))
		dr.Baseline, err = ref.Score(held)
	} else {
		dr.BaselineLabel, dr.Baseline, err = splitBaseline(train, cfg.Seed)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: baseline: %w", name, err)
	}
	for _, kind := range []diffusion.NoiseKind{diffusion.WhiteNoise, diffusion.CloudNoise} {
		mr, err := runModel(ctx, cfg, name, kind, train, ref, log)
		if err != nil {
			return nil, fmt.Errorf("%s: %s model: %w", name, kind, err)
		}
		dr.Models = append(dr.Models, mr)
	}
	return dr, nil
}

// splitBaseline scores one random half of the images against the other.
func splitBaseline(imgs []*mat.Dense, seed uint64) (string, *Scores, error) {
	perm := rand.New(rand.NewPCG(seed, seedRef)).Perm(len(imgs))
	half := len(imgs) / 2
	a := make([]*mat.Dense, 0, half)
	b := make([]*mat.Dense, 0, len(imgs)-half)
	for i, p := range perm {
		if i < half {
			a = append(a, imgs[p])
		} else {
			b = append(b, imgs[p])
		}
	}
	ref, err := NewReference(b, seed)
	if err != nil {
		return "", nil, err
	}
	sc, err := ref.Score(a)
	return fmt.Sprintf("one half of the data (%d) vs the other (%d)", len(a), len(b)), sc, err
}

// unetConfig returns the UNet of the experiment.
func unetConfig(cfg Config) diffusion.UNetConfig {
	c := diffusion.DefaultUNetConfig()
	c.Size = cfg.Size
	c.Base = cfg.Base
	return c
}

// trainConfig returns the training settings of the experiment for a noise.
func trainConfig(cfg Config, ns noise.Spec) diffusion.TrainConfig {
	tc := diffusion.DefaultTrainConfig()
	tc.Steps = cfg.Steps
	tc.Batch = cfg.Batch
	tc.Warmup = min(tc.Warmup, cfg.Steps/10)
	tc.Seed = cfg.Seed
	tc.Noise = ns
	tc.TimeSteps = timeSteps
	return tc
}

// runModel trains one model and scores its samples for every K.
func runModel(ctx context.Context, cfg Config, name string, kind diffusion.NoiseKind, train []*mat.Dense, ref *Reference, log io.Writer) (*ModelResult, error) {
	net, err := diffusion.NewUNet(unetConfig(cfg), rand.NewPCG(cfg.Seed, seedInit))
	if err != nil {
		return nil, err
	}
	tc := trainConfig(cfg, noise.Spec{})
	norm, err := diffusion.FitNormalizer(train, 1, cfg.Size, tc.Normalize)
	if err != nil {
		return nil, err
	}
	rn, err := diffusion.ResolveNoise(kind, train, norm, nil)
	if err != nil {
		return nil, err
	}
	tc.Noise = rn.Spec
	tr, err := diffusion.NewTrainer(net, train, tc)
	if err != nil {
		return nil, err
	}
	mr := &ModelResult{Noise: kind.String(), Pictures: map[int][]*mat.Dense{}}
	if kind == diffusion.CloudNoise {
		mr.Delta = tr.Noise().Delta
	}
	fmt.Fprintf(log, "%s: training %v model: UNet base %d (%d parameters), %d steps of batch %d\n",
		name, diffusion.NoiseName(tr.Noise()), cfg.Base, net.NumParams(), cfg.Steps, cfg.Batch)
	tail := max(cfg.Steps/10, 1)
	var lossSum float64
	every := max(cfg.Steps/10, 1)
	t0 := time.Now()
	err = tr.Train(ctx, func(p diffusion.Progress) {
		if p.Step > p.Steps-tail {
			lossSum += p.Loss
		}
		if p.Step%every == 0 || p.Step == p.Steps {
			fmt.Fprintf(log, "%s: %s: step %d/%d loss %.4f (%s, ETA %s)\n", name, kind, p.Step, p.Steps, p.Loss,
				p.Elapsed.Round(time.Second), p.ETA.Round(time.Second))
		}
	})
	if err != nil {
		return nil, err
	}
	mr.TrainSeconds = time.Since(t0).Seconds()
	mr.Loss = lossSum / float64(min(tail, cfg.Steps))
	s := tr.Sampler()
	type run struct {
		method diffusion.Method
		k      int
	}
	var runs []run
	for _, k := range cfg.Ks {
		runs = append(runs, run{diffusion.DDIM, k})
	}
	if cfg.DDPMK > 0 {
		runs = append(runs, run{diffusion.DDPM, cfg.DDPMK})
	}
	for _, r := range runs {
		traj := r.method == diffusion.DDIM && r.k == cfg.TrajectoryK
		opts := &diffusion.SampleOptions{Method: r.method, Steps: r.k, Batch: min(cfg.Samples, 64), Trajectory: traj}
		t0 := time.Now()
		out, err := s.Sample(ctx, cfg.Samples, opts, rand.NewPCG(cfg.Seed, seedSample))
		if err != nil {
			return nil, err
		}
		sec := time.Since(t0).Seconds()
		sc, err := ref.Score(out.Images)
		if err != nil {
			return nil, fmt.Errorf("scoring %s K = %d: %w", r.method, r.k, err)
		}
		mr.Rows = append(mr.Rows, &Row{Method: r.method.String(), K: r.k, Scores: sc, Seconds: sec})
		if r.method == diffusion.DDIM {
			mr.Pictures[r.k] = out.Images[:min(PictureCount, len(out.Images))]
		}
		fmt.Fprintf(log, "%s: %s %s K=%d: LSD %.2f dB, Fréchet %.3g, Mahalanobis %.3g ± %.2g, W1 %.4f, NN ratio %.2f (%.1f s)\n",
			name, kind, r.method, r.k, sc.LSD, sc.Frechet, sc.Mahalanobis.Mean, sc.Mahalanobis.StdErr, sc.W1, sc.Nearest.Ratio, sec)
		if traj {
			if mr.BandErrors, err = eval.BandErrors(out.X0, out.Images, bandEdges); err != nil {
				return nil, err
			}
			mr.Times = out.Times
			if mr.Settle, err = eval.SettleTimes(mr.BandErrors, out.Times, s.Schedule().Steps(), SettleThreshold); err != nil {
				return nil, err
			}
		}
	}
	return mr, nil
}
