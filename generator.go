package noise

import (
	"math/rand/v2"

	"github.com/cloud-diffusion/noise/internal/fft"
	"github.com/cloud-diffusion/noise/internal/parallel"
)

// generator draws pairs of fields of one kernel. It owns the intermediate
// array of the two-pass pruned inverse and one set of random streams,
// scratch batches and pruned transforms per chunk, and runs its passes in
// up to len(rows) concurrent chunks. A generator must not be used by two goroutines
// at once.
//
// A pair is defined by two seeds. Row u of the spectrum G (genR×genC) is
// amp·(ξ + iη), with the normal deviates ξ, η drawn in order along the row
// from a PCG seeded by rowSeed of the pair's seeds and u, so rows can be
// drawn in any order, on any core, and each is drawn just before it is
// transformed: G is never stored. The row pass transforms each row to the
// cols outputs of the window, giving T (genR×cols); the column pass
// transforms each column of T to the rows outputs of the window: genR + cols
// one-dimensional transforms, none producing values outside the window.
// Both passes transform fft.Lanes sequences at once: the row pass draws
// fft.Lanes rows straight into a batch, and T is stored as batches of
// fft.Lanes columns (batch jb holds columns jb·Lanes.. as genR elements in
// fft.Block layout), which the column pass transforms as they are.
type generator struct {
	k       *kernel
	t       []float64 // ⌈cols/Lanes⌉ batches of genR elements
	rows    []rowWorker
	colT    []*fft.Pruned
	colBuf  [][]float64 // per chunk: a batch of rows elements
	group   parallel.Group
	rowFn   func(c, lo, hi int)
	colFn   func(c, lo, hi int)
	whiteFn func(c, lo, hi int)

	// The pair under way.
	seedA, seedB uint64
	a, b         []float64
	sa, sb       int
}

// rowWorker draws and transforms spectrum rows on one goroutine.
type rowWorker struct {
	pcg rand.PCG
	rnd *rand.Rand
	nrm pcgNormal // the same stream as rnd for the spectrum rows, faster
	in  []float64 // a batch of spectrum rows: genC elements
	out []float64 // their windows: cols elements
	t   *fft.Pruned
}

func newGenerator(k *kernel, chunks int) *generator {
	rows, cols := k.spec.Rows, k.spec.Cols
	g := &generator{
		k:    k,
		rows: make([]rowWorker, chunks),
	}
	for c := range chunks {
		w := &g.rows[c]
		w.rnd = rand.New(&w.pcg)
	}
	g.whiteFn = g.whitePass
	if k.white {
		return g // no transform
	}
	g.t = make([]float64, (cols+fft.Lanes-1)/fft.Lanes*k.genR*fft.Block)
	g.colT = make([]*fft.Pruned, chunks)
	g.colBuf = make([][]float64, chunks)
	for c := range chunks {
		w := &g.rows[c]
		w.in = make([]float64, k.genC*fft.Block)
		w.out = make([]float64, cols*fft.Block)
		w.t = fft.NewPruned(k.genC, cols, k.offC)
		g.colT[c] = fft.NewPruned(k.genR, rows, k.offR)
		g.colBuf[c] = make([]float64, rows*fft.Block)
	}
	g.rowFn = g.rowPass
	g.colFn = g.colPass
	return g
}

// rowSeed derives the seed of spectrum row u from a pair's seed with the
// splitmix64 finaliser, so that the rows' streams are unrelated.
func rowSeed(seed uint64, u int) uint64 {
	z := seed + uint64(u+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// pair draws the spectrum defined by the seeds and writes the real part of
// the window to a and the imaginary part to b (row strides sa and sb): two
// independent fields.
func (g *generator) pair(seedA, seedB uint64, a []float64, sa int, b []float64, sb int) {
	g.seedA, g.seedB = seedA, seedB
	g.a, g.sa, g.b, g.sb = a, sa, b, sb
	n := len(g.rows)
	if g.k.white {
		g.group.For(g.k.spec.Rows, n, g.whiteFn)
		g.a, g.b = nil, nil
		return
	}
	g.group.For((g.k.genR+fft.Lanes-1)/fft.Lanes, n, g.rowFn)
	g.group.For((g.k.spec.Cols+fft.Lanes-1)/fft.Lanes, n, g.colFn)
	g.a, g.b = nil, nil
}

// rowPass draws and transforms the batches lo..hi-1 of spectrum rows.
func (g *generator) rowPass(c, lo, hi int) {
	const L, B = fft.Lanes, fft.Block
	gr, gc, cols := g.k.genR, g.k.genC, g.k.spec.Cols
	w := &g.rows[c]
	for bt := lo; bt < hi; bt++ {
		u0 := bt * L
		nr := min(L, gr-u0)
		for l := range L {
			if l >= nr {
				for v := range gc {
					w.in[v*B+l], w.in[v*B+L+l] = 0, 0
				}
				continue
			}
			u := u0 + l
			w.nrm.Seed(rowSeed(g.seedA, u), rowSeed(g.seedB, u))
			for v, am := range g.k.amp[u*gc : (u+1)*gc] {
				if am == 0 {
					w.in[v*B+l], w.in[v*B+L+l] = 0, 0
					continue
				}
				re := w.nrm.NormFloat64()
				im := w.nrm.NormFloat64()
				w.in[v*B+l], w.in[v*B+L+l] = am*re, am*im
			}
		}
		w.t.InverseBatch(w.out, w.in)
		// Transpose into the column batches of t: element x of lane l
		// (row u0+l) goes to lane x%L of element u0+l of batch x/L.
		for x := range cols {
			e := w.out[x*B : x*B+B]
			d := g.t[((x/L)*gr+u0)*B+x%L:]
			for l := range nr {
				d[l*B], d[l*B+L] = e[l], e[L+l]
			}
		}
	}
}

// whitePass draws rows [lo, hi) of a pair of white fields: row u of the
// first field and of the second alternate along the row (ξ, η, ξ, η, …),
// from the stream seeded by the pair's seeds and u, as the spectrum rows of
// the other kinds.
func (g *generator) whitePass(c, lo, hi int) {
	cols := g.k.spec.Cols
	w := &g.rows[c]
	for u := lo; u < hi; u++ {
		w.pcg.Seed(rowSeed(g.seedA, u), rowSeed(g.seedB, u))
		a := g.a[u*g.sa : u*g.sa+cols]
		b := g.b[u*g.sb : u*g.sb+cols]
		for v := range a {
			a[v] = w.rnd.NormFloat64()
			b[v] = w.rnd.NormFloat64()
		}
	}
}

// colPass transforms the column batches lo..hi-1 of t and writes the real
// and imaginary parts of the window to the two fields.
func (g *generator) colPass(c, lo, hi int) {
	const L, B = fft.Lanes, fft.Block
	rows, cols, gr := g.k.spec.Rows, g.k.spec.Cols, g.k.genR
	t, out := g.colT[c], g.colBuf[c]
	for bt := lo; bt < hi; bt++ {
		j0 := bt * L
		nc := min(L, cols-j0)
		t.InverseBatch(out, g.t[bt*gr*B:(bt+1)*gr*B])
		for i := range rows {
			e := out[i*B : i*B+B]
			a := g.a[i*g.sa+j0 : i*g.sa+j0+nc]
			b := g.b[i*g.sb+j0 : i*g.sb+j0+nc]
			for l := range a {
				a[l], b[l] = e[l], e[L+l]
			}
		}
	}
}
