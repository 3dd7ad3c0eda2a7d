package nn

import (
	"fmt"

	"github.com/cloud-diffusion/noise/internal/gemm"
	"github.com/cloud-diffusion/noise/internal/parallel"

	"gonum.org/v1/gonum/blas"
)

// Conv2d is a 2-D cross-correlation (PyTorch's Conv2d) with a square K×K
// kernel, stride S and padding P over NCHW tensors:
//
//	out[n, o, y, x] = bias[o] + Σ_{c,i,j} w[o, c, i, j] · in[n, c, S·y−P+i, S·x−P+j]
//
// with out-of-range input read according to Padding: 0 (PadZero, the zero
// value), the nearest edge pixel (PadReplicate) or the image wrapped around
// (PadCircular), like PyTorch's padding_mode "zeros", "replicate" and
// "circular". Shapes:
//
//	in     [N, InC, H, W]
//	out    [N, OutC, OutH, OutW], OutH = (H+2P−K)/S + 1, OutW likewise
//	weight [OutC, InC, K, K]
//	bias   [OutC]
//
// It is computed by im2col and a matrix product per sample (internal/gemm):
// col [InC·K·K, OutH·OutW] holds the receptive field of every output pixel
// (row (c·K+i)·K+j, column y·OutW+x), and out_n = weight · col. A 1×1
// convolution with stride 1 and no padding uses the input as col directly.
//
// A Conv2d owns per-worker im2col buffers: it is not safe for concurrent use.
type Conv2d[T Float] struct {
	InC, OutC, H, W, K, Stride, Pad int
	OutH, OutW                      int
	// Padding is how input outside the image is read; the zero value is
	// zero padding. It may be changed between calls.
	Padding Padding

	col [][]T // per-worker im2col buffers (forward, dW, and dcol in backward)

	// Arguments of the call in progress, for the pool's workers.
	phase                 convPhase
	out, in, weight, bias []T
	dIn, dWeight, dOut    []T
	batch                 int
	grp                   parallel.Group
}

type convPhase int

const (
	convForward convPhase = iota
	convWeightGrad
	convInputGrad
)

// NewConv2d returns a convolution of the given shape. It panics if a size is
// not positive, the padding is negative or the output would be empty.
func NewConv2d[T Float](inC, outC, h, w, k, stride, pad int) *Conv2d[T] {
	if inC <= 0 || outC <= 0 || h <= 0 || w <= 0 || k <= 0 || stride <= 0 || pad < 0 {
		panic(fmt.Sprintf("nn: bad Conv2d shape in=%d out=%d h=%d w=%d k=%d s=%d p=%d", inC, outC, h, w, k, stride, pad))
	}
	oh := (h+2*pad-k)/stride + 1
	ow := (w+2*pad-k)/stride + 1
	if oh <= 0 || ow <= 0 {
		panic("nn: Conv2d output is empty")
	}
	return &Conv2d[T]{InC: inC, OutC: outC, H: h, W: w, K: k, Stride: stride, Pad: pad, OutH: oh, OutW: ow}
}

// WeightLen returns the number of weights, OutC·InC·K·K.
func (c *Conv2d[T]) WeightLen() int { return c.OutC * c.InC * c.K * c.K }

// FanIn returns InC·K·K, the fan-in used by the default initialisation.
func (c *Conv2d[T]) FanIn() int { return c.InC * c.K * c.K }

// InLen and OutLen return the number of elements of one input and one output
// sample.
func (c *Conv2d[T]) InLen() int  { return c.InC * c.H * c.W }
func (c *Conv2d[T]) OutLen() int { return c.OutC * c.OutH * c.OutW }

// direct reports whether the input can serve as its own im2col matrix.
func (c *Conv2d[T]) direct() bool { return c.K == 1 && c.Stride == 1 && c.Pad == 0 }

// buffers makes sure there are w per-worker im2col buffers.
func (c *Conv2d[T]) buffers(w int) {
	n := c.FanIn() * c.OutH * c.OutW
	for len(c.col) < w {
		c.col = append(c.col, make([]T, n))
	}
}

// inside returns the output columns [x0, x1) whose input column
// S·x−P+j, for kernel column j, lies inside the image (0 ≤ · < W); the
// columns outside it read the padding.
func (c *Conv2d[T]) inside(j int) (x0, x1 int) {
	s, p := c.Stride, c.Pad
	if p > j {
		x0 = (p - j + s - 1) / s
	}
	x0 = min(x0, c.OutW)
	if e := c.W + p - j; e > 0 {
		x1 = (e + s - 1) / s
	}
	return x0, max(x0, min(x1, c.OutW))
}

// im2col fills rows [r0, r1) of the im2col matrix [InC·K·K, OutH·OutW] of one
// input sample in [InC, H, W] into col [r1−r0, OutH·OutW]. Row r holds
// channel r/K², kernel offset (r/K mod K, r mod K). Input outside the image
// is read according to c.Padding.
func (c *Conv2d[T]) im2col(col, in []T, r0, r1 int) {
	k, s, p, mode := c.K, c.Stride, c.Pad, c.Padding
	oh, ow, h, w := c.OutH, c.OutW, c.H, c.W
	for r := r0; r < r1; r++ {
		ci, i, j := r/(k*k), (r/k)%k, r%k
		plane := in[ci*h*w : (ci+1)*h*w]
		row := col[(r-r0)*oh*ow : (r-r0+1)*oh*ow]
		x0, x1 := c.inside(j)
		for y := 0; y < oh; y++ {
			dst := row[y*ow : (y+1)*ow]
			iy := mode.source(s*y-p+i, h)
			if iy < 0 {
				clear(dst)
				continue
			}
			src := plane[iy*w : (iy+1)*w]
			if s == 1 {
				copy(dst[x0:x1], src[x0-p+j:x1-p+j])
			} else {
				for x := x0; x < x1; x++ {
					dst[x] = src[s*x-p+j]
				}
			}
			// The padded columns, at most ⌈P/S⌉ on each side.
			for x := 0; x < x0; x++ {
				dst[x] = padValue(src, mode.source(s*x-p+j, w))
			}
			for x := x1; x < ow; x++ {
				dst[x] = padValue(src, mode.source(s*x-p+j, w))
			}
		}
	}
}

// padValue returns src[i], or 0 for i < 0.
func padValue[T Float](src []T, i int) T {
	if i < 0 {
		return 0
	}
	return src[i]
}

// col2im adds col [InC·K·K, OutH·OutW] back into one input-gradient sample
// dIn [InC, H, W]; it is the adjoint of im2col: each entry of col is added to
// the input pixel it was read from (none for zero padding; an edge pixel
// for replicate padding; the wrapped pixel for circular padding).
func (c *Conv2d[T]) col2im(dIn, col []T) {
	k, s, p, mode := c.K, c.Stride, c.Pad, c.Padding
	oh, ow, h, w := c.OutH, c.OutW, c.H, c.W
	for r := 0; r < c.FanIn(); r++ {
		ci, i, j := r/(k*k), (r/k)%k, r%k
		plane := dIn[ci*h*w : (ci+1)*h*w]
		row := col[r*oh*ow : (r+1)*oh*ow]
		x0, x1 := c.inside(j)
		for y := 0; y < oh; y++ {
			iy := mode.source(s*y-p+i, h)
			if iy < 0 {
				continue
			}
			src := row[y*ow : (y+1)*ow]
			dst := plane[iy*w : (iy+1)*w]
			if s == 1 {
				if x1 > x0 {
					d := dst[x0-p+j : x1-p+j]
					for x, v := range src[x0:x1] {
						d[x] += v
					}
				}
			} else {
				for x := x0; x < x1; x++ {
					dst[s*x-p+j] += src[x]
				}
			}
			for x := 0; x < x0; x++ {
				if ix := mode.source(s*x-p+j, w); ix >= 0 {
					dst[ix] += src[x]
				}
			}
			for x := x1; x < ow; x++ {
				if ix := mode.source(s*x-p+j, w); ix >= 0 {
					dst[ix] += src[x]
				}
			}
		}
	}
}

// Forward computes out = conv(in) + bias for batch samples. out is
// overwritten and must not alias in. bias may be nil (no bias). Samples are
// split across GOMAXPROCS goroutines. Forward panics on slice length
// mismatch or an unknown Padding.
func (c *Conv2d[T]) Forward(out, in, weight, bias []T, batch int) {
	if len(in) != batch*c.InLen() || len(out) != batch*c.OutLen() || len(weight) != c.WeightLen() || (bias != nil && len(bias) != c.OutC) {
		panic("nn: Conv2d.Forward length mismatch")
	}
	c.Padding.valid()
	w := workers(batch)
	c.buffers(w)
	c.phase, c.out, c.in, c.weight, c.bias = convForward, out, in, weight, bias
	runParallel(batch, w, c, &c.grp)
	c.release()
}

// Backward accumulates the gradients of a loss with respect to the input
// (dIn += ∂L/∂in, skipped if dIn is nil), the weights (dWeight += ∂L/∂w) and
// the bias (dBias += ∂L/∂b, skipped if nil) given dOut = ∂L/∂out and the
// forward input in. dIn must not alias dOut or in.
//
//	dWeight += Σ_n dOut_n · col_nᵀ, dBias[o] += Σ_{n,y,x} dOut[n,o,y,x],
//	dIn_n   += col2im(weightᵀ · dOut_n).
//
// The weight gradient is split across goroutines by columns (each element
// summed over samples in sample order by one goroutine), the input gradient
// by samples, so results do not depend on the number of cores. Backward
// panics on slice length mismatch or an unknown Padding.
func (c *Conv2d[T]) Backward(dIn, dWeight, dBias, dOut, in, weight []T, batch int) {
	il, ol, pix := c.InLen(), c.OutLen(), c.OutH*c.OutW
	if len(in) != batch*il || len(dOut) != batch*ol || len(weight) != c.WeightLen() ||
		len(dWeight) != c.WeightLen() || (dIn != nil && len(dIn) != batch*il) || (dBias != nil && len(dBias) != c.OutC) {
		panic("nn: Conv2d.Backward length mismatch")
	}
	if dBias != nil {
		for n := 0; n < batch; n++ {
			d := dOut[n*ol : (n+1)*ol]
			for oc := range dBias {
				var s T
				for _, v := range d[oc*pix : (oc+1)*pix] {
					s += v
				}
				dBias[oc] += s
			}
		}
	}
	c.Padding.valid()
	fan := c.FanIn()
	c.in, c.weight, c.dIn, c.dWeight, c.dOut = in, weight, dIn, dWeight, dOut
	c.batch = batch
	w := workers(fan)
	c.buffers(w)
	c.phase = convWeightGrad
	runParallel(fan, w, c, &c.grp)
	if dIn != nil {
		w = workers(batch)
		c.buffers(w)
		c.phase = convInputGrad
		runParallel(batch, w, c, &c.grp)
	}
	c.release()
}

// release drops the references to the caller's slices.
func (c *Conv2d[T]) release() {
	c.out, c.in, c.weight, c.bias, c.dIn, c.dWeight, c.dOut = nil, nil, nil, nil, nil, nil, nil
}

// run processes items [lo, hi) of the current phase: samples for the forward
// pass and the input gradient, im2col rows (weight columns) for the weight
// gradient.
func (c *Conv2d[T]) Run(wk, lo, hi int) {
	il, ol, fan, pix := c.InLen(), c.OutLen(), c.FanIn(), c.OutH*c.OutW
	switch c.phase {
	case convForward:
		for n := lo; n < hi; n++ {
			o := c.out[n*ol : (n+1)*ol]
			col := c.in[n*il : (n+1)*il]
			if !c.direct() {
				col = c.col[wk]
				c.im2col(col, c.in[n*il:(n+1)*il], 0, fan)
			}
			var beta T
			if c.bias != nil {
				for oc, b := range c.bias {
					row := o[oc*pix : (oc+1)*pix]
					for x := range row {
						row[x] = b
					}
				}
				beta = 1
			}
			// out_n [OutC, pix] = weight [OutC, fan] · col [fan, pix].
			gemm.Gemm(blas.NoTrans, blas.NoTrans, c.OutC, pix, fan, 1, c.weight, fan, col, pix, beta, o, pix)
		}
	case convWeightGrad:
		// dW[:, lo:hi] += Σ_n dOut_n [OutC, pix] · col_n[lo:hi]ᵀ.
		rows := hi - lo
		dw := c.dWeight[lo : (c.OutC-1)*fan+hi]
		for n := 0; n < c.batch; n++ {
			var col []T
			if c.direct() {
				col = c.in[n*il+lo*pix : n*il+hi*pix]
			} else {
				col = c.col[wk][:rows*pix]
				c.im2col(col, c.in[n*il:(n+1)*il], lo, hi)
			}
			gemm.Gemm(blas.NoTrans, blas.Trans, c.OutC, rows, pix, 1, c.dOut[n*ol:(n+1)*ol], pix, col, pix, 1, dw, fan)
		}
	case convInputGrad:
		for n := lo; n < hi; n++ {
			d := c.dOut[n*ol : (n+1)*ol]
			if c.direct() {
				// dIn_n [InC, pix] += weightᵀ · dOut_n.
				gemm.Gemm(blas.Trans, blas.NoTrans, fan, pix, c.OutC, 1, c.weight, fan, d, pix, 1, c.dIn[n*il:(n+1)*il], pix)
				continue
			}
			dcol := c.col[wk]
			gemm.Gemm(blas.Trans, blas.NoTrans, fan, pix, c.OutC, 1, c.weight, fan, d, pix, 0, dcol, pix)
			c.col2im(c.dIn[n*il:(n+1)*il], dcol)
		}
	}
}
