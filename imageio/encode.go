package imageio

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/internal/atomicfile"
)

// EncodePNG writes m as a grayscale PNG of the given bit depth (8 or 16)
// to w. Values are mapped linearly from [lo, hi] to the full sample range
// [0, 2^bits − 1] and rounded to the nearest sample; values outside
// [lo, hi] are clipped. With lo = 0 and hi = 1, an image decoded by Load
// from an 8-bit (16-bit) PNG is written back with exactly its original
// samples at the same depth. m must have finite values; lo and hi must be
// finite with lo < hi.
func EncodePNG(w io.Writer, m *mat.Dense, lo, hi float64, bits int) error {
	if bits != 8 && bits != 16 {
		return fmt.Errorf("imageio: EncodePNG: bit depth %d, want 8 or 16", bits)
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(lo < hi) {
		return fmt.Errorf("imageio: EncodePNG: invalid range [%v, %v]", lo, hi)
	}
	if m == nil || m.IsEmpty() {
		return errors.New("imageio: EncodePNG: empty image")
	}
	rows, cols := m.Dims()
	raw := m.RawMatrix()
	top := float64(uint(1)<<bits - 1)
	scale := top / (hi - lo)
	var img image.Image
	var gray *image.Gray
	var gray16 *image.Gray16
	if bits == 8 {
		gray = image.NewGray(image.Rect(0, 0, cols, rows))
		img = gray
	} else {
		gray16 = image.NewGray16(image.Rect(0, 0, cols, rows))
		img = gray16
	}
	for y := range rows {
		for x, v := range raw.Data[y*raw.Stride : y*raw.Stride+cols] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("imageio: EncodePNG: non-finite value %v at row %d, col %d", v, y, x)
			}
			q := math.Round((v - lo) * scale)
			q = min(max(q, 0), top)
			if bits == 8 {
				gray.Pix[y*gray.Stride+x] = uint8(q)
			} else {
				u := uint16(q)
				gray16.Pix[y*gray16.Stride+2*x] = uint8(u >> 8)
				gray16.Pix[y*gray16.Stride+2*x+1] = uint8(u)
			}
		}
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("imageio: EncodePNG: %w", err)
	}
	return nil
}

// SavePNG writes m to the file at path with EncodePNG, atomically: to a
// temporary file in the same directory, synced and renamed over path, so
// that a failed write leaves an existing file at path untouched.
func SavePNG(path string, m *mat.Dense, lo, hi float64, bits int) error {
	return atomicfile.Write("imageio", path, func(w io.Writer) error { return EncodePNG(w, m, lo, hi, bits) })
}
