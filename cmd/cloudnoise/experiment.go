package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/experiment"
)

const experimentExamples = `  cloudnoise experiment                          # the run of docs/EXPERIMENTS.md, about 30 min on 2 cores
  cloudnoise experiment -data deadleaves -o out   # dead leaves only
  cloudnoise experiment -photos ~/photos -steps 20000 -base 32 -batch 32 -samples 256   # scaled up
  cloudnoise experiment -steps 20 -samples 8 -k 2,5 -traj 5 -ddpm 0 -images 64   # seconds: a smoke test
`

// runExperiment trains a white and a cloud model per data set and measures
// their samples against the data for several numbers of sampling steps.
func runExperiment(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	def := experiment.DefaultConfig()
	fs := newFlags("experiment", "[flags]\n\nMeasures the paper's claims: for each data set (dead-leaves images drawn at S×S,\nand the photographs of -photos resized to S×S) it trains a white-noise and a\ncloud-noise model with the same UNet, data, budget and seed, samples each with K\nDDIM steps (η = 0) for every K of -k (and DDPM with -ddpm steps), and scores the\nsamples against the data: log-spectral distance, spectral Fréchet distance,\nMahalanobis distance, pixel-histogram distances and a nearest-neighbour copy check.\nAt K = -traj it records when each frequency band of x̂0 settles (Figure 17).\nIt prints Markdown tables and writes JSON, CSV and pictures to the output folder.\nProgress goes to stderr.", experimentExamples)
	out := fs.String("o", "cloudnoise-experiment", "output `folder`")
	data := fs.String("data", strings.Join(def.Datasets, ","), "data sets, comma-separated: deadleaves, photos")
	photos := fs.String("photos", def.PhotosDir, "`folder` of photographs (skipped with a message if absent)")
	size := fs.Int("size", def.Size, "image size `S`×S (a multiple of 4)")
	images := fs.Int("images", def.DeadLeaves, "dead-leaves training images")
	base := fs.Int("base", def.Base, "UNet width: feature channels of the first level (a multiple of 8)")
	steps := fs.Int("steps", def.Steps, "training steps per model")
	batch := fs.Int("batch", def.Batch, "training images per step")
	samples := fs.Int("samples", def.Samples, "samples per model and K")
	ks := fs.String("k", joinInts(def.Ks), "DDIM step counts K, comma-separated")
	traj := fs.Int("traj", def.TrajectoryK, "the K (one of -k) whose x̂0 trajectory is analysed by frequency band")
	ddpm := fs.Int("ddpm", def.DDPMK, "also sample with DDPM in this many steps (0: no DDPM)")
	seed := fs.Uint64("seed", def.Seed, "random seed of the data, weights, training and sampling")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	kList, err := parseInts(*ks)
	switch {
	case fs.NArg() > 0:
		return fs.misuse(stderr, "unexpected argument %q", fs.Arg(0))
	case err != nil:
		return fs.misuse(stderr, "-k: %v", err)
	case *size < 8 || *size%4 != 0 || *size > 256:
		return fs.misuse(stderr, "-size %d must be a multiple of 4 between 8 and 256", *size)
	case *images < 2:
		return fs.misuse(stderr, "-images %d must be at least 2", *images)
	case *base < 8 || *base%8 != 0:
		return fs.misuse(stderr, "-base %d must be a positive multiple of 8", *base)
	case *steps < 1:
		return fs.misuse(stderr, "-steps %d must be at least 1", *steps)
	case *batch < 1:
		return fs.misuse(stderr, "-batch %d must be at least 1", *batch)
	case *samples < 4:
		return fs.misuse(stderr, "-samples %d must be at least 4", *samples)
	case !slices.Contains(kList, *traj):
		return fs.misuse(stderr, "-traj %d must be one of the -k values %s", *traj, *ks)
	case *ddpm < 0 || *ddpm > 1000:
		return fs.misuse(stderr, "-ddpm %d must be between 0 and 1000 (the training steps)", *ddpm)
	}
	for _, k := range kList {
		if k < 1 || k > 1000 {
			return fs.misuse(stderr, "-k: %d must be between 1 and 1000 (the training steps)", k)
		}
	}
	for _, d := range splitList(*data) {
		if d != experiment.DeadLeavesData && d != experiment.PhotosData {
			return fs.misuse(stderr, "-data: unknown data set %q (want deadleaves or photos)", d)
		}
	}
	cfg := experiment.Config{
		Datasets: splitList(*data), Size: *size, DeadLeaves: *images, PhotosDir: *photos,
		Base: *base, Steps: *steps, Batch: *batch, Samples: *samples,
		Ks: kList, TrajectoryK: *traj, DDPMK: *ddpm, Seed: *seed,
	}
	if err := cfg.Validate(); err != nil {
		return fs.misuse(stderr, "%s", strings.TrimPrefix(err.Error(), "experiment: "))
	}
	if err := ensureDir(*out); err != nil {
		return err
	}
	res, err := experiment.Run(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	if len(res.Datasets) == 0 {
		return fmt.Errorf("no data set was run (%s)", strings.Join(res.Skipped, "; "))
	}
	fmt.Fprint(stdout, experiment.Markdown(res))
	paths, err := experiment.WriteFiles(*out, res)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return nil
}

// splitList splits a comma-separated list, dropping empty entries and
// repeats.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// joinInts formats integers as a comma-separated list.
func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}
