package diffusion

import (
	"fmt"
	"math/rand/v2"

	"github.com/cloud-diffusion/noise/internal/nn"
)

// UNet is the ε-prediction network of the diffusion model, the Go twin of
// the PyTorch UNet in shared/anchors/torch_unet.py. For an image batch
// x [N, Channels, Size, Size] (NCHW, flat) and diffusion times t [N] in
// [0, 1], with L = len(Mults) levels, C_i = Base·Mults[i]:
//
//	e   = Linear(SiLU(Linear(sinusoidal(1000·t))))       [N, 4·Base]
//	h   = conv3×3(x)                                       Base channels
//	down, level i = 0…L−1, resolution Size/2^i:
//	      h = Res(h, e) (ResBlocks times, to C_i channels); skip_i = h
//	      h = conv3×3 stride 2 (h)                         if i < L−1
//	mid:  h = Res(h, e) [then h = h + Attention(GN(h)) if Attention]
//	up, level i = L−1…0:
//	      h = Res(concat(h, skip_i), e) (then ResBlocks−1 more Res(h, e))
//	      h = conv3×3(nearest2×(h))                        if i > 0
//	out = conv3×3(SiLU(GN(h)))                             Channels channels
//	      [+ M·mean_{y,x}(h) at every pixel, with HeadMean]
//
// Every 3×3 convolution pads its input by one pixel as UNetConfig.Padding
// says (zero, as in the twin, by default).
// where Res(x, e) = conv(SiLU(GN(h'))) + skip(x), h' = conv(SiLU(GN(x))) +
// Linear(e) per channel. The upsampling convolutions are computed as four
// 2×2 convolutions of the low-resolution input (nn.UpConv2d), the same
// function at under half the cost, and each GroupNorm is fused with the SiLU
// that follows it. Every parameter lives in one flat slice (Params),
// named and ordered like the twin's state_dict; gradients (Grads) use the
// same layout, as should optimiser moments. UNetConfig.Precision chooses the
// layers' arithmetic, float64 or float32; parameters, gradients, inputs and
// outputs are float64 slices in both.
//
// # Buffers and concurrency
//
// A UNet owns its activations: Forward caches what Backward needs, in
// buffers that grow to the largest batch seen and are reused by later calls
// (a smaller batch reuses them without allocating; a larger one allocates),
// so steady-state training and sampling allocate nothing. Caching costs
// memory, not time: inference uses the same Forward (about 0.42 GiB of
// activations at batch 32 with the default configuration, 13 MiB per
// sample). Layers split each batch across GOMAXPROCS goroutines; results do
// not depend on the number of cores.
// A UNet is not safe for concurrent use; use Clone for a second one.
type UNet struct {
	cfg    UNetConfig
	layout nn.Layout
	params []float64
	grads  []float64

	// The network in its precision: exactly one is set. net64 computes on
	// params and grads directly; net32 on float32 copies.
	net64 *unetNet[float64]
	net32 *unetNet[float32]
}

// unetNet is the network computed in precision T: its modules, the
// parameters and gradients in T, and the activations.
type unetNet[T nn.Float] struct {
	cfg  UNetConfig
	p, g []T // parameters and gradients in the layout of UNet.params
	te   int // width of the time embedding after the MLP, 4·Base

	t1w, t1b, t2w, t2b nn.View
	inc                *unetConv[T]
	down               [][]*resBlock[T] // [level][block]
	ds                 []*unetConv[T]   // [level], nil at the last level
	mid                *resBlock[T]
	attn               *attnBlock[T]    // nil without attention
	up                 [][]*resBlock[T] // [level][block], level as on the way down
	us                 []*unetUpConv[T] // [level], nil at level 0
	outN               unetNorm[T]
	outC               *unetConv[T]
	outM               nn.View // HeadMean's map of channel means [Channels, C]; Len 0 otherwise

	// Buffers for the current batch size (0: none yet).
	batch     int
	bufs      unetBuffers[T]
	forwarded bool
	x         []T // copy of the input [N, Channels, Size, Size]
	emb       []T // sinusoidal embedding [N, Base]
	u1, u2    []T // time MLP hidden layer before and after SiLU [N, 4·Base]
	du1, du2  []T
	e, de     []T // time embedding [N, 4·Base]
	cat, dcat [][]T
	catA      [][]T // per up level, the tensor concatenated before the skip
	dcatA     [][]T
	skip      [][]T // per level, the skip tensor and its gradient
	dskip     [][]T
	last      []T // output of the last up level [N, Base·Mults[0], Size, Size]
	dlast     []T
	dout      []T // copy of the output gradient
	dx        []T // input gradient in T (float32 only), [N, Channels, Size, Size]
	hm, dhm   []T // HeadMean: channel means of last [N, C] and their gradient
	hv, dhv   []T // HeadMean: the mean path's output [N, Channels] and its gradient
}

// NewUNet returns a UNet for cfg with parameters initialised like PyTorch's
// defaults from src (a nil src uses a non-reproducible source). It returns
// an error, and no UNet, if cfg is invalid: channels other than 1 or 3, a
// size not divisible by 2^(levels−1), non-positive or odd Base, empty or
// non-positive Mults, no ResBlocks, or Groups not dividing every channel
// count, or more than 2^27 parameters (1 GiB per copy). The configuration is
// copied.
func NewUNet(cfg UNetConfig, src rand.Source) (*UNet, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	u := newUNetLayout(cfg.clone())
	if n := u.layout.Len(); n > unetMaxParams {
		return nil, fmt.Errorf("diffusion: UNet would have %d parameters, at most %d allowed", n, unetMaxParams)
	}
	u.setParams(make([]float64, u.layout.Len()))
	u.layout.Initialize(u.params, src)
	return u, nil
}

// numParams returns the number of parameters of a UNet for c, or the
// error of NewUNet, without allocating the parameters.
func (c UNetConfig) numParams() (int, error) {
	if err := c.validate(); err != nil {
		return 0, err
	}
	n := newUNetLayout(c.clone()).layout.Len()
	if n > unetMaxParams {
		return 0, fmt.Errorf("diffusion: UNet would have %d parameters, at most %d allowed", n, unetMaxParams)
	}
	return n, nil
}

// newUNetLayout builds the network and parameter layout of a valid config,
// in the config's precision, without parameters.
func newUNetLayout(cfg UNetConfig) *UNet {
	u := &UNet{cfg: cfg}
	if cfg.Precision == PrecisionFloat32 {
		u.net32 = newUNetNet[float32](cfg, &u.layout)
	} else {
		u.net64 = newUNetNet[float64](cfg, &u.layout)
	}
	return u
}

// setParams makes params the network's parameters (aliased) and gives it
// zero gradients.
func (u *UNet) setParams(params []float64) {
	u.params = params
	u.grads = make([]float64, len(params))
	if u.net64 != nil {
		u.net64.p, u.net64.g = u.params, u.grads
	} else {
		u.net32.p = make([]float32, len(params))
		u.net32.g = make([]float32, len(params))
	}
}

// newUNetNet builds the modules of a valid config in precision T, adding
// their parameters to l.
func newUNetNet[T nn.Float](cfg UNetConfig, l *nn.Layout) *unetNet[T] {
	u := &unetNet[T]{cfg: cfg, te: 4 * cfg.Base}
	b, te, g := cfg.Base, u.te, cfg.Groups
	u.t1w = l.Add("temb.0.weight", te*b, nn.FanIn(b))
	u.t1b = l.Add("temb.0.bias", te, nn.FanIn(b))
	u.t2w = l.Add("temb.2.weight", te*te, nn.FanIn(te))
	u.t2b = l.Add("temb.2.bias", te, nn.FanIn(te))
	pad := cfg.Padding
	u.inc = newUnetConv[T](l, "inc", cfg.Channels, b, cfg.Size, 3, 1, pad)
	levels := len(cfg.Mults)
	u.down = make([][]*resBlock[T], levels)
	u.ds = make([]*unetConv[T], levels)
	c, k := b, 0
	for i, m := range cfg.Mults {
		size := cfg.Size >> i
		for j := 0; j < cfg.ResBlocks; j++ {
			u.down[i] = append(u.down[i], newResBlock[T](l, fmt.Sprintf("down.%d", k), c, b*m, size, g, te, pad))
			c = b * m
			k++
		}
	}
	for i := 0; i < levels-1; i++ {
		c := b * cfg.Mults[i]
		u.ds[i] = newUnetConv[T](l, fmt.Sprintf("ds.%d", i), c, c, cfg.Size>>i, 3, 2, pad)
	}
	low := cfg.Size >> (levels - 1)
	u.mid = newResBlock[T](l, "mid", c, c, low, g, te, pad)
	if cfg.Attention {
		u.attn = newAttnBlock[T](l, "attn", c, low, g)
	}
	u.up = make([][]*resBlock[T], levels)
	u.us = make([]*unetUpConv[T], levels)
	k = 0
	for i := levels - 1; i >= 0; i-- {
		size := cfg.Size >> i
		co := b * cfg.Mults[i]
		for j := 0; j < cfg.ResBlocks; j++ {
			ci := co
			if j == 0 {
				ci = c + co
			}
			u.up[i] = append(u.up[i], newResBlock[T](l, fmt.Sprintf("up.%d", k), ci, co, size, g, te, pad))
			k++
		}
		c = co
	}
	for i, j := levels-1, 0; i > 0; i, j = i-1, j+1 {
		c := b * cfg.Mults[i]
		u.us[i] = newUnetUpConv[T](l, fmt.Sprintf("us.%d", j), c, c, cfg.Size>>i, pad)
	}
	u.skip, u.dskip = make([][]T, levels), make([][]T, levels)
	u.cat, u.dcat = make([][]T, levels), make([][]T, levels)
	u.catA, u.dcatA = make([][]T, levels), make([][]T, levels)
	u.outN = newUnetNorm[T](l, "out.0", b*cfg.Mults[0], g, cfg.Size*cfg.Size, true)
	u.outC = newUnetConv[T](l, "out.2", b*cfg.Mults[0], cfg.Channels, cfg.Size, 3, 1, pad)
	if cfg.Head == HeadMean {
		c0 := b * cfg.Mults[0]
		u.outM = l.Add("out.mean.weight", cfg.Channels*c0, nn.FanIn(c0))
	}
	return u
}

// alloc sizes and wires all activation buffers for batch samples.
func (u *unetNet[T]) alloc(batch int) {
	cfg := u.cfg
	a := &u.bufs
	a.reset(batch)
	u.batch = batch
	u.forwarded = false
	s2 := cfg.Size * cfg.Size
	u.x = a.val(batch * cfg.Channels * s2)
	u.emb = a.val(batch * cfg.Base)
	u.u1, u.du1 = a.val(batch*u.te), a.grad(batch*u.te)
	u.u2, u.du2 = a.val(batch*u.te), a.grad(batch*u.te)
	u.e, u.de = a.val(batch*u.te), a.grad(batch*u.te)

	u.inc.in, u.inc.din = u.x, nil
	u.inc.out, u.inc.dout = a.val(batch*cfg.Base*s2), a.grad(batch*cfg.Base*s2)
	h, dh := u.inc.out, u.inc.dout
	levels := len(cfg.Mults)
	for i := 0; i < levels; i++ {
		for _, r := range u.down[i] {
			r.alloc(a, h, dh)
			h, dh = r.out, r.dout
		}
		u.skip[i], u.dskip[i] = h, dh
		if d := u.ds[i]; d != nil {
			d.in, d.din = h, dh
			n := batch * d.conv.OutLen()
			d.out, d.dout = a.val(n), a.grad(n)
			h, dh = d.out, d.dout
		}
	}
	u.mid.alloc(a, h, dh)
	h, dh = u.mid.out, u.mid.dout
	if u.attn != nil {
		u.attn.alloc(a, h, dh)
		h, dh = u.attn.out, u.attn.dout
	}
	for i := levels - 1; i >= 0; i-- {
		n := batch * u.up[i][0].ci * (cfg.Size >> i) * (cfg.Size >> i)
		u.catA[i], u.dcatA[i] = h, dh
		u.cat[i], u.dcat[i] = a.val(n), a.grad(n)
		h, dh = u.cat[i], u.dcat[i]
		for _, r := range u.up[i] {
			r.alloc(a, h, dh)
			h, dh = r.out, r.dout
		}
		if c := u.us[i]; c != nil {
			n := 4 * len(h)
			c.in, c.din = h, dh
			c.out, c.dout = a.val(n), a.grad(n)
			h, dh = c.out, c.dout
		}
	}
	u.outC.in, u.outC.din = a.val(len(h)), a.grad(len(h))
	u.outC.out = a.val(batch * cfg.Channels * s2)
	u.dout = a.val(batch * cfg.Channels * s2)
	u.outC.dout = u.dout
	u.last, u.dlast = h, dh
	if cfg.Head == HeadMean {
		c0 := cfg.Base * cfg.Mults[0]
		u.hm, u.dhm = a.val(batch*c0), a.grad(batch*c0)
		u.hv, u.dhv = a.val(batch*cfg.Channels), a.grad(batch*cfg.Channels)
	}
}

// Forward computes the network's output (the predicted noise ε) for batch
// images x [batch, Channels, Size, Size] at diffusion times t [batch] in
// [0, 1] (the time embedding uses 1000·t, like the twin) and writes it to out
// [batch, Channels, Size, Size]. It caches the activations Backward needs
// (x is copied, so the caller may reuse it). out may alias x. Forward
// allocates only when batch exceeds every earlier batch size. In float32
// precision it first rounds the parameters to float32, and x on entry, and
// converts the output back. It panics if batch is not positive or a length
// does not match.
func (u *UNet) Forward(out, x, t []float64, batch int) {
	cfg := u.cfg
	n := cfg.Channels * cfg.Size * cfg.Size
	if batch <= 0 {
		panic(fmt.Sprintf("diffusion: UNet.Forward batch %d is not positive", batch))
	}
	if len(x) != batch*n || len(out) != batch*n || len(t) != batch {
		panic(fmt.Sprintf("diffusion: UNet.Forward lengths x %d, out %d, t %d; want %d, %d, %d",
			len(x), len(out), len(t), batch*n, batch*n, batch))
	}
	if u.net64 != nil {
		u.net64.forward(out, x, t, batch)
		return
	}
	convert(u.net32.p, u.params)
	u.net32.forward(out, x, t, batch)
}

// forward is UNet.Forward in precision T.
func (u *unetNet[T]) forward(out, x, t []float64, batch int) {
	cfg := u.cfg
	if batch != u.batch {
		u.alloc(batch)
	}
	convert(u.x, x)
	p := u.p
	nn.TimeEmbedding(u.emb, t, cfg.Base)
	nn.LinearForward(u.u1, u.emb, nn.Of(u.t1w, p), nn.Of(u.t1b, p), batch, cfg.Base, u.te)
	nn.SiLUForward(u.u2, u.u1)
	nn.LinearForward(u.e, u.u2, nn.Of(u.t2w, p), nn.Of(u.t2b, p), batch, u.te, u.te)

	u.inc.forward(u)
	levels := len(cfg.Mults)
	for i := 0; i < levels; i++ {
		for _, r := range u.down[i] {
			r.forward(u)
		}
		if d := u.ds[i]; d != nil {
			d.forward(u)
		}
	}
	u.mid.forward(u)
	if u.attn != nil {
		u.attn.forward(u)
	}
	for i := levels - 1; i >= 0; i-- {
		r0 := u.up[i][0]
		hw := r0.hw
		ca := len(u.catA[i]) / (batch * hw)
		nn.ConcatForward(u.cat[i], u.catA[i], u.skip[i], batch, ca, r0.ci-ca, hw)
		for _, r := range u.up[i] {
			r.forward(u)
		}
		if c := u.us[i]; c != nil {
			c.forward(u)
		}
	}
	u.outN.forward(u, u.outC.in, u.last)
	u.outC.forward(u)
	if cfg.Head == HeadMean {
		u.meanForward()
	}
	convert(out, u.outC.out)
	u.forwarded = true
}

// Backward accumulates into Grads the gradient of a loss L with respect to
// the parameters, given dOut = ∂L/∂out [batch, Channels, Size, Size] for the
// output of the latest Forward (batch as in that call). If dx is not nil,
// ∂L/∂x is accumulated into it too ([batch, Channels, Size, Size]); the
// network takes no gradient with respect to t. In float32 precision the
// gradients are computed in float32 and added to Grads (and dx) in float64.
// Backward allocates nothing after its first call with a non-nil dx. It
// panics if Forward has not been called or a length does not match.
func (u *UNet) Backward(dx, dOut []float64) {
	if u.net64 != nil {
		u.net64.backward(dx, dOut)
		return
	}
	n := u.net32
	clear(n.g)
	n.backward(dx, dOut)
	for i, v := range n.g {
		u.grads[i] += float64(v)
	}
}

// backward is UNet.Backward in precision T, accumulating into u.g.
func (u *unetNet[T]) backward(dx, dOut []float64) {
	if !u.forwarded {
		panic("diffusion: UNet.Backward called before Forward")
	}
	cfg := u.cfg
	batch := u.batch
	n := batch * cfg.Channels * cfg.Size * cfg.Size
	if len(dOut) != n || (dx != nil && len(dx) != n) {
		panic(fmt.Sprintf("diffusion: UNet.Backward lengths dx %d, dOut %d; want %d", len(dx), len(dOut), n))
	}
	for _, g := range u.bufs.grads {
		clear(g)
	}
	convert(u.dout, dOut)
	if cfg.Head == HeadMean {
		u.meanBackward()
	}
	u.outC.backward(u)
	u.outN.backward(u, u.dlast, u.outC.din, u.last)
	levels := len(cfg.Mults)
	for i := 0; i < levels; i++ {
		if c := u.us[i]; c != nil {
			c.backward(u)
		}
		for j := len(u.up[i]) - 1; j >= 0; j-- {
			u.up[i][j].backward(u)
		}
		r0 := u.up[i][0]
		hw := r0.hw
		ca := len(u.catA[i]) / (batch * hw)
		nn.ConcatBackward(u.dcatA[i], u.dskip[i], u.dcat[i], batch, ca, r0.ci-ca, hw)
	}
	if u.attn != nil {
		u.attn.backward(u)
	}
	u.mid.backward(u)
	for i := levels - 1; i >= 0; i-- {
		if d := u.ds[i]; d != nil {
			d.backward(u)
		}
		for j := len(u.down[i]) - 1; j >= 0; j-- {
			u.down[i][j].backward(u)
		}
	}
	if dx != nil {
		if d, ok := any(dx).([]T); ok {
			// float64: accumulate into the caller's slice directly.
			u.inc.din = d
			u.inc.backward(u)
		} else {
			if cap(u.dx) < n {
				u.dx = make([]T, n)
			}
			u.dx = u.dx[:n]
			clear(u.dx)
			u.inc.din = u.dx
			u.inc.backward(u)
			for i, v := range u.dx {
				dx[i] += float64(v)
			}
		}
	} else {
		u.inc.backward(u)
	}
	u.inc.din = nil
	p, g := u.p, u.g
	nn.LinearBackward(u.du2, nn.Of(u.t2w, g), nn.Of(u.t2b, g), u.de, u.u2, nn.Of(u.t2w, p), batch, u.te, u.te)
	nn.SiLUBackward(u.du1, u.du2, u.u1)
	nn.LinearBackward(nil, nn.Of(u.t1w, g), nn.Of(u.t1b, g), u.du1, u.emb, nn.Of(u.t1w, p), batch, cfg.Base, u.te)
}

// meanForward adds HeadMean's path to the output: hm = mean_{y,x}(last),
// hv = M·hm, out[n, o, ·, ·] += hv[n, o].
func (u *unetNet[T]) meanForward() {
	cfg := u.cfg
	c0, s2 := cfg.Base*cfg.Mults[0], cfg.Size*cfg.Size
	nn.MeanPoolForward(u.hm, u.last, u.batch*c0, s2)
	nn.LinearForward(u.hv, u.hm, nn.Of(u.outM, u.p), nil, u.batch, c0, cfg.Channels)
	out := u.outC.out
	for p, v := range u.hv {
		plane := out[p*s2 : (p+1)*s2]
		for i := range plane {
			plane[i] += v
		}
	}
}

// meanBackward accumulates the gradients of HeadMean's path, given the
// output gradient u.dout: dhv[n, o] = Σ_{y,x} dout[n, o, y, x], then M's
// gradient and, through the mean, dlast.
func (u *unetNet[T]) meanBackward() {
	cfg := u.cfg
	c0, s2 := cfg.Base*cfg.Mults[0], cfg.Size*cfg.Size
	for p := range u.dhv {
		var s T
		for _, v := range u.dout[p*s2 : (p+1)*s2] {
			s += v
		}
		u.dhv[p] = s
	}
	nn.LinearBackward(u.dhm, nn.Of(u.outM, u.g), nil, u.dhv, u.hm, nn.Of(u.outM, u.p), u.batch, c0, cfg.Channels)
	nn.MeanPoolBackward(u.dlast, u.dhm, u.batch*c0, s2)
}

// convert sets dst[i] = src[i], rounding to dst's precision.
func convert[D, S nn.Float](dst []D, src []S) {
	if d, ok := any(dst).([]S); ok {
		copy(d, src)
		return
	}
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = D(v)
	}
}

// Params returns the flat parameter slice. It aliases the network's
// parameters: writing it (an optimiser step, loading a checkpoint) changes
// the network.
func (u *UNet) Params() []float64 { return u.params }

// Grads returns the flat gradient slice, in the layout of Params, which
// Backward accumulates into. It aliases the network's gradients.
func (u *UNet) Grads() []float64 { return u.grads }

// ZeroGrad sets all gradients to zero.
func (u *UNet) ZeroGrad() { clear(u.grads) }

// NumParams returns the number of parameters, len(Params()).
func (u *UNet) NumParams() int { return len(u.params) }

// Config returns a copy of the network's configuration.
func (u *UNet) Config() UNetConfig { return u.cfg.clone() }

// ParamTensor names one parameter tensor: Params()[Offset : Offset+Len].
type ParamTensor struct {
	Name   string // as in the PyTorch twin's state_dict, e.g. "down.0.c1.weight"
	Offset int
	Len    int
}

// ParamTensors lists the parameter tensors in layout order (the order of
// the twin's parameters()). It allocates a new slice.
func (u *UNet) ParamTensors() []ParamTensor {
	vs := u.layout.Views()
	ts := make([]ParamTensor, len(vs))
	for i, v := range vs {
		ts[i] = ParamTensor{Name: v.Name, Offset: v.Off, Len: v.Len}
	}
	return ts
}

// Clone returns an independent copy of u with the same configuration and
// parameters, zero gradients and no buffers, for example to hold EMA weights
// or to run inference concurrently with training.
func (u *UNet) Clone() *UNet {
	v := newUNetLayout(u.cfg.clone())
	v.setParams(append([]float64(nil), u.params...))
	return v
}

// ActivationFloats returns the number of values of activation and
// activation-gradient buffers in use for the current batch size (0 before
// the first Forward), each of the network's precision (ActivationBytes
// gives bytes). Layer scratch (im2col buffers, one per core; the phase
// outputs of the upsampling convolutions) is extra.
func (u *UNet) ActivationFloats() int {
	if u.net64 != nil {
		return u.net64.bufs.total
	}
	return u.net32.bufs.total
}

// ActivationBytes returns ActivationFloats in bytes: 8 per value in float64
// precision, 4 in float32.
func (u *UNet) ActivationBytes() int {
	if u.net64 != nil {
		return 8 * u.net64.bufs.total
	}
	return 4 * u.net32.bufs.total
}
