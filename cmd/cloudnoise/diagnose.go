package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"syscall"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/diffusion"
)

const diagnoseExamples = `  cloudnoise diagnose -ckpt cloud.ckpt                          # sample sanity: variance and border frames
  cloudnoise diagnose -ckpt cloud.ckpt -data heldout/ -size 32   # + x̂0 error per noise level against the Gaussian bound
  cloudnoise diagnose -ckpt cloud.ckpt -clip -3.5,3.5 -json
`

// diagnoseSamples is the sanity check of samples.
type diagnoseSamples struct {
	Count int `json:"count"`
	Steps int `json:"steps"`
	// Variance is the mean over pixels of the per-pixel variance of the
	// samples in the model's normalised units (1 for the training data
	// under per-pixel normalisation); MeanVariance the variance of the
	// images' means (the data's is DataMeanVariance when -data is given).
	Variance     float64 `json:"variance"`
	MeanVariance float64 `json:"mean_variance"`
	// Rings are BorderRatios of the per-pixel variance: ring r's mean over
	// the interior's (1: no frame).
	Rings []float64 `json:"border_ratios"`
}

// diagnoseResult is the JSON output of diagnose.
type diagnoseResult struct {
	Checkpoint string          `json:"checkpoint"`
	Noise      string          `json:"noise"`
	Target     string          `json:"target"`
	Padding    string          `json:"padding"`
	Head       string          `json:"head"`
	Samples    diagnoseSamples `json:"samples"`
	// With -data: the held-out images' figures.
	Images           int     `json:"images,omitempty"`
	DataVariance     float64 `json:"data_variance,omitempty"`
	DataMeanVariance float64 `json:"data_mean_variance,omitempty"`
	// Information is I(x_0; x_T) in nats under the Gaussian model of the
	// held-out images' spectrum and the model's noise (null if infinite).
	Information *float64 `json:"information_nats,omitempty"`
	// X0 is the network's x̂0 error per noise level against the Gaussian
	// bound, total and per band.
	X0 []diagnoseX0 `json:"x0_error,omitempty"`
}

type diagnoseX0 struct {
	T          int         `json:"t"`
	MSE        float64     `json:"mse"`
	StdErr     float64     `json:"stderr"`
	Bound      float64     `json:"bound"`
	Bands      []jsonFloat `json:"band_mse"`
	BandBounds []jsonFloat `json:"band_bound"`
}

// runDiagnose checks a trained model the way the audit of the white-vs-cloud
// experiment did: sample variance and border frames first, then, on
// held-out images, the x̂0 error per noise level against the optimal
// denoiser of the Gaussian model.
func runDiagnose(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("diagnose", "-ckpt FILE [flags] [-data PATH...]\n\nSanity checks of a trained model before any metric: the per-pixel variance of its\nsamples in normalised units (1 is the data's), the variance of their means, and the\nborder ratios of the variance map (ring 0 is the outermost frame; 1 means no frame). With\n-data (held-out images), the network's x̂0 error at several noise levels against the\nerror of the optimal denoiser for the Gaussian model of the images' spectrum, per\nfrequency band, and the information I(x0; x_T) the noise leaves at t = T.", diagnoseExamples)
	ckpt := fs.String("ckpt", "model.ckpt", "checkpoint `file` written by train")
	data := fs.String("data", "", "held-out images: a folder, image files or a .npy stack")
	size := fs.Int("size", 0, "centre-crop and resize the -data images to `S`×S (0: the model's size)")
	rf := addResizeFlags(fs)
	count := fs.Int("count", 64, "samples for the variance checks")
	steps := fs.Int("steps", 50, "DDIM steps of the samples")
	clip := fs.String("clip", "", "clip x̂0 of the samples to `LO,HI` (normalised units)")
	times := fs.String("t", "", "comma-separated times of the x̂0 error (default: 1, T/20, T/5, T/2, 4T/5, T)")
	rings := fs.Int("rings", 2, "border rings to report")
	seed := fs.Uint64("seed", 1, "random seed")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if ok, err := fs.parse(args, stdout, stderr); !ok {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fs.misuse(stderr, "unexpected argument %q (give held-out images with -data)", fs.Arg(0))
	case *count < 2 || *count > 100000:
		return fs.misuse(stderr, "-count %d must be between 2 and 100000", *count)
	case *steps < 1:
		return fs.misuse(stderr, "-steps %d must be at least 1", *steps)
	case *size < 0:
		return fs.misuse(stderr, "-size %d must not be negative", *size)
	case *rings < 1:
		return fs.misuse(stderr, "-rings %d must be at least 1", *rings)
	}
	var clipping diffusion.Clip
	if *clip != "" {
		lo, hi, err := parseRange(*clip)
		if err != nil {
			return fs.misuse(stderr, "-clip %q: %v", *clip, err)
		}
		clipping = diffusion.Clip{Mode: diffusion.ClipStatic, Lo: lo, Hi: hi}
	}
	ck, err := diffusion.ReadCheckpoint(*ckpt)
	if err != nil {
		return err
	}
	s, err := diffusion.NewSamplerFromCheckpoint(ck, false)
	if err != nil {
		return fmt.Errorf("%s: %w", *ckpt, err)
	}
	sched := s.Schedule()
	T := sched.Steps()
	if *steps > T {
		return fs.misuse(stderr, "-steps %d exceeds the model's %d training steps", *steps, T)
	}
	ts := []int{1, max(T/20, 1), max(T/5, 1), max(T/2, 1), max(4*T/5, 1), T}
	if *times != "" {
		if ts, err = parseInts(*times); err != nil {
			return fs.misuse(stderr, "-t: %v", err)
		}
		for _, t := range ts {
			if t < 1 || t > T {
				return fs.misuse(stderr, "-t: time %d outside 1…%d", t, T)
			}
		}
	}
	channels, msize := s.Denoiser().Shape()
	if msize <= 2**rings {
		return fs.misuse(stderr, "-rings %d leaves no interior in %d×%d images", *rings, msize, msize)
	}
	res := diagnoseResult{Checkpoint: *ckpt, Noise: diffusion.NoiseName(s.Noise()), Target: ck.Train.Target.String(),
		Padding: ck.Model.Padding.String(), Head: ck.Model.Head.String()}

	var held []*mat.Dense // normalised held-out planes
	if *data != "" {
		sz := *size
		if sz == 0 {
			sz = msize
		}
		if sz != msize {
			return fs.misuse(stderr, "-size %d: the model's images are %d×%d", sz, msize, msize)
		}
		imgs, _, err := loadImages([]string{*data}, sz, rf, nil, stderr)
		if err != nil {
			return err
		}
		if len(imgs)%channels != 0 || len(imgs) < 2*channels {
			return fmt.Errorf("-data: %d planes are not at least 2 images of %d channels", len(imgs), channels)
		}
		flat := s.Normalizer().Normalize(nil, imgs)
		held = make([]*mat.Dense, len(imgs))
		for i := range held {
			held[i] = mat.NewDense(msize, msize, flat[i*msize*msize:(i+1)*msize*msize])
		}
		res.Images = len(imgs) / channels
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	out, err := s.Sample(ctx, *count, &diffusion.SampleOptions{Steps: *steps, Clip: clipping}, source(*seed))
	if errors.Is(err, context.Canceled) {
		return errors.New("diagnose: interrupted")
	}
	if err != nil {
		return err
	}
	flat := s.Normalizer().Normalize(nil, out.Images)
	samples := make([]*mat.Dense, len(out.Images))
	for i := range samples {
		samples[i] = mat.NewDense(msize, msize, flat[i*msize*msize:(i+1)*msize*msize])
	}
	res.Samples = diagnoseSamples{Count: *count, Steps: len(out.Times)}
	if res.Samples.Variance, res.Samples.MeanVariance, res.Samples.Rings, err = varianceChecks(samples, *rings); err != nil {
		return err
	}
	if held != nil {
		if res.DataVariance, res.DataMeanVariance, _, err = varianceChecks(held, *rings); err != nil {
			return err
		}
		spec := noise.NewSpectrum(msize, msize)
		if err := spec.AddBatch(held); err != nil {
			return err
		}
		power, err := spec.Power()
		if err != nil {
			return err
		}
		// Spectrum.Power has unit mean; the data's scale is its variance.
		mv, err := spec.MeanVariance()
		if err != nil {
			return err
		}
		power.Scale(mv, power)
		ns, err := noise.NewSampler(s.Noise(), nil)
		if err != nil {
			return err
		}
		th, err := diffusion.NewGaussianTheory(power, cleanPower(ns.Power()), sched)
		if err != nil {
			return err
		}
		if info := th.Information(T); !math.IsInf(info, 0) {
			res.Information = &info
		}
		errs, err := diffusion.MeasureX0Error(s.Denoiser(), th, held, s.Noise(), ts, source(*seed+1))
		if err != nil {
			return err
		}
		for _, e := range errs {
			res.X0 = append(res.X0, diagnoseX0{T: e.T, MSE: e.MSE, StdErr: e.StdErr, Bound: e.Bound, Bands: jsonFloats(e.Bands), BandBounds: jsonFloats(e.BandBounds)})
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	printDiagnose(stdout, &res)
	return nil
}

// varianceChecks returns the mean per-pixel variance, the variance of the
// planes' means and the border ratios of the variance map.
func varianceChecks(planes []*mat.Dense, rings int) (variance, meanVariance float64, ratios []float64, err error) {
	_, vmap, err := diffusion.PixelVariance(planes)
	if err != nil {
		return 0, 0, nil, err
	}
	variance = mat.Sum(vmap) / float64(len(vmap.RawMatrix().Data))
	if ratios, err = diffusion.BorderRatios(vmap, rings); err != nil {
		return 0, 0, nil, err
	}
	means := make([]float64, len(planes))
	var mu float64
	for i, p := range planes {
		r, c := p.Dims()
		means[i] = mat.Sum(p) / float64(r*c)
		mu += means[i]
	}
	mu /= float64(len(means))
	for _, m := range means {
		meanVariance += (m - mu) * (m - mu)
	}
	return variance, meanVariance / float64(len(means)), ratios, nil
}

func printDiagnose(w io.Writer, r *diagnoseResult) {
	fmt.Fprintf(w, "%s: noise %s, target %s, %s padding, %s head\n", r.Checkpoint, r.Noise, r.Target, r.Padding, r.Head)
	fmt.Fprintf(w, "%d samples (DDIM, %d steps), normalised units:\n", r.Samples.Count, r.Samples.Steps)
	fmt.Fprintf(w, "  per-pixel variance %.4g (1 for the training data), variance of the image mean %.4g\n", r.Samples.Variance, r.Samples.MeanVariance)
	fmt.Fprintf(w, "  border ratios of the variance map (ring 0 outermost; 1: no frame):")
	for i, v := range r.Samples.Rings {
		fmt.Fprintf(w, " ring %d %.3f", i, v)
	}
	fmt.Fprintln(w)
	if r.Images == 0 {
		return
	}
	fmt.Fprintf(w, "%d held-out images: per-pixel variance %.4g, variance of the image mean %.4g\n", r.Images, r.DataVariance, r.DataMeanVariance)
	if r.Information != nil {
		fmt.Fprintf(w, "I(x0; x_T) = %.3g nats (Gaussian model of the images' spectrum and the model's noise)\n", *r.Information)
	} else {
		fmt.Fprintf(w, "I(x0; x_T) = ∞: the noise has no power at some frequency of the images\n")
	}
	fmt.Fprintf(w, "x̂0 error per pixel against the optimal denoiser of the Gaussian model (bound):\n")
	fmt.Fprintf(w, "%6s %12s %12s %8s   %s\n", "t", "network", "bound", "ratio", "per band (≤1/16, 1/16–1/8, 1/8–1/4, >1/4): network/bound")
	for _, e := range r.X0 {
		var bands string
		for b := range e.Bands {
			bands += fmt.Sprintf(" %.2f", float64(e.Bands[b])/float64(e.BandBounds[b]))
		}
		fmt.Fprintf(w, "%6d %12.4g %12.4g %8.2f  %s\n", e.T, e.MSE, e.Bound, e.MSE/e.Bound, bands)
	}
}
