package diffusion

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// NormKind is the normalisation of the training images
// (TrainConfig.Normalize, FitNormalizer).
type NormKind int

const (
	// PixelNorm is the paper's per-pixel normalisation (eq. 19): every pixel
	// of every channel has its own mean and standard deviation over the
	// training set.
	PixelNorm NormKind = iota
	// GlobalNorm uses one mean and standard deviation per channel, over all
	// pixels and images.
	GlobalNorm
	// NoNorm leaves images unchanged (mean 0, standard deviation 1).
	NoNorm
)

var normNames = []string{"pixel", "global", "none"}

// String returns "pixel", "global" or "none".
func (k NormKind) String() string { return enumString(k, normNames, "NormKind") }

// ParseNormKind returns the normalisation named s (any case), or an error.
func ParseNormKind(s string) (NormKind, error) {
	return enumParse[NormKind](s, normNames, "normalisation")
}

// MarshalText returns the name of k.
func (k NormKind) MarshalText() ([]byte, error) { return enumMarshal(k, normNames, "normalisation") }

// UnmarshalText parses a name written by MarshalText.
func (k *NormKind) UnmarshalText(b []byte) error { return enumUnmarshal(k, b, ParseNormKind) }

// Normalizer maps images to the units the network works in and back:
//
//	x' = (x − Mean)/Std,   x = x'·Std + Mean,
//
// elementwise over [Channels, Size, Size] (NCHW for one image). With
// PixelNorm, Mean and Std are the per-pixel mean and population standard
// deviation of the training set (paper eq. 19). Where the standard
// deviation is zero, or below 1e-12 of the pixel's magnitude (a constant
// pixel, up to rounding), Std holds 1, so the pixel normalises to 0 instead
// of dividing by zero; it is then restored exactly to its mean.
//
// A Normalizer is stored with the model in checkpoints; treat its fields as
// read-only once it is in use.
type Normalizer struct {
	Kind           NormKind  // PixelNorm, GlobalNorm or NoNorm
	Channels, Size int       // image shape: Channels planes of Size×Size
	Mean, Std      []float64 // [Channels, Size, Size]; Std > 0

	// Images is the number of images FitNormalizer measured; 0 means
	// unknown (a checkpoint written before the field existed). A resumed
	// run compares it with its data.
	Images int `json:",omitempty"`
}

// imagesOf checks a set of training images for a model with the given
// channels and size: a non-empty multiple of channels of non-nil
// size×size matrices with finite values, image i in planes
// [channels·i, channels·i+channels). It returns the number of images.
func imagesOf(images []*mat.Dense, channels, size int) (int, error) {
	if len(images) == 0 {
		return 0, fmt.Errorf("diffusion: no training images")
	}
	if len(images)%channels != 0 {
		return 0, fmt.Errorf("diffusion: %d image planes is not a multiple of the model's %d channels", len(images), channels)
	}
	for i, m := range images {
		if m == nil || m.IsEmpty() {
			return 0, fmt.Errorf("diffusion: training image plane %d is nil or empty", i)
		}
		r, c := m.Dims()
		if r != size || c != size {
			return 0, fmt.Errorf("diffusion: training image plane %d is %d×%d, the model wants %d×%d", i, r, c, size, size)
		}
		raw := m.RawMatrix()
		for y := 0; y < r; y++ {
			for x, v := range raw.Data[y*raw.Stride : y*raw.Stride+c] {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return 0, fmt.Errorf("diffusion: training image plane %d has a non-finite value %v at row %d, column %d", i, v, y, x)
				}
			}
		}
	}
	return len(images) / channels, nil
}

// FitNormalizer returns the Normalizer of the given kind (PixelNorm,
// GlobalNorm or NoNorm) for a training set of images
// with the given number of channels, image i in planes
// images[channels·i : channels·i+channels], each size×size. The statistics
// are computed with Welford's updates, so a constant pixel has a standard
// deviation of exactly 0. It returns an error if channels is not positive,
// the kind is unknown, or the images are empty, not a whole number of
// images, not size×size, or hold NaN or Inf. The images are not modified.
func FitNormalizer(images []*mat.Dense, channels, size int, kind NormKind) (*Normalizer, error) {
	if channels <= 0 || size <= 0 {
		return nil, fmt.Errorf("diffusion: normaliser needs positive channels and size, got %d and %d", channels, size)
	}
	if !enumValid(kind, normNames) {
		return nil, fmt.Errorf("diffusion: unknown normalisation %v (want %s)", kind, enumList(normNames))
	}
	n, err := imagesOf(images, channels, size)
	if err != nil {
		return nil, err
	}
	hw := size * size
	nz := &Normalizer{Kind: kind, Channels: channels, Size: size, Images: n,
		Mean: make([]float64, channels*hw), Std: make([]float64, channels*hw)}
	if kind == NoNorm {
		for i := range nz.Std {
			nz.Std[i] = 1
		}
		return nz, nil
	}
	m2 := make([]float64, channels*hw)
	if kind == PixelNorm {
		for i := 0; i < n; i++ {
			inv := 1 / float64(i+1)
			for c := 0; c < channels; c++ {
				raw := images[i*channels+c].RawMatrix()
				mean := nz.Mean[c*hw : (c+1)*hw]
				s := m2[c*hw : (c+1)*hw]
				for y := 0; y < size; y++ {
					row := raw.Data[y*raw.Stride : y*raw.Stride+size]
					mr, sr := mean[y*size:(y+1)*size], s[y*size:(y+1)*size]
					for x, v := range row {
						d := v - mr[x]
						mr[x] += d * inv
						sr[x] += d * (v - mr[x])
					}
				}
			}
		}
		for p := range m2 {
			nz.Std[p] = normStd(m2[p]/float64(n), nz.Mean[p])
		}
		return nz, nil
	}
	// GlobalNorm: one Welford accumulator per channel over all pixels.
	for c := 0; c < channels; c++ {
		var mean, s float64
		k := 0
		for i := 0; i < n; i++ {
			raw := images[i*channels+c].RawMatrix()
			for y := 0; y < size; y++ {
				for _, v := range raw.Data[y*raw.Stride : y*raw.Stride+size] {
					k++
					d := v - mean
					mean += d / float64(k)
					s += d * (v - mean)
				}
			}
		}
		sd := normStd(s/float64(k), mean)
		for p := c * hw; p < (c+1)*hw; p++ {
			nz.Mean[p], nz.Std[p] = mean, sd
		}
	}
	return nz, nil
}

// normStd returns √variance, or 1 for a (numerically) constant value.
func normStd(variance, mean float64) float64 {
	sd := math.Sqrt(max(variance, 0))
	if !(sd > 1e-12*max(1, math.Abs(mean))) {
		return 1
	}
	return sd
}

// validate checks a Normalizer read from outside (a checkpoint).
func (nz *Normalizer) validate(channels, size int) error {
	if nz == nil {
		return fmt.Errorf("diffusion: missing normaliser")
	}
	if nz.Channels != channels || nz.Size != size {
		return fmt.Errorf("diffusion: normaliser for %d channels of %d×%d, the model has %d channels of %d×%d",
			nz.Channels, nz.Size, nz.Size, channels, size, size)
	}
	if n := channels * size * size; len(nz.Mean) != n || len(nz.Std) != n {
		return fmt.Errorf("diffusion: normaliser has %d means and %d deviations, want %d", len(nz.Mean), len(nz.Std), n)
	}
	for p, m := range nz.Mean {
		if s := nz.Std[p]; math.IsNaN(m) || math.IsInf(m, 0) || !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("diffusion: normaliser entry %d has mean %v and deviation %v", p, m, s)
		}
	}
	return nil
}

// Normalize writes the normalised images to dst, flat in NCHW layout
// ([len(images)/Channels, Channels, Size, Size]), and returns dst. If dst
// is nil it is allocated. Normalize panics if an image is nil, len(images)
// is not a multiple of Channels or dst has the wrong length, and with
// mat.ErrShape if an image is not Size×Size; it does not check for NaN (see
// FitNormalizer).
func (nz *Normalizer) Normalize(dst []float64, images []*mat.Dense) []float64 {
	hw := nz.Size * nz.Size
	if len(images)%nz.Channels != 0 {
		panic(fmt.Sprintf("diffusion: Normalize of %d planes with %d channels", len(images), nz.Channels))
	}
	if dst == nil {
		dst = make([]float64, len(images)*hw)
	}
	if len(dst) != len(images)*hw {
		panic(fmt.Sprintf("diffusion: Normalize destination of length %d, want %d", len(dst), len(images)*hw))
	}
	for i, m := range images {
		if m == nil {
			panic(fmt.Sprintf("diffusion: Normalize of a nil image plane %d", i))
		}
		if r, c := m.Dims(); r != nz.Size || c != nz.Size {
			panic(mat.ErrShape)
		}
		raw := m.RawMatrix()
		off := (i % nz.Channels) * hw
		mean, std := nz.Mean[off:off+hw], nz.Std[off:off+hw]
		out := dst[i*hw : (i+1)*hw]
		for y := 0; y < nz.Size; y++ {
			row := raw.Data[y*raw.Stride : y*raw.Stride+nz.Size]
			o := y * nz.Size
			for x, v := range row {
				out[o+x] = (v - mean[o+x]) / std[o+x]
			}
		}
	}
	return dst
}

// Denormalize maps flat normalised images x ([N, Channels, Size, Size])
// back to image units, one Size×Size matrix per plane (image i in entries
// [Channels·i, Channels·i+Channels)), and returns them. If dst is nil the
// matrices are allocated; otherwise dst must hold N·Channels matrices, nil
// entries are allocated and the others must be Size×Size. Denormalize
// panics if len(x) is not a whole number of images or dst holds another
// number of planes, and with mat.ErrShape if a plane of dst is not
// Size×Size.
func (nz *Normalizer) Denormalize(dst []*mat.Dense, x []float64) []*mat.Dense {
	hw := nz.Size * nz.Size
	if len(x)%(hw*nz.Channels) != 0 {
		panic(fmt.Sprintf("diffusion: Denormalize of %d values is not a whole number of %d×%d×%d images", len(x), nz.Channels, nz.Size, nz.Size))
	}
	planes := len(x) / hw
	if dst == nil {
		dst = make([]*mat.Dense, planes)
	}
	if len(dst) != planes {
		panic(fmt.Sprintf("diffusion: Denormalize destination holds %d planes, want %d", len(dst), planes))
	}
	for i := range dst {
		if dst[i] == nil {
			dst[i] = mat.NewDense(nz.Size, nz.Size, nil)
		} else if r, c := dst[i].Dims(); r != nz.Size || c != nz.Size {
			panic(mat.ErrShape)
		}
		raw := dst[i].RawMatrix()
		off := (i % nz.Channels) * hw
		mean, std := nz.Mean[off:off+hw], nz.Std[off:off+hw]
		in := x[i*hw : (i+1)*hw]
		for y := 0; y < nz.Size; y++ {
			row := raw.Data[y*raw.Stride : y*raw.Stride+nz.Size]
			o := y * nz.Size
			for j := range row {
				row[j] = in[o+j]*std[o+j] + mean[o+j]
			}
		}
	}
	return dst
}

// clone returns a deep copy of nz.
func (nz *Normalizer) clone() *Normalizer {
	c := *nz
	c.Mean = append([]float64(nil), nz.Mean...)
	c.Std = append([]float64(nil), nz.Std...)
	return &c
}

// IdentityNormalizer returns the Normalizer of kind NoNorm for images of
// the given channels and size: mean 0 and standard deviation 1 everywhere,
// so that Normalize and Denormalize copy. It is the normaliser of a Sampler
// whose denoiser works in image units (GaussianDenoiser, MixtureDenoiser).
// It panics if channels or size is less than 1.
func IdentityNormalizer(channels, size int) *Normalizer {
	if channels < 1 || size < 1 {
		panic(fmt.Sprintf("diffusion: IdentityNormalizer of %d channels of %d×%d", channels, size, size))
	}
	n := channels * size * size
	nz := &Normalizer{Kind: NoNorm, Channels: channels, Size: size, Mean: make([]float64, n), Std: make([]float64, n)}
	for i := range nz.Std {
		nz.Std[i] = 1
	}
	return nz
}
