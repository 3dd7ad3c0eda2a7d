package parallel

import (
	"sync/atomic"
	"testing"
)

func TestForCoversEachIndexOnce(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 2, 3, 7, 100, 1001} {
		for _, k := range []int{1, 2, 3, 8, 2000} {
			hits := make([]int32, n)
			var chunks atomic.Int32
			var g Group
			g.For(n, k, func(c, lo, hi int) {
				chunks.Add(1)
				wlo, whi := Bounds(n, min(n, k), c)
				if lo != wlo || hi != whi {
					t.Errorf("n=%d k=%d chunk %d: got [%d,%d) want [%d,%d)", n, k, c, lo, hi, wlo, whi)
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("n=%d k=%d: index %d visited %d times", n, k, i, h)
				}
			}
			if want := min(n, k); int(chunks.Load()) != want {
				t.Errorf("n=%d k=%d: %d chunks, want %d", n, k, chunks.Load(), want)
			}
		}
	}
}

func TestForNested(t *testing.T) {
	t.Parallel()
	// Nested loops must not deadlock even when every pool goroutine is busy.
	var total atomic.Int64
	For(16, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			For(16, func(_, lo2, hi2 int) { total.Add(int64(hi2 - lo2)) })
		}
	})
	if total.Load() != 256 {
		t.Fatalf("nested total %d, want 256", total.Load())
	}
}

type allocProbe struct {
	g   Group
	fn  func(c, lo, hi int)
	sum []int
}

func (p *allocProbe) work(c, lo, hi int) { p.sum[c] += hi - lo }

func TestForDoesNotAllocate(t *testing.T) {
	p := &allocProbe{sum: make([]int, 4)}
	p.fn = p.work
	allocs := testing.AllocsPerRun(100, func() { p.g.For(1000, 4, p.fn) })
	if allocs != 0 {
		t.Fatalf("For allocated %v times per call", allocs)
	}
}

type taskProbe struct {
	g    Group
	hits []int32
}

func (p *taskProbe) Run(_, lo, hi int) {
	for i := lo; i < hi; i++ {
		atomic.AddInt32(&p.hits[i], 1)
	}
}

func TestForTask(t *testing.T) {
	p := &taskProbe{hits: make([]int32, 1000)}
	p.g.ForTask(1000, 4, p)
	for i, h := range p.hits {
		if h != 1 {
			t.Fatalf("index %d visited %d times", i, h)
		}
	}
	if a := testing.AllocsPerRun(100, func() { p.g.ForTask(1000, 4, p) }); a != 0 {
		t.Fatalf("ForTask allocated %v times per call", a)
	}
}
