package nn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Block sizes for gemmSerial. gonum's Dgemm starts goroutines once C has at
// least 4 blocks of 64×64, so gemmSerial calls it on C tiles of at most
// gemmTileM×gemmTileN (fewer than 4 blocks) and K slices of gemmTileK, which
// keeps the operands of each call in cache and every call on gonum's serial
// path. The nn layers parallelise over samples or tiles themselves, with the
// pool, which avoids goroutines started (and memory allocated) per call and
// nested parallelism.
var (
	gemmTileM = 64
	gemmTileN = 128
	gemmTileK = 64
)

// gemmSerial computes C = alpha·op(A)·op(B) + beta·C like blas64.Gemm, in the
// calling goroutine, by tiling C and slicing K. The result of every element
// depends only on the block sizes, not on the caller's parallel split.
func gemmSerial(tA, tB blas.Transpose, alpha float64, a, b blas64.General, beta float64, c blas64.General) {
	k := a.Cols
	if tA != blas.NoTrans {
		k = a.Rows
	}
	if c.Rows <= gemmTileM && c.Cols <= gemmTileN && k <= gemmTileK {
		blas64.Gemm(tA, tB, alpha, a, b, beta, c)
		return
	}
	for i := 0; i < c.Rows; i += gemmTileM {
		mi := min(gemmTileM, c.Rows-i)
		for j := 0; j < c.Cols; j += gemmTileN {
			nj := min(gemmTileN, c.Cols-j)
			cs := subGeneral(c, i, j, mi, nj)
			for l := 0; l < k; l += gemmTileK {
				kl := min(gemmTileK, k-l)
				var as, bs blas64.General
				if tA == blas.NoTrans {
					as = subGeneral(a, i, l, mi, kl)
				} else {
					as = subGeneral(a, l, i, kl, mi)
				}
				if tB == blas.NoTrans {
					bs = subGeneral(b, l, j, kl, nj)
				} else {
					bs = subGeneral(b, j, l, nj, kl)
				}
				bt := 1.0
				if l == 0 {
					bt = beta
				}
				blas64.Gemm(tA, tB, alpha, as, bs, bt, cs)
			}
		}
	}
}

// subGeneral returns the r×c submatrix of g starting at (i, j).
func subGeneral(g blas64.General, i, j, r, c int) blas64.General {
	return blas64.General{Rows: r, Cols: c, Stride: g.Stride, Data: g.Data[i*g.Stride+j : (i+r-1)*g.Stride+j+c]}
}
