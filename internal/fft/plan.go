// Package fft provides 2-D discrete Fourier transform plans for arrays of any
// size, built from the 1-D transforms of gonum.org/v1/gonum/dsp/fourier by
// row and column passes.
//
// # Conventions
//
// Arrays are row-major: element (i, j) of a rows×cols array with row stride s
// is data[i*s+j]. Transforms are unnormalised, like gonum's: Forward computes
//
//	Z[u,v] = Σ_{i,j} x[i,j] exp(-2πi (u i/rows + v j/cols))
//
// and Inverse the same sum with a positive exponent, so Inverse(Forward(x))
// is rows·cols·x. Use Scale for orthonormal scaling. Frequencies are in the
// unshifted order of the DFT; Shift and Unshift convert to and from the
// centred layout, in which index i of an axis of length n is frequency i−n/2.
//
// The real-input transform ForwardReal keeps only the half spectrum
// v = 0..cols/2 (cols/2+1 columns, Hermitian symmetry Z[−u,−v] = conj Z[u,v]
// gives the rest), and costs about half a complex transform.
//
// # Concurrency
//
// A Plan owns its work buffers and does not allocate in steady state. Its
// passes run on all cores (package parallel), but a Plan must not be used by
// two goroutines at once: give each goroutine its own Plan.
package fft

import (
	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/cloud-diffusion/noise/internal/parallel"
)

// block is the number of columns gathered together in a column pass: four
// complex128 values fill one 64-byte cache line.
const block = 4

// serialBelow is the number of elements below which passes run on the
// calling goroutine only: dispatch costs more than it saves on small arrays.
const serialBelow = 4096

// Plan computes 2-D DFTs of rows×cols arrays.
type Plan struct {
	rows, cols int
	workers    []worker
	group      parallel.Group

	// Arguments of the pass under way, read by the chunk functions.
	cdata     []complex128
	rdata     []float64
	stride    int
	rstride   int
	j0, j1    int
	inverse   bool
	colPassFn func(c, lo, hi int)
	rowPassFn func(c, lo, hi int)
	realFwdFn func(c, lo, hi int)
	realInvFn func(c, lo, hi int)
	maxChunks int
}

// worker holds the 1-D plans and scratch space of one chunk.
type worker struct {
	row  line         // length cols
	col  line         // length rows
	real *fourier.FFT // length cols, when rows are not paired
	buf  []complex128 // block*rows, and a paired row of cols
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
// that parallelise across many transforms themselves. It panics if rows,
// cols or workers is less than 1.
func NewPlanWorkers(rows, cols, workers int) *Plan {
	if rows < 1 || cols < 1 || workers < 1 {
		panic("fft: non-positive size")
	}
	n := workers
	p := &Plan{rows: rows, cols: cols, workers: make([]worker, n), maxChunks: n}
	for i := range p.workers {
		w := worker{
			row: newLine(cols),
			col: newLine(rows),
			buf: make([]complex128, max(block*rows, cols)),
		}
		if !w.row.fast() {
			w.real = fourier.NewFFT(cols)
		}
		p.workers[i] = w
	}
	p.colPassFn = p.colPass
	p.rowPassFn = p.rowPass
	p.realFwdFn = p.realForwardRows
	p.realInvFn = p.realInverseRows
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
	p.checkComplex(data, p.cols, p.cols)
	p.RowPass(data, p.cols, 0, p.rows, false)
	p.ColPass(data, p.cols, 0, p.cols, false)
}

// Inverse replaces the rows×cols array in data (row stride = Cols()) by its
// unnormalised inverse 2-D DFT (Inverse after Forward multiplies by
// rows·cols). It panics if data is too short.
func (p *Plan) Inverse(data []complex128) {
	p.checkComplex(data, p.cols, p.cols)
	p.RowPass(data, p.cols, 0, p.rows, true)
	p.ColPass(data, p.cols, 0, p.cols, true)
}

// RowPass transforms, in place, rows i0..i1-1 of the array in data with row
// stride stride, each a sequence of Cols() values: the 1-D DFT along x.
// inverse selects the sign of the exponent. It panics if the range or data
// is out of bounds.
func (p *Plan) RowPass(data []complex128, stride, i0, i1 int, inverse bool) {
	p.checkComplex(data, stride, p.cols)
	if i0 < 0 || i1 > p.rows || i0 > i1 {
		panic("fft: row range out of bounds")
	}
	p.cdata, p.stride, p.j0, p.inverse = data[i0*stride:], stride, 0, inverse
	p.group.For(i1-i0, p.maxChunks, p.rowPassFn)
	p.cdata = nil
}

func (p *Plan) rowPass(c, lo, hi int) {
	w := &p.workers[c]
	for i := lo; i < hi; i++ {
		r := p.cdata[i*p.stride : i*p.stride+p.cols]
		if p.inverse {
			w.row.inverse(r)
		} else {
			w.row.forward(r)
		}
	}
}

// ColPass transforms, in place, columns j0..j1-1 of the rows×ncols array in
// data with row stride stride, each a sequence of Rows() values: the 1-D DFT
// along y. inverse selects the sign of the exponent. It panics if the range
// or data is out of bounds.
func (p *Plan) ColPass(data []complex128, stride, j0, j1 int, inverse bool) {
	if j0 < 0 || j0 > j1 || j1 > stride {
		panic("fft: column range out of bounds")
	}
	p.checkComplex(data, stride, j1)
	p.cdata, p.stride, p.j0, p.inverse = data, stride, j0, inverse
	nb := (j1 - j0 + block - 1) / block
	p.j1 = j1
	p.group.For(nb, p.maxChunks, p.colPassFn)
	p.cdata = nil
}

// colPass transforms column blocks lo..hi-1: each block of up to four
// columns is gathered into contiguous scratch, transformed and scattered
// back, so that every cache line of data is read once per block.
func (p *Plan) colPass(c, lo, hi int) {
	w := &p.workers[c]
	rows, s, d := p.rows, p.stride, p.cdata
	for b := lo; b < hi; b++ {
		j := p.j0 + b*block
		nb := min(block, p.j1-j)
		for i := range rows {
			row := d[i*s+j : i*s+j+nb]
			for k, v := range row {
				w.buf[k*rows+i] = v
			}
		}
		for k := range nb {
			col := w.buf[k*rows : (k+1)*rows]
			if p.inverse {
				w.col.inverse(col)
			} else {
				w.col.forward(col)
			}
		}
		for i := range rows {
			row := d[i*s+j : i*s+j+nb]
			for k := range row {
				row[k] = w.buf[k*rows+i]
			}
		}
	}
}

// ForwardReal computes the half spectrum of the real rows×cols array in src
// (row stride srcStride): dst[u*HalfCols()+v] = Z[u,v] for v = 0..cols/2,
// unnormalised. It panics if dst or src is too short.
func (p *Plan) ForwardReal(dst []complex128, src []float64, srcStride int) {
	h := p.HalfCols()
	p.checkComplex(dst, h, h)
	if srcStride < p.cols || len(src) < (p.rows-1)*srcStride+p.cols {
		panic("fft: source too short")
	}
	p.cdata, p.rdata, p.rstride = dst, src, srcStride
	p.group.For(p.rows, p.maxChunks, p.realFwdFn)
	p.rdata = nil
	p.ColPass(dst, h, 0, h, false)
}

// realForwardRows computes the half spectra of rows lo..hi-1. When the row
// length has a fast complex transform, two real rows a and b are transformed
// at once as z = a + ib, and separated by Hermitian symmetry:
// A[v] = (Z[v] + conj Z[−v])/2, B[v] = (Z[v] − conj Z[−v])/(2i).
func (p *Plan) realForwardRows(c, lo, hi int) {
	w := &p.workers[c]
	h, n, s := p.HalfCols(), p.cols, p.rstride
	if w.real != nil {
		for i := lo; i < hi; i++ {
			w.real.Coefficients(p.cdata[i*h:(i+1)*h], p.rdata[i*s:i*s+n])
		}
		return
	}
	z := w.buf[:n]
	for i := lo; i < hi; i += 2 {
		a := p.rdata[i*s : i*s+n]
		if i+1 == hi {
			for j, v := range a {
				z[j] = complex(v, 0)
			}
		} else {
			b := p.rdata[(i+1)*s : (i+1)*s+n]
			for j, v := range a {
				z[j] = complex(v, b[j])
			}
		}
		w.row.forward(z)
		da := p.cdata[i*h : (i+1)*h]
		if i+1 == hi {
			copy(da, z[:h])
			continue
		}
		db := p.cdata[(i+1)*h : (i+2)*h]
		for v := range h {
			zv, zm := z[v], z[(n-v)%n]
			da[v] = complex((real(zv)+real(zm))/2, (imag(zv)-imag(zm))/2)
			db[v] = complex((imag(zv)+imag(zm))/2, (real(zm)-real(zv))/2)
		}
	}
}

// InverseReal computes the real rows×cols array whose half spectrum is in src
// (as produced by ForwardReal) and writes it to dst (row stride dstStride),
// unnormalised: InverseReal after ForwardReal multiplies by rows·cols. The
// half spectrum must be Hermitian where it meets itself (columns 0 and, for
// even cols, cols/2); imaginary parts that break that symmetry are ignored.
// src is overwritten. It panics if dst or src is too short.
func (p *Plan) InverseReal(dst []float64, dstStride int, src []complex128) {
	h := p.HalfCols()
	p.checkComplex(src, h, h)
	if dstStride < p.cols || len(dst) < (p.rows-1)*dstStride+p.cols {
		panic("fft: destination too short")
	}
	p.ColPass(src, h, 0, h, true)
	p.cdata, p.rdata, p.rstride = src, dst, dstStride
	p.group.For(p.rows, p.maxChunks, p.realInvFn)
	p.cdata, p.rdata = nil, nil
}

// realInverseRows computes rows lo..hi-1 from their half spectra. With a
// fast complex transform, two rows with half spectra A and B are recovered
// at once as the real and imaginary parts of the inverse of Z = A + iB,
// extended to all frequencies by A[−v] = conj A[v].
func (p *Plan) realInverseRows(c, lo, hi int) {
	w := &p.workers[c]
	h, n, s := p.HalfCols(), p.cols, p.rstride
	if w.real != nil {
		for i := lo; i < hi; i++ {
			w.real.Sequence(p.rdata[i*s:i*s+n], p.cdata[i*h:(i+1)*h])
		}
		return
	}
	z := w.buf[:n]
	for i := lo; i < hi; i += 2 {
		da := p.cdata[i*h : (i+1)*h]
		var db []complex128
		if i+1 < hi {
			db = p.cdata[(i+1)*h : (i+2)*h]
		}
		for v := range n {
			var av, bv complex128
			if v < h {
				av = da[v]
				if db != nil {
					bv = db[v]
				}
			} else {
				av = conj(da[n-v])
				if db != nil {
					bv = conj(db[n-v])
				}
			}
			if v == 0 || 2*v == n {
				// Self-conjugate frequencies of a real row are real.
				av, bv = complex(real(av), 0), complex(real(bv), 0)
			}
			z[v] = complex(real(av)-imag(bv), imag(av)+real(bv))
		}
		w.row.inverse(z)
		a := p.rdata[i*s : i*s+n]
		for j := range a {
			a[j] = real(z[j])
		}
		if db != nil {
			b := p.rdata[(i+1)*s : (i+1)*s+n]
			for j := range b {
				b[j] = imag(z[j])
			}
		}
	}
}

func conj(z complex128) complex128 { return complex(real(z), -imag(z)) }

// Scale multiplies every element of data by f.
func Scale[T float64 | complex128](data []T, f float64) {
	switch d := any(data).(type) {
	case []float64:
		for i := range d {
			d[i] *= f
		}
	case []complex128:
		for i := range d {
			d[i] = complex(real(d[i])*f, imag(d[i])*f)
		}
	}
}

// Shift copies the unshifted rows×cols array src into dst in the centred
// layout: dst[i, j] = src[(i−rows/2) mod rows, (j−cols/2) mod cols]. Both
// have row stride cols. dst and src must not overlap.
func Shift[T any](dst, src []T, rows, cols int) {
	for i := range rows {
		u := (i - rows/2 + rows) % rows
		for j := range cols {
			v := (j - cols/2 + cols) % cols
			dst[i*cols+j] = src[u*cols+v]
		}
	}
}

// Unshift is the inverse of Shift: dst[u, v] = src[(u+rows/2) mod rows,
// (v+cols/2) mod cols]. dst and src must not overlap.
func Unshift[T any](dst, src []T, rows, cols int) {
	for u := range rows {
		i := (u + rows/2) % rows
		for v := range cols {
			j := (v + cols/2) % cols
			dst[u*cols+v] = src[i*cols+j]
		}
	}
}
