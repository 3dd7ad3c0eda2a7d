package fft

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

func TestPrunedAgainstNaive(t *testing.T) {
	rnd := rand.New(rand.NewPCG(8, 9))
	cases := [][3]int{ // m, n, o
		{12, 4, 4}, {12, 4, 3}, {12, 4, 8}, {96, 32, 32}, {90, 30, 30}, {768, 256, 256},
		{100, 20, 41}, {17, 5, 6}, {16, 16, 0}, {7, 1, 3}, {64, 64, 0}, {48, 16, 17},
	}
	for _, c := range cases {
		m, n, o := c[0], c[1], c[2]
		stride := 3
		src := make([]complex128, m*stride)
		x := make([]complex128, m)
		for k := range m {
			x[k] = complex(rnd.NormFloat64(), rnd.NormFloat64())
			src[k*stride] = x[k]
		}
		dst := make([]complex128, n)
		NewPruned(m, n, o).Inverse(dst, src, stride)
		for j := range n {
			var want complex128
			for k := range m {
				want += x[k] * cmplx.Rect(1, 2*math.Pi*float64((k*(o+j))%m)/float64(m))
			}
			if d := cmplx.Abs(dst[j] - want); d > 1e-12*float64(m) {
				t.Fatalf("m=%d n=%d o=%d output %d: got %v want %v", m, n, o, j, dst[j], want)
			}
		}
	}
}

func TestPrunedNoAllocations(t *testing.T) {
	p := NewPruned(288, 96, 96)
	src := make([]complex128, 288)
	dst := make([]complex128, 96)
	if a := testing.AllocsPerRun(10, func() { p.Inverse(dst, src, 1) }); a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

func BenchmarkPruned(b *testing.B) {
	for _, c := range [][3]int{{288, 96, 96}, {768, 256, 256}, {256, 96, 0}} {
		p := NewPruned(c[0], c[1], c[2])
		src := make([]complex128, c[0])
		dst := make([]complex128, c[1])
		b.Run("", func(b *testing.B) {
			for b.Loop() {
				p.Inverse(dst, src, 1)
			}
		})
	}
}
