package fft

import (
	"github.com/cloud-diffusion/noise/internal/parallel"
)

// serialBelow is the number of elements below which passes run on the
// calling goroutine only: dispatch costs more than it saves on small arrays.
const serialBelow = 4096

// Plan computes 2-D DFTs of rows×cols arrays.
type Plan struct {
	rows, cols int
	row, col   *seq // lengths cols and rows
	// Columns of the half spectrum: for even cols, columns 0 and cols/2 are
	// transforms of real sequences and share one complex transform (see
	// ForwardReal), so halfCols counts the complex column transforms: the
	// plain columns first, then the shared pair.
	halfPlain int  // plain columns, starting at column plainFrom
	plainFrom int  // 1 for even cols, 0 for odd
	packed    bool // even cols: columns 0 and cols/2 share a transform

	ks *kernelSet
	// The real transforms keep the half spectrum between their passes in
	// inter, as blocks of 16 values (lanes·2): rowsPad×nctPad complex values,
	// nct = halfColumns() rounded up to lanes, rows up to 2·lanes (see
	// real.go for the two layouts).
	inter   []float64
	rowsPad int
	nctPad  int

	work      []work
	group     parallel.Group
	maxChunks int

	// Arguments of the pass under way, read by the chunk functions.
	cdata   []complex128
	rdata   []float64
	stride  int
	rstride int
	inverse bool
	pdata   []float64 // packed real array (packed.go)
	pstride int
	s, s2   float64
	rowFn   func(c, lo, hi int)
	colFn   func(c, lo, hi int)
	rfRowFn func(c, lo, hi int)
	rfColFn func(c, lo, hi int)
	pfColFn func(c, lo, hi int)
	piColFn func(c, lo, hi int)
	riRowFn func(c, lo, hi int)
	riColFn func(c, lo, hi int)
}

// work is the scratch space of one chunk: two batches in block layout, and
// the half spectra of one batch of real rows (sa, sb: nctPad elements each).
type work struct {
	x, y   []float64
	sa, sb []float64
}

// NewPlan returns a plan for rows×cols arrays whose passes use all cores. It
// panics if rows or cols is less than 1.
func NewPlan(rows, cols int) *Plan {
	n := parallel.Workers()
	if rows*cols < serialBelow {
		n = 1
	}
	return NewPlanWorkers(rows, cols, n)
}

// NewPlanWorkers returns a plan for rows×cols arrays whose passes are split
// into at most workers concurrent chunks; 1 makes a serial plan, for callers
// that parallelise across many transforms themselves. Results do not depend
// on workers. It panics if rows, cols or workers is less than 1.
func NewPlanWorkers(rows, cols, workers int) *Plan {
	return newPlanKernels(rows, cols, workers, bestKernels)
}

// newPlanKernels is NewPlanWorkers with the kernels ks.
func newPlanKernels(rows, cols, workers int, ks *kernelSet) *Plan {
	if rows < 1 || cols < 1 || workers < 1 {
		panic("fft: non-positive size")
	}
	p := &Plan{rows: rows, cols: cols, row: newSeqKernels(cols, ks), col: newSeqKernels(rows, ks), maxChunks: workers, ks: ks}
	if cols%2 == 0 {
		p.packed, p.plainFrom, p.halfPlain = true, 1, cols/2-1
	} else {
		p.halfPlain = cols/2 + 1
	}
	p.rowsPad = pairBlocks(rows) * 2 * lanes
	p.nctPad = blocks(p.halfColumns()) * lanes
	p.inter = make([]float64, p.rowsPad*p.nctPad*2)
	n := max(p.row.bufLen(), p.col.bufLen(), p.rowsPad*block, blocks(cols)*lanes*block)
	p.work = make([]work, workers)
	for i := range p.work {
		p.work[i] = work{
			x: make([]float64, n), y: make([]float64, n),
			sa: make([]float64, p.nctPad*block), sb: make([]float64, p.nctPad*block),
		}
	}
	p.rowFn = p.rowPass
	p.colFn = p.colPass
	p.rfRowFn = p.realForwardRows
	p.rfColFn = p.realForwardCols
	p.pfColFn = p.packedForwardCols
	p.piColFn = p.packedInverseCols
	p.riRowFn = p.realInverseRows
	p.riColFn = p.realInverseCols
	return p
}

// Rows returns the number of rows the plan transforms.
func (p *Plan) Rows() int { return p.rows }

// Cols returns the number of columns the plan transforms.
func (p *Plan) Cols() int { return p.cols }

// HalfCols returns cols/2+1, the number of columns of a half spectrum.
func (p *Plan) HalfCols() int { return p.cols/2 + 1 }

func (p *Plan) checkComplex(data []complex128, stride, ncols int) {
	if stride < ncols {
		panic("fft: stride less than row length")
	}
	if len(data) < (p.rows-1)*stride+ncols {
		panic("fft: data too short")
	}
}

// Forward replaces the rows×cols array in data (row stride = Cols()) by its
// unnormalised 2-D DFT. It panics if data is too short.
func (p *Plan) Forward(data []complex128) {
	p.transform(data, false)
}

// Inverse replaces the rows×cols array in data (row stride = Cols()) by its
// unnormalised inverse 2-D DFT (Inverse after Forward multiplies by
// rows·cols). It panics if data is too short.
func (p *Plan) Inverse(data []complex128) {
	p.transform(data, true)
}

func (p *Plan) transform(data []complex128, inverse bool) {
	p.checkComplex(data, p.cols, p.cols)
	p.cdata, p.stride, p.inverse = data, p.cols, inverse
	p.group.For(blocks(p.rows), p.maxChunks, p.rowFn)
	p.group.For(blocks(p.cols), p.maxChunks, p.colFn)
	p.cdata = nil
}

// blocks returns the number of batches of lanes sequences covering n.
func blocks(n int) int { return (n + lanes - 1) / lanes }

// rowPass transforms the batches of rows lo..hi-1 of cdata.
func (p *Plan) rowPass(c, lo, hi int) {
	w := &p.work[c]
	for b := lo; b < hi; b++ {
		i0 := b * lanes
		nr := min(lanes, p.rows-i0)
		gatherRows(w.x, p.cdata, p.stride, i0, nr, p.cols, p.inverse)
		out := p.row.forward(w.x, w.y)
		scatterRows(p.cdata, p.stride, i0, nr, p.cols, out, p.inverse)
	}
}

// colPass transforms the batches of columns lo..hi-1 of cdata.
func (p *Plan) colPass(c, lo, hi int) {
	w := &p.work[c]
	for b := lo; b < hi; b++ {
		j0 := b * lanes
		nc := min(lanes, p.cols-j0)
		gatherCols(w.x, p.cdata, p.stride, j0, nc, p.rows, p.inverse)
		out := p.col.forward(w.x, w.y)
		scatterCols(p.cdata, p.stride, j0, nc, p.rows, out, p.inverse)
	}
}
