package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/diffusion"
)

const trainExamples = `  cloudnoise train -size 32 -noise cloud -steps 2000 -ckpt cloud.ckpt photos/
  cloudnoise train -size 32 -noise white -steps 2000 -ckpt white.ckpt photos/
  cloudnoise train -size 32 -noise matched -steps 2000 -ckpt matched.ckpt photos/
  cloudnoise train -noise cloud -delta 1.5 -pad 1 -kmin 0.03 -ckpt periodic.ckpt photos/
  cloudnoise train -ckpt cloud.ckpt -resume -steps 4000 photos/   # continue to step 4000
  cloudnoise train -size 16 -base 16 -steps 200 -batch 8 -ckpt tiny.ckpt stack.npy
  cloudnoise train -precision float32 -ckpt fast.ckpt -r -skip-bad photos/   # float32; subfolders; skip bad files
  cloudnoise train -head mean -padding circular -target v -ckpt mean.ckpt photos/   # the output can carry the image mean
Ctrl-C (or SIGTERM) stops after the current step, writes the checkpoint and exits 0;
-resume continues exactly where it stopped.
`

// runTrain trains the reference UNet of package diffusion.
func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", "[flags] PATH...\n\nTrains the reference UNet (package diffusion) to predict the noise ε of\nx_t = cos θ_t x_0 + sin θ_t ε, with white, cloud or matched noise ε, and writes\ncheckpoints. PATH is a folder of images, an image file or a .npy stack (as for fit).\nCloud noise without -delta fits Δ to the normalised training images (the paper's\nmethod); matched noise has their measured spectrum (periodic, -pad 1, by default).", trainExamples)
	data := fs.String("data", "", "deprecated: the training images as a comma-separated list; give them as PATH... instead")
	lf := addLoadFlags(fs)
	size := fs.Int("size", 32, "centre-crop and resize the images to `S`×S (a multiple of 4)")
	rf := addResizeFlags(fs)
	color := fs.Bool("color", false, "train on RGB images (3 channels) instead of grey")
	kind := fs.String("noise", diffusion.CloudNoise.String(), "noise ε: white, cloud (power law) or matched (the training images' measured spectrum)")
	delta := fs.Float64("delta", 0, "Δ of cloud noise (default: fitted to the training images with the paper's method); with -loss spectral also the loss's Δ")
	pad := fs.Float64("pad", 0, "padding factor ≥ 1 of the noise construction (0: 3 for cloud, the paper's; 1 for matched); 1 gives periodic noise")
	kmin := fs.Float64("kmin", 0, "infrared cutoff of the noise in cycles per pixel: modes with |k| < kmin are removed")
	smooth := fs.Int("smooth", 0, "matched noise: smooth the measured spectrum radially into `B` log bins (0: as measured)")
	steps := fs.Int("steps", 2000, "total optimiser steps (with -resume: the new total)")
	batch := fs.Int("batch", 16, "images per step")
	lr := fs.Float64("lr", 1e-3, "peak AdamW learning rate (cosine decay to lr/10)")
	seed := fs.Uint64("seed", 1, "random seed of the weights, batches, times and noise")
	ckpt := fs.String("ckpt", "model.ckpt", "checkpoint `file`, written atomically every -every steps, at the end and on Ctrl-C")
	every := fs.Int("every", 200, "steps between checkpoints (0: only at the end)")
	resume := fs.Bool("resume", false, "continue the run saved in -ckpt with its settings and image size; only -steps, -every and -precision may change (other flags must match the checkpoint), and a warning says when the data's count or normalisation differ")
	base := fs.Int("base", 32, "UNet width: feature channels of the first level (even, a multiple of 8)")
	sched := fs.String("schedule", diffusion.ScheduleOffsetCosine.String(), "noise schedule: offset-cosine (the paper's), cosine or linear")
	loss := fs.String("loss", diffusion.LossMSE.String(), "loss: mse or spectral (Mahalanobis weights |k|^(2Δ))")
	target := fs.String("target", diffusion.TargetEps.String(), "what the network predicts: eps (the paper's), x0 or v (bounded x̂0 error at t = T)")
	maxSignal := fs.Float64("max-signal", 0.95, "offset-cosine schedule: signal rate at t = 1, its clean end (0.9999 removes the end's shrinkage of fine detail)")
	minSignal := fs.Float64("min-signal", 0.02, "offset-cosine schedule: signal rate at t = T")
	precision := fs.String("precision", diffusion.PrecisionFloat64.String(), "UNet arithmetic: float64 or float32 (half the activation memory, faster; weights and optimiser stay float64)")
	padding := fs.String("padding", diffusion.PaddingZero.String(), "UNet convolutions outside the image: zero (the twin's; the border is visible, frames), replicate or circular")
	head := fs.String("head", diffusion.HeadGroupNorm.String(), "UNet output head: groupnorm (the twin's; removes each channel's mean) or mean (adds the channel means back, so the output can carry the image mean)")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case fs.NArg() > 0 && *data != "":
		return fs.misuse(stderr, "the images are given both as PATH and with -data: give them as PATH... only")
	case fs.NArg() == 0 && *data == "":
		return fs.misuse(stderr, "no PATH given: name the training images (folders, image files or .npy stacks)")
	case *size < 4 || *size%4 != 0:
		return fs.misuse(stderr, "-size %d must be a positive multiple of 4 (the UNet halves it twice)", *size)
	case !(*delta >= 0) || math.IsInf(*delta, 0):
		return fs.misuse(stderr, "-delta %v must be finite and ≥ 0", *delta)
	case math.IsNaN(*pad) || math.IsInf(*pad, 0) || (*pad != 0 && *pad < 1):
		return fs.misuse(stderr, "-pad %v must be ≥ 1 (or 0 for the default)", *pad)
	case !(*kmin >= 0 && *kmin < 0.5):
		return fs.misuse(stderr, "-kmin %v must be in [0, 0.5)", *kmin)
	case *smooth < 0:
		return fs.misuse(stderr, "-smooth %d must not be negative", *smooth)
	case *steps < 1:
		return fs.misuse(stderr, "-steps %d must be at least 1", *steps)
	case *batch < 1:
		return fs.misuse(stderr, "-batch %d must be at least 1", *batch)
	case !(*lr > 0) || math.IsInf(*lr, 0):
		return fs.misuse(stderr, "-lr %v must be positive", *lr)
	case *every < 0:
		return fs.misuse(stderr, "-every %d must not be negative", *every)
	case *ckpt == "":
		return fs.misuse(stderr, "-ckpt must name a file")
	case *base < 8 || *base%8 != 0:
		return fs.misuse(stderr, "-base %d must be a positive multiple of 8", *base)
	}
	nk, err := diffusion.ParseNoiseKind(*kind)
	if err != nil {
		return fs.misuse(stderr, "-noise %q: want white, cloud or matched", *kind)
	}
	schedKind, err := diffusion.ParseScheduleKind(*sched)
	if err != nil {
		return fs.misuse(stderr, "-schedule %q: want offset-cosine, cosine or linear", *sched)
	}
	lossKind, err := diffusion.ParseLoss(*loss)
	if err != nil {
		return fs.misuse(stderr, "-loss %q: want mse or spectral", *loss)
	}
	if set["delta"] && nk != diffusion.CloudNoise && lossKind != diffusion.LossSpectral {
		return fs.misuse(stderr, "-delta is the Δ of cloud noise or of the spectral loss; -noise %s -loss %s uses none", nk, lossKind)
	}
	if set["smooth"] && nk != diffusion.MatchedNoise {
		return fs.misuse(stderr, "-smooth applies to -noise matched only")
	}
	if *resume {
		for _, f := range []string{"noise", "delta", "pad", "kmin", "smooth"} {
			if set[f] {
				return fs.misuse(stderr, "-%s cannot change the noise of a resumed run (it is in the checkpoint)", f)
			}
		}
	}
	tgt, err := diffusion.ParseTarget(*target)
	if err != nil {
		return fs.misuse(stderr, "-target %q: want eps, x0 or v", *target)
	}
	if _, err := noise.NewOffsetCosineSchedule(2, *maxSignal, *minSignal); err != nil {
		return fs.misuse(stderr, "-max-signal %v, -min-signal %v: %v", *maxSignal, *minSignal, err)
	}
	prec, err := diffusion.ParsePrecision(*precision)
	if err != nil {
		return fs.misuse(stderr, "-precision %q: want float64 or float32", *precision)
	}
	padKind, err := diffusion.ParsePadding(*padding)
	if err != nil {
		return fs.misuse(stderr, "-padding %q: want zero, replicate or circular", *padding)
	}
	headKind, err := diffusion.ParseHead(*head)
	if err != nil {
		return fs.misuse(stderr, "-head %q: want groupnorm or mean", *head)
	}
	if err := checkOutput(*ckpt); err != nil {
		return fmt.Errorf("-ckpt: %w", err)
	}
	// A resumed run takes its settings (the image size among them) from
	// the checkpoint; a flag that would change one is refused.
	var ck *diffusion.Checkpoint
	if *resume {
		if ck, err = diffusion.ReadCheckpoint(*ckpt); err != nil {
			return err
		}
		if err := resumeConflict(fs.FlagSet, set, ck); err != nil {
			return fs.misuse(stderr, "-resume %s: %v", *ckpt, err)
		}
		*size, *color = ck.Model.Size, ck.Model.Channels == 3
	}

	channels := 1
	if *color {
		channels = 3
	}
	paths := fs.Args()
	if *data != "" {
		paths = strings.Split(*data, ",")
	}
	opts := rf.options(*size)
	opts.Color = *color
	imgs, _, err := loadSet(paths, opts, lf, stderr)
	if err != nil {
		return loadError(err)
	}

	var tr *diffusion.Trainer
	var resolved *diffusion.ResolvedNoise
	if *resume {
		if w := resumeDataChange(ck, imgs); w != "" {
			fmt.Fprintf(stderr, "cloudnoise: warning: -resume %s: %s\n", *ckpt, w)
		}
		if set["steps"] {
			ck.Train.Steps = *steps
		}
		if set["precision"] {
			// The weights are float64 in either precision: a run may switch.
			ck.Model.Precision = prec
		}
		if ck.Step >= ck.Train.Steps {
			return fmt.Errorf("-resume: %s is already at step %d of %d: give a larger -steps to go on", *ckpt, ck.Step, ck.Train.Steps)
		}
		ck.Train.CheckpointPath = *ckpt
		ck.Train.CheckpointEvery = *every
		if tr, err = diffusion.ResumeFrom(ck, imgs); err != nil {
			return fmt.Errorf("-resume %s: %w", *ckpt, err)
		}
	} else {
		mc := diffusion.DefaultUNetConfig()
		mc.Channels, mc.Size, mc.Base, mc.Precision = channels, *size, *base, prec
		mc.Padding, mc.Head = padKind, headKind
		net, err := diffusion.NewUNet(mc, source(*seed))
		if err != nil {
			return err
		}
		tc := diffusion.DefaultTrainConfig()
		tc.Steps, tc.Batch, tc.LR, tc.MinLR = *steps, *batch, *lr, *lr/10
		tc.Warmup = min(tc.Warmup, max(*steps/10, 1))
		tc.Seed = *seed
		tc.Schedule, tc.Loss = schedKind, lossKind
		tc.Target, tc.MaxSignal, tc.MinSignal = tgt, *maxSignal, *minSignal
		tc.CheckpointPath, tc.CheckpointEvery = *ckpt, *every
		// The noise: the one step where the data may decide it.
		if nk == diffusion.CloudNoise && set["delta"] {
			tc.Noise = noise.Spec{Rows: *size, Cols: *size, Delta: *delta, Pad: *pad, KMin: *kmin}
		} else {
			norm, err := diffusion.FitNormalizer(imgs, channels, *size, tc.Normalize)
			if err != nil {
				return err
			}
			if resolved, err = diffusion.ResolveNoise(nk, imgs, norm, &diffusion.NoiseOptions{Pad: *pad, KMin: *kmin, Bins: *smooth}); err != nil {
				switch nk {
				case diffusion.MatchedNoise:
					return fmt.Errorf("%w (the flag -smooth B smooths the spectrum)", err)
				case diffusion.CloudNoise:
					// The library's hint names its API; the command's
					// is the flag.
					if cause := errors.Unwrap(err); cause != nil {
						return fmt.Errorf("fitting Δ to the training images: %w (give -delta)", cause)
					}
				}
				return err
			}
			tc.Noise = resolved.Spec
		}
		if tc.Loss == diffusion.LossSpectral {
			switch {
			case set["delta"]:
				tc.LossDelta = *delta
			case resolved != nil && resolved.Fit != nil:
				tc.LossDelta = resolved.Fit.Delta
			default:
				return fmt.Errorf("-loss spectral needs Δ: the fit to the training images failed; give -delta")
			}
		}
		if tr, err = diffusion.NewTrainer(net, imgs, tc); err != nil {
			return err
		}
	}
	// From here on Ctrl-C (or SIGTERM) stops training after the current
	// step and saves a checkpoint.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := tr.Config()
	mcfg := tr.Model().Config()
	fmt.Fprintf(stdout, "training a %d-parameter UNet (%s padding, %s head) on %d images of %d×%d×%d: noise %v, %s schedule, %s loss on %v, batch %d, steps %d→%d\n",
		tr.Model().NumParams(), mcfg.Padding, mcfg.Head, len(imgs)/channels, channels, *size, *size, diffusion.NoiseName(tr.Noise()), cfg.Schedule, cfg.Loss, cfg.Target, cfg.Batch, tr.StepCount(), cfg.Steps)
	if resolved != nil && resolved.Fit != nil {
		fmt.Fprintf(stdout, "Δ fitted to the training images: %.4f ± %.4f\n", resolved.Fit.Delta, resolved.Fit.DeltaErr)
	}

	progress, finish := trainProgress(stdout, tr.StepCount(), cfg.Steps)
	err = tr.Train(ctx, progress)
	finish()
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "done: step %d, checkpoint %s\n", tr.StepCount(), *ckpt)
		return nil
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		if err := tr.Save(*ckpt); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "interrupted at step %d of %d: checkpoint written to %s (continue with -resume)\n", tr.StepCount(), cfg.Steps, *ckpt)
		return nil
	}
	return err
}

// trainProgress returns the progress callback of Trainer.Train and a
// function to call when training ends. On a terminal it draws a progress
// bar; otherwise (a file, a pipe, a test) it prints a plain line about
// twenty times per run and at the last step.
func trainProgress(stdout io.Writer, first, steps int) (func(diffusion.Progress), func()) {
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(steps-first,
			progressbar.OptionSetWriter(f),
			progressbar.OptionSetDescription("training"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
		)
		return func(p diffusion.Progress) {
				bar.Describe(fmt.Sprintf("step %d/%d loss %.4f", p.Step, p.Steps, p.Loss))
				_ = bar.Add(1)
			}, func() {
				_ = bar.Exit()
				fmt.Fprintln(f)
			}
	}
	every := max((steps-first)/20, 1)
	return func(p diffusion.Progress) {
		if (p.Step-first)%every == 0 || p.Step == p.Steps {
			fmt.Fprintf(stdout, "step %d/%d  loss %.5f  lr %.3g  %.1f img/s  elapsed %s  eta %s\n",
				p.Step, p.Steps, p.Loss, p.LR, p.ImagesPerSec, p.Elapsed.Round(time.Second), p.ETA.Round(time.Second))
		}
	}, func() {}
}

// planeImages groups planes (channels consecutive planes per image) for
// writing: each image is its grey plane or its three RGB planes.
func planeImages(planes []*mat.Dense, channels int) [][]*mat.Dense {
	out := make([][]*mat.Dense, 0, len(planes)/channels)
	for i := 0; i+channels <= len(planes); i += channels {
		out = append(out, planes[i:i+channels])
	}
	return out
}

// resumeConflict returns an error naming the first flag given with -resume
// whose value differs from the checkpoint's setting (a flag that repeats
// the checkpoint's value is accepted).
func resumeConflict(fs *flag.FlagSet, set map[string]bool, ck *diffusion.Checkpoint) error {
	for _, f := range []struct {
		name string
		ck   any
	}{
		{"size", ck.Model.Size},
		{"color", ck.Model.Channels == 3},
		{"base", ck.Model.Base},
		{"batch", ck.Train.Batch},
		{"lr", ck.Train.LR},
		{"seed", ck.Train.Seed},
		{"schedule", ck.Train.Schedule.String()},
		{"loss", ck.Train.Loss.String()},
		{"target", ck.Train.Target.String()},
		{"max-signal", ck.Train.MaxSignal},
		{"min-signal", ck.Train.MinSignal},
		{"padding", ck.Model.Padding.String()},
		{"head", ck.Model.Head.String()},
	} {
		if !set[f.name] {
			continue
		}
		if v := fs.Lookup(f.name).Value.(flag.Getter).Get(); v != f.ck {
			return fmt.Errorf("-%s %v conflicts with the checkpoint's %v: a resumed run keeps its settings (drop the flag, or start a new run)", f.name, v, f.ck)
		}
	}
	return nil
}

// resumeDataChange describes how the images of a resumed run differ from
// the training images of the checkpoint: their count (when the checkpoint
// records it) and their normalisation statistics, measured again the
// checkpoint's way. It returns "" when nothing differs. The run keeps the
// checkpoint's normalisation either way.
func resumeDataChange(ck *diffusion.Checkpoint, imgs []*mat.Dense) string {
	var diffs []string
	n := len(imgs) / ck.Model.Channels
	if ck.Norm.Images > 0 && n != ck.Norm.Images {
		diffs = append(diffs, fmt.Sprintf("%d images, the checkpoint's run had %d", n, ck.Norm.Images))
	}
	norm, err := diffusion.FitNormalizer(imgs, ck.Model.Channels, ck.Model.Size, ck.Norm.Kind)
	if err != nil {
		return err.Error()
	}
	// The largest change of a pixel's mean and standard deviation, in the
	// checkpoint's standard deviations; 1e-9 allows for nothing but
	// rounding (the same images give the same statistics bit for bit).
	var dMean, dStd float64
	for p, sd := range ck.Norm.Std {
		dMean = max(dMean, math.Abs(norm.Mean[p]-ck.Norm.Mean[p])/sd)
		dStd = max(dStd, math.Abs(norm.Std[p]-sd)/sd)
	}
	if dMean > 1e-9 || dStd > 1e-9 {
		diffs = append(diffs, fmt.Sprintf("normalisation statistics differ (pixel means by up to %.3g and standard deviations by up to %.3g of the checkpoint's standard deviations)", dMean, dStd))
	}
	if len(diffs) == 0 {
		return ""
	}
	return "the data differ from the checkpoint's: " + strings.Join(diffs, "; ") + "; training goes on with the checkpoint's normalisation"
}
