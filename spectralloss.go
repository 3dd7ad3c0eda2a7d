package noise

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// SpectralWeights returns the weights of the spectral (Mahalanobis) loss for
// rows×cols images in the centred layout:
//
//	w(k) = c · max(|k|, k₁)^(2Δ),
//
// with |k| in cycles per pixel (see Wavenumbers), k₁ = 1/max(rows, cols) the
// smallest nonzero |k| of the grid, and c the constant that makes the mean
// of w over the rows·cols frequencies exactly 1.
//
// The weights are Σ0⁻¹ of the reference Q0 = N(0, A²|k|^(−2Δ)) up to the
// constant (see Metric), so the loss mean_k w(k)·(F_R r)_k² of a residual r
// is the squared Mahalanobis norm of r, per pixel: the paper's Mahalanobis
// loss, which stops a network trained on cloud noise from neglecting high
// frequencies, whose variance is tiny. Two choices differ from Metric:
//
//   - The floor k₁ at k = 0: Metric gives the mean zero weight, but a
//     network must still predict the mean of the noise, so the zero
//     frequency gets the weight of the lowest nonzero frequency instead of
//     0 (or of the infinite |k|^(−2Δ) limit of an inverse weight).
//   - Mean 1 instead of 1/A²: for Δ = 0 every weight is 1 and the loss is
//     the plain mean squared error; for any Δ a unit-variance white residual
//     has expected loss exactly 1, like the MSE, so learning rates tuned
//     for the MSE remain sensible.
//
// For a 1×1 grid the only weight is 1. SpectralWeights returns an error if
// rows or cols is less than 1, the size exceeds MaxPixels, or delta is
// negative, NaN or infinite. Very large Δ underflows the lowest weights to
// 0 rather than overflowing.
func SpectralWeights(rows, cols int, delta float64) (*mat.Dense, error) {
	w, err := spectralWeights(rows, cols, delta)
	if err != nil {
		return nil, err
	}
	return mat.NewDense(rows, cols, w), nil
}

func spectralWeights(rows, cols int, delta float64) ([]float64, error) {
	if err := checkSize("spectral loss", rows, cols); err != nil {
		return nil, err
	}
	if math.IsNaN(delta) || math.IsInf(delta, 0) || delta < 0 {
		return nil, fmt.Errorf("noise: spectral loss scaling parameter Δ = %v: must be finite and ≥ 0", delta)
	}
	w := make([]float64, rows*cols)
	if rows*cols == 1 {
		w[0] = 1
		return w, nil
	}
	k1 := 1 / float64(max(rows, cols))
	// Scale |k| by its largest value first so that no power overflows.
	kmax := wavenumber(rows, cols, 0, 0)
	var sum float64
	for i := range rows {
		for j := range cols {
			k := max(wavenumber(rows, cols, i, j), k1)
			v := math.Pow(k/kmax, 2*delta)
			w[i*cols+j] = v
			sum += v
		}
	}
	s := float64(rows*cols) / sum
	for p := range w {
		w[p] *= s
	}
	return w, nil
}

// SpectralLoss evaluates the spectral (Mahalanobis) loss of residuals and its
// gradient, with the weights of SpectralWeights:
//
//	L(r) = (1/P) Σ_k w(k) (F_R r)_k²,   P = rows·cols,
//	∂L/∂r = (2/P) F_R⁻¹(w ⊙ F_R r),
//
// where r is a residual such as ε̂ − ε (predicted minus true noise) and F_R
// the orthonormal real Fourier transform (F_R⁻¹ = F_Rᵀ, which gives the
// gradient). For Δ = 0, L is the mean squared error.
//
// A SpectralLoss owns a RealFFT plan and scratch space: Loss and Gradient do
// not allocate when dst is given. It must not be used by two goroutines at
// once; give each worker its own.
type SpectralLoss struct {
	rows, cols int
	delta      float64
	w          []float64
	fft        *RealFFT
	spec       *mat.Dense
}

// NewSpectralLoss returns a SpectralLoss for rows×cols residuals, or an error
// for the arguments SpectralWeights rejects.
func NewSpectralLoss(rows, cols int, delta float64) (*SpectralLoss, error) {
	w, err := spectralWeights(rows, cols, delta)
	if err != nil {
		return nil, err
	}
	f, err := NewRealFFT(rows, cols)
	if err != nil {
		return nil, err
	}
	return &SpectralLoss{
		rows: rows, cols: cols, delta: delta,
		w:    w,
		fft:  f,
		spec: mat.NewDense(rows, cols, nil),
	}, nil
}

// Dims returns the size of the residuals.
func (l *SpectralLoss) Dims() (rows, cols int) { return l.rows, l.cols }

// Delta returns the scaling parameter Δ of the weights.
func (l *SpectralLoss) Delta() float64 { return l.delta }

// Weights returns a copy of the weights (see SpectralWeights).
func (l *SpectralLoss) Weights() *mat.Dense {
	return mat.NewDense(l.rows, l.cols, append([]float64(nil), l.w...))
}

func (l *SpectralLoss) check(what string, r mat.Matrix) {
	if nilMatrix(r) {
		panic(fmt.Sprintf("noise: SpectralLoss.%s of a nil residual", what))
	}
	checkDims(r, l.rows, l.cols)
}

// Loss returns L(r) = (1/P) Σ_k w(k) (F_R r)_k². It panics if r is nil or not
// rows×cols. NaN or infinite values propagate. Loss does not allocate.
func (l *SpectralLoss) Loss(r mat.Matrix) float64 {
	l.check("Loss", r)
	l.fft.Forward(l.spec, r)
	return weightedSquares(l.w, l.spec) / float64(l.rows*l.cols)
}

// Gradient returns the loss L(r) and stores its gradient
// ∂L/∂r = (2/P) F_R⁻¹(w ⊙ F_R r) in dst, which it returns. If dst is nil a
// new matrix is allocated; dst may be r itself. Gradient panics if r or a
// non-nil dst is not rows×cols.
func (l *SpectralLoss) Gradient(dst *mat.Dense, r mat.Matrix) (float64, *mat.Dense) {
	l.check("Gradient", r)
	if dst != nil && !dst.IsEmpty() {
		l.check("Gradient destination", dst)
	}
	l.fft.Forward(l.spec, r)
	raw := l.spec.RawMatrix()
	p := float64(l.rows * l.cols)
	var s float64
	for i := range l.rows {
		row := raw.Data[i*raw.Stride : i*raw.Stride+l.cols]
		w := l.w[i*l.cols : (i+1)*l.cols]
		for j, v := range row {
			s += w[j] * v * v
			row[j] = 2 / p * w[j] * v
		}
	}
	return s / p, l.fft.Inverse(dst, l.spec)
}
