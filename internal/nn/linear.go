package nn

import (
	"github.com/cloud-diffusion/noise/internal/gemm"

	"gonum.org/v1/gonum/blas"
)

// LinearForward computes out = in·wᵀ + b (PyTorch's Linear):
//
//	in [N, In], w [Out, In], b [Out] (nil: no bias), out [N, Out].
//
// out is overwritten and must not alias in. It panics on length mismatch.
func LinearForward[T Float](out, in, w, b []T, batch, nIn, nOut int) {
	if len(in) != batch*nIn || len(out) != batch*nOut || len(w) != nIn*nOut || (b != nil && len(b) != nOut) {
		panic("nn: LinearForward length mismatch")
	}
	var beta T
	if b != nil {
		for n := 0; n < batch; n++ {
			copy(out[n*nOut:(n+1)*nOut], b)
		}
		beta = 1
	}
	gemm.Gemm(blas.NoTrans, blas.Trans, batch, nOut, nIn, 1, in, nIn, w, nIn, beta, out, nOut)
}

// LinearBackward accumulates
//
//	dIn [N, In] += dOut·w (skipped if dIn is nil),
//	dW [Out, In] += dOutᵀ·in, dB [Out] += Σ_n dOut[n] (skipped if dB is nil),
//
// given dOut [N, Out] and the forward input in. It panics on length mismatch.
func LinearBackward[T Float](dIn, dW, dB, dOut, in, w []T, batch, nIn, nOut int) {
	if len(in) != batch*nIn || len(dOut) != batch*nOut || len(w) != nIn*nOut || len(dW) != nIn*nOut ||
		(dB != nil && len(dB) != nOut) || (dIn != nil && len(dIn) != batch*nIn) {
		panic("nn: LinearBackward length mismatch")
	}
	if dIn != nil {
		gemm.Gemm(blas.NoTrans, blas.NoTrans, batch, nIn, nOut, 1, dOut, nOut, w, nIn, 1, dIn, nIn)
	}
	gemm.Gemm(blas.Trans, blas.NoTrans, nOut, nIn, batch, 1, dOut, nOut, in, nIn, 1, dW, nIn)
	if dB != nil {
		for n := 0; n < batch; n++ {
			for o, v := range dOut[n*nOut : (n+1)*nOut] {
				dB[o] += v
			}
		}
	}
}
