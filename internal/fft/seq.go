package fft

import (
	"math"
	"math/bits"
)

// The engine transforms lanes sequences at once, in a block layout: element
// k of lane l of a batch has its real part at buf[k*block+l] and its
// imaginary part at buf[k*block+lanes+l]. Each element of the batch is thus
// one 64-byte run of real parts followed by one of imaginary parts: one
// AVX-512 register each (two AVX2 ones), and every butterfly is the same
// scalar arithmetic applied to all lanes, with no shuffles.
const (
	lanes = 8
	block = 2 * lanes
)

// maxGenericRadix is the largest prime factor handled by a radix stage
// (generic for 7, 11 and 13); lengths with a larger prime factor use
// Bluestein's algorithm.
const maxGenericRadix = 13

// stage is one decimation-in-frequency Stockham pass of radix r over a
// sub-length r·m, with s the product of the radices of earlier stages. With
// the input viewed as x[j][p][q] (j < r, p < m, q < s, each a block) and the
// output as y[p][k][q], it computes
//
//	y[p][k][q] = w^{pk} Σ_{j<r} x[j][p][q] e^{−2πi jk/r},  w = e^{−2πi/(r·m)}.
//
// After all stages (s·r·m = n at each) the output is the DFT in natural
// order.
type stage struct {
	r, m, s int
	// tw holds the twiddle factors: tw[2(p(r−1)+k−1)] and the next element
	// are the cosine and sine of −2π p k/(r·m), for p < m, 1 ≤ k < r.
	tw []float64
	// cs holds, for a generic odd radix, cos and sin of 2π j/r for j < r.
	cs []float64
}

// seq is a forward DFT of one length n applied to a batch of lanes
// sequences in block layout. It is immutable after construction and may be
// shared by goroutines; the buffers are the caller's.
type seq struct {
	n      int
	ks     *kernelSet
	stages []stage
	blue   *bluestein // nil unless n has a prime factor > maxGenericRadix
}

// newSeq returns the transform of length n ≥ 1 with the fastest kernels
// of the machine.
func newSeq(n int) *seq { return newSeqKernels(n, bestKernels) }

// newSeqKernels returns the transform of length n ≥ 1 using the kernels ks.
func newSeqKernels(n int, ks *kernelSet) *seq {
	q := &seq{n: n, ks: ks}
	rs, ok := radices(n)
	if !ok {
		q.blue = newBluestein(n, ks)
		return q
	}
	s := 1
	cur := n
	for _, r := range rs {
		m := cur / r
		st := stage{r: r, m: m, s: s, tw: twiddles(r, m)}
		if ks.kernel(r) == nil {
			st.cs = make([]float64, 2*r)
			for j := range r {
				st.cs[2*j+1], st.cs[2*j] = sincos2pi(j, r)
			}
		}
		q.stages = append(q.stages, st)
		s *= r
		cur = m
	}
	return q
}

// twiddles returns the twiddle factors of a stage of radix r over a
// sub-length r·m (see stage.tw).
func twiddles(r, m int) []float64 {
	tw := make([]float64, 2*m*(r-1))
	for p := range m {
		for k := 1; k < r; k++ {
			sn, c := sincos2pi(p*k, r*m)
			i := 2 * (p*(r-1) + k - 1)
			tw[i], tw[i+1] = c, -sn
		}
	}
	return tw
}

// sincos2pi returns sin and cos of 2π a/b. It reduces the angle to the
// first octant with exact integer arithmetic before calling math.Sincos, so
// that twiddle factors are accurate to an ulp, exact at multiples of π/4
// and symmetric across quadrants.
func sincos2pi(a, b int) (sin, cos float64) {
	a %= b
	if a < 0 {
		a += b
	}
	ss, sc := 1.0, 1.0
	if 2*a > b { // θ in (π, 2π): sin(2π − θ) = −sin θ
		a, ss = b-a, -1
	}
	num, den := a, b // θ = 2π num/den in [0, π]
	if 4*num > den { // θ in (π/2, π]: π − θ = 2π (den − 2num)/(2den)
		num, den, sc = den-2*num, 2*den, -1
	}
	swap := false
	if 8*num > den { // θ in (π/4, π/2]: π/2 − θ = 2π (den − 4num)/(4den)
		num, den, swap = den-4*num, 4*den, true
	}
	var s, c float64
	if 8*num == den {
		s, c = math.Sqrt2/2, math.Sqrt2/2
	} else {
		s, c = math.Sincos(2 * math.Pi * float64(num) / float64(den))
	}
	if swap {
		s, c = c, s
	}
	return ss * s, sc * c
}

// radices returns the radices of the stages for length n, largest powers of
// two first (radix 8 while possible, then 4 or 2), then 3, 5 and the generic
// primes, and false if n has a prime factor above maxGenericRadix.
func radices(n int) ([]int, bool) {
	var rs []int
	tz := bits.TrailingZeros(uint(n))
	m := n >> tz
	for ; tz >= 3; tz -= 3 {
		rs = append(rs, 8)
	}
	switch tz {
	case 2:
		rs = append(rs, 4)
	case 1:
		rs = append(rs, 2)
	}
	for _, p := range []int{3, 5, 7, 11, 13} {
		for m%p == 0 {
			rs = append(rs, p)
			m /= p
		}
	}
	return rs, m == 1
}

// bufLen returns the length of each of the two buffers forward needs.
func (q *seq) bufLen() int {
	if q.blue != nil {
		return q.blue.m * block
	}
	return q.n * block
}

// forward transforms the batch in x[:n*block] in place of x or y, and
// returns the slice holding the result: x or y, truncated to n*block. Both
// must have length at least bufLen; the one not returned is clobbered.
// Inverse transforms use the same code: the DFT with a positive exponent is
// the forward DFT with real and imaginary parts exchanged on input and
// output, which the gathers and scatters do for free.
func (q *seq) forward(x, y []float64) []float64 {
	if q.blue != nil {
		return q.blue.forward(x, y)
	}
	for i := range q.stages {
		st := &q.stages[i]
		if k := q.ks.kernel(st.r); k != nil {
			k(y, x, st.tw, st.m, st.s)
		} else {
			radixGeneric(y, x, st)
		}
		x, y = y, x
	}
	return x[:q.n*block]
}

// kernelFunc runs one radix-r stage (see stage) from x to y: m is the number
// of twiddle groups and s the stride in blocks. Slices must hold r·m·s
// blocks.
type kernelFunc func(y, x, tw []float64, m, s int)

// kernelSet holds the stage kernel of each dedicated radix (2, 3, 4, 5 and
// 8) of one instruction set; other radices run radixGeneric.
type kernelSet struct {
	name string
	k    [9]kernelFunc

	// Data movement of the 2-D passes (see transpose8Go, splitGo, mergeGo).
	transpose8 func(dst []float64, ds, dstep int, src []float64, ss, sstep, n int)
	split      func(a, b, z []float64, v0, count, n int)
	merge      func(z, a, b []float64, v0, count, n int)
	copySwap   func(dst, src []float64, n, stride int)
	twiddleAcc func(dst, z, tw []float64, n int)
}

// kernel returns the kernel of radix r, or nil.
func (ks *kernelSet) kernel(r int) kernelFunc {
	if r < len(ks.k) {
		return ks.k[r]
	}
	return nil
}

// goKernels are the plain-Go kernels (kernels_go.go).
var goKernels = &kernelSet{
	name:       "go",
	k:          [9]kernelFunc{2: radix2Go, 3: radix3Go, 4: radix4Go, 5: radix5Go, 8: radix8Go},
	transpose8: transpose8Go,
	split:      splitGo,
	merge:      mergeGo,
	copySwap:   copySwapGo,
	twiddleAcc: twiddleAccGo,
}

var (
	// bestKernels are the kernels new plans use: the assembly ones where the
	// CPU has them (see kernels_amd64.go), else plain Go.
	bestKernels = goKernels
	// kernelSets lists every kernel set the CPU can run, for the tests.
	kernelSets = []*kernelSet{goKernels}
)
