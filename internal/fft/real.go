package fft

// Real-input transforms. The row passes transform two real rows a, b at once
// as z = a + ib and separate the half spectra by Hermitian symmetry,
//
//	A[v] = (Z[v] + conj Z[−v])/2,  B[v] = (Z[v] − conj Z[−v])/(2i),
//
// one batch of lanes complex rows holding 2·lanes real rows: lane l carries
// rows i0+l (real part) and i0+lanes+l (imaginary part). For even cols,
// columns 0 and cols/2 of the half spectrum are transforms of real
// sequences (each row's DC and Nyquist terms are real), and the column
// passes pair them the same way, so a real rows×cols transform costs
// rows/2 row and cols/2 column transforms of complex data.

// ForwardReal computes the half spectrum of the real rows×cols array in src
// (row stride srcStride): dst[u*HalfCols()+v] = Z[u,v] for v = 0..cols/2,
// unnormalised. It panics if dst or src is too short.
func (p *Plan) ForwardReal(dst []complex128, src []float64, srcStride int) {
	h := p.HalfCols()
	p.checkComplex(dst, h, h)
	if srcStride < p.cols || len(src) < (p.rows-1)*srcStride+p.cols {
		panic("fft: source too short")
	}
	p.cdata, p.rdata, p.rstride = dst, src, srcStride
	p.group.For(pairBlocks(p.rows), p.maxChunks, p.rfRowFn)
	p.group.For(blocks(p.halfColumns()), p.maxChunks, p.rfColFn)
	p.cdata, p.rdata = nil, nil
}

// InverseReal computes the real rows×cols array whose half spectrum is in src
// (as produced by ForwardReal) and writes it to dst (row stride dstStride),
// unnormalised: InverseReal after ForwardReal multiplies by rows·cols. The
// half spectrum must be Hermitian where it meets itself (columns 0 and, for
// even cols, cols/2); the parts that break that symmetry are ignored. src
// is overwritten. It panics if dst or src is too short.
func (p *Plan) InverseReal(dst []float64, dstStride int, src []complex128) {
	h := p.HalfCols()
	p.checkComplex(src, h, h)
	if dstStride < p.cols || len(dst) < (p.rows-1)*dstStride+p.cols {
		panic("fft: destination too short")
	}
	p.cdata, p.rdata, p.rstride = src, dst, dstStride
	p.group.For(blocks(p.halfColumns()), p.maxChunks, p.riColFn)
	p.group.For(pairBlocks(p.rows), p.maxChunks, p.riRowFn)
	p.cdata, p.rdata = nil, nil
}

// pairBlocks returns the number of batches of 2·lanes real rows covering n.
func pairBlocks(n int) int { return (n + 2*lanes - 1) / (2 * lanes) }

// halfColumns returns the number of column transforms of a half spectrum:
// the plain columns and, for even cols, the shared pair.
func (p *Plan) halfColumns() int {
	if p.packed {
		return p.halfPlain + 1
	}
	return p.halfPlain
}

// halfBatch returns, for batch b of the column transforms of a half
// spectrum, the first plain column j0, the number np of plain columns and
// whether the shared pair of columns 0 and cols/2 rides in lane np.
func (p *Plan) halfBatch(b int) (j0, np int, pair bool) {
	t0 := b * lanes
	nt := min(lanes, p.halfColumns()-t0)
	np = max(0, min(nt, p.halfPlain-t0))
	return p.plainFrom + t0, np, p.packed && np < nt
}

func (p *Plan) realForwardRows(c, lo, hi int) {
	w := &p.work[c]
	n, h, s := p.cols, p.HalfCols(), p.rstride
	for b := lo; b < hi; b++ {
		i0 := b * 2 * lanes
		nr := min(2*lanes, p.rows-i0)
		x := w.x[:n*block]
		for l := range lanes {
			for half, slot := range [2]int{0, lanes} {
				i := i0 + half*lanes + l
				if i >= i0+nr {
					for k := range n {
						x[k*block+slot+l] = 0
					}
					continue
				}
				for k, v := range p.rdata[i*s : i*s+n] {
					x[k*block+slot+l] = v
				}
			}
		}
		z := p.row.forward(w.x, w.y)
		for l := range min(nr, lanes) {
			da := p.cdata[(i0+l)*h : (i0+l+1)*h]
			var db []complex128
			if i := i0 + lanes + l; i < i0+nr {
				db = p.cdata[i*h : (i+1)*h]
			}
			for v := range da {
				vm := n - v
				if v == 0 {
					vm = 0
				}
				zr, zi := z[v*block+l], z[v*block+lanes+l]
				mr, mi := z[vm*block+l], z[vm*block+lanes+l]
				da[v] = complex((zr+mr)/2, (zi-mi)/2)
				if db != nil {
					db[v] = complex((zi+mi)/2, (mr-zr)/2)
				}
			}
		}
	}
}

func (p *Plan) realForwardCols(c, lo, hi int) {
	w := &p.work[c]
	m, h := p.rows, p.HalfCols()
	d := p.cdata
	for b := lo; b < hi; b++ {
		j0, np, pair := p.halfBatch(b)
		gatherCols(w.x, d, h, j0, np, m, false)
		if pair {
			for i := range m {
				e := blk(w.x, i)
				e[np], e[lanes+np] = real(d[i*h]), real(d[i*h+h-1])
			}
		}
		z := p.col.forward(w.x, w.y)
		scatterCols(d, h, j0, np, m, z, false)
		if pair {
			for u := range m {
				um := (m - u) % m
				zr, zi := z[u*block+np], z[u*block+lanes+np]
				mr, mi := z[um*block+np], z[um*block+lanes+np]
				d[u*h] = complex((zr+mr)/2, (zi-mi)/2)
				d[u*h+h-1] = complex((zi+mi)/2, (mr-zr)/2)
			}
		}
	}
}

func (p *Plan) realInverseCols(c, lo, hi int) {
	w := &p.work[c]
	m, h := p.rows, p.HalfCols()
	d := p.cdata
	for b := lo; b < hi; b++ {
		j0, np, pair := p.halfBatch(b)
		gatherCols(w.x, d, h, j0, np, m, true)
		if pair {
			// Z = H(C0) + i·H(CN), with H(C)[u] = (C[u] + conj C[−u])/2 the
			// Hermitian part, whose inverse is real; stored exchanged.
			for u := range m {
				um := (m - u) % m
				a, am := d[u*h], d[um*h]
				n, nm := d[u*h+h-1], d[um*h+h-1]
				zr := (real(a)+real(am))/2 - (imag(n)-imag(nm))/2
				zi := (imag(a)-imag(am))/2 + (real(n)+real(nm))/2
				e := blk(w.x, u)
				e[np], e[lanes+np] = zi, zr
			}
		}
		z := p.col.forward(w.x, w.y)
		scatterCols(d, h, j0, np, m, z, true)
		if pair {
			for i := range m {
				e := blk(z, i)
				d[i*h] = complex(e[lanes+np], 0)
				d[i*h+h-1] = complex(e[np], 0)
			}
		}
	}
}

func (p *Plan) realInverseRows(c, lo, hi int) {
	w := &p.work[c]
	n, h, s := p.cols, p.HalfCols(), p.rstride
	for b := lo; b < hi; b++ {
		i0 := b * 2 * lanes
		nr := min(2*lanes, p.rows-i0)
		x := w.x[:n*block]
		for l := range lanes {
			if l >= nr {
				for k := range n {
					x[k*block+l], x[k*block+lanes+l] = 0, 0
				}
				continue
			}
			a := p.cdata[(i0+l)*h : (i0+l+1)*h]
			bi := i0 + lanes + l
			hasB := bi < i0+nr
			for v, av := range a {
				ar, ai := real(av), imag(av)
				var br, bim float64
				if hasB {
					bv := p.cdata[bi*h+v]
					br, bim = real(bv), imag(bv)
				}
				if v == 0 || 2*v == n {
					ai, bim = 0, 0
				}
				// Z[v] = A[v] + i·B[v], and Z[−v] = conj A[v] + i·conj B[v]
				// for the columns the half spectrum leaves out; stored
				// with real and imaginary parts exchanged.
				x[v*block+l], x[v*block+lanes+l] = ai+br, ar-bim
				if v > 0 && 2*v < n {
					x[(n-v)*block+l], x[(n-v)*block+lanes+l] = br-ai, ar+bim
				}
			}
		}
		z := p.row.forward(w.x, w.y)
		for l := range min(nr, lanes) {
			da := p.rdata[(i0+l)*s : (i0+l)*s+n]
			for j := range da {
				da[j] = z[j*block+lanes+l]
			}
			if i := i0 + lanes + l; i < i0+nr {
				db := p.rdata[i*s : i*s+n]
				for j := range db {
					db[j] = z[j*block+l]
				}
			}
		}
	}
}
