package nn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// LinearForward computes out = in·wᵀ + b (PyTorch's Linear):
//
//	in [N, In], w [Out, In], b [Out] (nil: no bias), out [N, Out].
//
// out is overwritten and must not alias in. It panics on length mismatch.
func LinearForward(out, in, w, b []float64, batch, nIn, nOut int) {
	if len(in) != batch*nIn || len(out) != batch*nOut || len(w) != nIn*nOut || (b != nil && len(b) != nOut) {
		panic("nn: LinearForward length mismatch")
	}
	beta := 0.0
	if b != nil {
		for n := 0; n < batch; n++ {
			copy(out[n*nOut:(n+1)*nOut], b)
		}
		beta = 1
	}
	gemmSerial(blas.NoTrans, blas.Trans, 1,
		blas64.General{Rows: batch, Cols: nIn, Stride: nIn, Data: in},
		blas64.General{Rows: nOut, Cols: nIn, Stride: nIn, Data: w},
		beta, blas64.General{Rows: batch, Cols: nOut, Stride: nOut, Data: out})
}

// LinearBackward accumulates
//
//	dIn [N, In] += dOut·w (skipped if dIn is nil),
//	dW [Out, In] += dOutᵀ·in, dB [Out] += Σ_n dOut[n] (skipped if dB is nil),
//
// given dOut [N, Out] and the forward input in. It panics on length mismatch.
func LinearBackward(dIn, dW, dB, dOut, in, w []float64, batch, nIn, nOut int) {
	if len(in) != batch*nIn || len(dOut) != batch*nOut || len(w) != nIn*nOut || len(dW) != nIn*nOut ||
		(dB != nil && len(dB) != nOut) || (dIn != nil && len(dIn) != batch*nIn) {
		panic("nn: LinearBackward length mismatch")
	}
	d := blas64.General{Rows: batch, Cols: nOut, Stride: nOut, Data: dOut}
	if dIn != nil {
		gemmSerial(blas.NoTrans, blas.NoTrans, 1, d,
			blas64.General{Rows: nOut, Cols: nIn, Stride: nIn, Data: w},
			1, blas64.General{Rows: batch, Cols: nIn, Stride: nIn, Data: dIn})
	}
	gemmSerial(blas.Trans, blas.NoTrans, 1, d,
		blas64.General{Rows: batch, Cols: nIn, Stride: nIn, Data: in},
		1, blas64.General{Rows: nOut, Cols: nIn, Stride: nIn, Data: dW})
	if dB != nil {
		for n := 0; n < batch; n++ {
			for o, v := range dOut[n*nOut : (n+1)*nOut] {
				dB[o] += v
			}
		}
	}
}
