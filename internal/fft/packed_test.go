package fft

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// refPacked packs the half spectrum by the definition, entry by entry: the
// centred index (i, j) holds frequency (u, v) = (i − rows/2, j − cols/2)
// mod the size, and its partner −k sits at (2·(rows/2) − i, 2·(cols/2) − j)
// mod the size; the member with the larger row-major index takes s2·Re Z_k,
// the other s2·Im of its partner's Z, a self-conjugate entry s·Re Z_k.
func refPacked(half []complex128, rows, cols int, s, s2 float64) []float64 {
	h := cols/2 + 1
	z := func(u, v int) complex128 {
		u, v = (u%rows+rows)%rows, (v%cols+cols)%cols
		if v < h {
			return half[u*h+v]
		}
		return cmplx.Conj(half[((rows-u)%rows)*h+cols-v])
	}
	out := make([]float64, rows*cols)
	for i := range rows {
		for j := range cols {
			ii, jj := (2*(rows/2)-i)%rows, (2*(cols/2)-j)%cols
			u, v := i-rows/2, j-cols/2
			switch a, b := i*cols+j, ii*cols+jj; {
			case a == b:
				out[a] = s * real(z(u, v))
			case a > b:
				out[a] = s2 * real(z(u, v))
			default:
				out[a] = s2 * imag(z(-u, -v))
			}
		}
	}
	return out
}

// TestPackedAgainstHalfSpectrum checks ForwardRealPacked against ForwardReal
// packed by the definition, for every kernel set, and InverseRealPacked by
// the round trip, in place and not, with padded strides. The values are
// orthonormal (of order 1 for standard normal input), so round-off is
// about 1e-15; 1e-12 is far above it and far below any packing mistake.
func TestPackedAgainstHalfSpectrum(t *testing.T) {
	rnd := rand.New(rand.NewPCG(12, 12))
	shapes := append([][2]int{{96, 96}, {100, 37}, {33, 250}, {8, 9}, {9, 8}, {2, 1}, {1, 2}}, planSizes...)
	for _, ks := range kernelSets {
		for _, sz := range shapes {
			rows, cols := sz[0], sz[1]
			p := newPlanKernels(rows, cols, 2, ks)
			stride := cols + 2
			x := make([]float64, rows*stride)
			for i := range x {
				x[i] = rnd.NormFloat64()
			}
			n := float64(rows * cols)
			s := 1 / math.Sqrt(n)
			half := make([]complex128, rows*p.HalfCols())
			p.ForwardReal(half, x, stride)
			want := refPacked(half, rows, cols, s, math.Sqrt2*s)
			got := make([]float64, rows*stride)
			p.ForwardRealPacked(got, stride, x, stride, s, math.Sqrt2*s)
			for i := range rows {
				for j := range cols {
					if d := math.Abs(got[i*stride+j] - want[i*cols+j]); d > 1e-12 {
						t.Fatalf("%s %dx%d (%d,%d): got %v want %v", ks.name, rows, cols, i, j, got[i*stride+j], want[i*cols+j])
					}
				}
			}
			back := make([]float64, rows*stride)
			p.InverseRealPacked(back, stride, got, stride, s, s/math.Sqrt2)
			p.InverseRealPacked(got, stride, got, stride, s, s/math.Sqrt2) // in place
			for i := range rows {
				for j := range cols {
					k := i*stride + j
					if math.Abs(back[k]-x[k]) > 1e-12 || got[k] != back[k] {
						t.Fatalf("%s %dx%d round trip (%d,%d): got %v, in place %v, want %v", ks.name, rows, cols, i, j, back[k], got[k], x[k])
					}
				}
			}
		}
	}
}
