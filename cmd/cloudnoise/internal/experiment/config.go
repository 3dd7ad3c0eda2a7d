package experiment

import (
	"fmt"
	"slices"
)

// Names of the data sets of Config.Datasets.
const (
	DeadLeavesData = "deadleaves" // noise.DeadLeaves images drawn at Size×Size
	PhotosData     = "photos"     // the images of Config.PhotosDir, resized to Size×Size
)

// Config holds the settings of an experiment. DefaultConfig is the run
// reported in docs/EXPERIMENTS.md; the fields that matter for its cost are
// Steps, Batch, Base, Samples and Ks.
type Config struct {
	// Datasets lists the data sets to run, DeadLeavesData and/or
	// PhotosData. Default both.
	Datasets []string
	// Size is the image size in pixels (square). Default 32.
	Size int
	// DeadLeaves is the number of dead-leaves training images. Default 2048.
	DeadLeaves int
	// PhotosDir is the folder of photographs (loaded with imageio.LoadDir,
	// centre-cropped and resized to Size). A missing folder skips the data
	// set with a message. Default "../shared/data/photos96".
	PhotosDir string

	// Base is the UNet's base width (diffusion.UNetConfig.Base); the other UNet
	// settings are diffusion.DefaultConfig's (multipliers 1, 2, 2, one
	// residual block per level, GroupNorm(8)). Default 8 (44 233
	// parameters), the width that fits the default budget on 2 cores.
	Base int
	// Steps and Batch are the training steps and images per step of every
	// model; the other training settings are diffusion.DefaultTrainConfig's
	// (AdamW at 1e-3 with 100 warm-up steps and cosine decay, EMA 0.999,
	// offset-cosine schedule with T = 1000, MSE on ε, per-pixel
	// normalisation, Δ of cloud noise fitted to the training set).
	// Defaults 1000 and 16.
	Steps, Batch int

	// Samples is the number of images drawn per model and K. Default 48.
	Samples int
	// Ks are the numbers of DDIM steps (η = 0). Default 5, 10, 20, 50, 100,
	// 250.
	Ks []int
	// TrajectoryK is the K (one of Ks) whose run records the x̂0 trajectory
	// for BandErrors. Default 50.
	TrajectoryK int
	// DDPMK, if positive, adds DDPM ancestral sampling with DDPMK steps.
	// Default 100.
	DDPMK int

	// Seed fixes everything: the data, the initial weights (the same for
	// the white and the cloud model), the training stream and the sampling
	// noise. Default 1.
	Seed uint64
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		Datasets:    []string{DeadLeavesData, PhotosData},
		Size:        32,
		DeadLeaves:  2048,
		PhotosDir:   "../shared/data/photos96",
		Base:        8,
		Steps:       1000,
		Batch:       16,
		Samples:     48,
		Ks:          []int{5, 10, 20, 50, 100, 250},
		TrajectoryK: 50,
		DDPMK:       100,
		Seed:        1,
	}
}

// timeSteps is T, the diffusion steps the models are trained with.
const timeSteps = 1000

// Validate returns an error describing the first invalid setting.
func (c *Config) Validate() error {
	switch {
	case len(c.Datasets) == 0:
		return fmt.Errorf("experiment: no data set")
	case c.Size < 8 || c.Size%4 != 0 || c.Size > 256:
		return fmt.Errorf("experiment: image size %d must be a multiple of 4 in [8, 256]", c.Size)
	case c.DeadLeaves < 2:
		return fmt.Errorf("experiment: %d dead-leaves images, need at least 2", c.DeadLeaves)
	case c.Base < 8 || c.Base%8 != 0:
		return fmt.Errorf("experiment: UNet base width %d must be a positive multiple of 8 (GroupNorm(8))", c.Base)
	case c.Steps < 1:
		return fmt.Errorf("experiment: %d training steps, need at least 1", c.Steps)
	case c.Batch < 1:
		return fmt.Errorf("experiment: batch %d, need at least 1", c.Batch)
	case c.Samples < 4:
		return fmt.Errorf("experiment: %d samples per model and K, need at least 4", c.Samples)
	case len(c.Ks) == 0:
		return fmt.Errorf("experiment: no sampling step counts K")
	case c.DDPMK < 0 || c.DDPMK > timeSteps:
		return fmt.Errorf("experiment: DDPM steps %d outside 0…%d", c.DDPMK, timeSteps)
	}
	for _, d := range c.Datasets {
		if d != DeadLeavesData && d != PhotosData {
			return fmt.Errorf("experiment: unknown data set %q (want %q or %q)", d, DeadLeavesData, PhotosData)
		}
	}
	for _, k := range c.Ks {
		if k < 1 || k > timeSteps {
			return fmt.Errorf("experiment: %d sampling steps outside 1…%d", k, timeSteps)
		}
	}
	if !slices.Contains(c.Ks, c.TrajectoryK) {
		return fmt.Errorf("experiment: trajectory K = %d is not one of the sampling step counts %v", c.TrajectoryK, c.Ks)
	}
	return nil
}
