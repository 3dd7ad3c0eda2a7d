package imageio

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// allocated returns the bytes allocated on the heap while f runs
// (runtime.MemStats.TotalAlloc, which counts every allocation whether or
// not it is freed).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// npyAllocBound is ReadNPY's documented allocation bound for an input of
// n bytes decoding to images images: 1 MiB (the first data buffer) plus 12
// bytes per input byte (8 per value of the matrices for 1-byte values, 4
// for the doublings of the data buffer) plus the headers of the matrices,
// with 1 MiB of slack for the header parser and the test itself.
func npyAllocBound(n, images int) uint64 {
	return 2<<20 + 12*uint64(n) + 128*uint64(images)
}

// FuzzReadNPY checks that ReadNPY, on any input, returns either images or
// an "imageio: " error and never panics; that it allocates within
// npyAllocBound; and that what it decodes survives WriteNPY and ReadNPY bit
// for bit, with WriteNPY's encoding canonical (encode, decode, encode gives
// the same bytes). The seed corpus in testdata/fuzz/FuzzReadNPY was written
// by numpy (scripts/fuzz_seeds_npy.py): every dtype and byte order, C and
// Fortran order, each accepted shape, format versions 1 and 2, truncations,
// trailing bytes, non-finite values and oversized claims.
func FuzzReadNPY(f *testing.F) {
	f.Add(npyTestFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", npyTestF64(0.5, -1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var imgs []*mat.Dense
		var err error
		alloc := allocated(func() { imgs, err = ReadNPY(bytes.NewReader(data)) })
		if bound := npyAllocBound(len(data), len(imgs)); alloc > bound {
			t.Fatalf("ReadNPY of %d bytes allocated %d bytes, more than the bound %d (err %v)", len(data), alloc, bound, err)
		}
		if err != nil {
			if imgs != nil {
				t.Fatalf("error %v with %d images", err, len(imgs))
			}
			if !strings.HasPrefix(err.Error(), "imageio: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		if len(imgs) == 0 {
			t.Fatal("no error and no image")
		}
		rows, cols := imgs[0].Dims()
		for k, m := range imgs {
			if r, c := m.Dims(); r != rows || c != cols {
				t.Fatalf("image %d is %d×%d, image 0 %d×%d", k, r, c, rows, cols)
			}
			for _, v := range m.RawMatrix().Data {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("image %d holds %v", k, v)
				}
			}
		}
		var enc bytes.Buffer
		if err := WriteNPY(&enc, imgs); err != nil {
			t.Fatalf("WriteNPY of decoded images: %v", err)
		}
		again, err := ReadNPY(bytes.NewReader(enc.Bytes()))
		if err != nil {
			t.Fatalf("ReadNPY of WriteNPY's encoding: %v", err)
		}
		if err := sameImages(again, imgs); err != nil {
			t.Fatalf("decode(encode(decode(data))) differs: %v", err)
		}
		var enc2 bytes.Buffer
		if err := WriteNPY(&enc2, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc.Bytes(), enc2.Bytes()) {
			t.Fatal("WriteNPY is not canonical: encode(decode(encode(x))) differs from encode(x)")
		}
	})
}

// sameImages returns an error if got and want differ in number, size or
// any bit of any value.
func sameImages(got, want []*mat.Dense) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d images, want %d", len(got), len(want))
	}
	for k := range got {
		gr, gc := got[k].Dims()
		wr, wc := want[k].Dims()
		if gr != wr || gc != wc {
			return fmt.Errorf("image %d is %d×%d, want %d×%d", k, gr, gc, wr, wc)
		}
		for i := range gr {
			for j := range gc {
				if g, w := got[k].At(i, j), want[k].At(i, j); math.Float64bits(g) != math.Float64bits(w) {
					return fmt.Errorf("image %d at (%d, %d): %v, want %v", k, i, j, g, w)
				}
			}
		}
	}
	return nil
}

// TestReadNPYAllocation checks the bound the issue asks for: a short file
// whose header claims a huge array is refused (as truncated) after
// allocating little, not the gigabytes the header claims.
func TestReadNPYAllocation(t *testing.T) {
	for i, shape := range []string{
		"(16383, 16385)",     // 2^28 − 1 values, just under MaxElements: 2 GiB of float64
		"(1, 16383, 16385)",  // the same as a stack
		"(4, 1, 8192, 8191)", // 2^28 − 2^15 values, (N,1,H,W)
	} {
		for _, descr := range []string{"<f8", "|u1", ">u2", "<f4"} {
			data := npyTestFile(fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape), make([]byte, 24))
			var err error
			alloc := allocated(func() { _, err = ReadNPY(bytes.NewReader(data)) })
			if err == nil || !strings.Contains(err.Error(), "truncated data") {
				t.Errorf("case %d %s: error %v, want truncated data", i, descr, err)
			}
			if bound := npyAllocBound(len(data), 0); alloc > bound {
				t.Errorf("case %d %s: a %d-byte file claiming %s allocated %d bytes, bound %d", i, descr, len(data), shape, alloc, bound)
			}
		}
	}
	// 10^9 values exceed MaxElements: refused from the header alone.
	data := npyTestFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 1000, 1000), }", make([]byte, 24))
	var err error
	alloc := allocated(func() { _, err = ReadNPY(bytes.NewReader(data)) })
	if err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Errorf("10^9 values: error %v, want exceeds the limit", err)
	}
	if alloc > 1<<20 {
		t.Errorf("10^9 values: %d bytes allocated before refusing", alloc)
	}
}

// fuzzDecodeMaxPixels bounds the images FuzzDecode decodes in full: larger
// declared sizes (up to MaxPixels) are legal, and decoding them would
// spend the fuzzing time allocating. Headers above MaxPixels are still
// tried: they must be refused from the header.
const fuzzDecodeMaxPixels = 1 << 16

// decodeAllocBound is the allocation bound FuzzDecode checks, in bytes:
// 96 bytes per pixel of the declared image and of the target (the decoded
// image in up to 8 bytes per pixel, JPEG coefficients in 12, the 16-bit
// RGBA resampling buffers, the float64 planes), plus 1 MiB for the
// decoders' tables and the test itself.
func decodeAllocBound(pixels, target int) uint64 {
	return 1<<20 + 96*uint64(pixels+target)
}

// FuzzDecode checks Decode and DecodeRGB on any input and target size
// (rows, cols; 0, 0 for none, else 1 + rows%48 by 1 + cols%48): an
// "imageio: " error and no image, or planes of the right size;
// allocation within decodeAllocBound; without a target, values in [0, 1]
// and the grayscale image equal, bit for bit, to the BT.601 luma of the
// colour planes; with one, finite values within the overshoot of the
// unclipped Fourier resize and the grayscale image equal to the luma of the
// resized colour planes up to rounding (10⁻⁹); and Load of the same bytes
// in a file equal to Decode. The seed corpus in testdata/fuzz/FuzzDecode
// was written by Pillow (scripts/fuzz_seeds_image.py), plus the two inputs
// that found the resize's overshoot and rounding (resize-*).
func FuzzDecode(f *testing.F) {
	f.Add(pngBytes(f, grayImage(3, 2, 77)), byte(0), byte(0))
	f.Fuzz(func(t *testing.T, data []byte, rows, cols byte) {
		var opts *Options
		tr, tc := 0, 0
		if rows != 0 || cols != 0 {
			tr, tc = 1+int(rows)%48, 1+int(cols)%48
			opts = &Options{Rows: tr, Cols: tc}
		}
		declared := 0
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width > 0 && cfg.Height > 0 {
			if cfg.Width <= MaxPixels/cfg.Height {
				declared = cfg.Width * cfg.Height
				if declared > fuzzDecodeMaxPixels {
					t.Skipf("%d×%d image: legal, too large to fuzz", cfg.Width, cfg.Height)
				}
			}
		}
		var gray *mat.Dense
		var err error
		alloc := allocated(func() { gray, err = Decode(bytes.NewReader(data), opts) })
		if bound := decodeAllocBound(declared, tr*tc); alloc > bound {
			t.Fatalf("Decode of %d bytes (%d pixels declared) allocated %d bytes, bound %d", len(data), declared, alloc, bound)
		}
		rgb, errRGB := DecodeRGB(bytes.NewReader(data), opts)
		if (err == nil) != (errRGB == nil) {
			t.Fatalf("Decode error %v, DecodeRGB error %v", err, errRGB)
		}
		if err != nil {
			if gray != nil || rgb[0] != nil {
				t.Fatalf("error %v with an image", err)
			}
			for _, e := range []error{err, errRGB} {
				if !strings.HasPrefix(e.Error(), "imageio: ") {
					t.Fatalf("error without the package prefix: %v", e)
				}
			}
			return
		}
		r, c := gray.Dims()
		if tr > 0 && (r != tr || c != tc) {
			t.Fatalf("target %d×%d, got %d×%d", tr, tc, r, c)
		}
		for p, m := range rgb {
			if pr, pc := m.Dims(); pr != r || pc != c {
				t.Fatalf("plane %d is %d×%d, gray %d×%d", p, pr, pc, r, c)
			}
		}
		if opts != nil {
			// Resized (ResizeFourier, the default, does not clip): values
			// within the resize's exact bounds, |v − ½| ≤ ½·L with L the
			// largest absolute row sum of the 2-D operator (its weights
			// sum to 1). L is computed from the decoded image's crop (a
			// GIF's first frame can be smaller than its header says); its
			// worst case for downscaling to sides ≤ 48 is 9.40 (49 → 48 on
			// both axes), beyond the fixed ½·4 this check used before.
			half := 0.5
			if full, err := Decode(bytes.NewReader(data), nil); err == nil {
				fr, fc := full.Dims()
				_, _, ch, cw := cropBox(fr, fc, tr, tc)
				half = 0.5*rowAbsSum(axisMatrix(ResizeFourier, ch, tr))*rowAbsSum(axisMatrix(ResizeFourier, cw, tc)) + 1e-12
			} else {
				t.Fatalf("Decode with a target succeeded, without failed: %v", err)
			}
			for y := range r {
				for x := range c {
					for p, m := range append([]*mat.Dense{gray}, rgb[:]...) {
						if v := m.At(y, x); !(math.Abs(v-0.5) <= half) {
							t.Fatalf("plane %d (0: gray) value %v at (%d, %d) after resizing", p, v, y, x)
						}
					}
					// Every plane goes through the same linear resize, so
					// the grey image is the luma of the resized colour
					// planes up to rounding.
					g := gray.At(y, x)
					want := lumaR*rgb[0].At(y, x) + lumaG*rgb[1].At(y, x) + lumaB*rgb[2].At(y, x)
					if math.Abs(g-want) > 1e-9 {
						t.Fatalf("resized gray %v at (%d, %d), luma of the resized colour planes %v", g, y, x, want)
					}
				}
			}
		} else {
			for y := range r {
				for x := range c {
					g := gray.At(y, x)
					if !(g >= 0 && g <= 1) {
						t.Fatalf("gray value %v at (%d, %d)", g, y, x)
					}
					var s [3]uint32
					for p := range rgb {
						v := rgb[p].At(y, x)
						if !(v >= 0 && v <= 1) {
							t.Fatalf("plane %d value %v at (%d, %d)", p, v, y, x)
						}
						s[p] = uint32(math.Round(v * 65535))
					}
					if want := luma(s[0], s[1], s[2]); math.Float64bits(g) != math.Float64bits(want) {
						t.Fatalf("gray %v at (%d, %d), luma of the colour planes %v", g, y, x, want)
					}
				}
			}
		}
		path := writeTestFile(t, t.TempDir(), "fuzz.img", data)
		loaded, err := Load(path, opts)
		if err != nil {
			t.Fatalf("Decode succeeded, Load failed: %v", err)
		}
		if err := sameImages([]*mat.Dense{loaded}, []*mat.Dense{gray}); err != nil {
			t.Fatalf("Load differs from Decode: %v", err)
		}
	})
}

// rowAbsSum returns the largest absolute row sum of m, 1 for nil (the
// identity).
func rowAbsSum(m *mat.Dense) float64 {
	if m == nil {
		return 1
	}
	var best float64
	r, _ := m.Dims()
	for i := range r {
		var s float64
		for _, v := range m.RawRowView(i) {
			s += math.Abs(v)
		}
		best = max(best, s)
	}
	return best
}
