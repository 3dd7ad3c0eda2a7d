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

// The half spectrum between the passes. The forward transform stores it in
// p.inter by column batches: batch jb (the column transforms t = jb·lanes..,
// see halfBatch for t ↦ column) holds rowsPad elements, one per row, ready
// for the column pass. The inverse transform stores it by row groups: group
// g (rows g·lanes..) holds nctPad elements, one per t, ready for the row
// pass. Row passes keep the half spectra of a batch of real rows in w.sa
// (rows i0..i0+lanes−1) and w.sb (the next lanes rows), indexed by t:
// t = v−1 for the plain columns and t = nct−1 for the pair of columns 0
// and cols/2 (real parts in the real lanes, cols/2 in the imaginary ones)
// when cols is even, t = v when cols is odd.

// realForwardRows transforms the batches lo..hi-1 of 2·lanes real rows.
func (p *Plan) realForwardRows(c, lo, hi int) {
	w := &p.work[c]
	n, ks := p.cols, p.ks
	for b := lo; b < hi; b++ {
		i0 := b * 2 * lanes
		p.gatherRealRows(w.x, i0)
		z := p.row.forward(w.x, w.y)
		sa, sb := w.sa, w.sb
		if p.packed {
			ks.split(sa, sb, z, 1, n/2-1, n)
			t, e0, en := blk(sa, p.halfPlain), blk(z, 0), blk(z, n/2)
			u := blk(sb, p.halfPlain)
			for l := range lanes {
				t[l], t[lanes+l] = e0[l], en[l]
				u[l], u[lanes+l] = e0[lanes+l], en[lanes+l]
			}
		} else {
			ks.split(sa[block:], sb[block:], z, 1, n/2, n)
			t, u, e0 := blk(sa, 0), blk(sb, 0), blk(z, 0)
			for l := range lanes {
				t[l], t[lanes+l] = e0[l], 0
				u[l], u[lanes+l] = e0[lanes+l], 0
			}
		}
		// Transpose into the column batches: element i0+j, lane i of batch
		// jb is element jb·lanes+i, lane j of sa (sb for the next rows).
		nb, step := p.nctPad/lanes, p.rowsPad*block
		for part := 0; part < block; part += lanes {
			ks.transpose8(p.inter[i0*block+part:], block, step, sa[part:], block, lanes*block, nb)
			ks.transpose8(p.inter[(i0+lanes)*block+part:], block, step, sb[part:], block, lanes*block, nb)
		}
	}
}

// gatherRealRows fills x with the real rows i0..i0+lanes−1 (real parts) and
// i0+lanes..i0+2·lanes−1 (imaginary parts) of rdata; lanes of missing rows
// are zero.
func (p *Plan) gatherRealRows(x []float64, i0 int) {
	n, s := p.cols, p.rstride
	full := n / lanes * lanes
	for half, slot := range [2]int{0, lanes} {
		r0 := i0 + half*lanes
		nr := min(lanes, max(0, p.rows-r0))
		if nr == lanes && full > 0 {
			p.ks.transpose8(x[slot:], block, lanes*block, p.rdata[r0*s:], s, lanes, n/lanes)
		}
		from := 0
		if nr == lanes {
			from = full
		}
		for l := range lanes {
			if l >= nr {
				for k := range n {
					x[k*block+slot+l] = 0
				}
				continue
			}
			row := p.rdata[(r0+l)*s : (r0+l)*s+n]
			for k := from; k < n; k++ {
				x[k*block+slot+l] = row[k]
			}
		}
	}
}

// realForwardCols transforms the column batches lo..hi-1 of p.inter and
// writes the half spectrum to cdata.
func (p *Plan) realForwardCols(c, lo, hi int) {
	w := &p.work[c]
	m, h := p.rows, p.HalfCols()
	d := p.cdata
	size := p.rowsPad * block
	for b := lo; b < hi; b++ {
		j0, np, pair := p.halfBatch(b)
		x := p.inter[b*size : (b+1)*size]
		if p.col.bufLen() > size {
			copy(w.x, x)
			x = w.x
		}
		z := p.col.forward(x, w.y)
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

// realInverseCols transforms the column batches lo..hi-1 of the half
// spectrum in cdata and stores them in p.inter by row groups.
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
		// The rows past m are padding, transposed too: zero them, so that
		// the row pass pairs real rows with zeros (any other value would
		// change the rounding of its partner).
		z = z[:p.rowsPad*block]
		clear(z[m*block:])
		// Element t = b·lanes+i, lane j of row group g is element g·lanes+j,
		// lane i of z, with real and imaginary parts exchanged back.
		groups, step := p.rowsPad/lanes, p.nctPad*block
		p.ks.transpose8(p.inter[b*lanes*block:], block, step, z[lanes:], block, lanes*block, groups)
		p.ks.transpose8(p.inter[b*lanes*block+lanes:], block, step, z, block, lanes*block, groups)
	}
}

// realInverseRows transforms the batches lo..hi-1 of 2·lanes rows from the
// row groups of p.inter and writes them to rdata.
func (p *Plan) realInverseRows(c, lo, hi int) {
	w := &p.work[c]
	n, s, ks := p.cols, p.rstride, p.ks
	size := p.nctPad * block
	x := w.x
	for b := lo; b < hi; b++ {
		i0 := b * 2 * lanes
		a := p.inter[2*b*size : (2*b+1)*size]
		bb := p.inter[(2*b+1)*size : (2*b+2)*size]
		// Z = A + iB, stored exchanged; the self-conjugate frequencies 0
		// and n/2 take the real parts only.
		if p.packed {
			ks.merge(x, a, bb, 1, n/2-1, n)
			t, u := blk(a, p.halfPlain), blk(bb, p.halfPlain)
			e0, en := blk(x, 0), blk(x, n/2)
			for l := range lanes {
				e0[l], e0[lanes+l] = u[l], t[l]
				en[l], en[lanes+l] = u[lanes+l], t[lanes+l]
			}
		} else {
			ks.merge(x, a[block:], bb[block:], 1, n/2, n)
			t, u, e0 := blk(a, 0), blk(bb, 0), blk(x, 0)
			for l := range lanes {
				e0[l], e0[lanes+l] = u[l], t[l]
			}
		}
		z := p.row.forward(x, w.y)
		// Row i0+l is lane l of the imaginary parts (exchanged back), row
		// i0+lanes+l lane l of the real parts.
		full := n / lanes * lanes
		for half, slot := range [2]int{lanes, 0} {
			r0 := i0 + half*lanes
			nr := min(lanes, max(0, p.rows-r0))
			if nr == lanes && full > 0 {
				ks.transpose8(p.rdata[r0*s:], s, lanes, z[slot:], block, lanes*block, n/lanes)
			}
			from := 0
			if nr == lanes {
				from = full
			}
			for l := range nr {
				row := p.rdata[(r0+l)*s : (r0+l)*s+n]
				for k := from; k < n; k++ {
					row[k] = z[k*block+slot+l]
				}
			}
		}
	}
}
