package diffusion

import (
	"github.com/cloud-diffusion/noise/internal/nn"
)

// unetBuffers hands out the activation buffers of a UNet for one batch size
// and remembers the gradient buffers, which Backward zeroes before use.
// Buffers are requested in the same order for every batch size, so the i-th
// request reuses the memory of the i-th earlier one when it is large enough:
// memory grows to the largest batch seen and is reused for smaller ones.
type unetBuffers struct {
	batch int
	grads [][]float64
	total int // float64s in use for this batch size

	mem  [][]float64 // backing memory, by request number
	next int         // next request number
}

// reset starts handing out buffers for batch samples.
func (a *unetBuffers) reset(batch int) {
	a.batch, a.grads, a.total, a.next = batch, a.grads[:0], 0, 0
}

func (a *unetBuffers) val(n int) []float64 {
	a.total += n
	i := a.next
	a.next++
	if i < len(a.mem) && cap(a.mem[i]) >= n {
		return a.mem[i][:n]
	}
	s := make([]float64, n)
	if i < len(a.mem) {
		a.mem[i] = s
	} else {
		a.mem = append(a.mem, s)
	}
	return s
}

func (a *unetBuffers) grad(n int) []float64 {
	g := a.val(n)
	a.grads = append(a.grads, g)
	return g
}

// unetConv is a convolution with its parameter views and its place in the
// network: input, output and their gradients (wired by UNet.alloc). A nil
// din skips the input gradient.
type unetConv struct {
	conv      *nn.Conv2d
	w, b      nn.View
	in, din   []float64
	out, dout []float64
}

func newUnetConv(l *nn.Layout, name string, inC, outC, size, k, stride int) *unetConv {
	c := nn.NewConv2d(inC, outC, size, size, k, stride, k/2)
	return &unetConv{
		conv: c,
		w:    l.Add(name+".weight", c.WeightLen(), nn.FanIn(c.FanIn())),
		b:    l.Add(name+".bias", outC, nn.FanIn(c.FanIn())),
	}
}

func (c *unetConv) forward(u *UNet) {
	c.conv.Forward(c.out, c.in, c.w.Of(u.params), c.b.Of(u.params), u.batch)
}

func (c *unetConv) backward(u *UNet) {
	c.conv.Backward(c.din, c.w.Of(u.grads), c.b.Of(u.grads), c.dout, c.in, c.w.Of(u.params), u.batch)
}

// unetUpConv is nearest 2× upsampling followed by a 3×3 convolution, with
// its parameter views (named like the twin's conv) and its place in the
// network.
type unetUpConv struct {
	up        *nn.UpConv2d
	w, b      nn.View
	in, din   []float64
	out, dout []float64
}

func newUnetUpConv(l *nn.Layout, name string, inC, outC, size int) *unetUpConv {
	up := nn.NewUpConv2d(inC, outC, size, size)
	return &unetUpConv{
		up: up,
		w:  l.Add(name+".weight", up.WeightLen(), nn.FanIn(9*inC)),
		b:  l.Add(name+".bias", outC, nn.FanIn(9*inC)),
	}
}

func (c *unetUpConv) forward(u *UNet) {
	c.up.Forward(c.out, c.in, c.w.Of(u.params), c.b.Of(u.params), u.batch)
}

func (c *unetUpConv) backward(u *UNet) {
	c.up.Backward(c.din, c.w.Of(u.grads), c.b.Of(u.grads), c.dout, c.in, c.w.Of(u.params), u.batch)
}

// unetNorm is a GroupNorm with its parameter views.
type unetNorm struct {
	gn   *nn.GroupNorm
	w, b nn.View
}

// newUnetNorm returns a GroupNorm, fused with the SiLU that follows it if
// silu is set.
func newUnetNorm(l *nn.Layout, name string, c, groups, hw int, silu bool) unetNorm {
	gn := nn.NewGroupNorm(c, groups, hw)
	gn.SiLU = silu
	return unetNorm{
		gn: gn,
		w:  l.Add(name+".weight", c, nn.Const(1)),
		b:  l.Add(name+".bias", c, nn.Const(0)),
	}
}

func (n unetNorm) forward(u *UNet, out, in []float64) {
	n.gn.Forward(out, in, n.w.Of(u.params), n.b.Of(u.params), u.batch)
}

func (n unetNorm) backward(u *UNet, dIn, dOut, in []float64) {
	n.gn.Backward(dIn, n.w.Of(u.grads), n.b.Of(u.grads), dOut, in, n.w.Of(u.params), n.b.Of(u.params), u.batch)
}

// resBlock is the twin's Res module: with x [N, ci, S, S] and the time
// embedding e [N, 4·Base],
//
//	s1 = SiLU(GN1(x)), h1 = conv1(s1) + Linear_t(e)[:, :, None, None]
//	s2 = SiLU(GN2(h1)), out = conv2(s2) + skip(x)
//
// where conv1 and conv2 are 3×3 and skip is a 1×1 convolution if ci ≠ co and
// the identity otherwise. The group norms are fused with their SiLU.
type resBlock struct {
	ci, co, hw int
	n1, n2     unetNorm
	c1, c2     *unetConv
	skip       *unetConv // nil: identity
	tw, tb     nn.View

	in, din   []float64 // [N, ci, hw], wired by alloc; din may be nil
	out, dout []float64 // [N, co, hw]
	sk        []float64 // skip output [N, co, hw]
	tp, dtp   []float64 // time bias [N, co]
}

func newResBlock(l *nn.Layout, name string, ci, co, size, groups, te int) *resBlock {
	r := &resBlock{ci: ci, co: co, hw: size * size}
	r.n1 = newUnetNorm(l, name+".n1", ci, groups, r.hw, true)
	r.c1 = newUnetConv(l, name+".c1", ci, co, size, 3, 1)
	r.tw = l.Add(name+".t.weight", te*co, nn.FanIn(te))
	r.tb = l.Add(name+".t.bias", co, nn.FanIn(te))
	r.n2 = newUnetNorm(l, name+".n2", co, groups, r.hw, true)
	r.c2 = newUnetConv(l, name+".c2", co, co, size, 3, 1)
	if ci != co {
		r.skip = newUnetConv(l, name+".skip", ci, co, size, 1, 1)
	}
	return r
}

// alloc sizes the block's buffers for a.batch samples and wires its input.
func (r *resBlock) alloc(a *unetBuffers, in, din []float64) {
	b := a.batch
	xi, xo := b*r.ci*r.hw, b*r.co*r.hw
	r.in, r.din = in, din
	r.out, r.dout = a.val(xo), a.grad(xo)
	r.tp, r.dtp = a.val(b*r.co), a.val(b*r.co)
	// conv1: s1 → h1; conv2: s2 → out (then + skip).
	r.c1.in, r.c1.din = a.val(xi), a.grad(xi)
	r.c1.out, r.c1.dout = a.val(xo), a.grad(xo)
	r.c2.in, r.c2.din = a.val(xo), a.grad(xo)
	r.c2.out, r.c2.dout = r.out, r.dout
	if r.skip != nil {
		r.sk = a.val(xo)
		r.skip.in, r.skip.din = in, din
		r.skip.out, r.skip.dout = r.sk, r.dout
	}
}

func (r *resBlock) forward(u *UNet) {
	r.n1.forward(u, r.c1.in, r.in)
	r.c1.forward(u)
	nn.LinearForward(r.tp, u.e, r.tw.Of(u.params), r.tb.Of(u.params), u.batch, u.te, r.co)
	h1 := r.c1.out
	for n := 0; n < u.batch; n++ {
		for c := 0; c < r.co; c++ {
			v := r.tp[n*r.co+c]
			h := h1[(n*r.co+c)*r.hw : (n*r.co+c+1)*r.hw]
			for i := range h {
				h[i] += v
			}
		}
	}
	r.n2.forward(u, r.c2.in, h1)
	r.c2.forward(u)
	if r.skip != nil {
		r.skip.forward(u)
		addTo(r.out, r.sk)
	} else {
		addTo(r.out, r.in)
	}
}

// backward needs r.dout complete; it accumulates into r.din (if not nil),
// the parameter gradients and u.de.
func (r *resBlock) backward(u *UNet) {
	if r.skip != nil {
		r.skip.backward(u)
	} else if r.din != nil {
		addTo(r.din, r.dout)
	}
	r.c2.backward(u)
	dh1 := r.c1.dout
	r.n2.backward(u, dh1, r.c2.din, r.c1.out)
	for i := range r.dtp {
		s := 0.0
		for _, v := range dh1[i*r.hw : (i+1)*r.hw] {
			s += v
		}
		r.dtp[i] = s
	}
	nn.LinearBackward(u.de, r.tw.Of(u.grads), r.tb.Of(u.grads), r.dtp, u.e, r.tw.Of(u.params), u.batch, u.te, r.co)
	r.c1.backward(u)
	r.n1.backward(u, r.din, r.c1.din, r.in)
}

// attnBlock is optional self-attention with a residual connection:
// out = x + Attention(GN(x)).
type attnBlock struct {
	norm      unetNorm
	att       *nn.Attention
	qkvW      nn.View
	qkvB      nn.View
	projW     nn.View
	projB     nn.View
	in, din   []float64
	out, dout []float64
	a, da     []float64
}

func newAttnBlock(l *nn.Layout, name string, c, size, groups int) *attnBlock {
	return &attnBlock{
		norm:  newUnetNorm(l, name+".norm", c, groups, size*size, false),
		att:   nn.NewAttention(c, size*size),
		qkvW:  l.Add(name+".qkv.weight", 3*c*c, nn.FanIn(c)),
		qkvB:  l.Add(name+".qkv.bias", 3*c, nn.FanIn(c)),
		projW: l.Add(name+".proj.weight", c*c, nn.FanIn(c)),
		projB: l.Add(name+".proj.bias", c, nn.FanIn(c)),
	}
}

func (b *attnBlock) alloc(a *unetBuffers, in, din []float64) {
	n := len(in)
	b.in, b.din = in, din
	b.out, b.dout = a.val(n), a.grad(n)
	b.a, b.da = a.val(n), a.grad(n)
}

func (b *attnBlock) forward(u *UNet) {
	b.norm.forward(u, b.a, b.in)
	p := u.params
	b.att.Forward(b.out, b.a, b.qkvW.Of(p), b.qkvB.Of(p), b.projW.Of(p), b.projB.Of(p), u.batch)
	addTo(b.out, b.in)
}

func (b *attnBlock) backward(u *UNet) {
	addTo(b.din, b.dout)
	p, g := u.params, u.grads
	b.att.Backward(b.da, b.qkvW.Of(g), b.qkvB.Of(g), b.projW.Of(g), b.projB.Of(g), b.dout, b.a, b.qkvW.Of(p), b.projW.Of(p), u.batch)
	b.norm.backward(u, b.din, b.da, b.in)
}

// addTo sets dst[i] += src[i].
func addTo(dst, src []float64) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
