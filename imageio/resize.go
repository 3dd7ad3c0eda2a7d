package imageio

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// ResizeMethod says how an image is resampled to a new size. The zero
// value, ResizeFourier, is the default of every loader.
//
// All three methods are separable linear maps: an h×w image x becomes
// Ry·x·Rxᵀ, where Ry (rows×h) and Rx (cols×w) resample one axis. Output
// pixel i of an axis is centred on the source coordinate
// (i + 0.5)·h/rows − 0.5, so the three methods give images that line up.
// None of them clips its result: ResizeFourier and ResizeBicubic ring
// near edges and may leave [0, 1] slightly, and clipping would change the
// spectrum.
type ResizeMethod int

const (
	// ResizeFourier keeps the image's Fourier coefficients below the new
	// Nyquist frequency unchanged in the orthonormal units of package
	// noise, up to the factor sqrt(rows·cols/(h·w)) of the new pixel
	// size and a phase of the half-pixel alignment, and drops the others:
	// band-limited (periodic sinc) resampling, the same map as Fourier
	// cropping of the image's discrete Fourier transform. A periodic
	// field with power spectrum Γ(k) keeps Γ at every frequency the new
	// size can hold, so a power law keeps its exponent Δ exactly.
	//
	// # Nyquist frequency
	//
	// When an axis shrinks to an even length n, the new Nyquist frequency
	// −n/2 (which is also +n/2) receives the two source coefficients at
	// ±n/2, each times 1/sqrt(2): the result is real, and for a
	// stationary field, whose two coefficients are uncorrelated, its
	// expected power equals the source's there too. (Adding them, as
	// sampling a band-limited signal would, doubles that power; keeping
	// one would make the image complex.) When an axis grows, an even
	// source's Nyquist coefficient is split in halves between ±h/2, the
	// interpolating choice, and the new frequencies above the old Nyquist
	// frequency are zero. An axis whose length does not change is left
	// untouched.
	//
	// The image is treated as one period of a periodic signal, as the DFT
	// does: the jump between opposite edges of a photograph rings near
	// the edges (Gibbs), exactly as much as it contributes to the
	// source's own spectrum.
	ResizeFourier ResizeMethod = iota

	// ResizeBicubic is Catmull-Rom interpolation (a = −0.5), its support
	// widened by the shrink factor when shrinking so that it averages
	// (antialiases): the kernel of golang.org/x/image/draw.CatmullRom and
	// of Pillow's BICUBIC resize, with taps beyond the image dropped and
	// the weights renormalised. Its pass band is not flat: it attenuates
	// frequencies well below the new Nyquist frequency, so it steepens a
	// power law's fitted Δ (photos96 at 32 px: see the package
	// documentation).
	ResizeBicubic

	// ResizeBox averages the source pixels each output pixel covers,
	// weighted by the overlap (area averaging, like OpenCV's INTER_AREA
	// or Pillow's BOX when shrinking). Its sinc-shaped response lets
	// power above the new Nyquist frequency fold back below it (aliasing),
	// which flattens a power law's fitted Δ.
	ResizeBox
)

var resizeMethodNames = []string{"fourier", "bicubic", "box"}

// String returns "fourier", "bicubic" or "box".
func (m ResizeMethod) String() string {
	if m >= 0 && int(m) < len(resizeMethodNames) {
		return resizeMethodNames[m]
	}
	return fmt.Sprintf("ResizeMethod(%d)", int(m))
}

// ParseResizeMethod returns the method named s ("fourier", "bicubic" or
// "box", in any letter case), or an error.
func ParseResizeMethod(s string) (ResizeMethod, error) {
	for i, n := range resizeMethodNames {
		if strings.EqualFold(s, n) {
			return ResizeMethod(i), nil
		}
	}
	return 0, fmt.Errorf("imageio: unknown resize method %q (want fourier, bicubic or box)", s)
}

// MarshalText returns the name of m.
func (m ResizeMethod) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(resizeMethodNames) {
		return nil, fmt.Errorf("imageio: invalid resize method %d", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText parses a name written by MarshalText.
func (m *ResizeMethod) UnmarshalText(b []byte) error {
	v, err := ParseResizeMethod(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

func (m ResizeMethod) valid() bool { return m >= 0 && int(m) < len(resizeMethodNames) }

// Resize returns src centre-cropped to the aspect ratio cols/rows (as the
// loaders crop, see the package documentation) and resampled to
// rows×cols by method. src is not modified; the result is newly
// allocated, also when no resampling is needed. An h×w crop costs about
// rows·h·w + rows·w·cols multiplications (or h·w·cols + rows·h·cols,
// whichever is less).
//
// Resize returns an error for non-positive or oversized (MaxPixels)
// targets, an empty src, an unknown method, and NaN or infinite pixels.
// Enlarging is allowed here; the loaders refuse it unless
// Options.Upscale is set.
func Resize(src mat.Matrix, rows, cols int, method ResizeMethod) (*mat.Dense, error) {
	if src == nil {
		return nil, fmt.Errorf("imageio: Resize of a nil matrix")
	}
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("imageio: Resize to %d×%d: the size must be positive", rows, cols)
	}
	if rows > MaxPixels/cols {
		return nil, fmt.Errorf("imageio: Resize to %d×%d exceeds the limit of %d pixels", rows, cols, MaxPixels)
	}
	if !method.valid() {
		return nil, fmt.Errorf("imageio: invalid resize method %d", int(method))
	}
	h, w := src.Dims()
	if h == 0 || w == 0 {
		return nil, fmt.Errorf("imageio: Resize of an empty %d×%d matrix", h, w)
	}
	r0, c0, ch, cw := cropBox(h, w, rows, cols)
	x := mat.NewDense(ch, cw, nil)
	for i := range ch {
		for j := range cw {
			v := src.At(r0+i, c0+j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("imageio: Resize: pixel (%d, %d) is %v", r0+i, c0+j, v)
			}
			x.Set(i, j, v)
		}
	}
	return resample(x, rows, cols, method), nil
}

// cropBox returns the origin and size of the largest centred rectangle of
// an h×w image with aspect ratio cols/rows (cropRect's rule).
func cropBox(h, w, rows, cols int) (r0, c0, ch, cw int) {
	ch, cw = h, w
	if int64(w)*int64(rows) > int64(h)*int64(cols) {
		cw = int((2*int64(h)*int64(cols) + int64(rows)) / (2 * int64(rows)))
		cw = max(1, min(cw, w))
	} else {
		ch = int((2*int64(w)*int64(rows) + int64(cols)) / (2 * int64(cols)))
		ch = max(1, min(ch, h))
	}
	return (h - ch) / 2, (w - cw) / 2, ch, cw
}

// resample returns x (h×w, already cropped) resampled to rows×cols by
// method, as Ry·x·Rxᵀ. x may be returned unchanged when the size is
// already right.
func resample(x *mat.Dense, rows, cols int, method ResizeMethod) *mat.Dense {
	h, w := x.Dims()
	if h == rows && w == cols {
		return x
	}
	ry := axisMatrix(method, h, rows)
	rx := ry
	if w != h || cols != rows {
		rx = axisMatrix(method, w, cols)
	}
	switch {
	case ry == nil:
		var y mat.Dense
		y.Mul(x, rx.T())
		return &y
	case rx == nil:
		var y mat.Dense
		y.Mul(ry, x)
		return &y
	}
	var tmp, y mat.Dense
	// Multiply in the cheaper order.
	if rows*h*w+rows*w*cols <= h*w*cols+rows*h*cols {
		tmp.Mul(ry, x)
		y.Mul(&tmp, rx.T())
	} else {
		tmp.Mul(x, rx.T())
		y.Mul(ry, &tmp)
	}
	return &y
}

// axisMatrix returns the n×m matrix that resamples an axis of length m to
// length n by method, or nil when n == m (the identity: no axis method
// changes a signal of unchanged length).
func axisMatrix(method ResizeMethod, m, n int) *mat.Dense {
	if n == m {
		return nil
	}
	r := mat.NewDense(n, m, nil)
	switch method {
	case ResizeFourier:
		fourierAxis(r, m, n)
	case ResizeBicubic:
		bicubicAxis(r, m, n)
	case ResizeBox:
		boxAxis(r, m, n)
	default:
		panic("imageio: invalid resize method")
	}
	return r
}

// fourierAxis fills r (n×m) with band-limited resampling from m to n
// samples. With X_k = Σ_j x_j e^(−2πi k j/m), the output is the
// trigonometric interpolant
//
//	f(t) = (1/m) Σ_{k∈K} W_k X_k e^(2πi k t/m)
//
// sampled at t_i = (i + 0.5)·m/n − 0.5, where K holds the frequencies
// both lengths can represent, W_k = 1 except at the Nyquist pair (see
// ResizeFourier): W = 1/√2 at ±n/2 when shrinking to an even n, W = 1/2
// at ±m/2 when growing from an even m. Summing the geometric series,
//
//	r_ij = (1/m) [D_K(θ) + c·cos(p·θ/2)],  θ = 2π (t_i − j)/m,
//
// with the Dirichlet kernel D_K(θ) = sin((K + ½)θ)/sin(θ/2) over
// |k| ≤ K, and c·cos(pθ/2) the Nyquist pair (c = √2, p = n when shrinking
// to even n; c = 1, p = m when growing from even m; c = 0 otherwise).
func fourierAxis(r *mat.Dense, m, n int) {
	band := min(m, n) // the length whose frequencies are kept
	kmax := (band - 1) / 2
	var c float64
	if band%2 == 0 {
		if n < m {
			c = math.Sqrt2
		} else {
			c = 1
		}
	}
	raw := r.RawMatrix()
	scale := float64(m) / float64(n)
	// The three angles are linear in j, a − j·b, so along a row they are
	// advanced by rotation (two multiplications per step instead of a
	// sine) and recomputed exactly every 32 steps, which keeps the
	// accumulated rounding below 1e-14. Where d = t − j is small the
	// quotient is ill-conditioned, so |d| < 2 is computed directly.
	wd := math.Pi / float64(m)   // angle of sin(π d/m) per unit of d
	wn := wd * float64(2*kmax+1) // numerator of the Dirichlet kernel
	wc := wd * float64(band)     // the Nyquist pair's cosine
	sd, cd := math.Sincos(wd)    // rotation by one step of j, per angle
	sn, cn := math.Sincos(wn)
	sc, cc := math.Sincos(wc)
	for i := range n {
		t := (float64(i)+0.5)*scale - 0.5
		row := raw.Data[i*raw.Stride : i*raw.Stride+m]
		var s1, c1, s2, c2, s3, c3 float64
		for j := range row {
			d := t - float64(j)
			if j%32 == 0 {
				s1, c1 = math.Sincos(wd * d)
				s2, c2 = math.Sincos(wn * d)
				s3, c3 = math.Sincos(wc * d)
			}
			var dk float64
			switch {
			case math.Abs(d) < 2:
				if s := math.Sin(wd * d); s == 0 {
					dk = float64(2*kmax + 1)
				} else {
					dk = math.Sin(wn*d) / s
				}
				if c != 0 {
					dk += c * math.Cos(wc*d)
				}
			default:
				dk = s2 / s1
				if c != 0 {
					dk += c * c3
				}
			}
			row[j] = dk / float64(m)
			// Step to d − 1: sin(x − w) = sin x cos w − cos x sin w.
			s1, c1 = s1*cd-c1*sd, c1*cd+s1*sd
			s2, c2 = s2*cn-c2*sn, c2*cn+s2*sn
			s3, c3 = s3*cc-c3*sc, c3*cc+s3*sc
		}
	}
}

// catmullRom is the Catmull-Rom kernel (a = −0.5) on [0, 2).
func catmullRom(t float64) float64 {
	if t < 1 {
		return (1.5*t-2.5)*t*t + 1
	}
	return ((-0.5*t+2.5)*t-4)*t + 2
}

// bicubicAxis fills r (n×m) with Catmull-Rom weights, the kernel widened
// by m/n when shrinking, taps outside [0, m) dropped and each row's
// weights normalised to sum 1 (golang.org/x/image/draw's construction).
func bicubicAxis(r *mat.Dense, m, n int) {
	scale := float64(m) / float64(n)
	half, arg := 2.0, 1.0
	if scale > 1 {
		half *= scale
		arg = 1 / scale
	}
	raw := r.RawMatrix()
	for i := range n {
		center := (float64(i)+0.5)*scale - 0.5
		lo := max(0, int(math.Floor(center-half)))
		hi := min(m, int(math.Ceil(center+half)))
		row := raw.Data[i*raw.Stride : i*raw.Stride+m]
		var total float64
		for j := lo; j < hi; j++ {
			t := math.Abs(center-float64(j)) * arg
			if t >= 2 {
				continue
			}
			row[j] = catmullRom(t)
			total += row[j]
		}
		for j := lo; j < hi; j++ {
			row[j] /= total
		}
	}
}

// boxAxis fills r (n×m) with area weights: output pixel i covers the
// source interval [i·m/n, (i+1)·m/n), and source pixel j contributes the
// length of its overlap with [j, j+1), divided by m/n.
func boxAxis(r *mat.Dense, m, n int) {
	raw := r.RawMatrix()
	for i := range n {
		// Exact interval ends as fractions of n: a = i·m/n, b = (i+1)·m/n.
		a, b := float64(i*m)/float64(n), float64((i+1)*m)/float64(n)
		row := raw.Data[i*raw.Stride : i*raw.Stride+m]
		for j := (i * m) / n; j < m && float64(j) < b; j++ {
			lo, hi := max(a, float64(j)), min(b, float64(j+1))
			if hi > lo {
				row[j] = (hi - lo) * float64(n) / float64(m)
			}
		}
	}
}
