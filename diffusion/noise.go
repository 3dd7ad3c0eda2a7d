package diffusion

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/cloud-diffusion/noise"
)

// Noise kinds of NoiseSpec.Kind.
const (
	// WhiteNoise is independent standard normal pixels (ordinary diffusion).
	WhiteNoise = "white"
	// CloudNoise is the paper's scale-invariant Gaussian noise with
	// Γ(k) ∝ |k|^(−2Δ), of unit pixel variance (noise.Sampler).
	CloudNoise = "cloud"
)

// NoiseSpec is the noise ε a model is trained with and sampled with: the
// same kind is used for x_t = cos θ_t x_0 + sin θ_t ε in training, for the
// starting point of sampling and at every stochastic sampling step.
type NoiseSpec struct {
	Kind  string  // WhiteNoise or CloudNoise
	Delta float64 // scaling parameter Δ of cloud noise (0 for white)
	Pad   float64 // padding factor of the construction (noise.Spec.Pad; 0 means 3)
	KMin  float64 // infrared cutoff in cycles per pixel (noise.Spec.KMin)
}

// String returns "white" or "cloud(Δ=1.5)".
func (s NoiseSpec) String() string {
	if s.Kind == CloudNoise {
		return fmt.Sprintf("cloud(Δ=%g)", s.Delta)
	}
	return s.Kind
}

// validate checks the spec (Delta must be resolved: not fitted later).
func (s NoiseSpec) validate() error {
	switch s.Kind {
	case WhiteNoise:
		return nil
	case CloudNoise:
		if math.IsNaN(s.Delta) || math.IsInf(s.Delta, 0) || s.Delta < 0 {
			return fmt.Errorf("diffusion: cloud noise Δ = %v must be finite and ≥ 0", s.Delta)
		}
		return nil
	}
	return fmt.Errorf("diffusion: unknown noise kind %q (want %q or %q)", s.Kind, WhiteNoise, CloudNoise)
}

// NoiseSource draws the noise of a NoiseSpec for batches of images. Every
// Size×Size plane of a batch (each channel of each image) is an independent
// field of unit pixel variance. Cloud noise uses noise.Sampler, which
// generates a batch on all cores; white noise is drawn sequentially, as
// the cost is negligible next to the network.
//
// All randomness comes from the rand.Source given to NewNoiseSource, and a
// NoiseSource keeps no other random state: the fields drawn next depend
// only on the state of that source, so saving and restoring the source
// (for example a *rand.PCG with MarshalBinary) resumes the stream exactly.
// A NoiseSource must not be used by two goroutines at once.
type NoiseSource struct {
	spec  NoiseSpec
	size  int
	rnd   *rand.Rand
	cloud *noise.Sampler
}

// NewNoiseSource returns a source of the noise of spec for size×size
// planes, drawing from src (nil means a non-reproducible source). It
// returns an error if the spec is invalid or the noise package rejects it.
func NewNoiseSource(spec NoiseSpec, size int, src rand.Source) (*NoiseSource, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("diffusion: noise size %d is not positive", size)
	}
	if src == nil {
		src = rand.NewPCG(rand.Uint64(), rand.Uint64())
	}
	s := &NoiseSource{spec: spec, size: size, rnd: rand.New(src)}
	if spec.Kind == CloudNoise {
		c, err := noise.NewSampler(noise.Spec{Rows: size, Cols: size, Delta: spec.Delta, Pad: spec.Pad, KMin: spec.KMin}, src)
		if err != nil {
			return nil, fmt.Errorf("diffusion: cloud noise: %w", err)
		}
		s.cloud = c
	}
	return s, nil
}

// Spec returns the spec of the noise.
func (s *NoiseSource) Spec() NoiseSpec { return s.spec }

// Fill fills dst with len(dst)/(Size·Size) independent noise fields stored
// one after another (the NCHW layout of a batch). It panics if len(dst) is
// not a multiple of Size·Size. It does not allocate in steady state.
func (s *NoiseSource) Fill(dst []float64) {
	if len(dst)%(s.size*s.size) != 0 {
		panic(fmt.Sprintf("diffusion: NoiseSource.Fill of %d values is not a whole number of %d×%d fields", len(dst), s.size, s.size))
	}
	if s.cloud != nil {
		noise.Fill(s.cloud, dst)
		return
	}
	for i := range dst {
		dst[i] = s.rnd.NormFloat64()
	}
}
