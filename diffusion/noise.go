package diffusion

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
)

// NoiseKind names a noise chosen from the training images by ResolveNoise.
// The noise of a run itself is a noise.Spec (TrainConfig.Noise), which
// ResolveNoise returns.
type NoiseKind int

const (
	// WhiteNoise is independent standard normal pixels (ordinary
	// diffusion): noise.Spec{Density: noise.WhiteDensity()}.
	WhiteNoise NoiseKind = iota
	// CloudNoise is the paper's power-law noise Γ(k) ∝ |k|^(−2Δ), with Δ
	// fitted to the normalised training images, drawn by the padded
	// construction (Pad 3 unless NoiseOptions.Pad says otherwise).
	CloudNoise
	// MatchedNoise is noise with the measured spectrum of the normalised
	// training images (noise.MeasuredDensity), drawn periodically (Pad 1 by
	// default), so that its expected spectrum equals the data's at every
	// frequency.
	MatchedNoise
)

var noiseKindNames = []string{"white", "cloud", "matched"}

// String returns "white", "cloud" or "matched".
func (k NoiseKind) String() string { return enumString(k, noiseKindNames, "NoiseKind") }

// ParseNoiseKind returns the kind named s ("white", "cloud" or "matched",
// any case), or an error.
func ParseNoiseKind(s string) (NoiseKind, error) {
	return enumParse[NoiseKind](s, noiseKindNames, "noise")
}

// MarshalText returns the name of k.
func (k NoiseKind) MarshalText() ([]byte, error) { return enumMarshal(k, noiseKindNames, "noise kind") }

// UnmarshalText parses a name written by MarshalText.
func (k *NoiseKind) UnmarshalText(b []byte) error { return enumUnmarshal(k, b, ParseNoiseKind) }

// NoiseOptions configures ResolveNoise. The zero value (or nil) gives each
// kind's defaults.
type NoiseOptions struct {
	// Pad is the padding factor of the construction (noise.Spec.Pad); 0
	// means the kind's default: 3 (the paper's) for CloudNoise, 1 for
	// MatchedNoise. White noise does not use it.
	Pad float64
	// KMin is the infrared cutoff in cycles per pixel (noise.Spec.KMin).
	KMin float64
	// Bins, for MatchedNoise, smooths the measured spectrum radially into
	// that many log bins (noise.MeasuredOptions.Bins); 0 keeps it as is.
	Bins int
	// MaxRelErr, for MatchedNoise, is the largest relative standard error
	// of the measured spectrum accepted (noise.MeasuredOptions.MaxRelErr).
	MaxRelErr float64
}

// ResolvedNoise is the noise of a run chosen from its training images.
type ResolvedNoise struct {
	Kind NoiseKind
	// Spec is the noise, for Size×Size planes: TrainConfig.Noise.
	Spec noise.Spec
	// Fit is the power law fitted to the normalised images with the
	// paper's estimator (noise.FitImages), whatever the kind; nil if the
	// fit fails for a kind that does not need it.
	Fit *noise.PowerLaw
}

// ResolveNoise turns a kind of noise into the noise.Spec of a run on the
// training images: the one step where the data decide the noise, before
// NewTrainer. The images are those of NewTrainer (image i in planes
// [C·i, C·i+C)), and norm the normalisation the trainer will use
// (FitNormalizer with TrainConfig.Normalize); the spectrum is that of the
// normalised planes, each channel plane counted as one image. The kinds:
//
//   - WhiteNoise: noise.Spec{Density: noise.WhiteDensity(), KMin}.
//   - CloudNoise: noise.Spec{Delta: Δ, Pad, KMin} with Δ fitted to the
//     planes by noise.FitImages, the paper's estimator (per-pixel
//     standardisation, so the normalisation does not change Δ: for grey
//     images it is the Δ that noise.FitImages gives on the originals).
//   - MatchedNoise: noise.Spec{Density: MeasuredDensity(spectrum), Pad,
//     KMin}, with Pad 1 by default (see noise.MeasuredDensity for why).
//
// ResolveNoise returns an error if the kind is unknown, norm is nil or does
// not fit the images, the images are invalid (see NewTrainer), or the kind
// cannot be resolved: a fit that fails or gives a negative Δ (CloudNoise),
// a spectrum too noisy for the options (MatchedNoise), or a spec the noise
// package rejects.
func ResolveNoise(kind NoiseKind, images []*mat.Dense, norm *Normalizer, opts *NoiseOptions) (*ResolvedNoise, error) {
	if opts == nil {
		opts = &NoiseOptions{}
	}
	if !enumValid(kind, noiseKindNames) {
		return nil, fmt.Errorf("diffusion: unknown noise kind %v", kind)
	}
	if norm == nil {
		return nil, fmt.Errorf("diffusion: ResolveNoise needs the normaliser of the run")
	}
	if err := norm.validate(norm.Channels, norm.Size); err != nil {
		return nil, err
	}
	if _, err := imagesOf(images, norm.Channels, norm.Size); err != nil {
		return nil, err
	}
	size := norm.Size
	data := norm.Normalize(nil, images)
	hw := size * size
	planes := make([]*mat.Dense, len(data)/hw)
	for p := range planes {
		planes[p] = mat.NewDense(size, size, data[p*hw:(p+1)*hw])
	}
	r := &ResolvedNoise{Kind: kind}
	fit, fitErr := noise.FitImages(planes, nil)
	if fitErr == nil && !(fit.Delta >= 0) {
		fitErr = fmt.Errorf("fitted Δ = %v is negative", fit.Delta)
	}
	if fitErr == nil {
		r.Fit = &fit.PowerLaw
	}
	spec := noise.Spec{Rows: size, Cols: size, Pad: opts.Pad, KMin: opts.KMin}
	switch kind {
	case WhiteNoise:
		spec.Density, spec.Pad = noise.WhiteDensity(), 0
	case CloudNoise:
		if r.Fit == nil {
			return nil, fmt.Errorf("diffusion: fitting Δ to the training images: %w (give the noise.Spec with Δ instead)", fitErr)
		}
		spec = r.Fit.Spec(size, size) // images → Spectrum → PowerLaw → Spec
		spec.Pad, spec.KMin = opts.Pad, opts.KMin
	case MatchedNoise:
		// The spectrum of the planes as the network sees them: Spectrum.Power
		// without further standardisation.
		sp := noise.NewSpectrum(size, size)
		if err := sp.AddBatch(planes); err != nil {
			return nil, fmt.Errorf("diffusion: spectrum of the training images: %w", err)
		}
		power, err := sp.Power()
		if err != nil {
			return nil, fmt.Errorf("diffusion: measuring the spectrum of the training images: %w", err)
		}
		d, err := noise.MeasuredDensity(power, len(planes), &noise.MeasuredOptions{Bins: opts.Bins, MaxRelErr: opts.MaxRelErr})
		if err != nil {
			return nil, fmt.Errorf("diffusion: matched noise: %w", err)
		}
		spec.Density = d
		if spec.Pad == 0 {
			spec.Pad = 1
		}
	}
	if _, err := noise.NewSampler(spec, nil); err != nil {
		return nil, fmt.Errorf("diffusion: %v noise: %w", kind, err)
	}
	r.Spec = spec
	return r, nil
}

// noiseForSize returns spec with its size filled in for size×size planes,
// or an error if it has another size or the noise package rejects it.
func noiseForSize(spec noise.Spec, size int) (noise.Spec, error) {
	if spec.Rows == 0 && spec.Cols == 0 {
		spec.Rows, spec.Cols = size, size
	}
	if spec.Rows != size || spec.Cols != size {
		return spec, fmt.Errorf("diffusion: noise of %d×%d for a model of %d×%d images", spec.Rows, spec.Cols, size, size)
	}
	if _, err := noise.NewSampler(spec, nil); err != nil {
		return spec, fmt.Errorf("diffusion: noise: %w", err)
	}
	return spec, nil
}

// NoiseName describes a noise for people: "white", "cloud (Δ = 1.5000)"
// (with the padding and cutoff when not the defaults), "matched (measured
// spectrum of 256 images, …)", or the Spec's own String for other
// densities.
func NoiseName(spec noise.Spec) string {
	var extra string
	if spec.Pad != 0 && spec.Pad != noise.DefaultPad {
		extra += fmt.Sprintf(", pad %g", spec.Pad)
	}
	if spec.KMin != 0 {
		extra += fmt.Sprintf(", kmin %g", spec.KMin)
	}
	d := spec.Density
	switch {
	case d == nil:
		return fmt.Sprintf("cloud (Δ = %.4f%s)", spec.Delta, extra)
	case d.Equal(noise.WhiteDensity()):
		if spec.KMin != 0 {
			return fmt.Sprintf("white (kmin %g)", spec.KMin)
		}
		return "white"
	case d.Images() > 0:
		return fmt.Sprintf("matched (measured spectrum of %d images, relative standard error %.2g%s)", d.Images(), d.RelStdErr(), extra)
	}
	return spec.String()
}
