package noisebeam

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"gonum.org/v1/gonum/dsp/window"

	"github.com/cloud-diffusion/noise"
)

func init() {
	beam.RegisterCoder(reflect.TypeOf((*Accumulator)(nil)).Elem(), encodeAccumulator, decodeAccumulator)
	register.Combiner3[Accumulator, Image, []byte](&SpectrumFn{})
	register.Combiner3[Accumulator, []byte, []byte](&MergeSpectraFn{})
}

// Accumulator is the accumulator of SpectrumFn: a live noise.Spectrum while
// a worker adds images to it, and the Spectrum's MarshalBinary encoding
// whenever the runner moves it between workers (its Beam coder is
// registered by this package). A nil Spectrum is an empty accumulator (no
// image yet); it encodes as zero bytes.
type Accumulator struct {
	Spectrum *noise.Spectrum
}

func encodeAccumulator(a Accumulator) ([]byte, error) {
	if a.Spectrum == nil {
		return []byte{}, nil
	}
	return a.Spectrum.MarshalBinary()
}

func decodeAccumulator(data []byte) (Accumulator, error) {
	if len(data) == 0 {
		return Accumulator{}, nil
	}
	s := new(noise.Spectrum)
	if err := s.UnmarshalBinary(data); err != nil {
		return Accumulator{}, fmt.Errorf("noise: decoding a spectrum accumulator: %w", err)
	}
	return Accumulator{Spectrum: s}, nil
}

// SpectrumFn is a Beam CombineFn that accumulates a noise.Spectrum of
// Rows×Cols images, for beam.Combine and beam.CombinePerKey (for example one
// spectrum per class of images). Its output is the MarshalBinary encoding
// of the merged Spectrum; decode it with noise.Spectrum.UnmarshalBinary.
//
// Merging is Spectrum.Merge (Chan's pairwise update), so the spectrum
// combined over any split of the input into bundles equals the spectrum of
// one accumulator over all of it up to rounding, whatever the runner does.
//
// AddInput returns an error (failing the bundle) for an image that is not
// Rows×Cols or holds a NaN or Inf: filter with SpectrumOfImages or
// SpectrumOfFiles, which send such inputs to a dead-letter output instead.
// AddInput adds one image at a time with Spectrum.Add, on one core: the
// runner's parallelism is across bundles.
type SpectrumFn struct {
	Rows, Cols int

	// Window names the apodisation window of the spectra
	// (noise.SpectrumOptions.Window): "" for none, "hann" (window.Hann)
	// or "tukey" (window.Tukey{Alpha: 0.5}), from gonum's dsp/window.
	Window string
}

// windowFunc returns the window function named name.
func windowFunc(name string) (func([]float64) []float64, error) {
	switch name {
	case "":
		return nil, nil
	case "hann":
		return window.Hann, nil
	case "tukey":
		return window.Tukey{Alpha: 0.5}.Transform, nil
	}
	return nil, fmt.Errorf("noise: unknown window %q: want \"\", \"hann\" or \"tukey\"", name)
}

func (f *SpectrumFn) check() error {
	if f.Rows < 1 || f.Cols < 1 || f.Rows > noise.MaxPixels/f.Cols {
		return fmt.Errorf("noise: spectrum combiner for %d×%d images", f.Rows, f.Cols)
	}
	_, err := windowFunc(f.Window)
	return err
}

// newSpectrum returns an empty Spectrum with the combiner's size and window.
func (f *SpectrumFn) newSpectrum() (*noise.Spectrum, error) {
	w, err := windowFunc(f.Window)
	if err != nil {
		return nil, err
	}
	return noise.NewSpectrumOptions(f.Rows, f.Cols, &noise.SpectrumOptions{Window: w})
}

// CreateAccumulator returns an empty accumulator. The Spectrum is allocated
// by the first AddInput, so empty accumulators are free to create, encode
// and merge.
func (f *SpectrumFn) CreateAccumulator() (Accumulator, error) {
	if err := f.check(); err != nil {
		return Accumulator{}, err
	}
	return Accumulator{}, nil
}

// AddInput adds im to a and returns a.
func (f *SpectrumFn) AddInput(a Accumulator, im Image) (Accumulator, error) {
	if err := im.check(f.Rows, f.Cols); err != nil {
		return a, fmt.Errorf("%w (image %q)", err, im.Name)
	}
	if a.Spectrum == nil {
		s, err := f.newSpectrum()
		if err != nil {
			return a, err
		}
		a.Spectrum = s
	}
	m, _ := im.Dense()
	if err := a.Spectrum.Add(m); err != nil {
		return a, fmt.Errorf("%w (image %q)", err, im.Name)
	}
	return a, nil
}

// MergeAccumulators merges b into a and returns a. b is not modified.
func (f *SpectrumFn) MergeAccumulators(a, b Accumulator) (Accumulator, error) {
	if b.Spectrum == nil {
		return a, nil
	}
	if r, c := b.Spectrum.Dims(); r != f.Rows || c != f.Cols {
		return a, fmt.Errorf("noise: merging a %d×%d spectrum in a combiner for %d×%d images", r, c, f.Rows, f.Cols)
	}
	if a.Spectrum == nil {
		// Copy rather than alias b, which the runner may still hold.
		data, err := b.Spectrum.MarshalBinary()
		if err != nil {
			return a, err
		}
		return decodeAccumulator(data)
	}
	if err := a.Spectrum.Merge(b.Spectrum); err != nil {
		return a, err
	}
	return a, nil
}

// ExtractOutput returns the MarshalBinary encoding of the spectrum. An
// empty accumulator (possible only when a runner extracts a key without
// inputs) encodes as an empty Rows×Cols spectrum.
func (f *SpectrumFn) ExtractOutput(a Accumulator) ([]byte, error) {
	if a.Spectrum == nil {
		s, err := f.newSpectrum()
		if err != nil {
			return nil, err
		}
		a.Spectrum = s
	}
	return a.Spectrum.MarshalBinary()
}

// MergeSpectraFn is a Beam CombineFn that merges encoded spectra (the
// outputs of SpectrumFn, or any Spectrum.MarshalBinary encoding of
// Rows×Cols spectra with the given window and no standardisation) into one, for example partial
// spectra of shards of a data set, or of data sets estimated in separate
// jobs. Its output is the MarshalBinary encoding of the merged spectrum.
// An input that is not a valid encoding, or of another size, is an error.
type MergeSpectraFn struct {
	Rows, Cols int
	Window     string // as in SpectrumFn; spectra with another window are an error
}

// CreateAccumulator returns an empty accumulator.
func (f *MergeSpectraFn) CreateAccumulator() (Accumulator, error) {
	return (*SpectrumFn)(f).CreateAccumulator()
}

// AddInput merges the encoded spectrum data into a and returns a.
func (f *MergeSpectraFn) AddInput(a Accumulator, data []byte) (Accumulator, error) {
	b, err := decodeAccumulator(data)
	if err != nil {
		return a, err
	}
	if b.Spectrum == nil {
		return a, errors.New("noise: merging an empty encoding")
	}
	return f.MergeAccumulators(a, b)
}

// MergeAccumulators merges b into a and returns a. b is not modified.
func (f *MergeSpectraFn) MergeAccumulators(a, b Accumulator) (Accumulator, error) {
	return (*SpectrumFn)(f).MergeAccumulators(a, b)
}

// ExtractOutput returns the MarshalBinary encoding of the merged spectrum.
func (f *MergeSpectraFn) ExtractOutput(a Accumulator) ([]byte, error) {
	return (*SpectrumFn)(f).ExtractOutput(a)
}
