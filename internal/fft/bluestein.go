package fft

// bluestein computes a DFT of length n whose prime factors are too large
// for radix stages, as a cyclic convolution of length m ≥ 2n−1 with only
// small prime factors (Bluestein's chirp-z algorithm). With c_k = e^{−iπk²/n},
// jk = (k² + j² − (k−j)²)/2 gives
//
//	X_k = c_k Σ_j (x_j c_j) conj(c_{k−j}),
//
// the convolution of a_j = x_j c_j with b_j = conj(c_j), done with two DFTs
// of length m and the precomputed DFT of b.
type bluestein struct {
	n, m  int
	sub   *seq
	chirp []float64 // 2n: cos and sin of −π k²/n
	kern  []float64 // 2m: DFT_m(b)/m
}

func newBluestein(n int, ks *kernelSet) *bluestein {
	m := 2*n - 1
	for !smooth5(m) {
		m++
	}
	b := &bluestein{n: n, m: m, sub: newSeqKernels(m, ks), chirp: make([]float64, 2*n), kern: make([]float64, 2*m)}
	for k := range n {
		// −π k²/n = −2π (k² mod 2n)/(2n), reduced exactly.
		sn, c := sincos2pi(k*k%(2*n), 2*n)
		b.chirp[2*k], b.chirp[2*k+1] = c, -sn
	}
	// b_j = conj(c_j) for |j| < n, wrapped to j mod m, zero elsewhere;
	// transform it in lane 0 of a batch.
	x := make([]float64, m*block)
	y := make([]float64, m*block)
	for j := range n {
		re, im := b.chirp[2*j], -b.chirp[2*j+1]
		x[j*block], x[j*block+lanes] = re, im
		if j > 0 {
			x[(m-j)*block], x[(m-j)*block+lanes] = re, im
		}
	}
	out := b.sub.forward(x, y)
	for k := range m {
		b.kern[2*k] = out[k*block] / float64(m)
		b.kern[2*k+1] = out[k*block+lanes] / float64(m)
	}
	return b
}

func smooth5(n int) bool {
	for _, f := range []int{2, 3, 5} {
		for n%f == 0 {
			n /= f
		}
	}
	return n == 1
}

// forward is seq.forward for a Bluestein length.
func (b *bluestein) forward(x, y []float64) []float64 {
	n, m := b.n, b.m
	// a = x·c, zero-padded to m.
	for k := range n {
		e := blk(x, k)
		cr, ci := b.chirp[2*k], b.chirp[2*k+1]
		for l := range lanes {
			re, im := e[l], e[l+lanes]
			e[l], e[l+lanes] = re*cr-im*ci, re*ci+im*cr
		}
	}
	clear(x[n*block : m*block])
	z := b.sub.forward(x, y)
	// Multiply by DFT(b)/m and exchange real and imaginary parts, so that
	// the next forward transform computes the inverse DFT (exchanged).
	for k := range m {
		e := blk(z, k)
		kr, ki := b.kern[2*k], b.kern[2*k+1]
		for l := range lanes {
			re, im := e[l], e[l+lanes]
			e[l], e[l+lanes] = re*ki+im*kr, re*kr-im*ki
		}
	}
	other := y
	if &z[0] == &y[0] {
		other = x
	}
	z = b.sub.forward(z, other)
	// X = c·conv, with real and imaginary parts exchanged back.
	for k := range n {
		e := blk(z, k)
		cr, ci := b.chirp[2*k], b.chirp[2*k+1]
		for l := range lanes {
			im, re := e[l], e[l+lanes]
			e[l], e[l+lanes] = re*cr-im*ci, re*ci+im*cr
		}
	}
	return z[:n*block]
}
