package diffusion

import (
	"github.com/cloud-diffusion/noise/internal/nn"
)

// unetBuffers hands out the activation buffers of a UNet for one batch size
// and remembers the gradient buffers, which Backward zeroes before use.
// Buffers are requested in the same order for every batch size, so the i-th
// request reuses the memory of the i-th earlier one when it is large enough:
// memory grows to the largest batch seen and is reused for smaller ones.
type unetBuffers[T nn.Float] struct {
	batch int
	grads [][]T
	total int // values in use for this batch size

	mem  [][]T // backing memory, by request number
	next int   // next request number
}

// reset starts handing out buffers for batch samples.
func (a *unetBuffers[T]) reset(batch int) {
	a.batch, a.grads, a.total, a.next = batch, a.grads[:0], 0, 0
}

func (a *unetBuffers[T]) val(n int) []T {
	a.total += n
	i := a.next
	a.next++
	if i < len(a.mem) && cap(a.mem[i]) >= n {
		return a.mem[i][:n]
	}
	s := make([]T, n)
	if i < len(a.mem) {
		a.mem[i] = s
	} else {
		a.mem = append(a.mem, s)
	}
	return s
}

func (a *unetBuffers[T]) grad(n int) []T {
	g := a.val(n)
	a.grads = append(a.grads, g)
	return g
}

// unetConv is a convolution with its parameter views and its place in the
// network: input, output and their gradients (wired by UNet.alloc). A nil
// din skips the input gradient.
type unetConv[T nn.Float] struct {
	conv      *nn.Conv2d[T]
	w, b      nn.View
	in, din   []T
	out, dout []T
}

func newUnetConv[T nn.Float](l *nn.Layout, name string, inC, outC, size, k, stride int, pad Padding) *unetConv[T] {
	c := nn.NewConv2d[T](inC, outC, size, size, k, stride, k/2)
	c.Padding = pad.nn()
	return &unetConv[T]{
		conv: c,
		w:    l.Add(name+".weight", c.WeightLen(), nn.FanIn(c.FanIn())),
		b:    l.Add(name+".bias", outC, nn.FanIn(c.FanIn())),
	}
}

func (c *unetConv[T]) forward(u *unetNet[T]) {
	c.conv.Forward(c.out, c.in, nn.Of(c.w, u.p), nn.Of(c.b, u.p), u.batch)
}

func (c *unetConv[T]) backward(u *unetNet[T]) {
	c.conv.Backward(c.din, nn.Of(c.w, u.g), nn.Of(c.b, u.g), c.dout, c.in, nn.Of(c.w, u.p), u.batch)
}

// unetUpConv is nearest 2× upsampling followed by a 3×3 convolution, with
// its parameter views (named like the twin's conv) and its place in the
// network.
type unetUpConv[T nn.Float] struct {
	up        *nn.UpConv2d[T]
	w, b      nn.View
	in, din   []T
	out, dout []T
}

func newUnetUpConv[T nn.Float](l *nn.Layout, name string, inC, outC, size int, pad Padding) *unetUpConv[T] {
	up := nn.NewUpConv2d[T](inC, outC, size, size)
	up.Padding = pad.nn()
	return &unetUpConv[T]{
		up: up,
		w:  l.Add(name+".weight", up.WeightLen(), nn.FanIn(9*inC)),
		b:  l.Add(name+".bias", outC, nn.FanIn(9*inC)),
	}
}

func (c *unetUpConv[T]) forward(u *unetNet[T]) {
	c.up.Forward(c.out, c.in, nn.Of(c.w, u.p), nn.Of(c.b, u.p), u.batch)
}

func (c *unetUpConv[T]) backward(u *unetNet[T]) {
	c.up.Backward(c.din, nn.Of(c.w, u.g), nn.Of(c.b, u.g), c.dout, c.in, nn.Of(c.w, u.p), u.batch)
}

// unetNorm is a GroupNorm with its parameter views.
type unetNorm[T nn.Float] struct {
	gn   *nn.GroupNorm[T]
	w, b nn.View
}

// newUnetNorm returns a GroupNorm, fused with the SiLU that follows it if
// silu is set.
func newUnetNorm[T nn.Float](l *nn.Layout, name string, c, groups, hw int, silu bool) unetNorm[T] {
	gn := nn.NewGroupNorm[T](c, groups, hw)
	gn.SiLU = silu
	return unetNorm[T]{
		gn: gn,
		w:  l.Add(name+".weight", c, nn.Const(1)),
		b:  l.Add(name+".bias", c, nn.Const(0)),
	}
}

func (n unetNorm[T]) forward(u *unetNet[T], out, in []T) {
	n.gn.Forward(out, in, nn.Of(n.w, u.p), nn.Of(n.b, u.p), u.batch)
}

func (n unetNorm[T]) backward(u *unetNet[T], dIn, dOut, in []T) {
	n.gn.Backward(dIn, nn.Of(n.w, u.g), nn.Of(n.b, u.g), dOut, in, nn.Of(n.w, u.p), nn.Of(n.b, u.p), u.batch)
}

// resBlock is the twin's Res module: with x [N, ci, S, S] and the time
// embedding e [N, 4·Base],
//
//	s1 = SiLU(GN1(x)), h1 = conv1(s1) + Linear_t(e)[:, :, None, None]
//	s2 = SiLU(GN2(h1)), out = conv2(s2) + skip(x)
//
// where conv1 and conv2 are 3×3 and skip is a 1×1 convolution if ci ≠ co and
// the identity otherwise. The group norms are fused with their SiLU.
type resBlock[T nn.Float] struct {
	ci, co, hw int
	n1, n2     unetNorm[T]
	c1, c2     *unetConv[T]
	skip       *unetConv[T] // nil: identity
	tw, tb     nn.View

	in, din   []T // [N, ci, hw], wired by alloc; din may be nil
	out, dout []T // [N, co, hw]
	sk        []T // skip output [N, co, hw]
	tp, dtp   []T // time bias [N, co]
}

func newResBlock[T nn.Float](l *nn.Layout, name string, ci, co, size, groups, te int, pad Padding) *resBlock[T] {
	r := &resBlock[T]{ci: ci, co: co, hw: size * size}
	r.n1 = newUnetNorm[T](l, name+".n1", ci, groups, r.hw, true)
	r.c1 = newUnetConv[T](l, name+".c1", ci, co, size, 3, 1, pad)
	r.tw = l.Add(name+".t.weight", te*co, nn.FanIn(te))
	r.tb = l.Add(name+".t.bias", co, nn.FanIn(te))
	r.n2 = newUnetNorm[T](l, name+".n2", co, groups, r.hw, true)
	r.c2 = newUnetConv[T](l, name+".c2", co, co, size, 3, 1, pad)
	if ci != co {
		r.skip = newUnetConv[T](l, name+".skip", ci, co, size, 1, 1, pad)
	}
	return r
}

// alloc sizes the block's buffers for a.batch samples and wires its input.
func (r *resBlock[T]) alloc(a *unetBuffers[T], in, din []T) {
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

func (r *resBlock[T]) forward(u *unetNet[T]) {
	r.n1.forward(u, r.c1.in, r.in)
	r.c1.forward(u)
	nn.LinearForward(r.tp, u.e, nn.Of(r.tw, u.p), nn.Of(r.tb, u.p), u.batch, u.te, r.co)
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
func (r *resBlock[T]) backward(u *unetNet[T]) {
	if r.skip != nil {
		r.skip.backward(u)
	} else if r.din != nil {
		addTo(r.din, r.dout)
	}
	r.c2.backward(u)
	dh1 := r.c1.dout
	r.n2.backward(u, dh1, r.c2.din, r.c1.out)
	for i := range r.dtp {
		var s T
		for _, v := range dh1[i*r.hw : (i+1)*r.hw] {
			s += v
		}
		r.dtp[i] = s
	}
	nn.LinearBackward(u.de, nn.Of(r.tw, u.g), nn.Of(r.tb, u.g), r.dtp, u.e, nn.Of(r.tw, u.p), u.batch, u.te, r.co)
	r.c1.backward(u)
	r.n1.backward(u, r.din, r.c1.din, r.in)
}

// attnBlock is optional self-attention with a residual connection:
// out = x + Attention(GN(x)).
type attnBlock[T nn.Float] struct {
	norm      unetNorm[T]
	att       *nn.Attention[T]
	qkvW      nn.View
	qkvB      nn.View
	projW     nn.View
	projB     nn.View
	in, din   []T
	out, dout []T
	a, da     []T
}

func newAttnBlock[T nn.Float](l *nn.Layout, name string, c, size, groups int) *attnBlock[T] {
	return &attnBlock[T]{
		norm:  newUnetNorm[T](l, name+".norm", c, groups, size*size, false),
		att:   nn.NewAttention[T](c, size*size),
		qkvW:  l.Add(name+".qkv.weight", 3*c*c, nn.FanIn(c)),
		qkvB:  l.Add(name+".qkv.bias", 3*c, nn.FanIn(c)),
		projW: l.Add(name+".proj.weight", c*c, nn.FanIn(c)),
		projB: l.Add(name+".proj.bias", c, nn.FanIn(c)),
	}
}

func (b *attnBlock[T]) alloc(a *unetBuffers[T], in, din []T) {
	n := len(in)
	b.in, b.din = in, din
	b.out, b.dout = a.val(n), a.grad(n)
	b.a, b.da = a.val(n), a.grad(n)
}

func (b *attnBlock[T]) forward(u *unetNet[T]) {
	b.norm.forward(u, b.a, b.in)
	p := u.p
	b.att.Forward(b.out, b.a, nn.Of(b.qkvW, p), nn.Of(b.qkvB, p), nn.Of(b.projW, p), nn.Of(b.projB, p), u.batch)
	addTo(b.out, b.in)
}

func (b *attnBlock[T]) backward(u *unetNet[T]) {
	addTo(b.din, b.dout)
	p, g := u.p, u.g
	b.att.Backward(b.da, nn.Of(b.qkvW, g), nn.Of(b.qkvB, g), nn.Of(b.projW, g), nn.Of(b.projB, g), b.dout, b.a, nn.Of(b.qkvW, p), nn.Of(b.projW, p), u.batch)
	b.norm.backward(u, b.din, b.da, b.in)
}

// addTo sets dst[i] += src[i].
func addTo[T nn.Float](dst, src []T) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}
