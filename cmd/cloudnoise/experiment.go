package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cloud-diffusion/noise/cmd/cloudnoise/internal/experiment"
	"github.com/cloud-diffusion/noise/diffusion"
)

const experimentExamples = `  cloudnoise experiment -photos ../shared/data/photos96 -o out   # the run of docs/EXPERIMENTS.md (its run time is stated there)
  cloudnoise experiment -data deadleaves -o out                    # dead leaves only
  cloudnoise experiment -noise white,matched -seeds 1 -steps 1000  # a quicker comparison
  cloudnoise experiment -steps 20 -check 10 -samples 8 -k 2,5 -traj 5 -ddpm 2 -images 64 -seeds 1   # seconds: a smoke test
`

// runExperiment trains a model per noise and seed on each data set and
// measures their samples against the data for several samplers and
// numbers of sampling steps, beside the exact Gaussian predictions.
func runExperiment(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	def := experiment.DefaultConfig()
	fs := newFlags("experiment", `[flags]

Measures the paper's claims. For each data set (dead-leaves images drawn at S×S,
and the photographs of -photos resized to S×S) it first computes the exact outcome
of sampling the data's Gaussian model (its measured spectrum) with the optimal
denoiser under each noise. Then it trains one UNet per noise (white; cloud, the
power law fitted to the data; matched, the data's measured spectrum) and seed,
with the same architecture, data, budget and initial weights, checking the
network's x̂0 error on held-out images against the Gaussian bound as it trains.
It samples every model with DDIM (η = 0) and DDPM (η = 1) for every K and scores
the samples against the data: log-spectral distance, spectral Fréchet distance,
Mahalanobis distance, pixel-histogram distances, variance and border ratios and a
nearest-neighbour copy check. At DDIM K = -traj it records when each frequency
band of x̂0 settles (the paper's Figure 17), exactly and for the networks.
It prints Markdown tables and writes JSON, CSV and pictures to the output folder.
Progress goes to stderr.`, experimentExamples)
	out := fs.String("o", "cloudnoise-experiment", "output `folder`")
	data := fs.String("data", strings.Join(def.Datasets, ","), "data sets, comma-separated: deadleaves, photos")
	photos := fs.String("photos", def.PhotosDir, "`folder` of photographs (the photos data set is skipped with a message without one)")
	size := fs.Int("size", def.Size, "image size `S`×S (a multiple of 4)")
	images := fs.Int("images", def.DeadLeaves, "dead-leaves training images")
	heldOut := fs.Int("heldout", def.HeldOut, "images held out of training for the x̂0 check (and the dead-leaves baseline)")
	noises := fs.String("noise", noiseList(def.Noises), "noises compared, comma-separated: white, cloud, matched")
	seeds := fs.Int("seeds", def.Seeds, "runs per noise, with seeds -seed, -seed+1, …")
	base := fs.Int("base", def.Base, "UNet width: feature channels of the first level (a multiple of 8)")
	precision := fs.String("precision", def.Precision.String(), "UNet arithmetic: float32 or float64")
	head := fs.String("head", def.Head.String(), "UNet output head: mean (carries the image mean) or groupnorm (the twin's, which erases it)")
	padding := fs.String("padding", def.Padding.String(), "padding of the UNet's convolutions: zero, replicate or circular")
	target := fs.String("target", def.Target.String(), "what the networks predict: eps, x0 or v")
	maxSignal := fs.Float64("max-signal", def.MaxSignal, "offset-cosine schedule: signal rate at t = 1")
	minSignal := fs.Float64("min-signal", def.MinSignal, "offset-cosine schedule: signal rate at t = T")
	steps := fs.Int("steps", def.Steps, "training steps per model")
	batch := fs.Int("batch", def.Batch, "training images per step")
	check := fs.Int("check", def.CheckEvery, "training steps between x̂0 checks")
	tol := fs.Float64("x0-tol", def.X0Tolerance, "x̂0 error / Gaussian bound at which a model counts as trained")
	samples := fs.Int("samples", def.Samples, "samples per model, sampler and K")
	ks := fs.String("k", joinInts(def.Ks), "DDIM step counts K, comma-separated")
	traj := fs.Int("traj", def.TrajectoryK, "the K (one of -k) whose x̂0 trajectory is analysed by frequency band")
	ddpm := fs.String("ddpm", joinInts(def.DDPMKs), "DDPM step counts, comma-separated (\"none\": no DDPM)")
	seed := fs.Uint64("seed", def.Seed, "random seed of the data and of the first run")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	if fs.NArg() > 0 {
		return fs.misuse(stderr, "unexpected argument %q", fs.Arg(0))
	}
	kList, err := parseInts(*ks)
	if err != nil {
		return fs.misuse(stderr, "-k: %v", err)
	}
	var ddpmList []int
	if *ddpm != "none" && *ddpm != "" {
		if ddpmList, err = parseInts(*ddpm); err != nil {
			return fs.misuse(stderr, "-ddpm: %v", err)
		}
	}
	var kinds []diffusion.NoiseKind
	for _, n := range splitList(*noises) {
		k, err := diffusion.ParseNoiseKind(n)
		if err != nil {
			return fs.misuse(stderr, "-noise: unknown noise %q (want white, cloud or matched)", n)
		}
		kinds = append(kinds, k)
	}
	prec, err := diffusion.ParsePrecision(*precision)
	if err != nil {
		return fs.misuse(stderr, "-precision %q: want float32 or float64", *precision)
	}
	hd, err := diffusion.ParseHead(*head)
	if err != nil {
		return fs.misuse(stderr, "-head %q: want mean or groupnorm", *head)
	}
	pad, err := diffusion.ParsePadding(*padding)
	if err != nil {
		return fs.misuse(stderr, "-padding %q: want zero, replicate or circular", *padding)
	}
	tgt, err := diffusion.ParseTarget(*target)
	if err != nil {
		return fs.misuse(stderr, "-target %q: want eps, x0 or v", *target)
	}
	for _, d := range splitList(*data) {
		if d != experiment.DeadLeavesData && d != experiment.PhotosData {
			return fs.misuse(stderr, "-data: unknown data set %q (want deadleaves or photos)", d)
		}
	}
	cfg := experiment.Config{
		Datasets: splitList(*data), Size: *size, DeadLeaves: *images, PhotosDir: *photos, HeldOut: *heldOut,
		Noises: kinds, Seeds: *seeds, Base: *base, Head: hd, Padding: pad, Precision: prec, Target: tgt,
		MaxSignal: *maxSignal, MinSignal: *minSignal, Steps: *steps, Batch: *batch,
		CheckEvery: *check, X0Times: def.X0Times, X0Tolerance: *tol,
		Samples: *samples, Ks: kList, DDPMKs: ddpmList, TrajectoryK: *traj, Seed: *seed,
	}
	if err := cfg.Validate(); err != nil {
		msg := strings.TrimPrefix(err.Error(), "experiment: ")
		var fe *experiment.FieldError
		if errors.As(err, &fe) && experimentFlags[fe.Field] != "" {
			msg = experimentFlags[fe.Field] + ": " + msg
		}
		return fs.misuse(stderr, "%s", msg)
	}
	if err := ensureDir(*out); err != nil {
		return err
	}
	// Every file the run will write, before the hours of training.
	outputs := []string{experiment.FileJSON, experiment.FileCSV, experiment.FileBands}
	for _, d := range cfg.Datasets {
		outputs = append(outputs, fmt.Sprintf(experiment.FileMetrics, d), fmt.Sprintf(experiment.FileBandPNG, d), fmt.Sprintf(experiment.FileSamples, d))
	}
	for _, name := range outputs {
		if err := checkOutput(filepath.Join(*out, name)); err != nil {
			return err
		}
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

// experimentFlags names the flag of each experiment.Config field.
var experimentFlags = map[string]string{
	"Datasets": "-data", "Size": "-size", "DeadLeaves": "-images", "HeldOut": "-heldout",
	"Noises": "-noise", "Seeds": "-seeds", "Base": "-base", "MaxSignal": "-max-signal, -min-signal",
	"Steps": "-steps", "Batch": "-batch", "CheckEvery": "-check", "X0Tolerance": "-x0-tol",
	"Samples": "-samples", "Ks": "-k", "DDPMKs": "-ddpm", "TrajectoryK": "-traj",
}

// noiseList formats noise kinds as a comma-separated list.
func noiseList(ks []diffusion.NoiseKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = k.String()
	}
	return strings.Join(s, ",")
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
