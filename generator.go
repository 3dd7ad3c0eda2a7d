package noise

import (
	"math/rand/v2"

	"github.com/cloud-diffusion/noise/internal/fft"
	"github.com/cloud-diffusion/noise/internal/parallel"
)

// generator draws pairs of fields of one kernel. It owns the spectrum
// buffer, the intermediate array of the two-pass pruned inverse and one set
// of pruned transforms per chunk, and runs its passes in up to len(rowT)
// concurrent chunks. A generator must not be used by two goroutines at once.
//
// The pruned inverse transforms each row of the spectrum G (genR×genC) to
// the cols outputs of the window, giving T (genR×cols), then each column of
// T to the rows outputs of the window: (genR + cols) one-dimensional
// transforms, none of them producing values outside the window.
type generator struct {
	k      *kernel
	g      []complex128 // genR×genC spectrum
	t      []complex128 // genR×cols after the row pass
	rowT   []*fft.Pruned
	colT   []*fft.Pruned
	colBuf [][]complex128 // per chunk: one output column
	group  parallel.Group
	rowFn  func(c, lo, hi int)
	colFn  func(c, lo, hi int)

	// The pair under way.
	a, b   []float64
	sa, sb int
}

func newGenerator(k *kernel, chunks int) *generator {
	rows, cols := k.spec.Rows, k.spec.Cols
	g := &generator{
		k:      k,
		g:      make([]complex128, k.genR*k.genC),
		t:      make([]complex128, k.genR*cols),
		rowT:   make([]*fft.Pruned, chunks),
		colT:   make([]*fft.Pruned, chunks),
		colBuf: make([][]complex128, chunks),
	}
	for c := range chunks {
		g.rowT[c] = fft.NewPruned(k.genC, cols, k.offC)
		g.colT[c] = fft.NewPruned(k.genR, rows, k.offR)
		g.colBuf[c] = make([]complex128, rows)
	}
	g.rowFn = g.rowPass
	g.colFn = g.colPass
	return g
}

// pair draws one spectrum from rnd and writes the real part of the window to
// a and the imaginary part to b (row strides sa and sb): two independent
// fields.
func (g *generator) pair(rnd *rand.Rand, a []float64, sa int, b []float64, sb int) {
	for i, am := range g.k.amp {
		if am == 0 {
			g.g[i] = 0
			continue
		}
		re := rnd.NormFloat64()
		im := rnd.NormFloat64()
		g.g[i] = complex(am*re, am*im)
	}
	g.a, g.sa, g.b, g.sb = a, sa, b, sb
	n := len(g.rowT)
	g.group.For(g.k.genR, n, g.rowFn)
	g.group.For(g.k.spec.Cols, n, g.colFn)
	g.a, g.b = nil, nil
}

func (g *generator) rowPass(c, lo, hi int) {
	gc, cols := g.k.genC, g.k.spec.Cols
	t := g.rowT[c]
	for u := lo; u < hi; u++ {
		t.Inverse(g.t[u*cols:(u+1)*cols], g.g[u*gc:(u+1)*gc], 1)
	}
}

func (g *generator) colPass(c, lo, hi int) {
	cols := g.k.spec.Cols
	t, col := g.colT[c], g.colBuf[c]
	for j := lo; j < hi; j++ {
		t.Inverse(col, g.t[j:], cols)
		for i, z := range col {
			g.a[i*g.sa+j] = real(z)
			g.b[i*g.sb+j] = imag(z)
		}
	}
}
