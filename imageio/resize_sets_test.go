package imageio_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise"
	"github.com/cloud-diffusion/noise/imageio"
)

// centralBlock returns the n×n centre of a centred-layout spectrum: the
// frequencies of |ky|, |kx| ≤ n/2 cycles per image, the ones an n×n
// resize of the same field of view holds.
func centralBlock(power *mat.Dense, n int) *mat.Dense {
	r, c := power.Dims()
	return mat.DenseCopyOf(power.Slice(r/2-n/2, r/2-n/2+n, c/2-n/2, c/2-n/2+n))
}

// globalPower is Spectrum.Power of a set (global standardisation).
func globalPower(t *testing.T, imgs []*mat.Dense) *mat.Dense {
	t.Helper()
	r, c := imgs[0].Dims()
	s := noise.NewSpectrum(r, c)
	require.NoError(t, s.AddBatch(imgs))
	p, err := s.Power()
	require.NoError(t, err)
	return p
}

// TestResizeFourierKeepsSetSpectrum: the power spectrum of a set resized
// by ResizeFourier is the source set's spectrum at the same frequencies
// (in cycles per image), times one constant, at every frequency but the
// new Nyquist row and column: each image's coefficients are scaled by
// sqrt(n²/N²) and turned by a phase, the mean removal is linear, and
// Spectrum.Power divides by the set's mean pixel variance (the constant).
func TestResizeFourierKeepsSetSpectrum(t *testing.T) {
	t.Parallel()
	const big = 60
	imgs, err := noise.DeadLeaves{Rows: big, Cols: big}.Images(24, nil)
	require.NoError(t, err)
	src := globalPower(t, imgs)
	for _, n := range []int{30, 24, 17} {
		small := resizeAll(t, imgs, n, imageio.ResizeFourier)
		got := globalPower(t, small)
		want := centralBlock(src, n)
		ratio := got.At(n/2+1, n/2+2) / want.At(n/2+1, n/2+2)
		for i := range n {
			for j := range n {
				if n%2 == 0 && (i == 0 || j == 0) || i == n/2 && j == n/2 {
					continue // the new Nyquist row and column; k = 0
				}
				require.InDelta(t, ratio, got.At(i, j)/want.At(i, j), 1e-9*ratio, "n %d (%d, %d)", n, i, j)
			}
		}
	}
}

// TestPhotos96Resize measures the fitted Δ (the paper's estimator) of
// photos96 at 96, 48 and 32 pixels with each resize method; it needs
// ../shared/data and skips without it. Fourier resizing gives the fit of
// the native spectrum restricted to the frequencies the small size holds
// (its central block): the smaller Δ at 48 and 32 is the photos' own
// spectrum, flatter at low frequencies, not the resize.
func TestPhotos96Resize(t *testing.T) {
	const dir = "../../shared/data/photos96"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("photos96 not found (%v): it lives outside the repository", err)
	}
	if testing.Short() {
		t.Skip("loads 256 photos three times per size")
	}
	t.Parallel()
	native, _, err := imageio.LoadDir(dir, nil)
	require.NoError(t, err)
	nativeFit, err := noise.FitImages(native, nil)
	require.NoError(t, err)
	t.Logf("96 native: Δ = %.3f", nativeFit.Delta)
	for _, n := range []int{48, 32} {
		for _, m := range []imageio.ResizeMethod{imageio.ResizeFourier, imageio.ResizeBicubic, imageio.ResizeBox} {
			imgs, _, err := imageio.LoadDir(dir, &imageio.Options{Size: n, Resize: m})
			require.NoError(t, err)
			f, err := noise.FitImages(imgs, nil)
			require.NoError(t, err)
			t.Logf("%d %-7v: Δ = %.3f", n, m, f.Delta)
		}
		// The global standardisation keeps the comparison exact apart
		// from the Nyquist row and column.
		imgs, _, err := imageio.LoadDir(dir, &imageio.Options{Size: n})
		require.NoError(t, err)
		got, err := noise.FitPowerLaw(globalPower(t, imgs), nil)
		require.NoError(t, err)
		want, err := noise.FitPowerLaw(centralBlock(globalPower(t, native), n), nil)
		require.NoError(t, err)
		t.Logf("%d: Fourier resize (global) Δ = %.4f, native central block Δ = %.4f", n, got.Delta, want.Delta)
		assert.InDelta(t, want.Delta, got.Delta, 0.01, "size %d", n)
	}
}
