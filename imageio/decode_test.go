package imageio

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
)

// pngBytes encodes img as PNG.
func pngBytes(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// writeTestFile writes data to dir/name and returns the path.
func writeTestFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// grayImage returns a w×h 8-bit image with the given value everywhere.
func grayImage(w, h int, v uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

func TestDecodeGoldenGray8(t *testing.T) {
	t.Parallel()
	// A 3 wide, 2 high image: rows = y, cols = x, value v/255.
	img := image.NewGray(image.Rect(0, 0, 3, 2))
	pix := [2][3]uint8{{0, 1, 128}, {200, 254, 255}}
	for y := range 2 {
		for x := range 3 {
			img.SetGray(x, y, color.Gray{Y: pix[y][x]})
		}
	}
	m, err := Decode(bytes.NewReader(pngBytes(t, img)), nil)
	require.NoError(t, err)
	r, c := m.Dims()
	require.Equal(t, [2]int{2, 3}, [2]int{r, c})
	for y := range 2 {
		for x := range 3 {
			assert.Equal(t, float64(pix[y][x])/255, m.At(y, x), "pixel y=%d x=%d", y, x)
		}
	}
}

func TestDecodeGoldenGray16(t *testing.T) {
	t.Parallel()
	img := image.NewGray16(image.Rect(0, 0, 2, 3))
	pix := [3][2]uint16{{0, 1}, {257, 32768}, {65534, 65535}}
	for y := range 3 {
		for x := range 2 {
			img.SetGray16(x, y, color.Gray16{Y: pix[y][x]})
		}
	}
	m, err := Decode(bytes.NewReader(pngBytes(t, img)), nil)
	require.NoError(t, err)
	for y := range 3 {
		for x := range 2 {
			// 16-bit precision is kept: 1/65535 differs from 0.
			assert.Equal(t, float64(pix[y][x])/65535, m.At(y, x), "pixel y=%d x=%d", y, x)
		}
	}
}

func TestDecodeGoldenColor(t *testing.T) {
	t.Parallel()
	px := [][3]uint8{{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 200, 30}, {255, 255, 255}, {1, 2, 3}}
	// Pillow 9.4: Image.new('RGB', (3, 2)).putdata(px).convert('L'),
	// computed via /usr/bin/python3. Pillow rounds to 8 bits.
	pillowL := []float64{76, 150, 29, 124, 255, 2}
	img := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	for i, p := range px {
		img.SetNRGBA(i%3, i/3, color.NRGBA{R: p[0], G: p[1], B: p[2], A: 255})
	}
	data := pngBytes(t, img)
	m, err := Decode(bytes.NewReader(data), nil)
	require.NoError(t, err)
	rgb, err := DecodeRGB(bytes.NewReader(data), nil)
	require.NoError(t, err)
	const tol = 1e-15
	for i, p := range px {
		y, x := i/3, i%3
		want := (0.299*float64(p[0]) + 0.587*float64(p[1]) + 0.114*float64(p[2])) / 255
		assert.InDelta(t, want, m.At(y, x), tol, "luma %d", i)
		// Pillow's 8-bit rounding is the only difference.
		assert.InDelta(t, pillowL[i]/255, m.At(y, x), 0.5/255, "Pillow L %d", i)
		for ch := range 3 {
			assert.Equal(t, float64(p[ch])/255, rgb[ch].At(y, x), "channel %d pixel %d", ch, i)
		}
	}
}

func TestDecodeAlphaAndColorResize(t *testing.T) {
	t.Parallel()
	// Alpha premultiplies (composites onto black): transparent white is 0;
	// for white at alpha 128, color.NRGBA.RGBA gives R = G = B = 0x8080.
	img := image.NewNRGBA(image.Rect(0, 0, 3, 1))
	img.SetNRGBA(0, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 0})
	img.SetNRGBA(1, 0, color.NRGBA{R: 255, G: 255, B: 255, A: 128})
	img.SetNRGBA(2, 0, color.NRGBA{R: 255, G: 0, B: 0, A: 255})
	m, err := Decode(bytes.NewReader(pngBytes(t, img)), nil)
	require.NoError(t, err)
	assert.Equal(t, []float64{0, float64(0x8080) / 65535, 0.299}, m.RawRowView(0))

	// A constant colour image resized keeps each channel.
	c := image.NewNRGBA(image.Rect(0, 0, 30, 20))
	for y := range 20 {
		for x := range 30 {
			c.SetNRGBA(x, y, color.NRGBA{R: 10, G: 100, B: 200, A: 255})
		}
	}
	rgb, err := DecodeRGB(bytes.NewReader(pngBytes(t, c)), &Options{Rows: 7, Cols: 5})
	require.NoError(t, err)
	for ch, v := range []float64{10, 100, 200} {
		r, cc := rgb[ch].Dims()
		require.Equal(t, [2]int{7, 5}, [2]int{r, cc})
		for _, got := range rgb[ch].RawMatrix().Data {
			// Fourier resampling keeps only the mean of a constant: exact
			// up to the rounding of its weights (sum 1 to within 1e-15).
			require.InDelta(t, v/255, got, 1e-14, "channel %d", ch)
		}
	}
}

func TestDecodeJPEGAndGIF(t *testing.T) {
	t.Parallel()
	// JPEG is lossy: a flat grey image survives within a couple of levels.
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, grayImage(16, 8, 100), &jpeg.Options{Quality: 100}))
	m, err := Decode(&buf, nil)
	require.NoError(t, err)
	r, c := m.Dims()
	assert.Equal(t, [2]int{8, 16}, [2]int{r, c})
	for _, v := range m.RawMatrix().Data {
		assert.InDelta(t, 100.0/255, v, 2.0/255)
	}

	// GIF is exact through its palette.
	pal := color.Palette{color.Gray{Y: 0}, color.Gray{Y: 77}, color.RGBA{R: 255, G: 0, B: 0, A: 255}}
	p := image.NewPaletted(image.Rect(0, 0, 3, 1), pal)
	p.Pix = []uint8{0, 1, 2}
	buf.Reset()
	require.NoError(t, gif.Encode(&buf, p, nil))
	m, err = Decode(&buf, nil)
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 77.0 / 255, 0.299}, m.RawRowView(0))
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, bits := range []int{8, 16} {
		top := 1<<bits - 1
		for _, sz := range [][2]int{{1, 1}, {5, 7}, {16, 3}} {
			m := mat.NewDense(sz[0], sz[1], nil)
			data := m.RawMatrix().Data
			for i := range data {
				data[i] = float64(rnd.IntN(top+1)) / float64(top)
			}
			data[0] = 1 // the top of the range must survive too
			var buf bytes.Buffer
			require.NoError(t, EncodePNG(&buf, m, 0, 1, bits))
			got, err := Decode(&buf, nil)
			require.NoError(t, err)
			assert.True(t, mat.Equal(m, got), "bits %d size %v: round trip not exact", bits, sz)
		}
	}
}

func TestEncodePNGRangeAndClip(t *testing.T) {
	t.Parallel()
	// [lo, hi] = [-1, 3]: -5 clips to 0, -1 → 0, 1 → 127.5 → 128, 3 → 255,
	// 9 clips to 255.
	m := mat.NewDense(1, 5, []float64{-5, -1, 1, 3, 9})
	var buf bytes.Buffer
	require.NoError(t, EncodePNG(&buf, m, -1, 3, 8))
	img, err := png.Decode(&buf)
	require.NoError(t, err)
	g, ok := img.(*image.Gray)
	require.True(t, ok, "got %T, want *image.Gray", img)
	assert.Equal(t, []uint8{0, 0, 128, 255, 255}, g.Pix)

	buf.Reset()
	require.NoError(t, EncodePNG(&buf, m, -1, 3, 16))
	img, err = png.Decode(&buf)
	require.NoError(t, err)
	g16, ok := img.(*image.Gray16)
	require.True(t, ok, "got %T, want *image.Gray16", img)
	// 1 → 0.5·65535 = 32767.5 → 32768.
	want := []uint16{0, 0, 32768, 65535, 65535}
	for x, w := range want {
		assert.Equal(t, w, g16.Gray16At(x, 0).Y, "x=%d", x)
	}
}

func TestEncodePNGErrors(t *testing.T) {
	t.Parallel()
	good := mat.NewDense(2, 2, []float64{0, 0.5, 1, 0.25})
	for i, tc := range []struct {
		m      *mat.Dense
		lo, hi float64
		bits   int
		want   string
	}{
		{good, 0, 1, 12, "bit depth 12"},
		{good, 1, 1, 8, "invalid range"},
		{good, 2, 1, 8, "invalid range"},
		{good, math.NaN(), 1, 8, "invalid range"},
		{good, 0, math.Inf(1), 8, "invalid range"},
		{mat.NewDense(1, 2, []float64{0, math.NaN()}), 0, 1, 8, "non-finite value NaN at row 0, col 1"},
		{mat.NewDense(1, 2, []float64{math.Inf(-1), 0}), 0, 1, 16, "non-finite value -Inf at row 0, col 0"},
		{nil, 0, 1, 8, "empty image"},
	} {
		var buf bytes.Buffer
		err := EncodePNG(&buf, tc.m, tc.lo, tc.hi, tc.bits)
		require.Error(t, err, "case %d", i)
		assert.True(t, strings.HasPrefix(err.Error(), "imageio: "), "case %d: %v", i, err)
		assert.Contains(t, err.Error(), tc.want, "case %d", i)
		assert.Zero(t, buf.Len(), "case %d wrote %d bytes", i, buf.Len())
	}
}

func TestCropRect(t *testing.T) {
	t.Parallel()
	for i, tc := range []struct {
		w, h, rows, cols int
		want             image.Rectangle
	}{
		{100, 50, 10, 10, image.Rect(25, 0, 75, 50)}, // wide → square
		{50, 100, 10, 10, image.Rect(0, 25, 50, 75)}, // tall → square
		{51, 40, 4, 4, image.Rect(5, 0, 45, 40)},     // odd leftover: 5 left, 6 right
		{96, 96, 96, 96, image.Rect(0, 0, 96, 96)},   // already right
		{90, 60, 2, 3, image.Rect(0, 0, 90, 60)},     // same aspect 3:2
		{100, 100, 1, 3, image.Rect(0, 33, 100, 66)}, // 100·1/3 = 33.3 → 33 rows
		{3, 1000, 1000, 1, image.Rect(1, 0, 2, 1000)},
	} {
		got := cropRect(image.Rect(0, 0, tc.w, tc.h), tc.rows, tc.cols)
		assert.Equal(t, tc.want, got, "case %d", i)
	}
	// A shifted origin (a sub-image) is respected.
	assert.Equal(t, image.Rect(35, 5, 85, 55), cropRect(image.Rect(10, 5, 110, 55), 1, 1))
}

func TestResizeDimensionsAndConstant(t *testing.T) {
	t.Parallel()
	src := pngBytes(t, grayImage(70, 50, 77))
	for i, tc := range []struct {
		opts       Options
		rows, cols int
	}{
		{Options{Size: 16}, 16, 16},
		{Options{Size: 50}, 50, 50},                // crop only, no resampling
		{Options{Size: 97, Upscale: true}, 97, 97}, // enlarge
		{Options{Rows: 10, Cols: 30}, 10, 30},
		{Options{Size: 16, Resize: ResizeBicubic}, 16, 16},
		{Options{Size: 16, Resize: ResizeBox}, 16, 16},
		{Options{Size: 97, Resize: ResizeBicubic, Upscale: true}, 97, 97},
		{Options{Size: 97, Resize: ResizeBox, Upscale: true}, 97, 97},
		{Options{Rows: 64, Cols: 9, Upscale: true}, 64, 9},
		{Options{}, 50, 70},
	} {
		m, err := Decode(bytes.NewReader(src), &tc.opts)
		require.NoError(t, err, "case %d", i)
		r, c := m.Dims()
		require.Equal(t, [2]int{tc.rows, tc.cols}, [2]int{r, c}, "case %d", i)
		// A constant image stays constant: every method's weights sum
		// to 1 (to rounding: the Fourier weights are sums of sines).
		for _, v := range m.RawMatrix().Data {
			require.InDelta(t, 77.0/255, v, 1e-14, "case %d", i)
		}
	}
}

func TestResizeGradient(t *testing.T) {
	t.Parallel()
	// A horizontal 16-bit ramp 64 high, 128 wide with value x/127 (to
	// 16-bit rounding). Size 32 crops columns 32..95 and halves the size:
	// output column j covers source x = 32 + 2j + 0.5. The (antialiased)
	// Catmull-Rom kernel is symmetric with weights summing to 1, so it
	// reproduces a linear ramp exactly where it lies inside the crop; the
	// widened kernel has half-width 4 source pixels, so the first and last
	// two output columns lose kernel taps at the crop edge, their weights
	// are renormalised and the ramp bends there by less than one source
	// step.
	img := image.NewGray16(image.Rect(0, 0, 128, 64))
	for y := range 64 {
		for x := range 128 {
			img.SetGray16(x, y, color.Gray16{Y: uint16(math.Round(float64(x) / 127 * 65535))})
		}
	}
	m, err := Decode(bytes.NewReader(pngBytes(t, img)), &Options{Size: 32, Resize: ResizeBicubic})
	require.NoError(t, err)
	step := 1.0 / 127
	for y := range 32 {
		for j := range 32 {
			want := (32 + 2*float64(j) + 0.5) / 127
			tol := 1.0 / 65535 // 16-bit rounding of the source
			if j < 2 || j >= 30 {
				tol = step // renormalised kernel at the crop edges
			}
			require.InDelta(t, want, m.At(y, j), tol, "y=%d j=%d", y, j)
		}
	}
}

func TestResizeMatchesPillow(t *testing.T) {
	t.Parallel()
	// Source: 8×8 values ((7x + 13y) mod 17)/16. Golden values: Pillow 9.4
	// Image.fromarray(a, 'F').resize(size, Image.BICUBIC), whose kernel is
	// Catmull-Rom (a = −0.5), widened when shrinking; computed via
	// /usr/bin/python3. Our source is 16-bit (rounding ≤ 0.5/65535); our
	// result is float64 and not clipped.
	img := image.NewGray16(image.Rect(0, 0, 8, 8))
	for y := range 8 {
		for x := range 8 {
			v := float64((7*x+13*y)%17) / 16
			img.SetGray16(x, y, color.Gray16{Y: uint16(math.Round(v * 65535))})
		}
	}
	src := pngBytes(t, img)
	want3 := [][]float64{
		{0.5080682, 0.4483549, 0.4790446},
		{0.5080338, 0.546284, 0.5256507},
		{0.4513495, 0.4458693, 0.4917333},
	}
	// First two rows of the 12×12 enlargement.
	want12 := [][]float64{
		{-0.0868356, 0.1595878, 0.5432068, 0.8808271, 0.5789474, 0.2909833, 0.6842657, 0.3521279, 0.0248443, 0.4220102, 0.7779121, 0.9827303},
		{0.4052825, 0.3088235, 0.3329674, 0.7502128, 0.4283088, 0.1064049, 0.5236502, 0.5572151, 0.4397382, 0.3778169, 0.625, 0.8633417},
	}
	const tol = 1e-5 // 0.5/65535 of 16-bit rounding, plus float32 in Pillow
	for _, tc := range []struct {
		size int
		want [][]float64
	}{{3, want3}, {12, want12}} {
		m, err := Decode(bytes.NewReader(src), &Options{Size: tc.size, Resize: ResizeBicubic, Upscale: true})
		require.NoError(t, err)
		for y, row := range tc.want {
			for x, w := range row {
				assert.InDelta(t, w, m.At(y, x), tol, "size %d y=%d x=%d", tc.size, y, x)
			}
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	t.Parallel()
	src := pngBytes(t, grayImage(4, 4, 1))
	for i, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Size: -1}, "negative target size"},
		{Options{Rows: -2, Cols: 3}, "negative target size"},
		{Options{Size: 4, Rows: 4}, "give one or the other"},
		{Options{Rows: 4}, "must be given together"},
		{Options{Cols: 4}, "must be given together"},
		{Options{Size: 1 << 14}, "exceeds the limit"},
		{Options{Color: true}, "use DecodeRGB"},
	} {
		_, err := Decode(bytes.NewReader(src), &tc.opts)
		require.Error(t, err, "case %d", i)
		assert.True(t, strings.HasPrefix(err.Error(), "imageio: "), "case %d: %v", i, err)
		assert.Contains(t, err.Error(), tc.want, "case %d", i)
	}
}

// pngHeaderOnly returns the PNG signature and an IHDR chunk declaring a
// w×h 8-bit grayscale image, with a correct CRC, and nothing else.
func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := make([]byte, 0, 17)
	chunk = append(chunk, "IHDR"...)
	chunk = binary.BigEndian.AppendUint32(chunk, w)
	chunk = binary.BigEndian.AppendUint32(chunk, h)
	chunk = append(chunk, 8, 0, 0, 0, 0) // depth 8, gray, deflate, filter 0, no interlace
	_ = binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	valid := pngBytes(t, grayImage(32, 32, 9))
	for i, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"corrupt.png", []byte("this is not an image at all"), "not a PNG, JPEG or GIF image"},
		{"empty.png", nil, "not a PNG, JPEG or GIF image"},
		{"truncated.png", valid[:len(valid)/2], "decoding png"},
		{"headeronly.png", pngHeaderOnly(5, 5), "decoding png"},
		{"absurd.png", pngHeaderOnly(1<<20, 1<<20), "exceeds the limit of 67108864 pixels"},
		{"absurd2.png", pngHeaderOnly(1<<13+1, 1<<13), "exceeds the limit"},
		{"zero.png", pngHeaderOnly(0, 5), "png"},
	} {
		p := writeTestFile(t, dir, tc.name, tc.data)
		_, err := Load(p, nil)
		require.Error(t, err, "case %d %s", i, tc.name)
		msg := err.Error()
		assert.True(t, strings.HasPrefix(msg, "imageio: "), "case %d: %v", i, err)
		assert.Contains(t, msg, p, "case %d: error must name the file", i)
		assert.Contains(t, msg, tc.want, "case %d", i)
		_, err = LoadRGB(p, nil)
		assert.Error(t, err, "case %d LoadRGB", i)
		_, err = Decode(bytes.NewReader(tc.data), nil)
		assert.Error(t, err, "case %d Decode", i)
	}
	_, err := Load(filepath.Join(dir, "missing.png"), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.png")
	assert.True(t, os.IsNotExist(errorsUnwrapAll(err)), "missing file should wrap fs.ErrNotExist: %v", err)

	// DecodeConfig reads only the header: an absurd header is rejected,
	// a header-only file passes.
	_, _, _, err = DecodeConfig(filepath.Join(dir, "absurd.png"))
	assert.ErrorContains(t, err, "exceeds the limit")
	w, h, format, err := DecodeConfig(filepath.Join(dir, "headeronly.png"))
	require.NoError(t, err)
	assert.Equal(t, []any{5, 5, "png"}, []any{w, h, format})
}

// errorsUnwrapAll returns the innermost wrapped error.
func errorsUnwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

func TestAbsurdHeaderDoesNotAllocate(t *testing.T) {
	// A 2^20 × 2^20 header would need terabytes; it must be rejected from
	// the header alone, allocating almost nothing.
	data := pngHeaderOnly(1<<20, 1<<20)
	allocs := testing.AllocsPerRun(10, func() {
		_, err := Decode(bytes.NewReader(data), nil)
		if err == nil {
			t.Fatal("no error")
		}
	})
	assert.Less(t, allocs, 100.0)

	// Decode stops at the header: followed by an endless stream it still
	// returns at once.
	_, err := Decode(io.MultiReader(bytes.NewReader(data), decodeTestZeros{}), nil)
	assert.ErrorContains(t, err, "exceeds the limit")
}

// decodeTestZeros is an endless stream of zero bytes.
type decodeTestZeros struct{}

func (decodeTestZeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func BenchmarkDecodePhoto96(b *testing.B) {
	rnd := rand.New(rand.NewPCG(1, 1))
	img := image.NewGray(image.Rect(0, 0, 96, 96))
	for i := range img.Pix {
		img.Pix[i] = uint8(rnd.IntN(256))
	}
	data := pngBytes(b, img)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(data), nil); err != nil {
			b.Fatal(err)
		}
	}
}
