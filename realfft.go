package noise

import (
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/cloud-diffusion/noise/internal/fft"
)

// MaxPixels is the largest number of pixels (rows·cols) of an image, field or
// padded grid that the package transforms or allocates: 2²⁶, an 8192×8192
// image, whose float64 matrix alone takes 512 MiB. Larger sizes are refused
// with an error (or a panic from argument-only calls) rather than exhausting
// memory.
const MaxPixels = 1 << 26

// checkSize returns an error for sizes the package refuses.
func checkSize(what string, rows, cols int) error {
	if rows < 1 || cols < 1 {
		return fmt.Errorf("noise: %s size %d×%d: rows and cols must be at least 1", what, rows, cols)
	}
	if rows > MaxPixels || cols > MaxPixels || rows*cols > MaxPixels {
		return fmt.Errorf("noise: %s size %d×%d exceeds the limit of %d pixels (MaxPixels)", what, rows, cols, MaxPixels)
	}
	return nil
}

// RealFFT is a reusable plan for the orthonormal real Fourier transform F_R of
// rows×cols arrays (see RealFFT2 for the definition). It owns its buffers:
// Forward and Inverse do not allocate when dst is given. A RealFFT must not
// be used by two goroutines at once; each goroutine needs its own.
type RealFFT struct {
	rows, cols int
	plan       *fft.Plan
	work       []float64 // rows × cols, contiguous copy of inputs
}

// NewRealFFT returns a plan for rows×cols arrays, or an error if either size
// is less than 1 or rows·cols exceeds MaxPixels.
func NewRealFFT(rows, cols int) (*RealFFT, error) {
	if err := checkSize("transform", rows, cols); err != nil {
		return nil, err
	}
	return newRealFFT(rows, cols, fft.NewPlan(rows, cols)), nil
}

// newSerialRealFFT returns a plan whose passes run on the calling goroutine
// only, for batch code that already keeps every core busy with one plan per
// worker. The size must have been checked.
func newSerialRealFFT(rows, cols int) *RealFFT {
	return newRealFFT(rows, cols, fft.NewPlanWorkers(rows, cols, 1))
}

func newRealFFT(rows, cols int, plan *fft.Plan) *RealFFT {
	return &RealFFT{rows: rows, cols: cols, plan: plan, work: make([]float64, rows*cols)}
}

// Dims returns the size of the arrays the plan transforms.
func (r *RealFFT) Dims() (rows, cols int) { return r.rows, r.cols }

// input returns x as a row-major slice with its stride, copying into the
// plan's work buffer unless x is a *mat.Dense.
func (r *RealFFT) input(x mat.Matrix) ([]float64, int) {
	checkDims(x, r.rows, r.cols)
	rows, cols := r.rows, r.cols
	if d, ok := x.(*mat.Dense); ok {
		raw := d.RawMatrix()
		return raw.Data, raw.Stride
	}
	for i := range rows {
		row := r.work[i*cols : (i+1)*cols]
		for j := range row {
			row[j] = x.At(i, j)
		}
	}
	return r.work, cols
}

func (r *RealFFT) output(dst *mat.Dense) *mat.Dense { return prepareDst(dst, r.rows, r.cols) }

// Forward computes F_R x into dst and returns it (see RealFFT2). If dst is
// nil a new matrix is allocated; an empty dst is resized. dst may be x
// itself. Forward panics if x or dst is not rows×cols.
func (r *RealFFT) Forward(dst *mat.Dense, x mat.Matrix) *mat.Dense {
	data, stride := r.input(x)
	dst = r.output(dst)
	raw := dst.RawMatrix()
	if &raw.Data[0] == &data[0] {
		// In place: the transform reads its source while it writes.
		for i := range r.rows {
			copy(r.work[i*r.cols:(i+1)*r.cols], data[i*stride:i*stride+r.cols])
		}
		data, stride = r.work, r.cols
	}
	s := 1 / math.Sqrt(float64(r.rows*r.cols))
	r.plan.ForwardRealPacked(raw.Data, raw.Stride, data, stride, s, math.Sqrt2*s)
	return dst
}

// Inverse computes F_R⁻¹ X into dst and returns it (see InverseRealFFT2). If
// dst is nil a new matrix is allocated; an empty dst is resized. dst may be
// X itself. Inverse panics if X or dst is not rows×cols.
func (r *RealFFT) Inverse(dst *mat.Dense, X mat.Matrix) *mat.Dense {
	data, stride := r.input(X)
	dst = r.output(dst)
	raw := dst.RawMatrix()
	s := 1 / math.Sqrt(float64(r.rows*r.cols))
	r.plan.InverseRealPacked(raw.Data, raw.Stride, data, stride, s, s/math.Sqrt2)
	return dst
}

// realFFTPool caches plans by size for RealFFT2 and InverseRealFFT2.
var realFFTPool sync.Map // [2]int → *sync.Pool of *RealFFT

func getRealFFT(rows, cols int) *RealFFT {
	if err := checkSize("transform", rows, cols); err != nil {
		panic(err.Error())
	}
	pool, _ := realFFTPool.LoadOrStore([2]int{rows, cols}, new(sync.Pool))
	if r, ok := pool.(*sync.Pool).Get().(*RealFFT); ok {
		return r
	}
	r, err := NewRealFFT(rows, cols)
	if err != nil {
		panic(err.Error())
	}
	return r
}

func putRealFFT(r *RealFFT) {
	pool, _ := realFFTPool.Load([2]int{r.rows, r.cols})
	pool.(*sync.Pool).Put(r)
}

// RealFFT2 returns the orthonormal real Fourier transform X = F_R x of the
// real rows×cols array x, in the centred layout, as a new rows×cols matrix.
//
// With Z = F x the orthonormal 2-D DFT (Z_k = Σ x_p e^{−2πi k·p}/√(rows·cols)),
// Z_{−k} = conj Z_k for real x, so half of Z determines the rest. F_R keeps,
// for each pair {k, −k} of distinct frequencies, X_k = √2·Re Z_k at the
// member with the larger row-major centred index (PartAt: RealPart) and
// X_{−k} = √2·Im Z_k at the other (ImagPart); at self-conjugate frequencies
// (k = −k: the zero frequency and the Nyquist points of even axes) X_k = Z_k,
// which is real. The √2 makes F_R an orthogonal matrix: ‖F_R x‖ = ‖x‖, white
// noise of unit variance maps to white noise of unit variance, and
// X_k² + X_{−k}² = |Z_k|² + |Z_{−k}|² for every pair.
//
// The paper's real transform packs Re and Im of the unnormalised DFT without
// the √2; its values are √(rows·cols/2)·X at paired entries and
// √(rows·cols)·X at self-conjugate entries.
//
// RealFFT2 panics with a noise: message if x is empty or larger than
// MaxPixels. NaN and Inf values propagate. For repeated transforms of one
// size, a RealFFT plan avoids the allocation of the result.
func RealFFT2(x mat.Matrix) *mat.Dense {
	rows, cols := dimsOf(x)
	r := getRealFFT(rows, cols)
	defer putRealFFT(r)
	return r.Forward(nil, x)
}

// InverseRealFFT2 returns x = F_R⁻¹ X, the exact inverse of RealFFT2 (F_R is
// orthogonal, so this is also its transpose), as a new matrix. It panics like
// RealFFT2.
func InverseRealFFT2(X mat.Matrix) *mat.Dense {
	rows, cols := dimsOf(X)
	r := getRealFFT(rows, cols)
	defer putRealFFT(r)
	return r.Inverse(nil, X)
}

// dimsOf returns the dimensions of m, panicking with a noise: message for an
// empty matrix (a zero-value mat.Dense reports 0×0).
func dimsOf(m mat.Matrix) (int, int) {
	if nilMatrix(m) {
		panic("noise: nil matrix")
	}
	rows, cols := m.Dims()
	if rows < 1 || cols < 1 {
		panic(fmt.Sprintf("noise: empty %d×%d matrix", rows, cols))
	}
	return rows, cols
}

// Wavenumbers returns |k| in cycles per pixel at each centred index of a
// rows×cols array: |k| = √((ky/rows)² + (kx/cols)²) with ky = i − rows/2 and
// kx = j − cols/2. The zero frequency, at (rows/2, cols/2), has |k| = 0; the
// largest value, √½ at a corner of an even square, is below 1. Wavenumbers
// panics if rows or cols is less than 1 or the size exceeds MaxPixels.
func Wavenumbers(rows, cols int) *mat.Dense {
	if err := checkSize("wavenumber", rows, cols); err != nil {
		panic(err.Error())
	}
	k := mat.NewDense(rows, cols, nil)
	data := k.RawMatrix().Data
	for i := range rows {
		for j := range cols {
			data[i*cols+j] = wavenumber(rows, cols, i, j)
		}
	}
	return k
}

// wavenumber returns |k| in cycles per pixel at the centred index (i, j) of
// a rows×cols array (see Wavenumbers): the one definition every routine of
// the package uses.
func wavenumber(rows, cols, i, j int) float64 {
	return math.Hypot(float64(i-rows/2)/float64(rows), float64(j-cols/2)/float64(cols))
}
