package experiment

import (
	"fmt"
	"slices"

	"github.com/cloud-diffusion/noise/diffusion"
)

// Names of the data sets of Config.Datasets.
const (
	DeadLeavesData = "deadleaves" // noise.DeadLeaves images drawn at Size×Size
	PhotosData     = "photos"     // the images of Config.PhotosDir, resized to Size×Size
)

// Config holds the settings of an experiment. DefaultConfig is the run
// reported in docs/EXPERIMENTS.md; the fields that matter for its cost are
// Noises, Seeds, Steps, Batch, Base, Samples, Ks and DDPMKs.
type Config struct {
	// Datasets lists the data sets to run, DeadLeavesData and/or
	// PhotosData. Default both.
	Datasets []string
	// Size is the image size in pixels (square). Default 32.
	Size int
	// DeadLeaves is the number of dead-leaves training images. Default 2048.
	DeadLeaves int
	// PhotosDir is the folder of photographs (loaded with imageio.LoadDir,
	// centre-cropped and resized to Size with imageio's default resize).
	// An empty or missing folder skips the data set with a message.
	// Default "" (no photos: the repository holds none; docs/EXPERIMENTS.md
	// uses ../shared/data/photos96).
	PhotosDir string
	// HeldOut is the number of images kept out of training: drawn
	// afresh for dead leaves, a seeded random subset for photos. The
	// trained networks' x̂0 error is measured on them. Default 32.
	HeldOut int

	// Noises are the noises compared, each trained and scored with every
	// seed: white, cloud (power law fitted to the training set) and matched
	// (the training set's measured spectrum). Default all three.
	Noises []diffusion.NoiseKind
	// Seeds is the number of independent runs per noise: seed Seed+i
	// fixes run i's initial weights (the same for every noise), training
	// stream and sampling noise. The data are the same for every run.
	// Default 3.
	Seeds int

	// Base is the UNet's base width (diffusion.UNetConfig.Base); the other
	// UNet settings are diffusion.DefaultUNetConfig's (multipliers 1, 2, 2,
	// one residual block per level, GroupNorm(8)), with Head, Padding and
	// Precision below. Default 8 (44 k parameters; the budget of a run with
	// three noises, three seeds and two data sets on 2 cores).
	Base int
	// Head and Padding are the UNet's output head and the padding of its
	// convolutions. Defaults diffusion.HeadMean (a head that carries the
	// image mean, which the group-norm head erases) and zero padding.
	Head    diffusion.Head
	Padding diffusion.Padding
	// Precision is the UNet's arithmetic. Default float32.
	Precision diffusion.Precision
	// Target is what the networks predict. Default v (bounded x̂0 error at
	// t = T, unlike ε).
	Target diffusion.Target
	// MaxSignal and MinSignal are the offset-cosine schedule's signal rates
	// at t = 1 and t = T. Defaults 0.9999 (a clean end) and 0.02.
	MaxSignal, MinSignal float64
	// Steps and Batch are the training steps and images per step of every
	// model; the other training settings are diffusion.DefaultTrainConfig's
	// (AdamW at 1e-3 with warm-up and cosine decay, EMA 0.999, T = 1000,
	// MSE loss, per-pixel normalisation). Defaults 800 and 32.
	Steps, Batch int
	// CheckEvery is the number of training steps between measurements of
	// the EMA network's x̂0 error on the held-out images at X0Times,
	// against the Gaussian bound (diffusion.MeasureX0Error). Default 200.
	CheckEvery int
	// X0Times are the noise levels t of the x̂0 check. Default 10 levels
	// from 1 to T.
	X0Times []int
	// X0Tolerance is the largest ratio of x̂0 error to Gaussian bound,
	// at every level of X0Times, at which a model counts as trained.
	// Default 1.5.
	X0Tolerance float64

	// Samples is the number of images drawn per model, sampler and K.
	// Default 32.
	Samples int
	// Ks are the numbers of DDIM steps (η = 0). Default 5, 10, 20, 50,
	// 100, 250.
	Ks []int
	// DDPMKs are the numbers of DDPM (η = 1) steps; empty for none.
	// Default 5, 20, 100.
	DDPMKs []int
	// TrajectoryK is the K (one of Ks) whose DDIM run records the x̂0
	// trajectory for the band settle times. Default 50.
	TrajectoryK int

	// Seed is the seed of the data and of the first run. Default 1.
	Seed uint64
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Datasets:    []string{DeadLeavesData, PhotosData},
		Size:        32,
		DeadLeaves:  2048,
		HeldOut:     32,
		Noises:      []diffusion.NoiseKind{diffusion.WhiteNoise, diffusion.CloudNoise, diffusion.MatchedNoise},
		Seeds:       3,
		Base:        8,
		Head:        diffusion.HeadMean,
		Padding:     diffusion.PaddingZero,
		Precision:   diffusion.PrecisionFloat32,
		Target:      diffusion.TargetV,
		MaxSignal:   0.9999,
		MinSignal:   0.02,
		Steps:       800,
		Batch:       32,
		CheckEvery:  200,
		X0Times:     []int{1, 10, 50, 100, 200, 400, 600, 800, 900, 1000},
		X0Tolerance: 1.5,
		Samples:     32,
		Ks:          []int{5, 10, 20, 50, 100, 250},
		DDPMKs:      []int{5, 20, 100},
		TrajectoryK: 50,
		Seed:        1,
	}
}

// timeSteps is T, the diffusion steps the models are trained with.
const timeSteps = 1000

// Validate returns an error describing the first invalid setting, a
// *FieldError naming its field.
func (c *Config) Validate() error {
	switch {
	case len(c.Datasets) == 0:
		return fieldErr("Datasets", "experiment: no data set")
	case c.Size < 8 || c.Size%4 != 0 || c.Size > 256:
		return fieldErr("Size", "experiment: image size %d must be a multiple of 4 in [8, 256]", c.Size)
	case c.DeadLeaves < 2:
		return fieldErr("DeadLeaves", "experiment: %d dead-leaves images, need at least 2", c.DeadLeaves)
	case c.HeldOut < 2:
		return fieldErr("HeldOut", "experiment: %d held-out images, need at least 2", c.HeldOut)
	case len(c.Noises) == 0:
		return fieldErr("Noises", "experiment: no noise to compare")
	case c.Seeds < 1:
		return fieldErr("Seeds", "experiment: %d seeds, need at least 1", c.Seeds)
	case c.Base < 8 || c.Base%8 != 0:
		return fieldErr("Base", "experiment: UNet base width %d must be a positive multiple of 8 (GroupNorm(8))", c.Base)
	case !(c.MaxSignal > c.MinSignal && c.MinSignal > 0 && c.MaxSignal < 1):
		return fieldErr("MaxSignal", "experiment: signal rates %v (t = 1) and %v (t = T) must satisfy 0 < min < max < 1", c.MaxSignal, c.MinSignal)
	case c.Steps < 1:
		return fieldErr("Steps", "experiment: %d training steps, need at least 1", c.Steps)
	case c.Batch < 1:
		return fieldErr("Batch", "experiment: batch %d, need at least 1", c.Batch)
	case c.CheckEvery < 1:
		return fieldErr("CheckEvery", "experiment: x̂0 check every %d steps, need at least 1", c.CheckEvery)
	case len(c.X0Times) == 0:
		return fieldErr("X0Times", "experiment: no noise level for the x̂0 check")
	case !(c.X0Tolerance >= 1):
		return fieldErr("X0Tolerance", "experiment: x̂0 tolerance %v must be at least 1", c.X0Tolerance)
	case c.Samples < 4:
		return fieldErr("Samples", "experiment: %d samples per model and K, need at least 4", c.Samples)
	case len(c.Ks) == 0:
		return fieldErr("Ks", "experiment: no sampling step counts K")
	}
	for _, d := range c.Datasets {
		if d != DeadLeavesData && d != PhotosData {
			return fieldErr("Datasets", "experiment: unknown data set %q (want %q or %q)", d, DeadLeavesData, PhotosData)
		}
	}
	for i, n := range c.Noises {
		if _, err := diffusion.ParseNoiseKind(n.String()); err != nil {
			return fieldErr("Noises", "experiment: unknown noise %v", n)
		}
		if slices.Contains(c.Noises[:i], n) {
			return fieldErr("Noises", "experiment: noise %v listed twice", n)
		}
	}
	for _, ks := range []struct {
		field string
		ks    []int
	}{{"Ks", c.Ks}, {"DDPMKs", c.DDPMKs}} {
		for _, k := range ks.ks {
			if k < 1 || k > timeSteps {
				return fieldErr(ks.field, "experiment: %d sampling steps outside 1…%d", k, timeSteps)
			}
		}
	}
	for _, t := range c.X0Times {
		if t < 1 || t > timeSteps {
			return fieldErr("X0Times", "experiment: x̂0 check at t = %d outside 1…%d", t, timeSteps)
		}
	}
	if !slices.Contains(c.Ks, c.TrajectoryK) {
		return fieldErr("TrajectoryK", "experiment: trajectory K = %d is not one of the sampling step counts %v", c.TrajectoryK, c.Ks)
	}
	return nil
}

// FieldError is the error of Validate: the name of the Config field at
// fault and what is wrong with it.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// fieldErr returns a FieldError for field with a formatted message.
func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}
