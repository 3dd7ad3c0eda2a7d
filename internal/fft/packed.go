package fft

// Real transforms in the centred real packing of noise.RealFFT2. For a real
// rows×cols array with unnormalised DFT Z, the packing X (rows×cols, centred
// layout: index i of an axis of length n is frequency i−n/2) holds, for each
// pair {k, −k} of distinct frequencies, X = s2·Re Z_k at the member with the
// larger row-major centred index and X = s2·Im Z_k at the other, where k is
// that larger member; at the self-conjugate frequencies (k = −k) X = s·Z_k,
// which is real. With s = 1/√(rows·cols) and s2 = √2·s it is the orthonormal
// real transform F_R. Writing it straight from the column transforms saves
// storing and reading back the half spectrum.
//
// In terms of the half spectrum H[u, v] = Z[u, v] (v ≤ cols/2): centred row
// i holds frequency row u = (i − rows/2) mod rows and its partner row
// i' = (2·(rows/2) − i) mod rows holds −u; with c = cols/2, column c + v holds
// frequency v and column c − v holds −v. For 0 < v < cols/2 (not the
// Nyquist column), H[u, v] fills (i, c+v) and (i', c−v): with i ≥ i' (the
// larger member is (i, c+v)) X[i, c+v] = s2·Re H and X[i', c−v] = s2·Im H;
// with i < i', X[i, c+v] = −s2·Im H and X[i', c−v] = s2·Re H. Columns v = 0
// and v = cols/2 (column 0, even cols) hold both u and −u, so H[u, 0]
// fills only (i, c), and H[u, cols/2] only (i, 0): s2·Re H for i > i',
// −s2·Im H for i < i', s·Re H for i = i'.

// ForwardRealPacked computes the real packing of the real rows×cols array in
// src (row stride srcStride) into dst (row stride dstStride) with the
// scales s at self-conjugate and s2 at paired frequencies (see above;
// s = 1/√(rows·cols) and s2 = √2·s give noise.RealFFT2). dst and src must
// not overlap. It panics if dst or src is too short.
func (p *Plan) ForwardRealPacked(dst []float64, dstStride int, src []float64, srcStride int, s, s2 float64) {
	p.checkReal(dst, dstStride, "destination")
	p.checkReal(src, srcStride, "source")
	p.rdata, p.rstride = src, srcStride
	p.pdata, p.pstride, p.s, p.s2 = dst, dstStride, s, s2
	p.group.For(pairBlocks(p.rows), p.maxChunks, p.rfRowFn)
	p.group.For(blocks(p.halfColumns()), p.maxChunks, p.pfColFn)
	p.rdata, p.pdata = nil, nil
}

// InverseRealPacked is the inverse of ForwardRealPacked. It reads the half
// spectrum from the packing in src (row stride srcStride) as
// H_k = s2·(X_k + i·X_−k) at each pair, k the member with the larger centred
// index (and H_−k = conj H_k), and H_k = s·X_k at self-conjugate
// frequencies, and writes the unnormalised inverse real transform of H to dst
// (row stride dstStride). With s = 1/√(rows·cols) and s2 = s/√2 it is the
// exact inverse of noise.RealFFT2. src is read only; dst may be src itself
// (with the same stride). It panics if dst or src is too short.
func (p *Plan) InverseRealPacked(dst []float64, dstStride int, src []float64, srcStride int, s, s2 float64) {
	p.checkReal(dst, dstStride, "destination")
	p.checkReal(src, srcStride, "source")
	p.pdata, p.pstride, p.s, p.s2 = src, srcStride, s, s2
	p.group.For(blocks(p.halfColumns()), p.maxChunks, p.piColFn)
	p.pdata = nil
	p.rdata, p.rstride = dst, dstStride
	p.group.For(pairBlocks(p.rows), p.maxChunks, p.riRowFn)
	p.rdata = nil
}

func (p *Plan) checkReal(x []float64, stride int, what string) {
	if stride < p.cols || len(x) < (p.rows-1)*stride+p.cols {
		panic("fft: " + what + " too short")
	}
}

// packedRows returns the centred row i of frequency row u and its partner
// row i' (frequency −u).
func (p *Plan) packedRows(u int) (i, ii int) {
	i = (u + p.rows/2) % p.rows
	return i, (2*(p.rows/2) - i) % p.rows
}

// packedForwardCols transforms the column batches lo..hi-1 of p.inter and
// writes them packed to pdata.
func (p *Plan) packedForwardCols(c, lo, hi int) {
	w := &p.work[c]
	m, cc, ds := p.rows, p.cols/2, p.pstride
	s, s2 := p.s, p.s2
	d := p.pdata
	size := p.rowsPad * block
	for b := lo; b < hi; b++ {
		_, np, pair := p.halfBatch(b)
		x := p.inter[b*size : (b+1)*size]
		if p.col.bufLen() > size {
			copy(w.x, x)
			x = w.x
		}
		z := p.col.forward(x, w.y)
		// Plain lanes l < np hold v = v0+l; for odd cols lane 0 of batch 0
		// is v = 0.
		v0, l0 := p.plainFrom+b*lanes, 0
		if v0 == 0 {
			l0 = 1
		}
		for u := range m {
			i, ii := p.packedRows(u)
			e := blk(z, u)
			ri, rii := d[i*ds:i*ds+p.cols], d[ii*ds:ii*ds+p.cols]
			if l0 == 1 {
				ri[cc] = packedSelf(e[0], e[lanes], i, ii, s, s2)
			}
			if i >= ii {
				for l := l0; l < np; l++ {
					ri[cc+v0+l] = s2 * e[l]
					rii[cc-v0-l] = s2 * e[lanes+l]
				}
			} else {
				for l := l0; l < np; l++ {
					ri[cc+v0+l] = -s2 * e[lanes+l]
					rii[cc-v0-l] = s2 * e[l]
				}
			}
		}
		if pair {
			// The pair lane carries z = c0 + i·cN: C0[u] = (z[u] + conj
			// z[−u])/2 at column cc, CN[u] = (z[u] − conj z[−u])/(2i) at 0.
			for u := range m {
				um := (m - u) % m
				zr, zi := z[u*block+np], z[u*block+lanes+np]
				mr, mi := z[um*block+np], z[um*block+lanes+np]
				i, ii := p.packedRows(u)
				r := d[i*ds : i*ds+p.cols]
				r[cc] = packedSelf((zr+mr)/2, (zi-mi)/2, i, ii, s, s2)
				r[0] = packedSelf((zi+mi)/2, (mr-zr)/2, i, ii, s, s2)
			}
		}
	}
}

// packedSelf returns the packed value of Z = (re, im) at a column that holds
// both u and −u (v = 0 or cols/2), in row i with partner row ii.
func packedSelf(re, im float64, i, ii int, s, s2 float64) float64 {
	switch {
	case i > ii:
		return s2 * re
	case i < ii:
		return -s2 * im
	}
	return s * re
}

// packedInverseCols gathers the column batches lo..hi-1 of the half
// spectrum from the packing in pdata, transforms them and stores them in
// p.inter by row groups (see realInverseCols).
func (p *Plan) packedInverseCols(c, lo, hi int) {
	w := &p.work[c]
	m, cc, ds := p.rows, p.cols/2, p.pstride
	s, s2 := p.s, p.s2
	d := p.pdata
	x := w.x
	for b := lo; b < hi; b++ {
		_, np, pair := p.halfBatch(b)
		v0, l0 := p.plainFrom+b*lanes, 0
		if v0 == 0 {
			l0 = 1
		}
		// H[u, v] from X[i, c+v] and X[i', c−v], stored exchanged (real
		// parts in the imaginary lanes) for the inverse transform.
		for u := range m {
			i, ii := p.packedRows(u)
			e := blk(x, u)
			ri, rii := d[i*ds:i*ds+p.cols], d[ii*ds:ii*ds+p.cols]
			if l0 == 1 {
				e[lanes], e[0] = unpackSelf(ri[cc], rii[cc], i, ii, s, s2)
			}
			if i >= ii {
				for l := l0; l < np; l++ {
					e[lanes+l], e[l] = s2*ri[cc+v0+l], s2*rii[cc-v0-l]
				}
			} else {
				for l := l0; l < np; l++ {
					e[lanes+l], e[l] = s2*rii[cc-v0-l], -s2*ri[cc+v0+l]
				}
			}
			for l := np; l < lanes; l++ {
				e[l], e[lanes+l] = 0, 0
			}
			if pair {
				c0r, c0i := unpackSelf(ri[cc], rii[cc], i, ii, s, s2)
				cnr, cni := unpackSelf(ri[0], rii[0], i, ii, s, s2)
				// Z = C0 + i·CN, exchanged.
				e[np], e[lanes+np] = c0i+cnr, c0r-cni
			}
		}
		z := p.col.forward(x, w.y)
		z = z[:p.rowsPad*block]
		clear(z[m*block:])
		groups, step := p.rowsPad/lanes, p.nctPad*block
		p.ks.transpose8(p.inter[b*lanes*block:], block, step, z[lanes:], block, lanes*block, groups)
		p.ks.transpose8(p.inter[b*lanes*block+lanes:], block, step, z, block, lanes*block, groups)
	}
}

// unpackSelf returns H at a column holding both u and −u from the packed
// values a = X[i, j] and b = X[i', j] of its row and partner row.
func unpackSelf(a, b float64, i, ii int, s, s2 float64) (re, im float64) {
	switch {
	case i > ii:
		return s2 * a, s2 * b
	case i < ii:
		return s2 * b, -s2 * a
	}
	return s * a, 0
}
