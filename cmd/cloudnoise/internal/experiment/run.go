package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
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
	Name    string
	Images  int // training images
	HeldOut int // held-out images (the x̂0 check and, for dead leaves, the baseline)
	// Fit is the power law of the training set's spectrum (Reference.Fit,
	// global standardisation); PaperFit the paper's per-pixel estimator
	// (noise.FitImages' default), the Δ that cloud noise is drawn with.
	Fit, PaperFit noise.PowerLaw
	// Baseline scores data against data: for dead leaves, the held-out
	// images against the training set; for photos, one random half of the
	// training set against the other half. BaselineLabel says which.
	Baseline      *Scores
	BaselineLabel string
	// Theory is the exact outcome of sampling the Gaussian model of the
	// data (its measured spectrum) with the optimal denoiser, per noise.
	Theory []*TheoryResult
	// Models holds one result per noise and seed, noise-major in the order
	// of Config.Noises.
	Models []*ModelResult
	// Data holds a few training images for pictures (not in JSON).
	Data []*mat.Dense `json:"-"`
}

// ModelResult holds one trained model's results.
type ModelResult struct {
	Noise string  // the diffusion.NoiseKind, by name
	Delta float64 // Δ of cloud noise (fitted to the normalised training set), 0 otherwise
	Seed  uint64  // the seed of the run's weights, training and sampling
	// Loss is the mean training loss over the last tenth of the steps (the
	// losses of different noises are not comparable: different ε).
	Loss         float64
	TrainSeconds float64
	// Checks are the x̂0 checks made every Config.CheckEvery steps and at
	// the end; TrainedAt is the first step at which the x̂0 error was
	// within Config.X0Tolerance of the Gaussian bound at every level, 0 if
	// the budget did not reach it.
	Checks    []*X0Check
	TrainedAt int
	// Information is what survives of the data at t = T under the
	// model's noise, in nats (diffusion.GaussianTheory.Information of the
	// data's Gaussian model): the part of the data the sampler's start
	// misses.
	Information float64
	Rows        []*Row
	// Times and BandErrors are the trajectory at TrajectoryK: the times t
	// visited and eval.BandErrors of x̂0 at each (eval.DefaultBandEdges); Settle are
	// the eval.SettleTimes at SettleThreshold.
	Times      []int
	BandErrors [][]float64
	Settle     []float64
	// Pictures holds a few samples per K for pictures (not in JSON).
	Pictures map[int][]*mat.Dense `json:"-"`
}

// X0Check is one measurement of a network's x̂0 error on the held-out
// images (diffusion.MeasureX0Error) at the levels of Config.X0Times.
type X0Check struct {
	Step int
	// Errors are the measured errors with their Gaussian bounds; Ratio[i]
	// is Errors[i].MSE / Errors[i].Bound, MaxRatio the largest.
	Errors   []diffusion.X0Error
	Ratio    []float64
	MaxRatio float64
}

// Row is one sampling run of a model.
type Row struct {
	Method  string // diffusion.DDIM (η = 0) or diffusion.DDPM (η = 1)
	K       int    // network evaluations
	Scores  *Scores
	Seconds float64 // sampling wall time
}

// bandEdges are the radial frequency bands of the band errors.
var bandEdges = eval.DefaultBandEdges()

// SettleThreshold is the relative squared band error below which a band
// counts as settled (eval.SettleTimes): 0.1, an error of about 32% in amplitude.
const SettleThreshold = diffusion.DefaultSettleThreshold

// PictureCount is the number of images kept per model and K for pictures.
const PictureCount = 16

// Run runs the experiment of cfg: for each data set, it computes the exact
// Gaussian predictions, then trains a model per noise and seed and scores
// its samples for every sampler and K, writing progress lines to log (which
// may be nil). A data set whose folder is missing is skipped with a message
// (Result.Skipped). Run returns ctx.Err() if ctx is cancelled, and an error
// for an invalid cfg or a failing step.
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
		if err := ctx.Err(); err != nil {
			return nil, err
		}
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

// seeds of the random streams, second words of rand.NewPCG(seed, ·).
const (
	seedData    = 1
	seedHeldOut = 2
	seedInit    = 3
	seedSample  = 4
	seedRef     = 5
	seedCheck   = 6
)

// loadDataset returns the training and held-out images of the data set.
func loadDataset(name string, cfg Config) (train, held []*mat.Dense, err error) {
	switch name {
	case DeadLeavesData:
		dl := noise.DeadLeaves{Rows: cfg.Size, Cols: cfg.Size}
		if train, err = dl.Images(cfg.DeadLeaves, rand.NewPCG(cfg.Seed, seedData)); err != nil {
			return nil, nil, err
		}
		if held, err = dl.Images(cfg.HeldOut, rand.NewPCG(cfg.Seed, seedHeldOut)); err != nil {
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
		if len(imgs) < cfg.HeldOut+4 {
			return nil, nil, fmt.Errorf("experiment: %s has %d images, need at least %d (%d held out)", cfg.PhotosDir, len(imgs), cfg.HeldOut+4, cfg.HeldOut)
		}
		perm := rand.New(rand.NewPCG(cfg.Seed, seedHeldOut)).Perm(len(imgs))
		for i, p := range perm {
			if i < cfg.HeldOut {
				held = append(held, imgs[p])
			} else {
				train = append(train, imgs[p])
			}
		}
		return train, held, nil
	}
	return nil, nil, fmt.Errorf("experiment: unknown data set %q", name)
}

// runDataset computes the exact predictions and trains and scores every
// model on one data set.
func runDataset(ctx context.Context, cfg Config, name string, train, held []*mat.Dense, log io.Writer) (*DatasetResult, error) {
	ref, err := NewReference(train, cfg.Seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	paper, err := noise.FitImages(train, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dr := &DatasetResult{Name: name, Images: len(train), HeldOut: len(held), Fit: ref.Fit, PaperFit: paper.PowerLaw,
		Data: train[:min(PictureCount, len(train))]}
	fmt.Fprintf(log, "%s: %d training and %d held-out images of %d×%d, spectrum Δ = %.3f ± %.3f (paper's estimator %.3f ± %.3f)\n",
		name, len(train), len(held), cfg.Size, cfg.Size, ref.Fit.Delta, ref.Fit.DeltaErr, paper.Delta, paper.DeltaErr)
	if name == DeadLeavesData {
		dr.BaselineLabel = fmt.Sprintf("held-out data (%d) vs training set", len(held))
		dr.Baseline, err = ref.Score(held)
	} else {
		dr.BaselineLabel, dr.Baseline, err = splitBaseline(train, cfg.Seed)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: baseline: %w", name, err)
	}
	setups := make([]*setup, len(cfg.Noises))
	for i, kind := range cfg.Noises {
		if setups[i], err = newSetup(cfg, kind, train, held); err != nil {
			return nil, fmt.Errorf("%s: %s noise: %w", name, kind, err)
		}
		tr, err := theoryResult(cfg, setups[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %s noise: exact theory: %w", name, kind, err)
		}
		dr.Theory = append(dr.Theory, tr)
		fmt.Fprintf(log, "%s: exact Gaussian theory, %s noise: information at t = T %.3g nats; DDIM LSD %s dB at K = %v\n",
			name, setups[i].label(), tr.Information, theoryLSDs(tr, diffusion.DDIM), cfg.Ks)
	}
	for _, st := range setups {
		for i := range cfg.Seeds {
			mr, err := runModel(ctx, cfg, name, st, cfg.Seed+uint64(i), train, ref, log)
			if err != nil {
				return nil, fmt.Errorf("%s: %s model, seed %d: %w", name, st.kind, cfg.Seed+uint64(i), err)
			}
			dr.Models = append(dr.Models, mr)
		}
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
	return fmt.Sprintf("one half of the training set (%d) vs the other (%d)", len(a), len(b)), sc, err
}

// setup is what every run of one noise on one data set shares: the
// normalisation, the resolved noise, the schedule, the Gaussian theory of
// the data under that noise and the normalised held-out images.
type setup struct {
	kind   diffusion.NoiseKind
	norm   *diffusion.Normalizer
	noise  noise.Spec
	delta  float64
	theory *diffusion.GaussianTheory
	held   []*mat.Dense // normalised
}

// label names the noise, with its Δ for cloud noise.
func (st *setup) label() string {
	if st.kind == diffusion.CloudNoise {
		return fmt.Sprintf("cloud Δ=%.2f", st.delta)
	}
	return st.kind.String()
}

// newSetup resolves the noise of kind for the training set and builds the
// Gaussian theory of the normalised data under it.
func newSetup(cfg Config, kind diffusion.NoiseKind, train, held []*mat.Dense) (*setup, error) {
	tc := trainConfig(cfg, noise.Spec{}, cfg.Seed)
	norm, err := diffusion.FitNormalizer(train, 1, cfg.Size, tc.Normalize)
	if err != nil {
		return nil, err
	}
	rn, err := diffusion.ResolveNoise(kind, train, norm, nil)
	if err != nil {
		return nil, err
	}
	st := &setup{kind: kind, norm: norm, noise: rn.Spec}
	if kind == diffusion.CloudNoise {
		st.delta = rn.Spec.Delta
	}
	sched, err := tc.NoiseSchedule()
	if err != nil {
		return nil, err
	}
	flat := norm.Normalize(nil, train)
	normTrain := planes(flat, len(train), cfg.Size)
	st.held = planes(norm.Normalize(nil, held), len(held), cfg.Size)
	spec := noise.NewSpectrum(cfg.Size, cfg.Size)
	if err := spec.AddBatch(normTrain); err != nil {
		return nil, err
	}
	power, err := spec.Power()
	if err != nil {
		return nil, err
	}
	// Spectrum.Power has unit mean; the data's scale is its variance.
	mv, err := spec.MeanVariance()
	if err != nil {
		return nil, err
	}
	power.Scale(mv, power)
	ns := rn.Spec
	ns.Rows, ns.Cols = cfg.Size, cfg.Size
	smp, err := noise.NewSampler(ns, nil)
	if err != nil {
		return nil, err
	}
	if st.theory, err = diffusion.NewGaussianTheory(power, cleanPower(smp.Power()), sched); err != nil {
		return nil, err
	}
	return st, nil
}

// planes views a flat batch of n size×size images as matrices (sharing
// the data).
func planes(flat []float64, n, size int) []*mat.Dense {
	out := make([]*mat.Dense, n)
	for i := range out {
		out[i] = mat.NewDense(size, size, flat[i*size*size:(i+1)*size*size])
	}
	return out
}

// cleanPower sets the rounding residue of an exact spectrum (|v| < 1e-12,
// where the construction puts no power, such as k = 0 of cloud noise) to
// zero and returns p.
func cleanPower(p *mat.Dense) *mat.Dense {
	for i, v := range p.RawMatrix().Data {
		if math.Abs(v) < 1e-12 {
			p.RawMatrix().Data[i] = 0
		}
	}
	return p
}

// unetConfig returns the UNet of the experiment.
func unetConfig(cfg Config) diffusion.UNetConfig {
	c := diffusion.DefaultUNetConfig()
	c.Size = cfg.Size
	c.Base = cfg.Base
	c.Precision = cfg.Precision
	c.Head = cfg.Head
	c.Padding = cfg.Padding
	return c
}

// trainConfig returns the training settings of the experiment for a noise
// and a seed.
func trainConfig(cfg Config, ns noise.Spec, seed uint64) diffusion.TrainConfig {
	tc := diffusion.DefaultTrainConfig()
	tc.Steps = cfg.Steps
	tc.Batch = cfg.Batch
	tc.Warmup = min(tc.Warmup, cfg.Steps/10)
	tc.Seed = seed
	tc.Noise = ns
	tc.TimeSteps = timeSteps
	tc.Schedule = diffusion.ScheduleOffsetCosine
	tc.MaxSignal, tc.MinSignal = cfg.MaxSignal, cfg.MinSignal
	tc.Target = cfg.Target
	return tc
}

// runModel trains one model, checking its x̂0 error along the way, and
// scores its samples for every sampler and K.
func runModel(ctx context.Context, cfg Config, name string, st *setup, seed uint64, train []*mat.Dense, ref *Reference, log io.Writer) (*ModelResult, error) {
	net, err := diffusion.NewUNet(unetConfig(cfg), rand.NewPCG(seed, seedInit))
	if err != nil {
		return nil, err
	}
	tr, err := diffusion.NewTrainer(net, train, trainConfig(cfg, st.noise, seed))
	if err != nil {
		return nil, err
	}
	mr := &ModelResult{Noise: st.kind.String(), Delta: st.delta, Seed: seed, Pictures: map[int][]*mat.Dense{},
		Information: st.theory.Information(timeSteps)}
	tag := fmt.Sprintf("%s: %s seed %d", name, st.kind, seed)
	fmt.Fprintf(log, "%s: training %s model: UNet base %d (%d parameters, %v, %v head, %v padding), %d steps of batch %d, %v-prediction\n",
		tag, st.label(), cfg.Base, net.NumParams(), cfg.Precision, cfg.Head, cfg.Padding, cfg.Steps, cfg.Batch, cfg.Target)
	check := func(step int) error {
		c, err := x0Check(tr.Sampler(), st, cfg, seed, step)
		if err != nil {
			return err
		}
		mr.Checks = append(mr.Checks, c)
		if mr.TrainedAt == 0 && c.MaxRatio <= cfg.X0Tolerance {
			mr.TrainedAt = step
		}
		fmt.Fprintf(log, "%s: step %d: x̂0 error / Gaussian bound at t = %v: %s (max %.2f)\n", tag, step, cfg.X0Times, fmtRatios(c.Ratio), c.MaxRatio)
		return nil
	}
	tail := max(cfg.Steps/10, 1)
	var lossSum float64
	var checkErr error
	t0 := time.Now()
	err = tr.Train(ctx, func(p diffusion.Progress) {
		if p.Step > p.Steps-tail {
			lossSum += p.Loss
		}
		if checkErr == nil && (p.Step%cfg.CheckEvery == 0 || p.Step == p.Steps) {
			fmt.Fprintf(log, "%s: step %d/%d loss %.4f (%s, ETA %s)\n", tag, p.Step, p.Steps, p.Loss,
				p.Elapsed.Round(time.Second), p.ETA.Round(time.Second))
			checkErr = check(p.Step)
		}
	})
	if err == nil {
		err = checkErr
	}
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
	for _, k := range cfg.DDPMKs {
		runs = append(runs, run{diffusion.DDPM, k})
	}
	for _, r := range runs {
		traj := r.method == diffusion.DDIM && r.k == cfg.TrajectoryK
		opts := &diffusion.SampleOptions{Method: r.method, Steps: r.k, Batch: min(cfg.Samples, 64), Trajectory: traj}
		t0 := time.Now()
		out, err := s.Sample(ctx, cfg.Samples, opts, rand.NewPCG(seed, seedSample))
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
		fmt.Fprintf(log, "%s %s K=%d: LSD %.2f dB, Fréchet %.3g, Mahalanobis %.3g ± %.2g, W1 %.4f, variance ×%.2f, border ×%.2f (%.1f s)\n",
			tag, r.method, r.k, sc.LSD, sc.Frechet, sc.Mahalanobis.Mean, sc.Mahalanobis.StdErr, sc.W1, sc.Variance, sc.Border, sec)
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

// x0Check measures the x̂0 error of the sampler's network on the held-out
// images against the Gaussian bound.
func x0Check(s *diffusion.Sampler, st *setup, cfg Config, seed uint64, step int) (*X0Check, error) {
	errs, err := diffusion.MeasureX0Error(s.Denoiser(), st.theory, st.held, st.noise, cfg.X0Times, rand.NewPCG(seed, seedCheck))
	if err != nil {
		return nil, err
	}
	c := &X0Check{Step: step, Errors: errs, Ratio: make([]float64, len(errs))}
	for i, e := range errs {
		c.Ratio[i] = e.MSE / e.Bound
		c.MaxRatio = max(c.MaxRatio, c.Ratio[i])
	}
	return c, nil
}

// fmtRatios formats ratios with two decimals.
func fmtRatios(r []float64) string {
	s := ""
	for i, v := range r {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.2f", v)
	}
	return s
}
