package nn

import "fmt"

// UpConv2d is nearest-neighbour 2× upsampling followed by a 3×3 convolution
// with padding 1 (the twin's conv(interpolate(x, 2, "nearest"))), computed
// without forming the upsampled tensor. Shapes:
//
//	in     [N, InC, H, W]
//	out    [N, OutC, 2H, 2W]
//	weight [OutC, InC, 3, 3], bias [OutC]
//
// Output pixel (2y+a, 2x+b) sees input rows y−1, y (a = 0) or y, y+1 (a = 1),
// and likewise for columns, so each of the four phases (a, b) is a 2×2
// convolution of the input whose taps are sums of the 3×3 taps:
// rows {0}, {1, 2} of the kernel for a = 0 and {0, 1}, {2} for a = 1. The four
// phase kernels are stacked into one 2×2 convolution with 4·OutC outputs and
// padding 1 (output (H+1)×(W+1)), of which phase (a, b) uses the window
// starting at (a, b). This needs 4·4 instead of 9·4 multiply-adds per input
// pixel and channel pair, 16(H+1)(W+1)/(36HW) of the direct cost.
//
// The padding of the upsampled image carries over to the phase convolution
// unchanged: row −1 of the upsampled image is 0 (zero), its row 0, which is
// input row 0 (replicate), or its row 2H−1, which is input row H−1
// (circular), and likewise at the other edges, which is what the padding
// mode gives for input row −1 (or H). An UpConv2d owns its buffers and is
// not safe for concurrent use.
type UpConv2d[T Float] struct {
	InC, OutC, H, W int
	// Padding is how the convolution reads outside the upsampled image; the
	// zero value is zero padding. It may be changed between calls.
	Padding Padding

	conv     *Conv2d[T] // the stacked phase convolution
	w4, b4   []T        // phase weights [4·OutC, InC, 2, 2] and biases
	dw4, db4 []T
	out4, d4 []T // phase outputs and their gradients [N, 4·OutC, H+1, W+1]
}

// NewUpConv2d returns the upsampling convolution from inC to outC channels of
// an h×w input. It panics if a size is not positive.
func NewUpConv2d[T Float](inC, outC, h, w int) *UpConv2d[T] {
	if inC <= 0 || outC <= 0 || h <= 0 || w <= 0 {
		panic(fmt.Sprintf("nn: bad UpConv2d shape in=%d out=%d h=%d w=%d", inC, outC, h, w))
	}
	c := NewConv2d[T](inC, 4*outC, h, w, 2, 1, 1)
	// The phase weights are allocated by the first Forward, so that a
	// network can be laid out (to count its parameters) without them.
	return &UpConv2d[T]{InC: inC, OutC: outC, H: h, W: w, conv: c}
}

// phaseBuffers allocates the phase weights and their gradients on first use.
func (u *UpConv2d[T]) phaseBuffers() {
	if u.w4 == nil {
		n := u.conv.WeightLen()
		u.w4, u.b4 = make([]T, n), make([]T, 4*u.OutC)
		u.dw4, u.db4 = make([]T, n), make([]T, 4*u.OutC)
	}
}

// WeightLen returns OutC·InC·9, the length of the 3×3 weights.
func (u *UpConv2d[T]) WeightLen() int { return u.OutC * u.InC * 9 }

// upconvGroup[a][r] is the kernel row (or column) range [lo, hi) of the 3×3
// kernel that phase a's 2×2 tap r sums.
var upconvGroup = [2][2][2]int{{{0, 1}, {1, 3}}, {{0, 2}, {2, 3}}}

// phaseWeights sets the stacked phase weights from the 3×3 weights.
func (u *UpConv2d[T]) phaseWeights(weight []T) {
	for a := 0; a < 2; a++ {
		for b := 0; b < 2; b++ {
			p := 2*a + b
			for o := 0; o < u.OutC; o++ {
				for c := 0; c < u.InC; c++ {
					k := weight[(o*u.InC+c)*9 : (o*u.InC+c+1)*9]
					dst := u.w4[((p*u.OutC+o)*u.InC+c)*4:]
					for ri := 0; ri < 2; ri++ {
						for rj := 0; rj < 2; rj++ {
							var s T
							for i := upconvGroup[a][ri][0]; i < upconvGroup[a][ri][1]; i++ {
								for j := upconvGroup[b][rj][0]; j < upconvGroup[b][rj][1]; j++ {
									s += k[3*i+j]
								}
							}
							dst[2*ri+rj] = s
						}
					}
				}
			}
		}
	}
}

// Forward computes out = conv3×3(upsample2×(in)) + bias. out is overwritten.
// It panics on length mismatch or an unknown Padding.
func (u *UpConv2d[T]) Forward(out, in, weight, bias []T, batch int) {
	h, w := u.H, u.W
	if len(in) != batch*u.InC*h*w || len(out) != batch*u.OutC*4*h*w || len(weight) != u.WeightLen() || len(bias) != u.OutC {
		panic("nn: UpConv2d.Forward length mismatch")
	}
	n4 := batch * u.conv.OutLen()
	if cap(u.out4) < n4 {
		u.out4 = make([]T, n4)
		u.d4 = make([]T, n4)
	}
	u.out4, u.d4 = u.out4[:n4], u.d4[:n4]
	u.conv.Padding = u.Padding
	u.phaseBuffers()
	u.phaseWeights(weight)
	for p := 0; p < 4; p++ {
		copy(u.b4[p*u.OutC:(p+1)*u.OutC], bias)
	}
	u.conv.Forward(u.out4, in, u.w4, u.b4, batch)
	ph, pw := h+1, w+1
	for n := 0; n < batch; n++ {
		for p := 0; p < 4; p++ {
			a, b := p/2, p%2
			for o := 0; o < u.OutC; o++ {
				src := u.out4[((n*4+p)*u.OutC+o)*ph*pw:]
				dst := out[(n*u.OutC+o)*4*h*w:]
				for y := 0; y < h; y++ {
					s := src[(y+a)*pw+b:]
					d := dst[(2*y+a)*2*w+b:]
					for x := 0; x < w; x++ {
						d[2*x] = s[x]
					}
				}
			}
		}
	}
}

// Backward accumulates dIn += ∂L/∂in (skipped if nil), dWeight += ∂L/∂w and
// dBias += ∂L/∂b given dOut = ∂L/∂out and the input in of the latest
// Forward: dOut is gathered into the phase layout, back-propagated through
// the phase convolution, and the phase-weight gradients are summed back onto
// the 3×3 taps they were formed from.
func (u *UpConv2d[T]) Backward(dIn, dWeight, dBias, dOut, in, weight []T, batch int) {
	h, w := u.H, u.W
	if len(in) != batch*u.InC*h*w || len(dOut) != batch*u.OutC*4*h*w || len(weight) != u.WeightLen() ||
		len(dWeight) != u.WeightLen() || len(dBias) != u.OutC || (dIn != nil && len(dIn) != len(in)) ||
		len(u.d4) != batch*u.conv.OutLen() {
		panic("nn: UpConv2d.Backward length mismatch")
	}
	ph, pw := h+1, w+1
	clear(u.d4)
	for n := 0; n < batch; n++ {
		for p := 0; p < 4; p++ {
			a, b := p/2, p%2
			for o := 0; o < u.OutC; o++ {
				dst := u.d4[((n*4+p)*u.OutC+o)*ph*pw:]
				src := dOut[(n*u.OutC+o)*4*h*w:]
				for y := 0; y < h; y++ {
					d := dst[(y+a)*pw+b:]
					s := src[(2*y+a)*2*w+b:]
					for x := 0; x < w; x++ {
						d[x] = s[2*x]
					}
				}
			}
		}
	}
	u.conv.Padding = u.Padding
	u.phaseBuffers()
	u.phaseWeights(weight)
	clear(u.dw4)
	clear(u.db4)
	u.conv.Backward(dIn, u.dw4, u.db4, u.d4, in, u.w4, batch)
	for a := 0; a < 2; a++ {
		for b := 0; b < 2; b++ {
			p := 2*a + b
			for o := 0; o < u.OutC; o++ {
				for c := 0; c < u.InC; c++ {
					k := dWeight[(o*u.InC+c)*9 : (o*u.InC+c+1)*9]
					src := u.dw4[((p*u.OutC+o)*u.InC+c)*4:]
					for ri := 0; ri < 2; ri++ {
						for rj := 0; rj < 2; rj++ {
							g := src[2*ri+rj]
							for i := upconvGroup[a][ri][0]; i < upconvGroup[a][ri][1]; i++ {
								for j := upconvGroup[b][rj][0]; j < upconvGroup[b][rj][1]; j++ {
									k[3*i+j] += g
								}
							}
						}
					}
				}
				dBias[o] += u.db4[p*u.OutC+o]
			}
		}
	}
}
