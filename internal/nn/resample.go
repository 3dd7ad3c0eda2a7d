package nn

// Upsample2xForward is nearest-neighbour upsampling by 2 (PyTorch's
// interpolate(scale_factor=2, mode="nearest")):
//
//	out[n, c, 2y+a, 2x+b] = in[n, c, y, x], a, b ∈ {0, 1},
//
// with in [N, C, H, W] and out [N, C, 2H, 2W]; planes = N·C. out is
// overwritten and must not alias in. It panics on length mismatch.
func Upsample2xForward[T Float](out, in []T, planes, h, w int) {
	if len(in) != planes*h*w || len(out) != 4*planes*h*w {
		panic("nn: Upsample2xForward length mismatch")
	}
	w2 := 2 * w
	for p := 0; p < planes; p++ {
		src := in[p*h*w : (p+1)*h*w]
		dst := out[4*p*h*w : 4*(p+1)*h*w]
		for y := 0; y < h; y++ {
			row := dst[2*y*w2 : (2*y+1)*w2]
			for x, v := range src[y*w : (y+1)*w] {
				row[2*x] = v
				row[2*x+1] = v
			}
			copy(dst[(2*y+1)*w2:(2*y+2)*w2], row)
		}
	}
}

// Upsample2xBackward accumulates dIn[n, c, y, x] += Σ_{a,b} dOut[n, c, 2y+a, 2x+b],
// the adjoint of Upsample2xForward. It panics on length mismatch.
func Upsample2xBackward[T Float](dIn, dOut []T, planes, h, w int) {
	if len(dIn) != planes*h*w || len(dOut) != 4*planes*h*w {
		panic("nn: Upsample2xBackward length mismatch")
	}
	w2 := 2 * w
	for p := 0; p < planes; p++ {
		dst := dIn[p*h*w : (p+1)*h*w]
		src := dOut[4*p*h*w : 4*(p+1)*h*w]
		for y := 0; y < h; y++ {
			r0 := src[2*y*w2 : (2*y+1)*w2]
			r1 := src[(2*y+1)*w2 : (2*y+2)*w2]
			d := dst[y*w : (y+1)*w]
			for x := range d {
				d[x] += r0[2*x] + r0[2*x+1] + r1[2*x] + r1[2*x+1]
			}
		}
	}
}
