package fft

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
