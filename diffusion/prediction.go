package diffusion

import (
	"fmt"
	"strings"

	"github.com/cloud-diffusion/noise"
)

// Target is what a network is trained to predict from x_t = a x_0 + s ε
// (a = cos θ_t, s = sin θ_t): the noise ε, the clean image x_0, or the
// velocity v = a ε − s x_0 of Salimans & Ho (2022). The three are
// equivalent for an exact model but not for a trained one: an ε-predicting
// network's error reaches x̂_0 multiplied by s/a, 50 at the paper's terminal
// signal rate 0.02, while x_0- and v-prediction keep x̂_0's error bounded
// there.
type Target int

const (
	// TargetEps trains on ε (the paper's and DDPM's choice).
	TargetEps Target = iota
	// TargetX0 trains on the clean image x_0.
	TargetX0
	// TargetV trains on v = a ε − s x_0.
	TargetV
)

var targetNames = []string{"eps", "x0", "v"}

// String returns "eps", "x0" or "v".
func (p Target) String() string {
	if p >= 0 && int(p) < len(targetNames) {
		return targetNames[p]
	}
	return fmt.Sprintf("Target(%d)", int(p))
}

// ParseTarget returns the target named s ("eps", "x0" or "v", any
// case; "epsilon", "noise" and "velocity" are accepted too), or an error.
func ParseTarget(s string) (Target, error) {
	switch strings.ToLower(s) {
	case "eps", "epsilon", "noise":
		return TargetEps, nil
	case "x0":
		return TargetX0, nil
	case "v", "velocity":
		return TargetV, nil
	}
	return 0, fmt.Errorf("diffusion: unknown prediction target %q (want eps, x0 or v)", s)
}

// MarshalText returns the name of p.
func (p Target) MarshalText() ([]byte, error) {
	if !p.valid() {
		return nil, fmt.Errorf("diffusion: invalid prediction target %d", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText parses a name written by MarshalText.
func (p *Target) UnmarshalText(b []byte) error {
	v, err := ParseTarget(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

func (p Target) valid() bool { return p >= 0 && int(p) < len(targetNames) }

// From writes the training target p for x_t = a x_0 + s ε to dst:
// ε, x_0, or v = a ε − s x_0, elementwise. dst may be x0 or eps. It panics
// if the lengths differ or p is invalid.
func (p Target) From(dst, x0, eps []float64, a, s float64) {
	if len(x0) != len(dst) || len(eps) != len(dst) {
		panic(fmt.Sprintf("diffusion: Target.From lengths dst %d, x0 %d, eps %d", len(dst), len(x0), len(eps)))
	}
	switch p {
	case TargetEps:
		copy(dst, eps)
	case TargetX0:
		copy(dst, x0)
	case TargetV:
		for i := range dst {
			dst[i] = a*eps[i] - s*x0[i]
		}
	default:
		panic(fmt.Sprintf("diffusion: invalid prediction target %d", int(p)))
	}
}

// Noise converts a network's output out (a prediction of the target p) at x_t
// with signal rate a and noise rate s (s > 0) to the predicted noise and
// writes it to dst:
//
//	ε:  ε̂ = out,   x_0: ε̂ = (x_t − a·out)/s,   v: ε̂ = s x_t + a·out.
//
// dst may be out or xt. It panics if the lengths differ or p is invalid.
func (p Target) Noise(dst, out, xt []float64, a, s float64) {
	if len(out) != len(dst) || len(xt) != len(dst) {
		panic(fmt.Sprintf("diffusion: Target.Noise lengths dst %d, out %d, xt %d", len(dst), len(out), len(xt)))
	}
	switch p {
	case TargetEps:
		copy(dst, out)
	case TargetX0:
		for i := range dst {
			dst[i] = (xt[i] - a*out[i]) / s
		}
	case TargetV:
		for i := range dst {
			dst[i] = s*xt[i] + a*out[i]
		}
	default:
		panic(fmt.Sprintf("diffusion: invalid prediction target %d", int(p)))
	}
}

// NetworkDenoiser is a trained network as a Denoiser: it runs the UNet at
// the continuous time t/T and converts its output, a prediction of kind
// Target, to the predicted noise (Target.Noise). A *UNet used
// directly as a Denoiser is an ε-predicting network.
type NetworkDenoiser struct {
	Net    *UNet
	Target Target
}

// Shape returns the network's channels and size.
func (d NetworkDenoiser) Shape() (channels, size int) { return d.Net.Shape() }

// PredictNoise runs the network on x and converts its output to ε̂ in dst
// (see Denoiser). It panics if a length does not match or the prediction
// is invalid.
func (d NetworkDenoiser) PredictNoise(dst, x []float64, n int, sched *noise.Schedule, t int) {
	if d.Target == TargetEps {
		d.Net.PredictNoise(dst, x, n, sched, t)
		return
	}
	if !d.Target.valid() {
		panic(fmt.Sprintf("diffusion: invalid prediction target %d", int(d.Target)))
	}
	if &dst[0] == &x[0] {
		// The conversion needs x_t after the network has written dst.
		xt := append([]float64(nil), x...)
		d.Net.PredictNoise(dst, xt, n, sched, t)
		d.Target.Noise(dst, dst, xt, sched.SignalRate(t), sched.NoiseRate(t))
		return
	}
	d.Net.PredictNoise(dst, x, n, sched, t)
	d.Target.Noise(dst, dst, x, sched.SignalRate(t), sched.NoiseRate(t))
}
