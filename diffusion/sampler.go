package diffusion

import (
	"context"
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// Method is a sampling method (SampleOptions.Method).
type Method int

const (
	// DDIM is the sampler of Song, Meng & Ermon (2021) (noise.DDIMStep),
	// deterministic for η = 0.
	DDIM Method = iota
	// DDPM is ancestral sampling (Ho et al. 2020, noise.DDPMStep): with
	// K = T steps each step draws fresh noise with the posterior variance
	// β̃_t; with K < T it is DDIM with η = 1, which has the DDPM posterior
	// variance for the larger strides.
	DDPM
)

var methodNames = []string{"ddim", "ddpm"}

// String returns "ddim" or "ddpm".
func (m Method) String() string { return enumString(m, methodNames, "Method") }

// ParseMethod returns the method named s (any case), or an error.
func ParseMethod(s string) (Method, error) {
	return enumParse[Method](s, methodNames, "sampling method")
}

// MarshalText returns the name of m.
func (m Method) MarshalText() ([]byte, error) { return enumMarshal(m, methodNames, "sampling method") }

// UnmarshalText parses a name written by MarshalText.
func (m *Method) UnmarshalText(b []byte) error { return enumUnmarshal(m, b, ParseMethod) }

// SampleOptions configures Sampler.Sample. The zero value (or nil) is
// 50-step deterministic DDIM (or T steps if T < 50) with linspace spacing.
type SampleOptions struct {
	// Method is DDIM (the zero value) or DDPM.
	Method Method
	// Steps is the number K of network evaluations, 1 ≤ K ≤ T; 0 means T
	// for DDPM and min(50, T) for DDIM.
	Steps int
	// Eta is DDIM's η in [0, 1] (0: deterministic; 1: DDPM variance).
	// Ignored by DDPM.
	Eta float64
	// Spacing places the K times among the T training steps
	// (noise.Schedule.Timesteps); the zero value is noise.Linspace, which
	// starts at t = T.
	Spacing noise.Spacing
	// Batch is the number of images per network call; 0 means 16. It does
	// not change the results, only memory and speed.
	Batch int
	// Trajectory keeps the prediction x̂_0 of every step; Frames keeps the
	// state x_t at the start of every step (both denormalised).
	Trajectory, Frames bool
	// Clip clips x̂_0 at every step (the zero value: no clipping), in the
	// sampler's normalised units; ε̂ is recomputed from the clipped x̂_0.
	Clip Clip
	// Progress, if not nil, is called after each of the K steps with the
	// number of steps done and K, on the goroutine of Sample. It does not
	// change the results.
	Progress func(done, steps int)
}

// Samples are the results of Sampler.Sample: N images of C channels, each
// channel one Size×Size matrix in image units (denormalised), image i in
// planes [C·i, C·i+C) of every slice of planes.
type Samples struct {
	Images []*mat.Dense   // the clean outputs at t = 0
	Times  []int          // the K times visited, from noisiest to cleanest
	X0     [][]*mat.Dense // X0[k]: x̂_0 predicted at Times[k] (with Trajectory)
	Frames [][]*mat.Dense // Frames[k]: x_t at Times[k], before step k (with Frames)
}

// Sampler draws images with a Denoiser (a trained network, or an exact
// denoiser such as GaussianDenoiser): it starts from the model's noise (a
// noise.Spec: white, cloud or matched) at the first time of the sampling
// schedule, takes K steps of DDIM or DDPM down to t = 0, feeding fresh
// noise of the same kind at every stochastic step, and maps the result back
// to image units with the training set's Normalizer.
//
// A Sampler owns its denoiser and is not safe for concurrent use; the
// network uses all cores.
type Sampler struct {
	den   Denoiser
	sched *noise.Schedule
	norm  *Normalizer
	ns    noise.Spec

	noiseHook func(step int, z []float64) // tests: sees every noise draw, step −1 the start
}

// NewSampler returns a sampler for the denoiser d (a *UNet, used as is,
// not copied, or an exact denoiser) with the schedule it was trained with
// (or defined for), the normaliser of its training images
// (IdentityNormalizer for a denoiser that works in image units) and its
// noise (Rows and Cols may be 0 for the denoiser's size). It returns an
// error if an argument is nil, the normaliser does not fit the denoiser's
// images, or the noise has another size or is rejected by the noise
// package.
func NewSampler(d Denoiser, sched *noise.Schedule, norm *Normalizer, ns noise.Spec) (*Sampler, error) {
	if u, ok := d.(*UNet); d == nil || ok && u == nil || sched == nil {
		return nil, fmt.Errorf("diffusion: NewSampler needs a denoiser and a schedule")
	}
	channels, size := d.Shape()
	if err := norm.validate(channels, size); err != nil {
		return nil, err
	}
	ns, err := noiseForSize(ns, size)
	if err != nil {
		return nil, err
	}
	return &Sampler{den: d, sched: sched, norm: norm, ns: ns}, nil
}

// Sampler returns a sampler with a copy of the trainer's EMA weights, its
// schedule, normaliser and noise.
func (tr *Trainer) Sampler() *Sampler {
	return &Sampler{den: networkDenoiser(tr.ema.Clone(), tr.cfg.Target), sched: tr.sched, norm: tr.norm.clone(), ns: tr.cfg.Noise}
}

// networkDenoiser returns net as the Denoiser of its prediction target: net
// itself for ε, NetworkDenoiser otherwise.
func networkDenoiser(net *UNet, target Target) Denoiser {
	if target == TargetEps {
		return net
	}
	return NetworkDenoiser{Net: net, Target: target}
}

// NewSamplerFromCheckpoint returns a sampler for the model of a checkpoint,
// with its EMA weights, or its raw weights if raw is true.
func NewSamplerFromCheckpoint(ck *Checkpoint, raw bool) (*Sampler, error) {
	if err := ck.validate(); err != nil {
		return nil, err
	}
	w := ck.EMA
	if raw {
		w = ck.Params
	}
	net, err := newUNetFromParams(ck.Model, w)
	if err != nil {
		return nil, err
	}
	sched, err := ck.Train.NoiseSchedule()
	if err != nil {
		return nil, err
	}
	return NewSampler(networkDenoiser(net, ck.Train.Target), sched, ck.Norm.clone(), ck.Train.Noise)
}

// LoadSampler reads the checkpoint at path (ReadCheckpoint) and returns a
// sampler with its EMA weights.
func LoadSampler(path string) (*Sampler, error) {
	ck, err := ReadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	return NewSamplerFromCheckpoint(ck, false)
}

// Model returns the sampler's network, or nil if its denoiser is not a
// *UNet.
func (s *Sampler) Model() *UNet {
	switch d := s.den.(type) {
	case *UNet:
		return d
	case NetworkDenoiser:
		return d.Net
	}
	return nil
}

// Denoiser returns the sampler's denoiser.
func (s *Sampler) Denoiser() Denoiser { return s.den }

// Schedule returns the sampler's noise schedule.
func (s *Sampler) Schedule() *noise.Schedule { return s.sched }

// Normalizer returns the normalisation the outputs are mapped back with.
func (s *Sampler) Normalizer() *Normalizer { return s.norm }

// Noise returns the noise the sampler starts from and feeds at every
// stochastic step.
func (s *Sampler) Noise() noise.Spec { return s.ns }

// Sample draws n images with the options opts (nil: the zero
// SampleOptions, 50-step DDIM). All randomness (the starting noise and the noise
// of every stochastic step, for all n images at once, in step order) comes
// from src, so the same src state gives the same images for any Batch and
// number of cores; a nil src is non-reproducible. For times
// t_1 > … > t_K from Timesteps(K, Spacing) and t_{K+1} = 0, step k computes
// ε̂ = PredictNoise(x_{t_k}, t_k) of the denoiser (for the UNet its output at
// the continuous time t_k/T), x̂_0 = PredictX0(x_{t_k}, ε̂) and x_{t_{k+1}} by
// DDIMStep (η = Eta) or, for DDPM, DDPMStep when t_{k+1} = t_k − 1 and
// DDIMStep with η = 1 otherwise. The last step lands on t = 0, where
// x_0 = x̂_0.
//
// Sample checks ctx before every step and returns ctx.Err() if it is done.
// It returns an error if n < 1, or opts has an unknown method, Steps
// outside 0…T, η outside [0, 1], a negative Batch, an unknown spacing or an
// invalid Clip.
func (s *Sampler) Sample(ctx context.Context, n int, opts *SampleOptions, src rand.Source) (*Samples, error) {
	if opts == nil {
		opts = &SampleOptions{}
	}
	if n < 1 {
		return nil, fmt.Errorf("diffusion: sample count %d must be at least 1", n)
	}
	method, k, eta, err := opts.resolve(s.sched.Steps())
	if err != nil {
		return nil, err
	}
	if err := opts.Clip.validate(); err != nil {
		return nil, err
	}
	batch := opts.Batch
	if batch == 0 {
		batch = 16
	}
	batch = min(batch, n)

	channels, size := s.den.Shape()
	hw := size * size
	planes := n * channels
	src0 := src
	if src0 == nil {
		src0 = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	ns, err := noise.NewSampler(s.ns, src0)
	if err != nil {
		return nil, fmt.Errorf("diffusion: noise: %w", err) // checked by NewSampler
	}
	x := make([]float64, planes*hw)
	eps := make([]float64, planes*hw)
	z := make([]float64, planes*hw)
	view := func(buf []float64) []*mat.Dense {
		v := make([]*mat.Dense, planes)
		for p := range v {
			v[p] = mat.NewDense(size, size, buf[p*hw:(p+1)*hw])
		}
		return v
	}
	xv, ev, zv := view(x), view(eps), view(z)
	var clipBuf, clipScratch []float64
	if opts.Clip.Mode != ClipNone {
		clipBuf = make([]float64, planes*hw)
		clipScratch = make([]float64, channels*hw)
	}
	var (
		x0  []float64
		x0v []*mat.Dense
	)
	if opts.Trajectory {
		x0 = make([]float64, planes*hw)
		x0v = view(x0)
	}

	noise.Fill(ns, x)
	if s.noiseHook != nil {
		s.noiseHook(-1, x)
	}
	out := &Samples{Times: s.sched.Timesteps(k, opts.Spacing)}
	per := channels * hw
	for i, t := range out.Times {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		prev := 0
		if i+1 < len(out.Times) {
			prev = out.Times[i+1]
		}
		if opts.Frames {
			out.Frames = append(out.Frames, s.norm.Denormalize(nil, x))
		}
		for b0 := 0; b0 < n; b0 += batch {
			bs := min(batch, n-b0)
			s.den.PredictNoise(eps[b0*per:(b0+bs)*per], x[b0*per:(b0+bs)*per], bs, s.sched, t)
		}
		if clipBuf != nil {
			// x̂_0 = (x_t − s ε̂)/a, clipped per image, then ε̂ = (x_t − a x̂_0)/s.
			a, sn := s.sched.SignalRate(t), s.sched.NoiseRate(t)
			for i, v := range x {
				clipBuf[i] = (v - sn*eps[i]) / a
			}
			opts.Clip.apply(clipBuf, per, clipScratch)
			for i, v := range x {
				eps[i] = (v - a*clipBuf[i]) / sn
			}
		}
		if opts.Trajectory {
			for p := range x0v {
				s.sched.PredictX0(x0v[p], xv[p], ev[p], t)
			}
			out.X0 = append(out.X0, s.norm.Denormalize(nil, x0))
		}
		ddpm := method == DDPM && prev == t-1
		// Fresh noise where the step is stochastic: DDPM's posterior
		// variance is 0 only at t = 1, DDIM's σ only for η = 0 or prev = 0.
		stochastic := prev > 0 && (ddpm || eta > 0)
		if stochastic {
			noise.Fill(ns, z)
			if s.noiseHook != nil {
				s.noiseHook(i, z)
			}
		}
		for p := range xv {
			var zp *mat.Dense
			if stochastic {
				zp = zv[p]
			}
			if ddpm {
				s.sched.DDPMStep(xv[p], xv[p], ev[p], zp, t)
			} else {
				s.sched.DDIMStep(xv[p], xv[p], ev[p], zp, t, prev, eta)
			}
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(out.Times))
		}
	}
	out.Images = s.norm.Denormalize(nil, x)
	return out, nil
}
