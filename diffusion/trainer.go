package diffusion

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/internal/nn"
	"github.com/cloud-diffusion/noise/internal/parallel"
)

// Trainer trains a UNet to predict the noise ε of the diffusion process
//
//	x_t = cos θ_t x_0 + sin θ_t ε,   t uniform in 1…T,
//
// (or x_0, or v = cos θ_t ε − sin θ_t x_0: TrainConfig.Target)
// on normalised training images x_0 (Normalizer), with ε drawn from the
// run's noise.Spec (TrainConfig.Noise), the MSE or spectral loss, AdamW with warm-up and decay
// (TrainConfig.LearningRate), gradient clipping and an exponential moving
// average (EMA) of the weights, which the samplers use.
//
// A step draws, in this order and all from one random stream (a *rand.PCG
// seeded by TrainConfig.Seed): the batch's image indices, its timesteps,
// and its noise. The state of a run is the weights, the AdamW moments, the
// EMA weights, the step and that stream's state; a checkpoint (Save) holds
// all of it, so Resume continues a run bit for bit. The network uses all
// cores; results do not depend on their number.
//
// A Trainer is not safe for concurrent use.
type Trainer struct {
	cfg   TrainConfig
	net   *UNet
	ema   *UNet
	norm  *Normalizer
	sched *noise.Schedule

	data  []float64 // normalised images [n, C, S, S]
	n     int       // number of images
	plane int       // C·S·S

	pcg   *rand.PCG
	rnd   *rand.Rand
	noise *noise.Sampler // ε of TrainConfig.Noise, drawing from pcg
	m, v  []float64
	step  int
	opt   nn.AdamW

	// Step buffers.
	idx, ts          []int     // image index and timestep of each batch entry
	tc               []float64 // t/T, the network's continuous time
	eps, xt, out     []float64
	target           []float64 // the training target: eps itself, or x_0 or v (TrainConfig.Target)
	dOut             []float64
	losses           []*noise.SpectralLoss // one per worker
	planeLoss        []float64
	dOutPlanes       []*mat.Dense        // Size×Size views of dOut, one per plane
	noiseHook        func(eps []float64) // tests: sees the noise of each step
	lastLoss, lastLR float64
	lastNorm         float64
	group            parallel.Group
	specLossFn       func(c, lo, hi int)
}

// Progress reports one finished training step to the callback of Train.
type Progress struct {
	Step, Steps  int     // the step just finished (1-based) and the total
	Loss         float64 // the loss of the step's batch
	LR           float64 // the learning rate of the step
	GradNorm     float64 // the gradient norm before clipping
	ImagesPerSec float64 // training throughput since Train was called
	Elapsed      time.Duration
	ETA          time.Duration // estimated time to reach Steps
}

// NewTrainer returns a trainer for net on the training images, one
// Size×Size *mat.Dense per channel, image i in planes
// images[C·i : C·i+C] for a net of C channels (the layout of
// imageio.LoadDir with Options.Color). The trainer takes ownership of net
// (it updates its weights) and copies the images after normalising them
// (cfg.Normalize). The noise is cfg.Noise with its size filled in; noise
// that depends on the data is resolved before, by ResolveNoise.
//
// Everything is checked before any step: NewTrainer returns an error, and
// no trainer, if cfg is invalid, net is nil, the images are empty, not a
// whole number of images, of a size other than the net's, or hold NaN or
// Inf, the noise has another size or is rejected by the noise package, or
// a checkpoint path is set and the noise cannot be stored in a checkpoint
// (a noise.RadialDensity).
func NewTrainer(net *UNet, images []*mat.Dense, cfg TrainConfig) (*Trainer, error) {
	if net == nil {
		return nil, fmt.Errorf("diffusion: NewTrainer with a nil UNet")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	mc := net.Config()
	norm, err := FitNormalizer(images, mc.Channels, mc.Size, cfg.Normalize)
	if err != nil {
		return nil, err
	}
	if cfg.Noise, err = noiseForSize(cfg.Noise, mc.Size); err != nil {
		return nil, err
	}
	if err := checkStorable(cfg); err != nil {
		return nil, err
	}
	tr := &Trainer{cfg: cfg, net: net, ema: net.Clone(), norm: norm}
	tr.loadData(images)
	tr.m = make([]float64, net.NumParams())
	tr.v = make([]float64, net.NumParams())
	tr.pcg = rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)
	if err := tr.init(); err != nil {
		return nil, err
	}
	return tr, nil
}

// loadData normalises and stores the images (already checked).
func (tr *Trainer) loadData(images []*mat.Dense) {
	mc := tr.net.Config()
	tr.plane = mc.Channels * mc.Size * mc.Size
	tr.n = len(images) / mc.Channels
	tr.data = tr.norm.Normalize(nil, images)
}

// init builds what follows from the configuration and the random stream:
// schedule, noise source, optimiser and step buffers.
func (tr *Trainer) init() error {
	cfg := &tr.cfg
	var err error
	if tr.sched, err = cfg.NoiseSchedule(); err != nil {
		return err
	}
	mc := tr.net.Config()
	tr.rnd = rand.New(tr.pcg)
	if tr.noise, err = noise.NewSampler(cfg.Noise, tr.pcg); err != nil {
		return fmt.Errorf("diffusion: noise: %w", err)
	}
	tr.opt = nn.AdamW{LR: cfg.LR, Beta1: cfg.Beta1, Beta2: cfg.Beta2, Eps: cfg.Eps, WeightDecay: cfg.WeightDecay}
	b := cfg.Batch
	tr.idx = make([]int, b)
	tr.ts = make([]int, b)
	tr.tc = make([]float64, b)
	tr.eps = make([]float64, b*tr.plane)
	tr.xt = make([]float64, b*tr.plane)
	tr.out = make([]float64, b*tr.plane)
	tr.target = tr.eps
	if cfg.Target != TargetEps {
		tr.target = make([]float64, b*tr.plane)
	}
	tr.dOut = make([]float64, b*tr.plane)
	if cfg.Loss == LossSpectral {
		tr.losses = make([]*noise.SpectralLoss, parallel.Workers())
		for i := range tr.losses {
			if tr.losses[i], err = noise.NewSpectralLoss(mc.Size, mc.Size, cfg.LossDelta); err != nil {
				return fmt.Errorf("diffusion: spectral loss: %w", err)
			}
		}
		tr.planeLoss = make([]float64, b*mc.Channels)
		hw := mc.Size * mc.Size
		tr.dOutPlanes = make([]*mat.Dense, b*mc.Channels)
		for q := range tr.dOutPlanes {
			tr.dOutPlanes[q] = mat.NewDense(mc.Size, mc.Size, tr.dOut[q*hw:(q+1)*hw])
		}
		tr.specLossFn = tr.spectralChunk
	}
	return nil
}

// Config returns the trainer's configuration, with the noise's size filled
// in.
func (tr *Trainer) Config() TrainConfig { return tr.cfg }

// Model returns the network being trained (its current weights).
func (tr *Trainer) Model() *UNet { return tr.net }

// EMA returns the network holding the EMA weights. It aliases the
// trainer's: train further and it changes.
func (tr *Trainer) EMA() *UNet { return tr.ema }

// Normalizer returns the normalisation of the training images.
func (tr *Trainer) Normalizer() *Normalizer { return tr.norm }

// Noise returns the noise of the run, Config().Noise.
func (tr *Trainer) Noise() noise.Spec { return tr.cfg.Noise }

// Schedule returns the noise schedule of the run.
func (tr *Trainer) Schedule() *noise.Schedule { return tr.sched }

// SetSteps changes the total number of steps of the run, for example to
// train a resumed run further; the learning-rate decay is stretched to the
// new total, so the run is no longer the one the original configuration
// describes. It returns an error if steps is less than 1.
func (tr *Trainer) SetSteps(steps int) error {
	if steps < 1 {
		return fmt.Errorf("diffusion: training steps %d must be at least 1", steps)
	}
	tr.cfg.Steps = steps
	return nil
}

// SetCheckpoint changes where and how often Train saves checkpoints (see
// TrainConfig.CheckpointPath); it does not affect the training itself. It
// returns an error if every is negative, or path is set and the noise
// cannot be stored in a checkpoint.
func (tr *Trainer) SetCheckpoint(path string, every int) error {
	if every < 0 {
		return fmt.Errorf("diffusion: checkpoint interval %d is negative", every)
	}
	cfg := tr.cfg
	cfg.CheckpointPath, cfg.CheckpointEvery = path, every
	if err := checkStorable(cfg); err != nil {
		return err
	}
	tr.cfg = cfg
	return nil
}

// StepCount returns the number of steps taken so far.
func (tr *Trainer) StepCount() int { return tr.step }

// Step takes one training step and returns its loss: draw a batch, its
// timesteps and its noise, compute x_t, the loss of the network's ε̂ and its
// gradient, clip it, update the weights with AdamW at the step's learning
// rate and update the EMA. If the loss or the gradient is NaN or infinite,
// Step returns an error naming the step and leaves the trainer exactly as
// it was before the call (weights, moments, EMA, step and random stream),
// so the last good state can still be saved.
func (tr *Trainer) Step() (float64, error) {
	s := tr.step + 1
	saved := *tr.pcg
	fail := func(what string, v float64) (float64, error) {
		*tr.pcg = saved
		tr.net.ZeroGrad()
		return math.NaN(), fmt.Errorf("diffusion: training stopped at step %d: %s is %v", s, what, v)
	}
	b, T := tr.cfg.Batch, tr.sched.Steps()
	for i := range tr.idx {
		tr.idx[i] = tr.rnd.IntN(tr.n)
	}
	for i := range tr.ts {
		tr.ts[i] = 1 + tr.rnd.IntN(T)
		tr.tc[i] = float64(tr.ts[i]) / float64(T)
	}
	noise.Fill(tr.noise, tr.eps)
	if tr.noiseHook != nil {
		tr.noiseHook(tr.eps)
	}
	p := tr.plane
	for i, k := range tr.idx {
		a, c := tr.sched.SignalRate(tr.ts[i]), tr.sched.NoiseRate(tr.ts[i])
		x0 := tr.data[k*p : (k+1)*p]
		eps := tr.eps[i*p : (i+1)*p]
		xt := tr.xt[i*p : (i+1)*p]
		for j, v := range x0 {
			xt[j] = a*v + c*eps[j]
		}
		if tr.cfg.Target != TargetEps {
			tr.cfg.Target.From(tr.target[i*p:(i+1)*p], x0, eps, a, c)
		}
	}
	tr.net.ZeroGrad()
	tr.net.Forward(tr.out, tr.xt, tr.tc, b)
	loss := tr.loss()
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return fail("the loss", loss)
	}
	tr.net.Backward(nil, tr.dOut)
	norm := nn.ClipGradNorm(tr.net.Grads(), tr.cfg.ClipNorm)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return fail("the gradient norm", norm)
	}
	lr := tr.cfg.LearningRate(s)
	opt := tr.opt
	opt.LR = lr
	opt.Step(tr.net.Params(), tr.net.Grads(), tr.m, tr.v, s)
	d := min(tr.cfg.EMADecay, float64(1+s)/float64(10+s))
	ep := tr.ema.Params()
	for j, w := range tr.net.Params() {
		ep[j] = d*ep[j] + (1-d)*w
	}
	tr.step = s
	tr.lastLoss, tr.lastLR, tr.lastNorm = loss, lr, norm
	return loss, nil
}

// loss computes the loss of tr.out against tr.target and its gradient in
// tr.dOut.
func (tr *Trainer) loss() float64 {
	if tr.cfg.Loss == LossMSE {
		// L = (1/n) Σ (ŷ − y)², ∂L/∂ŷ = 2(ŷ − y)/n, y the target (ε, x_0 or v).
		n := float64(len(tr.out))
		var s float64
		for i, o := range tr.out {
			r := o - tr.target[i]
			s += r * r
			tr.dOut[i] = 2 * r / n
		}
		return s / n
	}
	// L = (1/planes) Σ_planes SpectralLoss(ŷ − y), planes in parallel, summed
	// in order so the result does not depend on the number of workers.
	tr.group.For(len(tr.planeLoss), len(tr.losses), tr.specLossFn)
	var s float64
	for _, l := range tr.planeLoss {
		s += l
	}
	return s / float64(len(tr.planeLoss))
}

// spectralChunk computes the spectral loss and gradient of planes [lo, hi).
func (tr *Trainer) spectralChunk(c, lo, hi int) {
	hw := len(tr.dOut) / len(tr.dOutPlanes)
	inv := 1 / float64(len(tr.planeLoss))
	l := tr.losses[c]
	for q := lo; q < hi; q++ {
		r := tr.dOut[q*hw : (q+1)*hw]
		for j := range r {
			r[j] = tr.out[q*hw+j] - tr.target[q*hw+j]
		}
		m := tr.dOutPlanes[q]
		v, _ := l.Gradient(m, m)
		tr.planeLoss[q] = v
		for j := range r {
			r[j] *= inv
		}
	}
}

// Train takes steps until StepCount reaches Config().Steps, saving a
// checkpoint to CheckpointPath (if set) every CheckpointEvery steps and at
// the end, and calls progress (if not nil) after every step. Before each
// step it checks ctx: if ctx is done, Train returns ctx.Err() with the
// trainer in the consistent state after the last finished step (nothing is
// saved; call Save to keep it). A NaN or infinite loss stops Train with
// Step's error; the trainer keeps its last good state and the checkpoint
// file its last good checkpoint. Train panics if ctx is nil.
func (tr *Trainer) Train(ctx context.Context, progress func(Progress)) error {
	if ctx == nil {
		panic("diffusion: Train with a nil context (use context.Background())")
	}
	start := time.Now()
	first := tr.step
	saved := -1
	for tr.step < tr.cfg.Steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		loss, err := tr.Step()
		if err != nil {
			return err
		}
		if progress != nil {
			el := time.Since(start)
			done := tr.step - first
			rate := float64(done) / el.Seconds()
			pr := Progress{Step: tr.step, Steps: tr.cfg.Steps, Loss: loss, LR: tr.lastLR, GradNorm: tr.lastNorm,
				ImagesPerSec: rate * float64(tr.cfg.Batch), Elapsed: el}
			if rate > 0 && !math.IsInf(rate, 0) {
				pr.ETA = time.Duration(float64(tr.cfg.Steps-tr.step) / rate * float64(time.Second))
			}
			progress(pr)
		}
		if tr.cfg.CheckpointPath != "" && tr.cfg.CheckpointEvery > 0 && tr.step%tr.cfg.CheckpointEvery == 0 {
			if err := tr.Save(tr.cfg.CheckpointPath); err != nil {
				return err
			}
			saved = tr.step
		}
	}
	if tr.cfg.CheckpointPath != "" && saved != tr.step {
		return tr.Save(tr.cfg.CheckpointPath)
	}
	return nil
}

// checkStorable returns an error if cfg asks for checkpoints and its noise
// cannot be stored in one, so that a run does not fail at its first
// checkpoint.
func checkStorable(cfg TrainConfig) error {
	if cfg.CheckpointPath == "" {
		return nil
	}
	if _, err := json.Marshal(cfg.Noise); err != nil {
		return fmt.Errorf("diffusion: checkpoints to %s: the noise cannot be stored: %w", cfg.CheckpointPath, err)
	}
	return nil
}
