package fft

import (
	"math"
	"math/cmplx"
)

// Pruned computes a window of the unnormalised inverse DFT of length m:
//
//	dst[x] = Σ_{k<m} src[k] e^{2πi k (o+x)/m},  x = 0..n−1,
//
// the outputs o..o+n−1 only. When n divides m it decimates in frequency:
// with k = p·q + r (p = m/n),
//
//	dst[x] = Σ_{r<p} e^{2πi r (o+x)/m} · IDFT_n[src[pq+r]·e^{2πi q o/n}](x),
//
// p transforms of length n and p·n multiply-adds instead of one transform of
// length m, about half the work when n has a fast line (radix-2/4, or split
// into one); it decimates only then. Otherwise it transforms all m points
// and copies the window.
//
// A Pruned owns its scratch space and must not be used by two goroutines at
// once.
type Pruned struct {
	m, n, o, p int
	full       line         // length m, when not decimating
	sub        line         // length n, when decimating
	pre        []complex128 // e^{2πi q o/n}, nil when o is a multiple of n
	tw         []complex128 // p×n: e^{2πi r (o+x)/m}
	buf        []complex128
}

// NewPruned returns a pruned inverse transform of length m with the n
// outputs starting at o. It panics unless 1 ≤ n and 0 ≤ o ≤ m−n.
func NewPruned(m, n, o int) *Pruned {
	if n < 1 || o < 0 || o+n > m {
		panic("fft: pruned window out of range")
	}
	t := &Pruned{m: m, n: n, o: o}
	if m%n != 0 || m == n || !newLine(n).fast() {
		t.full = newLine(m)
		t.buf = make([]complex128, m)
		return t
	}
	t.p = m / n
	t.sub = newLine(n)
	t.buf = make([]complex128, m)
	if o%n != 0 {
		t.pre = make([]complex128, n)
		for q := range n {
			t.pre[q] = cmplx.Rect(1, 2*math.Pi*float64(q*(o%n))/float64(n))
		}
	}
	t.tw = make([]complex128, t.p*n)
	for r := range t.p {
		for x := range n {
			// Reduce the phase index modulo m before scaling, for accuracy.
			t.tw[r*n+x] = cmplx.Rect(1, 2*math.Pi*float64((r*(o+x))%m)/float64(m))
		}
	}
	return t
}

// Inverse writes the window of the inverse DFT of the m values
// src[0], src[stride], …, src[(m−1)·stride] to dst[0..n−1]. It does not
// modify src and does not allocate.
func (t *Pruned) Inverse(dst, src []complex128, stride int) {
	m, n := t.m, t.n
	if t.p == 0 {
		b := t.buf
		for k := range m {
			b[k] = src[k*stride]
		}
		t.full.inverse(b)
		copy(dst[:n], b[t.o:t.o+n])
		return
	}
	p := t.p
	for r := range p {
		b := t.buf[r*n : (r+1)*n]
		for q := range n {
			b[q] = src[(p*q+r)*stride]
		}
		if t.pre != nil {
			for q, w := range t.pre {
				b[q] *= w
			}
		}
		t.sub.inverse(b)
	}
	d := dst[:n]
	copy(d, t.buf[:n]) // r = 0 has twiddle 1
	for r := 1; r < p; r++ {
		b := t.buf[r*n : (r+1)*n]
		tw := t.tw[r*n : (r+1)*n]
		for x := range d {
			d[x] += tw[x] * b[x]
		}
	}
}

// Fast reports whether the sub-transforms use radix-2/4 routines.
func (t *Pruned) Fast() bool {
	if t.p == 0 {
		return t.full.fast()
	}
	return t.sub.fast()
}

// PrunedCost estimates the relative cost of one Pruned inverse of length m
// with n outputs: n·log₂n per sub-transform when decimating, m·log₂m for a
// full transform, weighted by the measured speed of each kind of line per
// n·log₂n (radix-2/4: 1, split: 1.5, gonum's fftpack: 2.5).
func PrunedCost(m, n int) float64 {
	lg := func(k int) float64 { return math.Log2(float64(max(k, 2))) }
	if m%n == 0 && m != n && newLine(n).fast() {
		p := m / n
		return float64(p) * (float64(n)*lg(n)*newLine(n).speed() + float64(n))
	}
	return float64(m) * lg(m) * newLine(m).speed()
}
