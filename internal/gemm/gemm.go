package gemm

import (
	"gonum.org/v1/gonum/blas"
)

// Float is the element type of a matrix product.
type Float interface{ float32 | float64 }

// Gemm computes
//
//	C = alpha·op(A)·op(B) + beta·C
//
// for row-major matrices, where op(X) is X or Xᵀ as tA and tB say
// (blas.ConjTrans means blas.Trans), op(A) is m×k, op(B) is k×n and C is
// m×n, with leading dimensions (row strides) lda, ldb and ldc, like gonum's
// blas64.Gemm and blas32.Gemm. As in BLAS, if beta is 0 then C is not read
// (NaNs in it are overwritten), and if alpha is 0 or k is 0 then A and B
// are not read.
//
// Gemm runs on the calling goroutine. Each element of C is computed by the
// same sequence of operations whatever m and n and the element's position,
// so splitting a product into blocks of rows or columns (for example across
// goroutines) gives bit-identical results; the sequence depends on k and on
// the micro-kernel chosen for the CPU (see the package documentation).
//
// Gemm allocates packing buffers on first use by each concurrent caller and
// reuses them, so it allocates nothing in steady state. It is safe for
// concurrent use. C must not overlap A or B.
//
// Gemm panics with a "gemm: " message if a dimension is negative, a leading
// dimension is too small for its matrix, or a slice is too short.
func Gemm[T Float](tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm(kernelFor[T](), tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemm is Gemm with the given micro-kernel.
func gemm[T Float](ker *kernel[T], tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	aT := transposed(tA)
	bT := transposed(tB)
	switch {
	case m < 0:
		panic("gemm: m < 0")
	case n < 0:
		panic("gemm: n < 0")
	case k < 0:
		panic("gemm: k < 0")
	}
	// The leading dimensions and lengths are checked as gonum checks them.
	ar, ac := m, k // A as stored
	if aT {
		ar, ac = k, m
	}
	br, bc := k, n
	if bT {
		br, bc = n, k
	}
	switch {
	case lda < max(1, ac):
		panic("gemm: bad leading dimension of A")
	case ldb < max(1, bc):
		panic("gemm: bad leading dimension of B")
	case ldc < max(1, n):
		panic("gemm: bad leading dimension of C")
	}
	if m == 0 || n == 0 {
		return
	}
	switch {
	case len(a) < (ar-1)*lda+ac:
		panic("gemm: insufficient length of a")
	case len(b) < (br-1)*ldb+bc:
		panic("gemm: insufficient length of b")
	case len(c) < (m-1)*ldc+n:
		panic("gemm: insufficient length of c")
	}

	if alpha == 0 || k == 0 {
		scale(beta, m, n, c, ldc)
		return
	}
	if beta != 0 && beta != 1 {
		scale(beta, m, n, c, ldc)
		beta = 1
	}

	w := ker.pool.get()
	defer ker.pool.put(w)
	mr, nr := ker.mr, ker.nr
	w.grow(ker)
	for jc := 0; jc < n; jc += ker.nc {
		nc := min(ker.nc, n-jc)
		for pc := 0; pc < k; pc += ker.kc {
			kc := min(ker.kc, k-pc)
			packB(ker, w.b, b, ldb, bT, pc, jc, kc, nc)
			// The first block of k overwrites C if beta is 0.
			add := pc > 0 || beta != 0
			for ic := 0; ic < m; ic += ker.mc {
				mc := min(ker.mc, m-ic)
				packA(ker, w.a, a, lda, aT, ic, pc, mc, kc, alpha)
				for jr := 0; jr < nc; jr += nr {
					nrr := min(nr, nc-jr)
					bp := w.b[jr*kc : (jr+nr)*kc]
					for ir := 0; ir < mc; ir += mr {
						mrr := min(mr, mc-ir)
						ap := w.a[ir*kc : (ir+mr)*kc]
						off := (ic+ir)*ldc + jc + jr
						if mrr == mr && nrr == nr {
							ker.fn(kc, ap, bp, c[off:off+(mr-1)*ldc+nr], ldc, add)
							continue
						}
						// An edge block: compute the full block into the
						// scratch tile, then move its valid part.
						t := w.t[:mr*nr]
						ker.fn(kc, ap, bp, t, nr, false)
						for i := 0; i < mrr; i++ {
							dst := c[off+i*ldc : off+i*ldc+nrr]
							src := t[i*nr : i*nr+nrr]
							if add {
								for j, v := range src {
									dst[j] += v
								}
							} else {
								copy(dst, src)
							}
						}
					}
				}
			}
		}
	}
}

func transposed(t blas.Transpose) bool {
	switch t {
	case blas.NoTrans:
		return false
	case blas.Trans, blas.ConjTrans:
		return true
	}
	panic("gemm: illegal transpose")
}

// scale sets C = beta·C, writing zeros (not beta·C) if beta is 0.
func scale[T Float](beta T, m, n int, c []T, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
