package imageio

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"
	"gonum.org/v1/gonum/mat"
)

// resizeShapes are (h, w) → (rows, cols) pairs covering shrinking and
// growing, odd and even lengths on both sides, integer and non-integer
// ratios, one axis unchanged, and rectangles. They are resampled with
// resample, which does not crop (Resize would first crop to the aspect
// ratio); TestResizeCropsLikeTheLoader covers the crop.
var resizeShapes = []struct{ h, w, rows, cols int }{
	{12, 12, 6, 6},   // even → even, ratio 2
	{12, 12, 4, 4},   // ratio 3
	{12, 12, 5, 5},   // even → odd, non-integer
	{15, 15, 6, 6},   // odd → even, non-integer
	{15, 15, 7, 7},   // odd → odd
	{16, 8, 6, 3},    // rectangle, even → mixed
	{9, 12, 9, 8},    // one axis unchanged (rows), the other shrinks
	{10, 10, 10, 10}, // unchanged
	{6, 6, 9, 9},     // even → odd, growing
	{7, 7, 12, 12},   // odd → even, growing
	{6, 9, 8, 12},    // rectangle, growing
}

// naiveFourierResize is the definition of ResizeFourier without the
// Dirichlet-kernel closed form: the complex DFT of x, the kept
// frequencies with their Nyquist weights, and the interpolant summed
// term by term at the output pixel centres t = (i + 0.5)·h/rows − 0.5.
func naiveFourierResize(x *mat.Dense, rows, cols int) *mat.Dense {
	h, w := x.Dims()
	// Weights of the integer frequencies k of an axis of length m resized
	// to n, as a map k → W.
	weights := func(m, n int) map[int]float64 {
		out := map[int]float64{}
		if n == m {
			for k := -(m / 2); k <= (m-1)/2; k++ {
				out[k] = 1
			}
			return out
		}
		band := min(m, n)
		for k := -(band - 1) / 2; k <= (band-1)/2; k++ {
			out[k] = 1
		}
		if band%2 == 0 {
			wn := 0.5 // growing: the source Nyquist coefficient halved
			if n < m {
				wn = 1 / math.Sqrt2 // shrinking: power-preserving pair
			}
			out[band/2], out[-band/2] = wn, wn
		}
		return out
	}
	wy, wx := weights(h, rows), weights(w, cols)
	pos := func(i, m, n int) float64 {
		if m == n {
			return float64(i)
		}
		return (float64(i)+0.5)*float64(m)/float64(n) - 0.5
	}
	dft := func(ky, kx int) complex128 {
		var s complex128
		for r := range h {
			for c := range w {
				ph := -2 * math.Pi * (float64(ky*r)/float64(h) + float64(kx*c)/float64(w))
				s += complex(x.At(r, c), 0) * cmplx.Exp(complex(0, ph))
			}
		}
		return s
	}
	type coef struct {
		ky, kx int
		v      complex128
	}
	var cs []coef
	for ky, a := range wy {
		for kx, b := range wx {
			cs = append(cs, coef{ky, kx, complex(a*b, 0) * dft(ky, kx)})
		}
	}
	y := mat.NewDense(rows, cols, nil)
	for i := range rows {
		ty := pos(i, h, rows)
		for j := range cols {
			tx := pos(j, w, cols)
			var s complex128
			for _, c := range cs {
				ph := 2 * math.Pi * (float64(c.ky)*ty/float64(h) + float64(c.kx)*tx/float64(w))
				s += c.v * cmplx.Exp(complex(0, ph))
			}
			y.Set(i, j, real(s)/float64(h*w))
		}
	}
	return y
}

func randomMatrix(rnd *rand.Rand, h, w int) *mat.Dense {
	x := mat.NewDense(h, w, nil)
	for i := range h {
		for j := range w {
			x.Set(i, j, rnd.NormFloat64())
		}
	}
	return x
}

func TestResizeFourierMatchesDefinition(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 1))
	const tol = 1e-11 // closed form against term-by-term sums of ~100 terms
	for i, tc := range resizeShapes {
		x := randomMatrix(rnd, tc.h, tc.w)
		orig := mat.DenseCopyOf(x)
		got := resample(x, tc.rows, tc.cols, ResizeFourier)
		want := naiveFourierResize(x, tc.rows, tc.cols)
		r, c := got.Dims()
		require.Equal(t, [2]int{tc.rows, tc.cols}, [2]int{r, c}, "case %d", i)
		for a := range r {
			for b := range c {
				require.InDelta(t, want.At(a, b), got.At(a, b), tol, "case %d (%d, %d)", i, a, b)
			}
		}
		assert.True(t, mat.Equal(orig, x), "case %d: input modified", i)
	}
}

func TestResizeFourierSpectrum(t *testing.T) {
	t.Parallel()
	// Shrinking keeps each orthonormal Fourier coefficient below the new
	// Nyquist frequency up to the factor sqrt(n/m) and a phase, so its
	// modulus times sqrt(m/n) is unchanged; at the new (even) Nyquist
	// frequency the modulus is that of (X₊ e^(iφ) + X₋ e^(−iφ))/√2. One
	// axis (1-D, a 1×m row) suffices: the 2-D map is the product of two.
	rnd := rand.New(rand.NewPCG(2, 2))
	dft := func(x []float64, k int) complex128 {
		var s complex128
		for j, v := range x {
			s += complex(v, 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*j)/float64(len(x))))
		}
		return s / complex(math.Sqrt(float64(len(x))), 0)
	}
	for _, tc := range []struct{ m, n int }{{24, 8}, {24, 10}, {25, 9}, {30, 12}} {
		x := randomMatrix(rnd, 1, tc.m)
		y := resample(x, 1, tc.n, ResizeFourier)
		xs, ys := x.RawRowView(0), y.RawRowView(0)
		f := math.Sqrt(float64(tc.m) / float64(tc.n))
		for k := 0; 2*k < tc.n; k++ {
			got := cmplx.Abs(dft(ys, k)) * f
			assert.InDelta(t, cmplx.Abs(dft(xs, k)), got, 1e-12, "m %d n %d k %d", tc.m, tc.n, k)
		}
		if tc.n%2 == 0 {
			k := tc.n / 2
			// Phase of the half-pixel alignment: the shift of the
			// output grid is δ = (m/n − 1)/2 source pixels.
			phi := math.Pi * float64(k) * (float64(tc.m)/float64(tc.n) - 1) / float64(tc.m)
			want := (dft(xs, k)*cmplx.Exp(complex(0, phi)) + dft(xs, -k)*cmplx.Exp(complex(0, -phi))) / complex(math.Sqrt2, 0)
			got := cmplx.Abs(dft(ys, k)) * f
			assert.InDelta(t, cmplx.Abs(want), got, 1e-12, "Nyquist, m %d n %d", tc.m, tc.n)
		}
	}
}

func TestResizeFourierBandLimited(t *testing.T) {
	t.Parallel()
	// A periodic cosine below the new Nyquist frequency is resampled
	// exactly: output pixel i is the cosine at the source coordinate
	// t_i = (i + 0.5)·h/rows − 0.5 (closed form, no DFT).
	for _, tc := range []struct {
		h, rows int
		f       int // cycles per image
	}{{96, 32, 15}, {96, 40, 19}, {96, 27, 13}, {50, 20, 3}, {31, 64, 15}} {
		x := mat.NewDense(tc.h, tc.h, nil)
		wave := func(ty, tx float64) float64 {
			return math.Cos(2*math.Pi*float64(tc.f)*ty/float64(tc.h)+0.3) *
				math.Cos(2*math.Pi*float64(tc.f)*tx/float64(tc.h)-1.1)
		}
		for i := range tc.h {
			for j := range tc.h {
				x.Set(i, j, wave(float64(i), float64(j)))
			}
		}
		y, err := Resize(x, tc.rows, tc.rows, ResizeFourier)
		require.NoError(t, err)
		s := float64(tc.h) / float64(tc.rows)
		for i := range tc.rows {
			for j := range tc.rows {
				want := wave((float64(i)+0.5)*s-0.5, (float64(j)+0.5)*s-0.5)
				require.InDelta(t, want, y.At(i, j), 1e-11, "h %d rows %d (%d, %d)", tc.h, tc.rows, i, j)
			}
		}
	}
}

func TestResizeBicubicMatchesDraw(t *testing.T) {
	t.Parallel()
	// ResizeBicubic is golang.org/x/image/draw.CatmullRom computed in
	// float64: on a 16-bit image whose result stays inside [0, 1] (no
	// clipping), the two agree to draw's output rounding, 0.5/65535.
	rnd := rand.New(rand.NewPCG(3, 3))
	for i, tc := range resizeShapes {
		img := image.NewGray16(image.Rect(0, 0, tc.w, tc.h))
		x := mat.NewDense(tc.h, tc.w, nil)
		for r := range tc.h {
			for c := range tc.w {
				v := uint16(0x4000 + rnd.IntN(0x8000)) // [0.25, 0.75]: no overshoot out of [0, 1]
				img.SetGray16(c, r, color.Gray16{Y: v})
				x.Set(r, c, float64(v)/65535)
			}
		}
		dst := image.NewRGBA64(image.Rect(0, 0, tc.cols, tc.rows))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
		got := resample(x, tc.rows, tc.cols, ResizeBicubic)
		for r := range tc.rows {
			for c := range tc.cols {
				want := float64(dst.RGBA64At(c, r).R) / 65535
				require.InDelta(t, want, got.At(r, c), 0.5/65535+1e-12, "case %d (%d, %d)", i, r, c)
			}
		}
	}
}

func TestResizeBox(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(4, 4))
	// Integer ratio: the mean of each 3×3 block.
	x := randomMatrix(rnd, 12, 12)
	y, err := Resize(x, 4, 4, ResizeBox)
	require.NoError(t, err)
	for i := range 4 {
		for j := range 4 {
			var s float64
			for a := range 3 {
				for b := range 3 {
					s += x.At(3*i+a, 3*j+b)
				}
			}
			require.InDelta(t, s/9, y.At(i, j), 1e-14, "(%d, %d)", i, j)
		}
	}
	// Any ratio: area averaging keeps the mean (each source pixel's
	// weights over the outputs sum to n/m), and each output is a
	// convex combination.
	for i, tc := range resizeShapes {
		x := randomMatrix(rnd, tc.h, tc.w)
		y := resample(x, tc.rows, tc.cols, ResizeBox)
		assert.InDelta(t, mat.Sum(x)/float64(tc.h*tc.w), mat.Sum(y)/float64(tc.rows*tc.cols), 1e-12, "case %d", i)
	}
	// 5 → 2: output 0 covers [0, 2.5), output 1 covers [2.5, 5).
	row := mat.NewDense(1, 5, []float64{1, 2, 3, 4, 5})
	y = resample(row, 1, 2, ResizeBox)
	assert.InDeltaSlice(t, []float64{(1 + 2 + 0.5*3) / 2.5, (0.5*3 + 4 + 5) / 2.5}, y.RawRowView(0), 1e-14)
}

func TestResizeCropsLikeTheLoader(t *testing.T) {
	t.Parallel()
	// Resize of the decoded plane equals the loader's resize, for every
	// method, including the centre crop of a non-square image.
	rnd := rand.New(rand.NewPCG(5, 5))
	img := image.NewGray(image.Rect(0, 0, 37, 23))
	for i := range img.Pix {
		img.Pix[i] = uint8(rnd.IntN(256))
	}
	src := pngBytes(t, img)
	full, err := Decode(bytes.NewReader(src), nil)
	require.NoError(t, err)
	for _, m := range []ResizeMethod{ResizeFourier, ResizeBicubic, ResizeBox} {
		for _, size := range [][2]int{{10, 10}, {8, 13}, {23, 23}} {
			got, err := Decode(bytes.NewReader(src), &Options{Rows: size[0], Cols: size[1], Resize: m})
			require.NoError(t, err)
			want, err := Resize(full, size[0], size[1], m)
			require.NoError(t, err)
			assert.True(t, mat.EqualApprox(want, got, 1e-15), "%v %v", m, size)
		}
	}
}

func TestResizeErrors(t *testing.T) {
	t.Parallel()
	x := mat.NewDense(4, 4, nil)
	nan := mat.NewDense(2, 2, []float64{0, math.NaN(), 0, 0})
	for i, tc := range []struct {
		src        mat.Matrix
		rows, cols int
		m          ResizeMethod
		want       string
	}{
		{nil, 2, 2, ResizeFourier, "nil matrix"},
		{x, 0, 2, ResizeFourier, "must be positive"},
		{x, 2, -1, ResizeFourier, "must be positive"},
		{x, 1 << 14, 1 << 14, ResizeFourier, "exceeds the limit"},
		{x, 2, 2, ResizeMethod(7), "invalid resize method"},
		{x, 2, 2, ResizeMethod(-1), "invalid resize method"},
		{nan, 1, 1, ResizeBox, "NaN"},
		{&mat.Dense{}, 1, 1, ResizeBox, "empty"},
	} {
		var err error
		require.NotPanics(t, func() { _, err = Resize(tc.src, tc.rows, tc.cols, tc.m) }, "case %d", i)
		require.Error(t, err, "case %d", i)
		assert.True(t, strings.HasPrefix(err.Error(), "imageio: "), "case %d: %v", i, err)
		assert.Contains(t, err.Error(), tc.want, "case %d", i)
	}
	_, err := Decode(bytes.NewReader(pngBytes(t, grayImage(4, 4, 1))), &Options{Size: 2, Resize: 9})
	assert.ErrorContains(t, err, "invalid resize method")
}

func TestResizeMethodNames(t *testing.T) {
	t.Parallel()
	for _, m := range []ResizeMethod{ResizeFourier, ResizeBicubic, ResizeBox} {
		got, err := ParseResizeMethod(strings.ToUpper(m.String()))
		require.NoError(t, err)
		assert.Equal(t, m, got)
		b, err := m.MarshalText()
		require.NoError(t, err)
		var u ResizeMethod
		require.NoError(t, u.UnmarshalText(b))
		assert.Equal(t, m, u)
	}
	assert.Equal(t, "fourier", ResizeMethod(0).String(), "the zero value is the default")
	assert.Equal(t, "ResizeMethod(5)", ResizeMethod(5).String())
	_, err := ParseResizeMethod("lanczos")
	assert.ErrorContains(t, err, "want fourier, bicubic or box")
	_, err = ResizeMethod(5).MarshalText()
	assert.Error(t, err)
}

func TestUpscaleRefused(t *testing.T) {
	t.Parallel()
	// A 20×30 image: its square centre crop is 20×20. Targets up to 20 are
	// downscales; 21 needs Upscale. A header-only PNG shows the check is
	// made before the pixels are decoded.
	src := pngBytes(t, grayImage(30, 20, 5))
	_, err := Decode(bytes.NewReader(src), &Options{Size: 20})
	require.NoError(t, err)
	_, err = Decode(bytes.NewReader(src), &Options{Size: 21})
	require.ErrorIs(t, err, ErrUpscale)
	assert.ErrorContains(t, err, "20×20 centre crop")
	_, err = Decode(bytes.NewReader(src), &Options{Size: 21, Upscale: true})
	require.NoError(t, err)
	_, err = Decode(bytes.NewReader(src), &Options{Rows: 10, Cols: 31})
	require.ErrorContains(t, err, "upscaling refused", "wide target beyond the width")
	_, err = Decode(bytes.NewReader(pngHeaderOnly(8, 8)), &Options{Size: 9})
	require.ErrorContains(t, err, "upscaling refused")
}

// TestResizeBandBehaviour shows, on single waves, what each method does to
// a 96 → 32 resize (new Nyquist frequency: 16 cycles per image). A wave
// of 12 cycles, inside the new band, keeps its amplitude with
// ResizeFourier (exactly: TestResizeFourierBandLimited) and loses about a
// quarter of it with ResizeBicubic (0.763, and 0.805 with ResizeBox); a wave
// of 20 cycles, above the new band, vanishes with ResizeFourier but folds
// back to 32 − 20 = 12 cycles with ResizeBox at half its amplitude
// (0.506 = |sin(3πf/96)/(3 sin(πf/96))| at f = 20, the box's response) and
// with ResizeBicubic at 0.239 (aliasing).
func TestResizeBandBehaviour(t *testing.T) {
	t.Parallel()
	// rms returns the root mean square of the resized wave of f cycles per
	// image along x.
	rms := func(f int, m ResizeMethod) float64 {
		x := mat.NewDense(96, 96, nil)
		for i := range 96 {
			for j := range 96 {
				x.Set(i, j, math.Cos(2*math.Pi*float64(f*j)/96))
			}
		}
		y := resample(x, 32, 32, m)
		return mat.Norm(y, 2) / 32 // Frobenius norm / sqrt(32·32)
	}
	full := 1 / math.Sqrt2 // rms of a unit cosine
	assert.InDelta(t, full, rms(12, ResizeFourier), 1e-12)
	assert.Less(t, rms(12, ResizeBicubic)/full, 0.8, "bicubic attenuates inside the band")
	assert.Less(t, rms(20, ResizeFourier), 1e-12, "Fourier drops the wave above the band")
	boxGain := math.Abs(math.Sin(3*math.Pi*20/96) / (3 * math.Sin(math.Pi*20/96)))
	assert.InDelta(t, boxGain, rms(20, ResizeBox)/full, 1e-12, "box aliases the wave above the band")
	t.Logf("amplitude ratios at 12 cycles: bicubic %.3f, box %.3f; at 20 cycles: bicubic %.3f, box %.3f",
		rms(12, ResizeBicubic)/full, rms(12, ResizeBox)/full, rms(20, ResizeBicubic)/full, rms(20, ResizeBox)/full)
}

func TestUpscaleRefusedBeforeDecoding(t *testing.T) {
	t.Parallel()
	// a.png has a 64×64 header but no pixels; b.png is 4×4. At size 8 the
	// folder fails on b.png's size, found from the headers, not on a.png's
	// missing pixels, which decoding would meet first.
	dir := t.TempDir()
	writeTestFile(t, dir, "a.png", pngHeaderOnly(64, 64))
	writeTestFile(t, dir, "b.png", pngBytes(t, grayImage(4, 4, 3)))
	_, _, err := LoadDir(dir, &Options{Size: 8})
	require.ErrorIs(t, err, ErrUpscale)
	assert.ErrorContains(t, err, "b.png")
	_, _, err = LoadPaths([]string{dir}, &Options{Size: 8})
	require.ErrorIs(t, err, ErrUpscale)
	_, _, err = LoadDir(dir, &Options{Size: 8, Upscale: true})
	assert.ErrorContains(t, err, "a.png", "with Upscale, the decoding error")
}
