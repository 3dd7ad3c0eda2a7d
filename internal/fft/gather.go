package fft

// Gathers and scatters between row-major complex arrays and batches in
// block layout (see lanes). An inverse transform is a forward one on data
// with real and imaginary parts exchanged, so each function takes inv and
// exchanges the parts when it is set: slots returns the offsets of the
// parts in a block.

// slots returns the offsets in a block of the lanes receiving real and
// imaginary parts: 0 and lanes, exchanged for an inverse transform.
func slots(inv bool) (re, im int) {
	if inv {
		return lanes, 0
	}
	return 0, lanes
}

// gatherCols fills buf with the columns j0..j0+nc−1 (nc ≤ lanes, lane l is
// column j0+l) of the n-row array data with row stride stride. Lanes nc and
// above are zeroed.
func gatherCols(buf []float64, data []complex128, stride, j0, nc, n int, inv bool) {
	ro, io := slots(inv)
	for i := range n {
		e := blk(buf, i)
		row := data[i*stride+j0 : i*stride+j0+nc]
		if nc == lanes {
			row := (*[lanes]complex128)(row)
			for l, v := range row {
				e[ro+l], e[io+l] = real(v), imag(v)
			}
			continue
		}
		for l, v := range row {
			e[ro+l], e[io+l] = real(v), imag(v)
		}
		for l := nc; l < lanes; l++ {
			e[l], e[lanes+l] = 0, 0
		}
	}
}

// scatterCols writes lanes 0..nc−1 of buf to the columns j0..j0+nc−1 of
// data, the inverse of gatherCols.
func scatterCols(data []complex128, stride, j0, nc, n int, buf []float64, inv bool) {
	ro, io := slots(inv)
	for i := range n {
		e := blk(buf, i)
		row := data[i*stride+j0 : i*stride+j0+nc]
		if nc == lanes {
			row := (*[lanes]complex128)(row)
			for l := range row {
				row[l] = complex(e[ro+l], e[io+l])
			}
			continue
		}
		for l := range row {
			row[l] = complex(e[ro+l], e[io+l])
		}
	}
}

// gatherRows fills buf with the rows i0..i0+nr−1 (nr ≤ lanes, lane l is row
// i0+l), each of n elements, of data with row stride stride. Lanes nr and
// above are zeroed.
func gatherRows(buf []float64, data []complex128, stride, i0, nr, n int, inv bool) {
	ro, io := slots(inv)
	buf = buf[:n*block]
	for l := range nr {
		row := data[(i0+l)*stride : (i0+l)*stride+n]
		for k, v := range row {
			buf[k*block+ro+l], buf[k*block+io+l] = real(v), imag(v)
		}
	}
	if nr < lanes {
		for k := range n {
			e := blk(buf, k)
			for l := nr; l < lanes; l++ {
				e[l], e[lanes+l] = 0, 0
			}
		}
	}
}

// scatterRows writes lanes 0..nr−1 of buf to the rows i0..i0+nr−1 of data,
// the inverse of gatherRows.
func scatterRows(data []complex128, stride, i0, nr, n int, buf []float64, inv bool) {
	ro, io := slots(inv)
	buf = buf[:n*block]
	for l := range nr {
		row := data[(i0+l)*stride : (i0+l)*stride+n]
		for k := range row {
			row[k] = complex(buf[k*block+ro+l], buf[k*block+io+l])
		}
	}
}
