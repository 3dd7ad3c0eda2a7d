package fft

// Plain-Go stage kernels. Each applies the radix-r butterfly of stage to
// every block of its input: for each twiddle group p < m and offset q < s,
// the r input blocks x[(p+j·m)·s+q] give the r output blocks
// y[(r·p+k)·s+q], multiplied by the twiddles w^{pk} (skipped for p = 0,
// where they are 1). The assembly kernels (kernels_amd64.s) compute the same
// arithmetic lane-parallel.

// Constants of the radix-3, 5 and 8 butterflies.
const (
	sqrt3h = 0.86602540378443864676 // sin(2π/3) = √3/2
	sqrt2h = 0.70710678118654752440 // cos(π/4) = √2/2
	c51    = 0.30901699437494742410 // cos(2π/5)
	c52    = -0.8090169943749474241 // cos(4π/5)
	s51    = 0.95105651629515357212 // sin(2π/5)
	s52    = 0.58778525229247312917 // sin(4π/5)
)

// blk returns the block at index i of x.
func blk(x []float64, i int) *[block]float64 {
	return (*[block]float64)(x[i*block : i*block+block])
}

func radix2Go(y, x, tw []float64, m, s int) {
	for p := range m {
		w1r, w1i := 1.0, 0.0
		if p > 0 {
			w1r, w1i = tw[2*p], tw[2*p+1]
		}
		for q := range s {
			x0, x1 := blk(x, p*s+q), blk(x, (p+m)*s+q)
			y0, y1 := blk(y, 2*p*s+q), blk(y, (2*p+1)*s+q)
			for l := range lanes {
				ar, ai := x0[l], x0[l+lanes]
				br, bi := x1[l], x1[l+lanes]
				y0[l], y0[l+lanes] = ar+br, ai+bi
				dr, di := ar-br, ai-bi
				if p == 0 {
					y1[l], y1[l+lanes] = dr, di
				} else {
					y1[l], y1[l+lanes] = dr*w1r-di*w1i, dr*w1i+di*w1r
				}
			}
		}
	}
}

func radix3Go(y, x, tw []float64, m, s int) {
	for p := range m {
		var w1r, w1i, w2r, w2i float64
		if p > 0 {
			t := tw[4*p : 4*p+4]
			w1r, w1i, w2r, w2i = t[0], t[1], t[2], t[3]
		}
		for q := range s {
			x0, x1, x2 := blk(x, p*s+q), blk(x, (p+m)*s+q), blk(x, (p+2*m)*s+q)
			y0, y1, y2 := blk(y, 3*p*s+q), blk(y, (3*p+1)*s+q), blk(y, (3*p+2)*s+q)
			for l := range lanes {
				a0r, a0i := x0[l], x0[l+lanes]
				a1r, a1i := x1[l], x1[l+lanes]
				a2r, a2i := x2[l], x2[l+lanes]
				sr, si := a1r+a2r, a1i+a2i
				dr, di := sqrt3h*(a1r-a2r), sqrt3h*(a1i-a2i)
				y0[l], y0[l+lanes] = a0r+sr, a0i+si
				mr, mi := a0r-0.5*sr, a0i-0.5*si
				// b1 = m − i·d, b2 = m + i·d.
				b1r, b1i := mr+di, mi-dr
				b2r, b2i := mr-di, mi+dr
				if p == 0 {
					y1[l], y1[l+lanes] = b1r, b1i
					y2[l], y2[l+lanes] = b2r, b2i
				} else {
					y1[l], y1[l+lanes] = b1r*w1r-b1i*w1i, b1r*w1i+b1i*w1r
					y2[l], y2[l+lanes] = b2r*w2r-b2i*w2i, b2r*w2i+b2i*w2r
				}
			}
		}
	}
}

func radix4Go(y, x, tw []float64, m, s int) {
	for p := range m {
		var w1r, w1i, w2r, w2i, w3r, w3i float64
		if p > 0 {
			t := tw[6*p : 6*p+6]
			w1r, w1i, w2r, w2i, w3r, w3i = t[0], t[1], t[2], t[3], t[4], t[5]
		}
		for q := range s {
			x0, x1 := blk(x, p*s+q), blk(x, (p+m)*s+q)
			x2, x3 := blk(x, (p+2*m)*s+q), blk(x, (p+3*m)*s+q)
			y0, y1 := blk(y, 4*p*s+q), blk(y, (4*p+1)*s+q)
			y2, y3 := blk(y, (4*p+2)*s+q), blk(y, (4*p+3)*s+q)
			for l := range lanes {
				a0r, a0i := x0[l], x0[l+lanes]
				a1r, a1i := x1[l], x1[l+lanes]
				a2r, a2i := x2[l], x2[l+lanes]
				a3r, a3i := x3[l], x3[l+lanes]
				t0r, t0i := a0r+a2r, a0i+a2i
				t1r, t1i := a0r-a2r, a0i-a2i
				t2r, t2i := a1r+a3r, a1i+a3i
				t3r, t3i := a1r-a3r, a1i-a3i
				y0[l], y0[l+lanes] = t0r+t2r, t0i+t2i
				b2r, b2i := t0r-t2r, t0i-t2i
				b1r, b1i := t1r+t3i, t1i-t3r // t1 − i·t3
				b3r, b3i := t1r-t3i, t1i+t3r // t1 + i·t3
				if p == 0 {
					y1[l], y1[l+lanes] = b1r, b1i
					y2[l], y2[l+lanes] = b2r, b2i
					y3[l], y3[l+lanes] = b3r, b3i
				} else {
					y1[l], y1[l+lanes] = b1r*w1r-b1i*w1i, b1r*w1i+b1i*w1r
					y2[l], y2[l+lanes] = b2r*w2r-b2i*w2i, b2r*w2i+b2i*w2r
					y3[l], y3[l+lanes] = b3r*w3r-b3i*w3i, b3r*w3i+b3i*w3r
				}
			}
		}
	}
}

func radix5Go(y, x, tw []float64, m, s int) {
	for p := range m {
		var t []float64
		if p > 0 {
			t = tw[8*p : 8*p+8]
		}
		for q := range s {
			x0, x1, x2 := blk(x, p*s+q), blk(x, (p+m)*s+q), blk(x, (p+2*m)*s+q)
			x3, x4 := blk(x, (p+3*m)*s+q), blk(x, (p+4*m)*s+q)
			y0, y1, y2 := blk(y, 5*p*s+q), blk(y, (5*p+1)*s+q), blk(y, (5*p+2)*s+q)
			y3, y4 := blk(y, (5*p+3)*s+q), blk(y, (5*p+4)*s+q)
			for l := range lanes {
				a0r, a0i := x0[l], x0[l+lanes]
				a1r, a1i := x1[l], x1[l+lanes]
				a2r, a2i := x2[l], x2[l+lanes]
				a3r, a3i := x3[l], x3[l+lanes]
				a4r, a4i := x4[l], x4[l+lanes]
				s1r, s1i := a1r+a4r, a1i+a4i
				d1r, d1i := a1r-a4r, a1i-a4i
				s2r, s2i := a2r+a3r, a2i+a3i
				d2r, d2i := a2r-a3r, a2i-a3i
				y0[l], y0[l+lanes] = a0r+s1r+s2r, a0i+s1i+s2i
				m1r, m1i := a0r+c51*s1r+c52*s2r, a0i+c51*s1i+c52*s2i
				m2r, m2i := a0r+c52*s1r+c51*s2r, a0i+c52*s1i+c51*s2i
				n1r, n1i := s51*d1r+s52*d2r, s51*d1i+s52*d2i
				n2r, n2i := s52*d1r-s51*d2r, s52*d1i-s51*d2i
				// b1 = m1 − i·n1, b4 = m1 + i·n1, b2 = m2 − i·n2, b3 = m2 + i·n2.
				b1r, b1i := m1r+n1i, m1i-n1r
				b4r, b4i := m1r-n1i, m1i+n1r
				b2r, b2i := m2r+n2i, m2i-n2r
				b3r, b3i := m2r-n2i, m2i+n2r
				if p == 0 {
					y1[l], y1[l+lanes] = b1r, b1i
					y2[l], y2[l+lanes] = b2r, b2i
					y3[l], y3[l+lanes] = b3r, b3i
					y4[l], y4[l+lanes] = b4r, b4i
				} else {
					y1[l], y1[l+lanes] = b1r*t[0]-b1i*t[1], b1r*t[1]+b1i*t[0]
					y2[l], y2[l+lanes] = b2r*t[2]-b2i*t[3], b2r*t[3]+b2i*t[2]
					y3[l], y3[l+lanes] = b3r*t[4]-b3i*t[5], b3r*t[5]+b3i*t[4]
					y4[l], y4[l+lanes] = b4r*t[6]-b4i*t[7], b4r*t[7]+b4i*t[6]
				}
			}
		}
	}
}

func radix8Go(y, x, tw []float64, m, s int) {
	for p := range m {
		var t *[14]float64
		if p > 0 {
			t = (*[14]float64)(tw[14*p : 14*p+14])
		}
		for q := range s {
			x0, x1, x2, x3 := blk(x, p*s+q), blk(x, (p+m)*s+q), blk(x, (p+2*m)*s+q), blk(x, (p+3*m)*s+q)
			x4, x5, x6, x7 := blk(x, (p+4*m)*s+q), blk(x, (p+5*m)*s+q), blk(x, (p+6*m)*s+q), blk(x, (p+7*m)*s+q)
			y0, y1, y2, y3 := blk(y, 8*p*s+q), blk(y, (8*p+1)*s+q), blk(y, (8*p+2)*s+q), blk(y, (8*p+3)*s+q)
			y4, y5, y6, y7 := blk(y, (8*p+4)*s+q), blk(y, (8*p+5)*s+q), blk(y, (8*p+6)*s+q), blk(y, (8*p+7)*s+q)
			for l := range lanes {
				const i = lanes
				// u_j = a_j + a_{j+4}; v_j = (a_j − a_{j+4})·ω^j, ω = e^{−iπ/4}.
				u0r, u0i := x0[l]+x4[l], x0[l+i]+x4[l+i]
				u1r, u1i := x1[l]+x5[l], x1[l+i]+x5[l+i]
				u2r, u2i := x2[l]+x6[l], x2[l+i]+x6[l+i]
				u3r, u3i := x3[l]+x7[l], x3[l+i]+x7[l+i]
				v0r, v0i := x0[l]-x4[l], x0[l+i]-x4[l+i]
				d1r, d1i := x1[l]-x5[l], x1[l+i]-x5[l+i]
				v2r, v2i := x2[l+i]-x6[l+i], x6[l]-x2[l]
				d3r, d3i := x3[l]-x7[l], x3[l+i]-x7[l+i]
				v1r, v1i := sqrt2h*(d1r+d1i), sqrt2h*(d1i-d1r)
				v3r, v3i := sqrt2h*(d3i-d3r), -sqrt2h*(d3r+d3i)
				// Even outputs: the 4-point DFT of u; odd outputs: that of v.
				t0r, t0i := u0r+u2r, u0i+u2i
				t1r, t1i := u0r-u2r, u0i-u2i
				t2r, t2i := u1r+u3r, u1i+u3i
				t3r, t3i := u1r-u3r, u1i-u3i
				b0r, b0i := t0r+t2r, t0i+t2i
				b4r, b4i := t0r-t2r, t0i-t2i
				b2r, b2i := t1r+t3i, t1i-t3r
				b6r, b6i := t1r-t3i, t1i+t3r
				t0r, t0i = v0r+v2r, v0i+v2i
				t1r, t1i = v0r-v2r, v0i-v2i
				t2r, t2i = v1r+v3r, v1i+v3i
				t3r, t3i = v1r-v3r, v1i-v3i
				b1r, b1i := t0r+t2r, t0i+t2i
				b5r, b5i := t0r-t2r, t0i-t2i
				b3r, b3i := t1r+t3i, t1i-t3r
				b7r, b7i := t1r-t3i, t1i+t3r
				y0[l], y0[l+i] = b0r, b0i
				if t == nil {
					y1[l], y1[l+i] = b1r, b1i
					y2[l], y2[l+i] = b2r, b2i
					y3[l], y3[l+i] = b3r, b3i
					y4[l], y4[l+i] = b4r, b4i
					y5[l], y5[l+i] = b5r, b5i
					y6[l], y6[l+i] = b6r, b6i
					y7[l], y7[l+i] = b7r, b7i
					continue
				}
				y1[l], y1[l+i] = b1r*t[0]-b1i*t[1], b1r*t[1]+b1i*t[0]
				y2[l], y2[l+i] = b2r*t[2]-b2i*t[3], b2r*t[3]+b2i*t[2]
				y3[l], y3[l+i] = b3r*t[4]-b3i*t[5], b3r*t[5]+b3i*t[4]
				y4[l], y4[l+i] = b4r*t[6]-b4i*t[7], b4r*t[7]+b4i*t[6]
				y5[l], y5[l+i] = b5r*t[8]-b5i*t[9], b5r*t[9]+b5i*t[8]
				y6[l], y6[l+i] = b6r*t[10]-b6i*t[11], b6r*t[11]+b6i*t[10]
				y7[l], y7[l+i] = b7r*t[12]-b7i*t[13], b7r*t[13]+b7i*t[12]
			}
		}
	}
}

// radixGeneric runs a stage of odd prime radix r ≤ maxGenericRadix by the
// direct sum, pairing inputs j and r−j:
//
//	b_k = a_0 + Σ_{j=1}^{(r−1)/2} [(a_j + a_{r−j}) cos(2πjk/r) − i (a_j − a_{r−j}) sin(2πjk/r)].
func radixGeneric(y, x []float64, st *stage) {
	r, m, s := st.r, st.m, st.s
	h := (r - 1) / 2
	var sr, si, dr, di [maxGenericRadix/2 + 1]float64
	for p := range m {
		for q := range s {
			x0 := blk(x, p*s+q)
			y0 := blk(y, r*p*s+q)
			for l := range lanes {
				a0r, a0i := x0[l], x0[l+lanes]
				tr, ti := a0r, a0i
				for j := 1; j <= h; j++ {
					xa, xb := blk(x, (p+j*m)*s+q), blk(x, (p+(r-j)*m)*s+q)
					sr[j], si[j] = xa[l]+xb[l], xa[l+lanes]+xb[l+lanes]
					dr[j], di[j] = xa[l]-xb[l], xa[l+lanes]-xb[l+lanes]
					tr += sr[j]
					ti += si[j]
				}
				y0[l], y0[l+lanes] = tr, ti
				for k := 1; k <= h; k++ {
					mr, mi := a0r, a0i
					var nr, ni float64
					for j := 1; j <= h; j++ {
						jk := (j * k) % r
						c, sn := st.cs[2*jk], st.cs[2*jk+1]
						mr += c * sr[j]
						mi += c * si[j]
						nr += sn * dr[j]
						ni += sn * di[j]
					}
					// b_k = m − i·n, b_{r−k} = m + i·n.
					bkr, bki := mr+ni, mi-nr
					bjr, bji := mr-ni, mi+nr
					yk, yj := blk(y, (r*p+k)*s+q), blk(y, (r*p+r-k)*s+q)
					if p == 0 {
						yk[l], yk[l+lanes] = bkr, bki
						yj[l], yj[l+lanes] = bjr, bji
						continue
					}
					ik, ij := 2*(p*(r-1)+k-1), 2*(p*(r-1)+r-k-1)
					wkr, wki := st.tw[ik], st.tw[ik+1]
					wjr, wji := st.tw[ij], st.tw[ij+1]
					yk[l], yk[l+lanes] = bkr*wkr-bki*wki, bkr*wki+bki*wkr
					yj[l], yj[l+lanes] = bjr*wjr-bji*wji, bjr*wji+bji*wjr
				}
			}
		}
	}
}

// transpose8Go transposes n 8×8 tiles: for t < n and i, j < 8,
//
//	dst[t·dstep + j·ds + i] = src[t·sstep + i·ss + j].
func transpose8Go(dst []float64, ds, dstep int, src []float64, ss, sstep, n int) {
	for t := range n {
		s, d := src[t*sstep:], dst[t*dstep:]
		for i := range 8 {
			row := s[i*ss : i*ss+8]
			for j, v := range row {
				d[j*ds+i] = v
			}
		}
	}
}

// splitGo separates the half spectra of the pairs of real sequences carried
// by the batch z as z = a + ib (lane by lane): for t < count, with v = v0+t
// and w = n−v (1 ≤ v0, v0+count−1 < n),
//
//	a[t] = (z[v] + conj z[w])/2,  b[t] = (z[v] − conj z[w])/(2i).
func splitGo(a, b, z []float64, v0, count, n int) {
	for t := range count {
		zv, zw := blk(z, v0+t), blk(z, n-v0-t)
		at, bt := blk(a, t), blk(b, t)
		for l := range lanes {
			zr, zi := zv[l], zv[lanes+l]
			wr, wi := zw[l], zw[lanes+l]
			at[l], at[lanes+l] = (zr+wr)*0.5, (zi-wi)*0.5
			bt[l], bt[lanes+l] = (zi+wi)*0.5, (wr-zr)*0.5
		}
	}
}

// mergeGo is the inverse of splitGo for an inverse transform: for t <
// count, with v = v0+t and w = n−v, it writes Z = A + iB,
//
//	Z[v] = a[t] + i·b[t],  Z[w] = conj a[t] + i·conj b[t],
//
// to z with real and imaginary parts exchanged (see seq.forward).
func mergeGo(z, a, b []float64, v0, count, n int) {
	for t := range count {
		zv, zw := blk(z, v0+t), blk(z, n-v0-t)
		at, bt := blk(a, t), blk(b, t)
		for l := range lanes {
			ar, ai := at[l], at[lanes+l]
			br, bi := bt[l], bt[lanes+l]
			zv[l], zv[lanes+l] = ai+br, ar-bi
			zw[l], zw[lanes+l] = br-ai, ar+bi
		}
	}
}

// copySwapGo copies block k·stride of src to block k of dst for k < n,
// exchanging the real and imaginary parts (the input or output of an
// inverse transform, see seq.forward).
func copySwapGo(dst, src []float64, n, stride int) {
	for k := range n {
		s, d := blk(src, k*stride), blk(dst, k)
		for l := range lanes {
			d[l], d[lanes+l] = s[lanes+l], s[l]
		}
	}
}

// twiddleAccGo adds w_k·v_k to block k of dst for k < n, where v_k is block
// k of z with its parts exchanged and w_k = tw[2k] + i·tw[2k+1].
func twiddleAccGo(dst, z, tw []float64, n int) {
	for k := range n {
		e, d := blk(z, k), blk(dst, k)
		wr, wi := tw[2*k], tw[2*k+1]
		for l := range lanes {
			vr, vi := e[lanes+l], e[l]
			d[l] += vr*wr - vi*wi
			d[lanes+l] += vr*wi + vi*wr
		}
	}
}
