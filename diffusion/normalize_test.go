package diffusion

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// normTestNaive computes the per-pixel mean and population standard
// deviation of channel c with a two-pass At-based loop, the reference for
// FitNormalizer's Welford updates.
func normTestNaive(images []*mat.Dense, channels, c, y, x int) (mean, std float64) {
	n := len(images) / channels
	for i := 0; i < n; i++ {
		mean += images[i*channels+c].At(y, x)
	}
	mean /= float64(n)
	for i := 0; i < n; i++ {
		d := images[i*channels+c].At(y, x) - mean
		std += d * d
	}
	return mean, math.Sqrt(std / float64(n))
}

func TestNormalizerPixel(t *testing.T) {
	const tol = 1e-12
	for _, channels := range []int{1, 3} {
		imgs := trainTestImages(4*channels, 6, 11)
		// A constant pixel in channel 0: its deviation is 0 and must be
		// replaced by 1, mapping it to 0 and back to its value exactly.
		for i := 0; i < 4; i++ {
			imgs[i*channels].Set(1, 2, 0.1)
		}
		orig := make([]*mat.Dense, len(imgs))
		for i, m := range imgs {
			orig[i] = mat.DenseCopyOf(m)
		}
		nz, err := FitNormalizer(imgs, channels, 6, PixelNorm)
		require.NoError(t, err)
		for c := 0; c < channels; c++ {
			for y := 0; y < 6; y++ {
				for x := 0; x < 6; x++ {
					m, s := normTestNaive(imgs, channels, c, y, x)
					p := (c*6+y)*6 + x
					assert.InDelta(t, m, nz.Mean[p], tol)
					if c == 0 && y == 1 && x == 2 {
						assert.Equal(t, 0.1, nz.Mean[p])
						assert.Equal(t, 1.0, nz.Std[p])
						continue
					}
					assert.InDelta(t, s, nz.Std[p], tol)
				}
			}
		}
		x := nz.Normalize(nil, imgs)
		require.Len(t, x, len(imgs)*36)
		// Normalised pixels have mean 0 and deviation 1 over the set.
		for p := 0; p < channels*36; p++ {
			var m, v float64
			for i := 0; i < 4; i++ {
				m += x[i*channels*36+p]
			}
			m /= 4
			for i := 0; i < 4; i++ {
				d := x[i*channels*36+p] - m
				v += d * d
			}
			assert.InDelta(t, 0, m, tol)
			if p == 1*6+2 {
				assert.Equal(t, 0.0, v)
				continue
			}
			assert.InDelta(t, 1, v/4, 1e-9)
		}
		back := nz.Denormalize(nil, x)
		for i := range imgs {
			assert.True(t, mat.EqualApprox(back[i], imgs[i], tol), "round trip")
			assert.True(t, mat.Equal(orig[i], imgs[i]), "inputs unchanged")
			if i%channels == 0 {
				assert.Equal(t, 0.1, back[i].At(1, 2), "constant pixel restored exactly")
			}
		}
	}
}

func TestNormalizerGlobalAndNone(t *testing.T) {
	imgs := trainTestImages(6, 5, 12) // 3 channels, 2 images
	nz, err := FitNormalizer(imgs, 3, 5, GlobalNorm)
	require.NoError(t, err)
	for c := 0; c < 3; c++ {
		var vals []float64
		for i := 0; i < 2; i++ {
			vals = append(vals, imgs[i*3+c].RawMatrix().Data...)
		}
		var m, v float64
		for _, x := range vals {
			m += x
		}
		m /= float64(len(vals))
		for _, x := range vals {
			v += (x - m) * (x - m)
		}
		s := math.Sqrt(v / float64(len(vals)))
		for p := c * 25; p < (c+1)*25; p++ {
			assert.InDelta(t, m, nz.Mean[p], 1e-12)
			assert.InDelta(t, s, nz.Std[p], 1e-12)
		}
	}
	none, err := FitNormalizer(imgs, 3, 5, NoNorm)
	require.NoError(t, err)
	x := none.Normalize(nil, imgs)
	for i, m := range imgs {
		assert.Equal(t, m.RawMatrix().Data, x[i*25:(i+1)*25])
	}
}

func TestNormalizerErrors(t *testing.T) {
	imgs := trainTestImages(2, 4, 13)
	_, err := FitNormalizer(imgs, 1, 4, NormKind(3))
	assert.ErrorContains(t, err, "unknown normalisation")
	_, err = FitNormalizer(imgs, 0, 4, PixelNorm)
	assert.ErrorContains(t, err, "positive channels")
	_, err = FitNormalizer(imgs, 1, 5, PixelNorm)
	assert.ErrorContains(t, err, "the model wants 5×5")
	var zero TrainConfig
	nz, err := FitNormalizer(imgs, 1, 4, zero.Normalize)
	require.NoError(t, err)
	assert.Equal(t, PixelNorm, nz.Kind, "the zero NormKind is PixelNorm")
	assert.Panics(t, func() { nz.Normalize(make([]float64, 3), imgs) })
	assert.Panics(t, func() { nz.Denormalize(nil, make([]float64, 17)) })
	assert.PanicsWithValue(t, mat.ErrShape, func() { nz.Normalize(nil, []*mat.Dense{mat.NewDense(3, 4, nil)}) })
	assert.PanicsWithValue(t, mat.ErrShape, func() { nz.Denormalize([]*mat.Dense{mat.NewDense(4, 5, nil)}, make([]float64, 16)) })
	assert.Panics(t, func() { nz.Normalize(nil, []*mat.Dense{mat.NewDense(3, 4, nil)}) })
}
