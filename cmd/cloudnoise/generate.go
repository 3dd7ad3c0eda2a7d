package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/diffusion"
	"github.com/cloud-diffusion/noise/imageio"
	"github.com/cloud-diffusion/noise/internal/atomicfile"
)

const generateExamples = `  cloudnoise generate -ckpt cloud.ckpt -count 16 -o grid.png
  cloudnoise generate -ckpt cloud.ckpt -sampler ddpm -steps 1000 -o ddpm.png
  cloudnoise generate -ckpt cloud.ckpt -steps 20 -eta 0.5 -frames frames/ -o grid.png
  cloudnoise generate -ckpt white.ckpt -count 256 -o samples.npy   # float64 (256, S, S)
`

// runGenerate samples images from a checkpoint.
func runGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("generate", "-ckpt FILE [flags]\n\nDraws images from a model trained by \"cloudnoise train\": starts from the model's\nnoise (white, cloud or matched) and runs the reverse process with DDIM or DDPM, feeding\nthe same noise at every stochastic step.", generateExamples)
	ckpt := fs.String("ckpt", "model.ckpt", "checkpoint `file` written by train")
	steps := fs.Int("steps", 0, "sampling steps (network evaluations); 0: 50 for ddim, all training steps for ddpm")
	method := fs.String("sampler", diffusion.DDIM.String(), "sampler: ddim or ddpm")
	eta := fs.Float64("eta", 0, "DDIM η in [0, 1]: 0 deterministic, 1 DDPM-like")
	count := fs.Int("count", 16, "number of images")
	seed := fs.Uint64("seed", 1, "random seed of the noise")
	out := fs.String("o", "grid.png", "output `file`: .png (a grid of the images) or .npy (float64 stack of shape (count, S, S), also for -count 1; grey models)")
	frames := fs.String("frames", "", "also write the reverse process, one grid per step, as `DIR`/frame-000.png, …")
	raw := fs.Bool("raw", false, "use the raw weights instead of their moving average (EMA)")
	cols := fs.Int("grid", 0, "columns of the grid (0: about √count)")
	clip := fs.String("clip", "", "clip x̂0 at every step to `LO,HI` in the model's normalised units (per-pixel standard scores; e.g. -3.5,3.5)")
	clipDyn := fs.Float64("clip-dynamic", 0, "dynamic thresholding of x̂0 (Imagen) at this percentile `P` in (0, 1], e.g. 0.995, to [−B, B] with B = -clip-bound")
	clipBound := fs.Float64("clip-bound", 3.5, "the range B of -clip-dynamic, in normalised units")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	ext := strings.ToLower(filepath.Ext(*out))
	m, methodErr := diffusion.ParseMethod(*method)
	switch {
	case fs.NArg() > 0:
		return fs.misuse(stderr, "unexpected argument %q", fs.Arg(0))
	case *ckpt == "":
		return fs.misuse(stderr, "-ckpt must name a checkpoint file")
	case methodErr != nil:
		return fs.misuse(stderr, "-sampler %q: want ddim or ddpm", *method)
	case !(*eta >= 0 && *eta <= 1):
		return fs.misuse(stderr, "-eta %v must be in [0, 1]", *eta)
	case *count < 1 || *count > 100000:
		return fs.misuse(stderr, "-count %d must be between 1 and 100000", *count)
	case *steps < 0:
		return fs.misuse(stderr, "-steps %d must not be negative", *steps)
	case *cols < 0:
		return fs.misuse(stderr, "-grid %d must not be negative", *cols)
	case ext != ".png" && ext != ".npy":
		return fs.misuse(stderr, "-o %s: the output must end in .png or .npy", *out)
	}
	var clipping diffusion.Clip
	switch {
	case *clip != "" && *clipDyn != 0:
		return fs.misuse(stderr, "-clip and -clip-dynamic exclude each other")
	case *clip != "":
		lo, hi, err := parseRange(*clip)
		if err != nil {
			return fs.misuse(stderr, "-clip %q: %v", *clip, err)
		}
		clipping = diffusion.Clip{Mode: diffusion.ClipStatic, Lo: lo, Hi: hi}
	case *clipDyn != 0:
		clipping = diffusion.Clip{Mode: diffusion.ClipDynamic, Percentile: *clipDyn, Bound: *clipBound}
		if !(*clipDyn > 0 && *clipDyn <= 1) {
			return fs.misuse(stderr, "-clip-dynamic %v outside (0, 1]", *clipDyn)
		}
		if !(*clipBound > 0) || math.IsInf(*clipBound, 0) {
			return fs.misuse(stderr, "-clip-bound %v must be finite and > 0", *clipBound)
		}
	}
	if err := checkOutput(*out); err != nil {
		return err
	}
	if *frames != "" {
		if err := ensureDir(*frames); err != nil {
			return fmt.Errorf("-frames: %w", err)
		}
	}
	ck, err := diffusion.ReadCheckpoint(*ckpt)
	if err != nil {
		return err
	}
	s, err := diffusion.NewSamplerFromCheckpoint(ck, *raw)
	if err != nil {
		return fmt.Errorf("%s: %w", *ckpt, err)
	}
	if T := s.Schedule().Steps(); *steps > T {
		return fs.misuse(stderr, "-steps %d exceeds the model's %d training steps", *steps, T)
	}
	channels := ck.Model.Channels
	if ext == ".npy" && channels != 1 {
		return fs.misuse(stderr, "-o %s: .npy output is for grey models; this one has %d channels", *out, channels)
	}
	opts := &diffusion.SampleOptions{Method: m, Steps: *steps, Eta: *eta, Frames: *frames != "", Clip: clipping}
	// Progress on stderr, step by step (the stdout keeps the summary).
	var report func(int)
	opts.Progress = func(done, total int) {
		if report == nil {
			report = progressLines(stderr, "generate", fmt.Sprintf("steps (%d images)", *count), total)
		}
		report(done)
	}
	// Ctrl-C stops sampling between steps; nothing is written then.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := s.Sample(ctx, *count, opts, source(*seed))
	if errors.Is(err, context.Canceled) {
		return errors.New("generate: interrupted; nothing written")
	}
	if err != nil {
		return err
	}
	if ext == ".npy" {
		err = imageio.SaveNPY(*out, res.Images)
	} else {
		err = saveImageGrid(*out, planeImages(res.Images, channels), *cols)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d image(s) of %d×%d from %s (step %d, noise %v), %s with %d steps, seed %d\n",
		*count, ck.Model.Size, ck.Model.Size, *ckpt, ck.Step, diffusion.NoiseName(s.Noise()), *method, len(res.Times), *seed)
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	if *frames != "" {
		for k, f := range res.Frames {
			name := filepath.Join(*frames, fmt.Sprintf("frame-%03d.png", k))
			if err := saveImageGrid(name, planeImages(f, channels), *cols); err != nil {
				return err
			}
		}
		last := filepath.Join(*frames, fmt.Sprintf("frame-%03d.png", len(res.Frames)))
		if err := saveImageGrid(last, planeImages(res.Images, channels), *cols); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d frames (t = %d … 0) to %s\n", len(res.Frames)+1, res.Times[0], *frames)
	}
	return nil
}

// saveImageGrid writes images (each one grey plane or three RGB planes,
// values in [0, 1], clipped) as one PNG grid with 2-pixel white gaps,
// atomically.
func saveImageGrid(path string, imgs [][]*mat.Dense, cols int) error {
	n := len(imgs)
	if n == 0 {
		return fmt.Errorf("%s: no images", path)
	}
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	const gap = 2
	h, w := imgs[0][0].Dims()
	W, H := cols*(w+gap)-gap, rows*(h+gap)-gap
	if len(imgs[0]) == 1 {
		planes := make([]*mat.Dense, n)
		for i, im := range imgs {
			planes[i] = im[0]
		}
		return imageio.SavePNG(path, grid(planes, cols, 1), 0, 1, 8)
	}
	rgb := image.NewNRGBA(image.Rect(0, 0, W, H))
	for i := range rgb.Pix {
		rgb.Pix[i] = 0xff
	}
	q := func(v float64) uint8 {
		if math.IsNaN(v) {
			return 0
		}
		return uint8(math.Round(255 * min(max(v, 0), 1)))
	}
	for k, im := range imgs {
		y0, x0 := (k/cols)*(h+gap), (k%cols)*(w+gap)
		for y := range h {
			for x := range w {
				rgb.SetNRGBA(x0+x, y0+y, color.NRGBA{q(im[0].At(y, x)), q(im[1].At(y, x)), q(im[2].At(y, x)), 0xff})
			}
		}
	}
	return atomicfile.Write("", path, func(w io.Writer) error { return png.Encode(w, rgb) })
}

// parseRange parses "LO,HI" with LO < HI, both finite.
func parseRange(v string) (lo, hi float64, err error) {
	a, b, ok := strings.Cut(v, ",")
	if !ok {
		return 0, 0, errors.New("want LO,HI")
	}
	if lo, err = strconv.ParseFloat(strings.TrimSpace(a), 64); err != nil {
		return 0, 0, fmt.Errorf("LO: %w", err)
	}
	if hi, err = strconv.ParseFloat(strings.TrimSpace(b), 64); err != nil {
		return 0, 0, fmt.Errorf("HI: %w", err)
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(lo < hi) {
		return 0, 0, fmt.Errorf("want finite LO < HI, got %v, %v", lo, hi)
	}
	return lo, hi, nil
}
