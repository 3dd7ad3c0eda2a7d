package diffusion

import (
	"fmt"
	"math"

	"github.com/cloud-diffusion/noise"
)

// ScheduleKind names a noise schedule of the package (NewSchedule).
type ScheduleKind int

const (
	// ScheduleOffsetCosine is the paper's schedule: noise.OffsetCosineSchedule
	// with signal rates from 0.95 down to 0.02.
	ScheduleOffsetCosine ScheduleKind = iota
	// ScheduleCosine is Nichol & Dhariwal's (noise.CosineSchedule, s = 0.008).
	ScheduleCosine
	// ScheduleLinear is DDPM's (noise.LinearSchedule, β from 1e-4 to 0.02).
	ScheduleLinear
)

var scheduleNames = []string{"offset-cosine", "cosine", "linear"}

// String returns "offset-cosine", "cosine" or "linear".
func (k ScheduleKind) String() string { return enumString(k, scheduleNames, "ScheduleKind") }

// ParseScheduleKind returns the schedule named s (any case), or an error.
func ParseScheduleKind(s string) (ScheduleKind, error) {
	return enumParse[ScheduleKind](s, scheduleNames, "schedule")
}

// MarshalText returns the name of k.
func (k ScheduleKind) MarshalText() ([]byte, error) { return enumMarshal(k, scheduleNames, "schedule") }

// UnmarshalText parses a name written by MarshalText.
func (k *ScheduleKind) UnmarshalText(b []byte) error {
	return enumUnmarshal(k, b, ParseScheduleKind)
}

// Decay is the shape of the learning rate after warm-up
// (TrainConfig.LearningRate).
type Decay int

const (
	// DecayCosine decays from LR to MinLR along half a cosine.
	DecayCosine Decay = iota
	// DecayLinear decays linearly from LR to MinLR.
	DecayLinear
	// DecayConstant keeps LR.
	DecayConstant
)

var decayNames = []string{"cosine", "linear", "constant"}

// String returns "cosine", "linear" or "constant".
func (d Decay) String() string { return enumString(d, decayNames, "Decay") }

// ParseDecay returns the decay named s (any case), or an error.
func ParseDecay(s string) (Decay, error) {
	return enumParse[Decay](s, decayNames, "learning-rate decay")
}

// MarshalText returns the name of d.
func (d Decay) MarshalText() ([]byte, error) {
	return enumMarshal(d, decayNames, "learning-rate decay")
}

// UnmarshalText parses a name written by MarshalText.
func (d *Decay) UnmarshalText(b []byte) error { return enumUnmarshal(d, b, ParseDecay) }

// Loss is the training loss of the network's prediction.
type Loss int

const (
	// LossMSE is the mean squared error of the predicted noise,
	// mean (ε̂ − ε)² over pixels, channels and images.
	LossMSE Loss = iota
	// LossSpectral is the spectral (Mahalanobis) loss of noise.SpectralLoss
	// with Δ = TrainConfig.LossDelta: mean over planes of
	// (1/P) Σ_k w(k) (F_R(ε̂ − ε))_k², w ∝ |k|^(2Δ) with mean 1. It equals
	// LossMSE for Δ = 0.
	LossSpectral
)

var lossNames = []string{"mse", "spectral"}

// String returns "mse" or "spectral".
func (l Loss) String() string { return enumString(l, lossNames, "Loss") }

// ParseLoss returns the loss named s (any case), or an error.
func ParseLoss(s string) (Loss, error) { return enumParse[Loss](s, lossNames, "loss") }

// MarshalText returns the name of l.
func (l Loss) MarshalText() ([]byte, error) { return enumMarshal(l, lossNames, "loss") }

// UnmarshalText parses a name written by MarshalText.
func (l *Loss) UnmarshalText(b []byte) error { return enumUnmarshal(l, b, ParseLoss) }

// TrainConfig holds every setting of a training run, nanoGPT style. Start
// from DefaultTrainConfig and change what you need; NewTrainer rejects
// invalid values with an error (zero values are not replaced by defaults).
// The configuration is stored in checkpoints, so a resumed run continues
// with the same settings.
type TrainConfig struct {
	// Steps is the total number of optimiser steps; Train stops there and
	// the learning-rate decay ends there. Default 10000.
	Steps int
	// Batch is the number of images per step, drawn uniformly with
	// replacement from the training set. Default 32 (the benchmark's).
	Batch int

	// LR is the peak AdamW learning rate, reached at the end of warm-up.
	// Default 1e-3, the rate of the paper's Keras code (after Foster,
	// "Generative Deep Learning", 2nd ed.), also PyTorch's AdamW default.
	LR float64
	// MinLR is the learning rate at step Steps, the end of the decay.
	// Default 1e-4 (LR/10, as nanoGPT).
	MinLR float64
	// Warmup is the number of steps of linear warm-up: step s ≤ Warmup uses
	// LR·s/Warmup. Default 100.
	Warmup int
	// Decay shapes the learning rate from LR after warm-up to MinLR at
	// Steps: DecayCosine (default), DecayLinear or DecayConstant (stays LR).
	Decay Decay
	// WeightDecay is AdamW's decoupled weight decay. Default 1e-4 (the
	// paper's code).
	WeightDecay float64
	// Beta1, Beta2 and Eps are AdamW's moment decays and denominator
	// offset. Defaults 0.9, 0.999 and 1e-8 (PyTorch's).
	Beta1, Beta2, Eps float64
	// ClipNorm is the maximum Euclidean norm of the gradient (PyTorch's
	// clip_grad_norm_); 0 disables clipping. Default 1.
	ClipNorm float64
	// EMADecay is the decay d of the exponential moving average of the
	// weights used for sampling; at step s the average moves with
	// min(d, (1+s)/(10+s)), so short runs are not dominated by the initial
	// weights. 0 makes the average equal the weights. Default 0.999.
	EMADecay float64

	// Schedule is the noise schedule (see NewSchedule): ScheduleOffsetCosine
	// (default: the paper's, signal rates from 0.95 down to 0.02),
	// ScheduleCosine (s = 0.008) or ScheduleLinear (β from 1e-4 to 0.02).
	Schedule ScheduleKind
	// TimeSteps is the number of diffusion steps T of the schedule;
	// training draws t uniformly from 1…T. Default 1000.
	TimeSteps int
	// MaxSignal and MinSignal are the signal rates cos θ at t = 1 and
	// t = T of ScheduleOffsetCosine, its clean and its noisy end (see
	// Schedule). Defaults 0.95 and 0.02, the paper's. With 0.95 even an
	// exact denoiser returns the posterior mean at signal rate 0.95, which
	// costs fine detail (3.6 dB of power above 1/4 cycle per pixel for
	// white noise and Δ = 1.5 data); 0.9999 removes that. The other
	// schedules ignore them.
	MaxSignal, MinSignal float64
	// Target is what the network is trained to predict: TargetEps
	// (default, the paper's), TargetX0 or TargetV. The loss is the MSE (or
	// spectral loss) of the prediction against that target; samplers
	// convert the output back (NetworkDenoiser).
	Target Target

	// Noise is the noise ε of the run, for training and sampling. Rows and
	// Cols may be 0: the trainer fills in the model's size. Default white
	// noise, noise.Spec{Density: noise.WhiteDensity()}. For noise chosen
	// from the training images (cloud noise with a fitted Δ, or noise
	// matched to their spectrum) use ResolveNoise before NewTrainer; for
	// cloud noise of a given Δ, noise.Spec{Delta: Δ}.
	Noise noise.Spec
	// LossDelta is the Δ of the spectral loss's weights |k|^(2Δ), used only
	// with LossSpectral (0 makes it the MSE). Default 0.
	LossDelta float64
	// Loss is LossMSE (default) or LossSpectral.
	Loss Loss
	// Normalize is the normalisation of the images: PixelNorm (default, the
	// paper's eq. 19), GlobalNorm or NoNorm.
	Normalize NormKind

	// Seed seeds the trainer's random stream (batches, timesteps, noise):
	// the same seed, model and data give the same run, bit for bit, on any
	// number of cores. Default 1.
	Seed uint64

	// CheckpointPath, if not empty, is where Train saves checkpoints
	// (atomically): every CheckpointEvery steps (0: only at the end) and
	// when it reaches Steps. Default "".
	CheckpointPath  string
	CheckpointEvery int
}

// DefaultTrainConfig returns the defaults documented on TrainConfig.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{
		Steps: 10000, Batch: 32,
		LR: 1e-3, MinLR: 1e-4, Warmup: 100, Decay: DecayCosine,
		WeightDecay: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8,
		ClipNorm: 1, EMADecay: 0.999,
		Schedule: ScheduleOffsetCosine, TimeSteps: 1000, MaxSignal: 0.95, MinSignal: 0.02,
		Noise: noise.Spec{Density: noise.WhiteDensity()}, Loss: LossMSE, Normalize: PixelNorm,
		Seed: 1,
	}
}

// Limits on user-supplied sizes, so that a configuration cannot exhaust
// memory before a step.
const (
	trainMaxBatch     = 1 << 16
	trainMaxTimeSteps = 1 << 20
)

// validate returns an error describing the first invalid setting.
func (c *TrainConfig) validate() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Steps < 1:
		return fmt.Errorf("diffusion: training steps %d must be at least 1", c.Steps)
	case c.Batch < 1 || c.Batch > trainMaxBatch:
		return fmt.Errorf("diffusion: batch %d outside [1, %d]", c.Batch, trainMaxBatch)
	case !(c.LR > 0) || !finite(c.LR):
		return fmt.Errorf("diffusion: learning rate %v must be positive and finite", c.LR)
	case !(c.MinLR >= 0 && c.MinLR <= c.LR):
		return fmt.Errorf("diffusion: minimum learning rate %v outside [0, LR = %v]", c.MinLR, c.LR)
	case c.Warmup < 0:
		return fmt.Errorf("diffusion: warm-up steps %d are negative", c.Warmup)
	case !enumValid(c.Decay, decayNames):
		return fmt.Errorf("diffusion: unknown learning-rate decay %v (want %s)", c.Decay, enumList(decayNames))
	case !(c.WeightDecay >= 0) || !finite(c.WeightDecay):
		return fmt.Errorf("diffusion: weight decay %v must be finite and ≥ 0", c.WeightDecay)
	case !(c.Beta1 >= 0 && c.Beta1 < 1) || !(c.Beta2 >= 0 && c.Beta2 < 1):
		return fmt.Errorf("diffusion: AdamW betas %v, %v outside [0, 1)", c.Beta1, c.Beta2)
	case !(c.Eps > 0) || !finite(c.Eps):
		return fmt.Errorf("diffusion: AdamW eps %v must be positive and finite", c.Eps)
	case !(c.ClipNorm >= 0) || !finite(c.ClipNorm):
		return fmt.Errorf("diffusion: gradient clipping norm %v must be finite and ≥ 0", c.ClipNorm)
	case !(c.EMADecay >= 0 && c.EMADecay < 1):
		return fmt.Errorf("diffusion: EMA decay %v outside [0, 1)", c.EMADecay)
	case c.TimeSteps < 1 || c.TimeSteps > trainMaxTimeSteps:
		return fmt.Errorf("diffusion: diffusion time steps %d outside [1, %d]", c.TimeSteps, trainMaxTimeSteps)
	case !(c.LossDelta >= 0) || !finite(c.LossDelta):
		return fmt.Errorf("diffusion: spectral loss Δ = %v must be finite and ≥ 0", c.LossDelta)
	case !enumValid(c.Loss, lossNames):
		return fmt.Errorf("diffusion: unknown loss %v (want %s)", c.Loss, enumList(lossNames))
	case !enumValid(c.Normalize, normNames):
		return fmt.Errorf("diffusion: unknown normalisation %v (want %s)", c.Normalize, enumList(normNames))
	case c.CheckpointEvery < 0:
		return fmt.Errorf("diffusion: checkpoint interval %d is negative", c.CheckpointEvery)
	}
	if !c.Target.valid() {
		return fmt.Errorf("diffusion: unknown prediction target %v (want eps, x0 or v)", c.Target)
	}
	if _, err := c.NoiseSchedule(); err != nil {
		return err
	}
	return nil
}

// NoiseSchedule returns the noise schedule of the configuration: Schedule
// with TimeSteps steps, and for ScheduleOffsetCosine the signal rates
// MaxSignal at t = 1 and MinSignal at t = T. It returns an error if they
// are invalid (see noise.NewOffsetCosineSchedule).
func (c TrainConfig) NoiseSchedule() (*noise.Schedule, error) {
	if c.Schedule != ScheduleOffsetCosine {
		return NewSchedule(c.Schedule, c.TimeSteps)
	}
	s, err := noise.NewOffsetCosineSchedule(c.TimeSteps, c.MaxSignal, c.MinSignal)
	if err != nil {
		return nil, fmt.Errorf("diffusion: schedule %s: %w", c.Schedule, err)
	}
	return s, nil
}

// LearningRate returns the learning rate of step s (1 for the first step):
// linear warm-up LR·s/Warmup for s ≤ Warmup, then the decay from LR to MinLR
// at s = Steps, with progress p = (s − Warmup)/(Steps − Warmup) in [0, 1]:
// cosine MinLR + (LR − MinLR)(1 + cos πp)/2, linear LR + (MinLR − LR)p, or
// constant LR. After Steps it stays at the final value.
func (c TrainConfig) LearningRate(s int) float64 {
	if s <= c.Warmup {
		return c.LR * float64(s) / float64(c.Warmup)
	}
	p := 1.0
	if c.Steps > c.Warmup {
		p = min(float64(s-c.Warmup)/float64(c.Steps-c.Warmup), 1)
	}
	switch c.Decay {
	case DecayCosine:
		return c.MinLR + (c.LR-c.MinLR)*(1+math.Cos(math.Pi*p))/2
	case DecayLinear:
		return c.LR + (c.MinLR-c.LR)*p
	}
	return c.LR
}

// NewSchedule returns the noise schedule of the given kind with T = steps:
// ScheduleOffsetCosine (the paper's, noise.OffsetCosineSchedule with signal
// rates 0.95 to 0.02), ScheduleCosine (Nichol & Dhariwal, s = 0.008) or
// ScheduleLinear (DDPM, β from 1e-4 to 0.02). It is the one place where the
// package's schedules are made from their names. It returns an error for an
// unknown kind or invalid steps.
func NewSchedule(kind ScheduleKind, steps int) (*noise.Schedule, error) {
	var (
		s   *noise.Schedule
		err error
	)
	switch kind {
	case ScheduleOffsetCosine:
		s, err = noise.NewOffsetCosineSchedule(steps, 0.95, 0.02)
	case ScheduleCosine:
		s, err = noise.NewCosineSchedule(steps, 0.008)
	case ScheduleLinear:
		s, err = noise.NewLinearSchedule(steps, 1e-4, 0.02)
	default:
		return nil, fmt.Errorf("diffusion: unknown schedule %v (want %s)", kind, enumList(scheduleNames))
	}
	if err != nil {
		return nil, fmt.Errorf("diffusion: schedule %v: %w", kind, err)
	}
	return s, nil
}
