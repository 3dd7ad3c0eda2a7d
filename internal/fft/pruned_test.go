package fft

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// TestPrunedAgainstNaive checks the window of the inverse DFT, decimated or
// not, with every kernel set, in every lane, against the direct sum.
func TestPrunedAgainstNaive(t *testing.T) {
	for _, ks := range kernelSets {
		t.Run(ks.name, func(t *testing.T) { testPrunedAgainstNaive(t, ks) })
	}
}

func testPrunedAgainstNaive(t *testing.T, ks *kernelSet) {
	rnd := rand.New(rand.NewPCG(8, 9))
	cases := [][3]int{ // m, n, o
		{12, 4, 4}, {12, 4, 3}, {12, 4, 8}, {96, 32, 32}, {90, 30, 30}, {768, 256, 256},
		{100, 20, 41}, {17, 5, 6}, {16, 16, 0}, {7, 1, 3}, {64, 64, 0}, {48, 16, 17},
		{192, 96, 0}, {34, 17, 3}, {1, 1, 0}, {3, 1, 2},
	}
	for _, c := range cases {
		m, n, o := c[0], c[1], c[2]
		src, seqs := laneBatch(rnd, m)
		keep := append([]float64(nil), src...)
		dst := make([]float64, n*Block)
		newPrunedKernels(m, n, o, ks).InverseBatch(dst, src)
		for i := range src {
			if src[i] != keep[i] {
				t.Fatalf("m=%d n=%d o=%d: source modified", m, n, o)
			}
		}
		for l := range Lanes {
			got := laneOf(dst, l, n)
			want := make([]complex128, n)
			for j := range n {
				for k, v := range seqs[l] {
					want[j] += v * cmplx.Rect(1, 2*math.Pi*float64((k*(o+j))%m)/float64(m))
				}
			}
			if e := relErr(got, want); e > seqTol(m) {
				t.Fatalf("m=%d n=%d o=%d lane %d: error %.3g", m, n, o, l, e)
			}
		}
	}
}

func TestPrunedNoAllocations(t *testing.T) {
	for _, c := range [][3]int{{288, 96, 96}, {256, 96, 0}} {
		p := NewPruned(c[0], c[1], c[2])
		src := make([]float64, c[0]*Block)
		dst := make([]float64, c[1]*Block)
		if a := testing.AllocsPerRun(10, func() { p.InverseBatch(dst, src) }); a != 0 {
			t.Fatalf("%v: %v allocations", c, a)
		}
	}
}

func BenchmarkPruned(b *testing.B) {
	for _, c := range [][3]int{{288, 96, 96}, {768, 256, 256}, {256, 96, 0}} {
		p := NewPruned(c[0], c[1], c[2])
		src := make([]float64, c[0]*Block)
		dst := make([]float64, c[1]*Block)
		b.Run(fmt.Sprintf("%d/%d", c[0], c[1]), func(b *testing.B) {
			for b.Loop() {
				p.InverseBatch(dst, src)
			}
		})
	}
}
