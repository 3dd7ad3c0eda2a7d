package fft

import "math"

// Lanes is the number of sequences a Pruned transforms at once, and Block
// the number of float64 values per element of such a batch: element k of
// lane l has its real part at batch[k*Block+l] and its imaginary part at
// batch[k*Block+Lanes+l].
const (
	Lanes = lanes
	Block = block
)

// Pruned computes a window of the unnormalised inverse DFT of length m for a
// batch of Lanes sequences at once:
//
//	dst[x] = Σ_{k<m} src[k] e^{2πi k (o+x)/m},  x = 0..n−1,
//
// the outputs o..o+n−1 only. When n divides m (and m > n) it decimates in
// frequency: with k = p·q + r (p = m/n),
//
//	dst[x] = Σ_{r<p} e^{2πi r (o+x)/m} · IDFT_n[src[pq+r]·e^{2πi q o/n}](x),
//
// p transforms of length n and p·n multiply-adds instead of one transform of
// length m, about half the work. Otherwise it transforms all m points and
// copies the window.
//
// A Pruned owns its scratch space and must not be used by two goroutines at
// once.
type Pruned struct {
	m, n, o, p int
	full       *seq      // length m, when not decimating
	sub        *seq      // length n, when decimating
	pre        []float64 // 2n: cos, sin of 2π q o/n; nil when o is a multiple of n
	tw         []float64 // 2pn: cos, sin of 2π r (o+x)/m
	x, y       []float64
	ks         *kernelSet
}

// NewPruned returns a pruned inverse transform of length m with the n
// outputs starting at o. It panics unless 1 ≤ n and 0 ≤ o ≤ m−n.
func NewPruned(m, n, o int) *Pruned { return newPrunedKernels(m, n, o, bestKernels) }

// newPrunedKernels is NewPruned with the kernels ks.
func newPrunedKernels(m, n, o int, ks *kernelSet) *Pruned {
	if n < 1 || o < 0 || o+n > m {
		panic("fft: pruned window out of range")
	}
	t := &Pruned{m: m, n: n, o: o, ks: ks}
	if m%n != 0 || m == n {
		t.full = newSeqKernels(m, ks)
		t.x, t.y = make([]float64, t.full.bufLen()), make([]float64, t.full.bufLen())
		return t
	}
	t.p = m / n
	t.sub = newSeqKernels(n, ks)
	t.x, t.y = make([]float64, t.sub.bufLen()), make([]float64, t.sub.bufLen())
	if o%n != 0 {
		t.pre = make([]float64, 2*n)
		for q := range n {
			t.pre[2*q+1], t.pre[2*q] = sincos2pi(q*(o%n), n)
		}
	}
	t.tw = make([]float64, 2*t.p*n)
	for r := range t.p {
		for x := range n {
			i := 2 * (r*n + x)
			t.tw[i+1], t.tw[i] = sincos2pi(r*(o+x), m)
		}
	}
	return t
}

// Len returns m, the length of the input sequences.
func (t *Pruned) Len() int { return t.m }

// Window returns n, the number of outputs.
func (t *Pruned) Window() int { return t.n }

// InverseBatch writes the window of the inverse DFTs of the batch src (m
// elements in block layout, see Block) to the batch dst (n elements). It
// does not modify src and does not allocate. It panics if src or dst is too
// short.
func (t *Pruned) InverseBatch(dst, src []float64) {
	m, n, ks := t.m, t.n, t.ks
	src, dst = src[:m*block], dst[:n*block]
	if t.p == 0 {
		ks.copySwap(t.x, src, m, 1)
		z := t.full.forward(t.x, t.y)
		ks.copySwap(dst, z[t.o*block:], n, 1)
		return
	}
	p := t.p
	for r := range p {
		// The subsequence src[pq+r]·pre[q], exchanged for the inverse.
		if t.pre == nil {
			ks.copySwap(t.x, src[r*block:], n, p)
		} else {
			for q := range n {
				s, e := blk(src, p*q+r), blk(t.x, q)
				cr, ci := t.pre[2*q], t.pre[2*q+1]
				for l := range lanes {
					sr, si := s[l], s[lanes+l]
					e[l], e[lanes+l] = sr*ci+si*cr, sr*cr-si*ci
				}
			}
		}
		z := t.sub.forward(t.x, t.y)
		if r == 0 { // twiddle 1
			ks.copySwap(dst, z, n, 1)
			continue
		}
		ks.twiddleAcc(dst, z, t.tw[2*r*n:2*(r+1)*n], n)
	}
}

// PrunedCost estimates the relative cost of one Pruned inverse of length m
// with n outputs: n·log₂n per sub-transform plus n multiply-adds when
// decimating, m·log₂m for a full transform, each weighted by the speed of
// its length (see seqSpeed).
func PrunedCost(m, n int) float64 {
	lg := func(k int) float64 { return math.Log2(float64(max(k, 2))) }
	if m%n == 0 && m != n {
		p := m / n
		return float64(p) * (float64(n)*lg(n)*seqSpeed(n) + float64(n))
	}
	return float64(m) * lg(m) * seqSpeed(m)
}

// seqSpeed is the relative time per n·log₂n of a transform of length n:
// 1 for powers of two (radix-8 stages), 1.5 for other lengths whose prime
// factors are 2, 3 and 5 (dedicated kernels), 2 for those with a generic
// radix (7, 11, 13) and 6 for Bluestein lengths (two transforms of at
// least twice the length, and the chirps).
func seqSpeed(n int) float64 {
	switch {
	case n&(n-1) == 0:
		return 1
	case smooth5(n):
		return 1.5
	}
	if _, ok := radices(n); ok {
		return 2
	}
	return 6
}
