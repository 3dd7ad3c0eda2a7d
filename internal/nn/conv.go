package nn

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Conv2d is a 2-D cross-correlation (PyTorch's Conv2d) with a square K×K
// kernel, stride S and zero padding P over NCHW tensors:
//
//	out[n, o, y, x] = bias[o] + Σ_{c,i,j} w[o, c, i, j] · in[n, c, S·y−P+i, S·x−P+j]
//
// with out-of-range input taken as 0. Shapes:
//
//	in     [N, InC, H, W]
//	out    [N, OutC, OutH, OutW], OutH = (H+2P−K)/S + 1, OutW likewise
//	weight [OutC, InC, K, K]
//	bias   [OutC]
//
// It is computed by im2col and a matrix product per sample with blas64.Gemm:
// col [InC·K·K, OutH·OutW] holds the receptive field of every output pixel
// (row (c·K+i)·K+j, column y·OutW+x), and out_n = weight · col. A 1×1
// convolution with stride 1 and no padding uses the input as col directly.
//
// A Conv2d owns per-worker im2col buffers: it is not safe for concurrent use.
type Conv2d struct {
	InC, OutC, H, W, K, Stride, Pad int
	OutH, OutW                      int

	col  [][]float64 // per-worker im2col (forward, dW) and dcol (backward) buffers
	dcol [][]float64
}

// NewConv2d returns a convolution of the given shape. It panics if a size is
// not positive, the padding is negative or the output would be empty.
func NewConv2d(inC, outC, h, w, k, stride, pad int) *Conv2d {
	if inC <= 0 || outC <= 0 || h <= 0 || w <= 0 || k <= 0 || stride <= 0 || pad < 0 {
		panic(fmt.Sprintf("nn: bad Conv2d shape in=%d out=%d h=%d w=%d k=%d s=%d p=%d", inC, outC, h, w, k, stride, pad))
	}
	oh := (h+2*pad-k)/stride + 1
	ow := (w+2*pad-k)/stride + 1
	if oh <= 0 || ow <= 0 {
		panic("nn: Conv2d output is empty")
	}
	return &Conv2d{InC: inC, OutC: outC, H: h, W: w, K: k, Stride: stride, Pad: pad, OutH: oh, OutW: ow}
}

// WeightLen returns the number of weights, OutC·InC·K·K.
func (c *Conv2d) WeightLen() int { return c.OutC * c.InC * c.K * c.K }

// FanIn returns InC·K·K, the fan-in used by the default initialisation.
func (c *Conv2d) FanIn() int { return c.InC * c.K * c.K }

// InLen and OutLen return the number of elements of one input and one output
// sample.
func (c *Conv2d) InLen() int  { return c.InC * c.H * c.W }
func (c *Conv2d) OutLen() int { return c.OutC * c.OutH * c.OutW }

// direct reports whether the input can serve as its own im2col matrix.
func (c *Conv2d) direct() bool { return c.K == 1 && c.Stride == 1 && c.Pad == 0 }

func (c *Conv2d) buffers(w int, dcol bool) {
	n := c.FanIn() * c.OutH * c.OutW
	for len(c.col) < w {
		c.col = append(c.col, nil)
	}
	for i := 0; i < w; i++ {
		if !c.direct() && len(c.col[i]) != n {
			c.col[i] = make([]float64, n)
		}
	}
	if dcol {
		for len(c.dcol) < w {
			c.dcol = append(c.dcol, nil)
		}
		for i := 0; i < w; i++ {
			if len(c.dcol[i]) != n {
				c.dcol[i] = make([]float64, n)
			}
		}
	}
}

// im2col fills col [InC·K·K, OutH·OutW] from one input sample in [InC, H, W].
func (c *Conv2d) im2col(col, in []float64) {
	k, s, p := c.K, c.Stride, c.Pad
	oh, ow, h, w := c.OutH, c.OutW, c.H, c.W
	r := 0
	for ci := 0; ci < c.InC; ci++ {
		plane := in[ci*h*w : (ci+1)*h*w]
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				row := col[r*oh*ow : (r+1)*oh*ow]
				r++
				for y := 0; y < oh; y++ {
					dst := row[y*ow : (y+1)*ow]
					iy := s*y - p + i
					if iy < 0 || iy >= h {
						clear(dst)
						continue
					}
					src := plane[iy*w : (iy+1)*w]
					if s == 1 {
						// ix = x − p + j ranges over [j−p, j−p+ow).
						x0 := max(0, p-j)
						x1 := min(ow, w+p-j)
						clear(dst[:x0])
						if x1 > x0 {
							copy(dst[x0:x1], src[x0-p+j:x1-p+j])
						} else {
							x1 = x0
						}
						clear(dst[x1:])
						continue
					}
					for x := range dst {
						ix := s*x - p + j
						if ix < 0 || ix >= w {
							dst[x] = 0
						} else {
							dst[x] = src[ix]
						}
					}
				}
			}
		}
	}
}

// col2im adds col [InC·K·K, OutH·OutW] back into one input-gradient sample
// dIn [InC, H, W]; it is the adjoint of im2col.
func (c *Conv2d) col2im(dIn, col []float64) {
	k, s, p := c.K, c.Stride, c.Pad
	oh, ow, h, w := c.OutH, c.OutW, c.H, c.W
	r := 0
	for ci := 0; ci < c.InC; ci++ {
		plane := dIn[ci*h*w : (ci+1)*h*w]
		for i := 0; i < k; i++ {
			for j := 0; j < k; j++ {
				row := col[r*oh*ow : (r+1)*oh*ow]
				r++
				for y := 0; y < oh; y++ {
					iy := s*y - p + i
					if iy < 0 || iy >= h {
						continue
					}
					src := row[y*ow : (y+1)*ow]
					dst := plane[iy*w : (iy+1)*w]
					if s == 1 {
						x0 := max(0, p-j)
						x1 := min(ow, w+p-j)
						if x1 > x0 {
							d := dst[x0-p+j : x1-p+j]
							for x, v := range src[x0:x1] {
								d[x] += v
							}
						}
						continue
					}
					for x, v := range src {
						ix := s*x - p + j
						if ix >= 0 && ix < w {
							dst[ix] += v
						}
					}
				}
			}
		}
	}
}

// Forward computes out = conv(in) + bias for batch samples. out is
// overwritten and must not alias in. bias may be nil (no bias).
// Forward panics on slice length mismatch.
func (c *Conv2d) Forward(out, in, weight, bias []float64, batch int) {
	il, ol, fan, pix := c.InLen(), c.OutLen(), c.FanIn(), c.OutH*c.OutW
	if len(in) != batch*il || len(out) != batch*ol || len(weight) != c.WeightLen() || (bias != nil && len(bias) != c.OutC) {
		panic("nn: Conv2d.Forward length mismatch")
	}
	w := workers(batch, 0)
	c.buffers(w, false)
	wm := blas64.General{Rows: c.OutC, Cols: fan, Stride: fan, Data: weight}
	parallelFor(batch, w, func(lo, hi, wk int) {
		for n := lo; n < hi; n++ {
			o := out[n*ol : (n+1)*ol]
			var col []float64
			if c.direct() {
				col = in[n*il : (n+1)*il]
			} else {
				col = c.col[wk]
				c.im2col(col, in[n*il:(n+1)*il])
			}
			beta := 0.0
			if bias != nil {
				for oc, b := range bias {
					row := o[oc*pix : (oc+1)*pix]
					for x := range row {
						row[x] = b
					}
				}
				beta = 1
			}
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, wm,
				blas64.General{Rows: fan, Cols: pix, Stride: pix, Data: col},
				beta, blas64.General{Rows: c.OutC, Cols: pix, Stride: pix, Data: o})
		}
	})
}

// Backward accumulates the gradients of a loss with respect to the input
// (dIn += ∂L/∂in, skipped if dIn is nil), the weights (dWeight += ∂L/∂w) and
// the bias (dBias += ∂L/∂b, skipped if nil) given dOut = ∂L/∂out and the
// forward input in. dIn must not alias dOut or in.
//
//	dWeight += Σ_n dOut_n · col_nᵀ, dBias[o] += Σ_{n,y,x} dOut[n,o,y,x],
//	dIn_n   += col2im(weightᵀ · dOut_n).
//
// Parameter gradients are summed in sample order, whatever the number of
// goroutines; the input gradient is computed in parallel over samples.
func (c *Conv2d) Backward(dIn, dWeight, dBias, dOut, in, weight []float64, batch int) {
	il, ol, fan, pix := c.InLen(), c.OutLen(), c.FanIn(), c.OutH*c.OutW
	if len(in) != batch*il || len(dOut) != batch*ol || len(weight) != c.WeightLen() ||
		len(dWeight) != c.WeightLen() || (dIn != nil && len(dIn) != batch*il) || (dBias != nil && len(dBias) != c.OutC) {
		panic("nn: Conv2d.Backward length mismatch")
	}
	w := workers(batch, 0)
	c.buffers(w, dIn != nil)
	if dBias != nil {
		for n := 0; n < batch; n++ {
			d := dOut[n*ol : (n+1)*ol]
			for oc := range dBias {
				s := 0.0
				for _, v := range d[oc*pix : (oc+1)*pix] {
					s += v
				}
				dBias[oc] += s
			}
		}
	}
	dwm := blas64.General{Rows: c.OutC, Cols: fan, Stride: fan, Data: dWeight}
	for n := 0; n < batch; n++ {
		var col []float64
		if c.direct() {
			col = in[n*il : (n+1)*il]
		} else {
			col = c.col[0]
			c.im2col(col, in[n*il:(n+1)*il])
		}
		// dW [OutC, fan] += dOut_n [OutC, pix] · col [fan, pix]ᵀ.
		blas64.Gemm(blas.NoTrans, blas.Trans, 1,
			blas64.General{Rows: c.OutC, Cols: pix, Stride: pix, Data: dOut[n*ol : (n+1)*ol]},
			blas64.General{Rows: fan, Cols: pix, Stride: pix, Data: col},
			1, dwm)
	}
	if dIn == nil {
		return
	}
	wm := blas64.General{Rows: c.OutC, Cols: fan, Stride: fan, Data: weight}
	parallelFor(batch, w, func(lo, hi, wk int) {
		for n := lo; n < hi; n++ {
			d := blas64.General{Rows: c.OutC, Cols: pix, Stride: pix, Data: dOut[n*ol : (n+1)*ol]}
			if c.direct() {
				// dIn_n [InC, pix] += wᵀ · dOut_n.
				blas64.Gemm(blas.Trans, blas.NoTrans, 1, wm, d, 1,
					blas64.General{Rows: fan, Cols: pix, Stride: pix, Data: dIn[n*il : (n+1)*il]})
				continue
			}
			dcol := c.dcol[wk]
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, wm, d, 0,
				blas64.General{Rows: fan, Cols: pix, Stride: pix, Data: dcol})
			c.col2im(dIn[n*il:(n+1)*il], dcol)
		}
	})
}
