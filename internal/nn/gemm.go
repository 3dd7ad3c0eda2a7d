package nn

import (
	"github.com/cloud-diffusion/noise/internal/gemm"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// gemmSerial computes C = alpha·op(A)·op(B) + beta·C like blas64.Gemm, in the
// calling goroutine, with the packed GEMM of internal/gemm (AVX-512 or
// AVX2+FMA assembly where the CPU has it). The layers parallelise over
// samples or tiles themselves, with the pool, so products never start
// goroutines of their own. Every element of C is computed by the same
// operations however the caller splits C into blocks of rows or columns,
// so results do not depend on the caller's parallel split.
func gemmSerial(tA, tB blas.Transpose, alpha float64, a, b blas64.General, beta float64, c blas64.General) {
	k := a.Cols
	if tA != blas.NoTrans {
		k = a.Rows
	}
	gemm.Gemm(tA, tB, c.Rows, c.Cols, k, alpha, a.Data, a.Stride, b.Data, b.Stride, beta, c.Data, c.Stride)
}
