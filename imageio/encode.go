package imageio

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/gonum/mat"
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
		return fmt.Errorf("noise: EncodePNG: bit depth %d, want 8 or 16", bits)
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || !(lo < hi) {
		return fmt.Errorf("noise: EncodePNG: invalid range [%v, %v]", lo, hi)
	}
	if m == nil || m.IsEmpty() {
		return errors.New("noise: EncodePNG: empty image")
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
				return fmt.Errorf("noise: EncodePNG: non-finite value %v at row %d, col %d", v, y, x)
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
		return fmt.Errorf("noise: EncodePNG: %w", err)
	}
	return nil
}

// SavePNG writes m to the file at path with EncodePNG, atomically (see
// WriteFileAtomic).
func SavePNG(path string, m *mat.Dense, lo, hi float64, bits int) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return EncodePNG(w, m, lo, hi, bits) })
}

// WriteFileAtomic creates or replaces the file at path with the bytes that
// write produces. The bytes go to a buffered temporary file in the same
// directory (named "." + base name + ".tmp" + random digits), which is
// synced to disk, given mode 0644 (or the mode of the file it replaces)
// and renamed over path; the directory is then synced on a best-effort
// basis. If write or any step fails, or write panics, the temporary file
// is removed and an existing file at path is left untouched. Errors begin
// with "noise: " and name path. A process killed mid-write can leave the
// temporary file behind, but never a partial file at path.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fmt.Errorf("noise: %q: not a file name", path)
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("noise: %s: exists and is not a regular file", path)
		}
		mode = fi.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp")
	if err != nil {
		return &writeError{path, err}
	}
	tmp := f.Name()
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return &writeError{path, err}
	}
	if err := bw.Flush(); err != nil {
		return &writeError{path, err}
	}
	if err := f.Chmod(mode); err != nil {
		return &writeError{path, err}
	}
	if err := f.Sync(); err != nil {
		return &writeError{path, err}
	}
	if err := f.Close(); err != nil {
		return &writeError{path, err}
	}
	if err := os.Rename(tmp, path); err != nil {
		return &writeError{path, err}
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// writeError reports a failed WriteFileAtomic, without repeating the
// "noise: " prefix of an error returned by the write function.
type writeError struct {
	path string
	err  error
}

func (e *writeError) Error() string {
	return "noise: writing " + e.path + ": " + strings.TrimPrefix(e.err.Error(), "noise: ")
}

func (e *writeError) Unwrap() error { return e.err }
