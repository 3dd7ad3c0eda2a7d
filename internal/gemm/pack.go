package gemm

// packA packs alpha·op(A)[ic:ic+mc, pc:pc+kc] into dst as ⌈mc/mr⌉ panels
// of kc×mr elements, panel r holding rows ic+r·mr … ic+r·mr+mr−1 with
// dst[r·mr·kc + p·mr + i] = alpha·op(A)[ic+r·mr+i, pc+p]. Rows past mc are
// zero. aT says that A is stored transposed (op(A) = Aᵀ).
func packA[T Float](ker *kernel[T], dst, a []T, lda int, aT bool, ic, pc, mc, kc int, alpha T) {
	mr := ker.mr
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		pan := dst[ir*kc : (ir+mr)*kc]
		if aT && rows == mr && ker.copyA != nil {
			ker.copyA(kc, a[pc*lda+ic+ir:], lda, pan, alpha)
			continue
		}
		if aT {
			// op(A)[i, p] = A[p, i]: row p of A holds the panel's step p.
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+ic+ir : (pc+p)*lda+ic+ir+rows]
				d := pan[p*mr : p*mr+mr]
				for i, v := range src {
					d[i] = alpha * v
				}
				clear(d[rows:])
			}
			continue
		}
		src := a[(ic+ir)*lda+pc:]
		if rows == mr && ker.transA != nil && kc >= 4 {
			k4 := kc / 4
			ker.transA(k4, src, lda, pan, alpha)
			pan, src = pan[4*k4*mr:], src[4*k4:]
			transposeInto(pan, mr, src, lda, rows, kc-4*k4, alpha)
			continue
		}
		transposeInto(pan, mr, src, lda, rows, kc, alpha)
	}
}

// packB packs op(B)[pc:pc+kc, jc:jc+nc] into dst as ⌈nc/nr⌉ panels of
// kc×nr elements, panel r holding columns jc+r·nr … jc+r·nr+nr−1 with
// dst[r·nr·kc + p·nr + j] = op(B)[pc+p, jc+r·nr+j]. Columns past nc are
// zero. bT says that B is stored transposed (op(B) = Bᵀ).
func packB[T Float](ker *kernel[T], dst, b []T, ldb int, bT bool, pc, jc, kc, nc int) {
	nr := ker.nr
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		pan := dst[jr*kc : (jr+nr)*kc]
		if !bT && cols == nr && ker.copyB != nil {
			ker.copyB(kc, b[pc*ldb+jc+jr:], ldb, pan, 1)
			continue
		}
		if !bT {
			for p := 0; p < kc; p++ {
				d := pan[p*nr : p*nr+nr]
				copy(d, b[(pc+p)*ldb+jc+jr:(pc+p)*ldb+jc+jr+cols])
				clear(d[cols:])
			}
			continue
		}
		// op(B)[p, j] = B[j, p]: row j of B holds the panel's column j.
		src := b[(jc+jr)*ldb+pc:]
		if cols == nr && ker.transB != nil && kc >= 4 {
			k4 := kc / 4
			ker.transB(k4, src, ldb, pan, 1)
			pan, src = pan[4*k4*nr:], src[4*k4:]
			transposeInto(pan, nr, src, ldb, cols, kc-4*k4, 1)
			continue
		}
		transposeInto(pan, nr, src, ldb, cols, kc, 1)
	}
}

// transposeInto sets dst[p·w + j] = alpha·src[j·ld + p] for j < rows and
// p < kc, and zero for rows ≤ j < w: it writes rows rows of src (each kc
// long, stride ld) as the columns of a kc×w panel.
func transposeInto[T Float](dst []T, w int, src []T, ld, rows, kc int, alpha T) {
	dst = dst[:kc*w]
	j := 0
	for ; j+4 <= rows; j += 4 {
		s0 := src[j*ld : j*ld+kc]
		s1 := src[(j+1)*ld : (j+1)*ld+kc]
		s2 := src[(j+2)*ld : (j+2)*ld+kc]
		s3 := src[(j+3)*ld : (j+3)*ld+kc]
		for p := range s0 {
			d := dst[p*w+j : p*w+j+4 : p*w+j+4]
			d[0], d[1], d[2], d[3] = alpha*s0[p], alpha*s1[p], alpha*s2[p], alpha*s3[p]
		}
	}
	for ; j < rows; j++ {
		for p, v := range src[j*ld : j*ld+kc] {
			dst[p*w+j] = alpha * v
		}
	}
	if rows < w {
		for p := 0; p < kc; p++ {
			clear(dst[p*w+rows : p*w+w])
		}
	}
}
