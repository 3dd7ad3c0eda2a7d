package diffusion

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cloud-diffusion/noise/internal/nn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats/scalar"
)

func TestUNetParamCount(t *testing.T) {
	u, err := NewUNet(DefaultUNetConfig(), rand.NewPCG(1, 2))
	require.NoError(t, err)
	// 694561 is printed by the twin, /usr/bin/python3 shared/anchors/torch_unet.py
	// ("params 694561", torch 1.13).
	assert.Equal(t, 694561, u.NumParams())
	assert.Len(t, u.Params(), 694561)
	assert.Len(t, u.Grads(), 694561)
	ts := u.ParamTensors()
	// First, a middle and the last tensor of the twin's named_parameters().
	assert.Equal(t, ParamTensor{Name: "temb.0.weight", Offset: 0, Len: 4096}, ts[0])
	assert.Equal(t, ParamTensor{Name: "out.2.bias", Offset: 694560, Len: 1}, ts[len(ts)-1])
	want := map[string]int{"down.1.skip.weight": 2048, "ds.1.weight": 36864, "up.0.c1.weight": 73728, "up.2.skip.weight": 3072, "us.1.weight": 36864}
	for _, tn := range ts {
		if n, ok := want[tn.Name]; ok {
			assert.Equal(t, n, tn.Len, tn.Name)
			delete(want, tn.Name)
		}
	}
	assert.Empty(t, want, "tensors missing")
	// Names in order, from the twin's named_parameters() (torch 1.13 via /usr/bin/python3).
	want2 := strings.Fields(unetTwinNames)
	require.Len(t, ts, len(want2))
	for i, tn := range ts {
		assert.Equal(t, want2[i], tn.Name, "tensor %d", i)
	}
}

const unetTwinNames = `temb.0.weight temb.0.bias temb.2.weight temb.2.bias inc.weight inc.bias down.0.n1.weight down.0.n1.bias down.0.c1.weight down.0.c1.bias down.0.t.weight down.0.t.bias down.0.n2.weight down.0.n2.bias down.0.c2.weight down.0.c2.bias down.1.n1.weight down.1.n1.bias down.1.c1.weight down.1.c1.bias down.1.t.weight down.1.t.bias down.1.n2.weight down.1.n2.bias down.1.c2.weight down.1.c2.bias down.1.skip.weight down.1.skip.bias down.2.n1.weight down.2.n1.bias down.2.c1.weight down.2.c1.bias down.2.t.weight down.2.t.bias down.2.n2.weight down.2.n2.bias down.2.c2.weight down.2.c2.bias ds.0.weight ds.0.bias ds.1.weight ds.1.bias mid.n1.weight mid.n1.bias mid.c1.weight mid.c1.bias mid.t.weight mid.t.bias mid.n2.weight mid.n2.bias mid.c2.weight mid.c2.bias up.0.n1.weight up.0.n1.bias up.0.c1.weight up.0.c1.bias up.0.t.weight up.0.t.bias up.0.n2.weight up.0.n2.bias up.0.c2.weight up.0.c2.bias up.0.skip.weight up.0.skip.bias up.1.n1.weight up.1.n1.bias up.1.c1.weight up.1.c1.bias up.1.t.weight up.1.t.bias up.1.n2.weight up.1.n2.bias up.1.c2.weight up.1.c2.bias up.1.skip.weight up.1.skip.bias up.2.n1.weight up.2.n1.bias up.2.c1.weight up.2.c1.bias up.2.t.weight up.2.t.bias up.2.n2.weight up.2.n2.bias up.2.c2.weight up.2.c2.bias up.2.skip.weight up.2.skip.bias us.0.weight us.0.bias us.1.weight us.1.bias out.0.weight out.0.bias out.2.weight out.2.bias`

// unetGolden fills the parameters the way the torch golden values were made:
// p_i = 0.05·sin(0.37·i + 0.1) over the flat layout, plus 1 for group-norm
// scales. The golden values come from this script, run with /usr/bin/python3
// (torch 1.13):
//
//	src = open("shared/anchors/torch_unet.py").read(); exec(src[:src.index("m = UNet()")])
//	torch.set_default_dtype(torch.float64); m = UNet().double(); i0 = 0
//	for name, p in m.named_parameters():
//	    v = 0.05*torch.sin(0.37*torch.arange(i0, i0+p.numel(), dtype=torch.float64) + 0.1)
//	    if name.endswith(("n1.weight", "n2.weight")) or name == "out.0.weight": v = v + 1
//	    with torch.no_grad(): p.copy_(v.reshape(p.shape))
//	    i0 += p.numel()
//	j = torch.arange(2*32*32, dtype=torch.float64)
//	x = torch.sin(0.21*j).reshape(2, 1, 32, 32).requires_grad_(True)
//	out = m(x, torch.tensor([0.25, 0.8])); (out*torch.cos(0.13*j).reshape(out.shape)).sum().backward()
//	# then sums, sums of squares and picks of out, p.grad, x.grad as in TestUNetMatchesTorch.
func unetGolden(u *UNet) {
	p := u.Params()
	for i := range p {
		p[i] = 0.05 * math.Sin(0.37*float64(i)+0.1)
	}
	for _, tn := range u.ParamTensors() {
		if strings.HasSuffix(tn.Name, "n1.weight") || strings.HasSuffix(tn.Name, "n2.weight") || tn.Name == "out.0.weight" {
			for i := tn.Offset; i < tn.Offset+tn.Len; i++ {
				p[i]++
			}
		}
	}
}

func TestUNetMatchesTorch(t *testing.T) {
	// Golden values from the twin's UNet class in float64 (torch 1.13 via
	// /usr/bin/python3) with the parameters of unetGolden, input
	// x_j = sin(0.21·j) over [2, 1, 32, 32], t = (0.25, 0.8), and loss
	// L = Σ_j out_j·cos(0.13·j) for the gradients.
	u, err := NewUNet(DefaultUNetConfig(), rand.NewPCG(1, 2))
	require.NoError(t, err)
	unetGolden(u)
	const batch, n = 2, 1024
	x := make([]float64, batch*n)
	w := make([]float64, batch*n)
	for j := range x {
		x[j] = math.Sin(0.21 * float64(j))
		w[j] = math.Cos(0.13 * float64(j))
	}
	out := make([]float64, batch*n)
	u.Forward(out, x, []float64{0.25, 0.8}, batch)
	sum, ss := 0.0, 0.0
	for _, v := range out {
		sum += v
		ss += v * v
	}
	// Both sides are float64 with different summation orders: agreement to
	// ~1e-12 relative is expected; 1e-9 leaves margin.
	const tol = 1e-9
	eq := func(want, got float64, what string) {
		t.Helper()
		assert.True(t, scalar.EqualWithinAbsOrRel(got, want, tol, tol), "%s: got %v, torch %v", what, got, want)
	}
	eq(-238.08610919341731, sum, "output sum")
	eq(30.286898066584847, ss, "output sum of squares")
	for k, want := range map[int]float64{0: -0.10991429052047892, 1: -0.14222280949290853, 100: -0.15958235454886519,
		1023: -0.02024291192244863, 1024: -0.11045748228671076, 2047: -0.021622178356214803} {
		eq(want, out[k], "output element")
	}

	dx := make([]float64, batch*n)
	u.ZeroGrad()
	u.Backward(dx, w)
	g := u.Grads()
	proj, gss := 0.0, 0.0
	for i, v := range g {
		proj += v * math.Sin(0.11*float64(i))
		gss += v * v
	}
	eq(181.9232231568803, proj, "gradient projection")
	eq(9362020.058793683, gss, "gradient sum of squares")
	golden := map[string][2]float64{ // name: sum, sum of squares of the gradient
		"temb.0.weight":      {-1.9543329242511804, 1.0295767517137402},
		"inc.weight":         {-2.316118775339075, 2.9599866829714676},
		"down.1.skip.weight": {-0.2919557377497586, 25.787369930196597},
		"ds.1.bias":          {0.16539770525685427, 5063.532040517493},
		"up.0.c1.weight":     {14.056460351737199, 14.935851806469364},
		"us.1.weight":        {-0.6991479368739606, 138.5523129688431},
		"out.0.weight":       {6.3626195205458895, 458.30127692064417},
		"out.2.bias":         {6.335550914651194, 40.13920539213758},
	}
	for _, tn := range u.ParamTensors() {
		want, ok := golden[tn.Name]
		if !ok {
			continue
		}
		s, q := 0.0, 0.0
		for _, v := range g[tn.Offset : tn.Offset+tn.Len] {
			s += v
			q += v * v
		}
		// Sums of gradients of mixed sign cancel: compare them against the
		// scale √(Len·Σg²) of the terms.
		assert.InDelta(t, want[0], s, tol*math.Sqrt(float64(tn.Len)*want[1]), tn.Name)
		eq(want[1], q, tn.Name+" sum of squares")
	}
	s, q := 0.0, 0.0
	for _, v := range dx {
		s += v
		q += v * v
	}
	eq(-0.7366855469036544, s, "dx sum")
	eq(0.008402407143438503, q, "dx sum of squares")
}

// unetTinyConfigs are small networks for finite-difference checks: the
// brief's 8×8, Base 8, Groups 2 net, plus attention, three channels, two
// blocks per level and three levels; then both again with replicate and
// circular padding and the mean head.
func unetTinyConfigs() []UNetConfig {
	return []UNetConfig{
		{Channels: 1, Size: 8, Base: 8, Mults: []int{1, 2}, ResBlocks: 1, Groups: 2},
		{Channels: 3, Size: 4, Base: 4, Mults: []int{1, 2, 1}, ResBlocks: 2, Groups: 2, Attention: true},
		{Channels: 1, Size: 8, Base: 8, Mults: []int{1, 2}, ResBlocks: 1, Groups: 2, Padding: PaddingReplicate, Head: HeadMean},
		{Channels: 3, Size: 4, Base: 4, Mults: []int{1, 2, 1}, ResBlocks: 2, Groups: 2, Attention: true, Padding: PaddingCircular, Head: HeadMean},
	}
}

func TestUNetGradient(t *testing.T) {
	// L = Σ r ⊙ UNet(x, t). Central differences with step 1e-5 have
	// truncation error ~h²·|L'''| ≈ 1e-10 and rounding error
	// ~ε·|L|/h ≈ 1e-16·10/1e-5 = 1e-10; GroupNorm with ε = 1e-5 on tiny groups
	// can make L''' larger, so the tolerance is 1e-6, absolute or relative.
	// Every parameter tensor is checked at random entries (2 per tensor in
	// -short mode, 20 otherwise), and the input gradient in full.
	const tol = 1e-6
	const batch = 2
	for ci, cfg := range unetTinyConfigs() {
		u, err := NewUNet(cfg, rand.NewPCG(uint64(ci), 7))
		require.NoError(t, err)
		rnd := rand.New(rand.NewPCG(uint64(ci), 8))
		p := u.Params()
		for i := range p {
			p[i] += 0.1 * rnd.NormFloat64() // move GroupNorm off 1/0 so its parameters matter
		}
		n := batch * cfg.Channels * cfg.Size * cfg.Size
		x := make([]float64, n)
		r := make([]float64, n)
		for i := range x {
			x[i] = rnd.NormFloat64()
			r[i] = rnd.NormFloat64()
		}
		ts := []float64{0.13, 0.91}
		out := make([]float64, n)
		loss := func() float64 {
			u.Forward(out, x, ts, batch)
			s := 0.0
			for i, v := range out {
				s += r[i] * v
			}
			return s
		}
		loss()
		u.ZeroGrad()
		dx := make([]float64, n)
		u.Backward(dx, r)
		grad := append([]float64(nil), u.Grads()...)

		// Check perTensor random entries of every parameter tensor.
		perTensor := 20
		if testing.Short() {
			perTensor = 2
		}
		var idx []int
		for _, tn := range u.ParamTensors() {
			for k := 0; k < min(perTensor, tn.Len); k++ {
				idx = append(idx, tn.Offset+rnd.IntN(tn.Len))
			}
		}
		set := &fd.Settings{Formula: fd.Central, Step: 1e-5}
		bad := 0
		for _, i := range idx {
			orig := p[i]
			want := fd.Derivative(func(v float64) float64 { p[i] = v; return loss() }, orig, set)
			p[i] = orig
			if !scalar.EqualWithinAbsOrRel(grad[i], want, tol, tol) {
				if bad < 5 {
					t.Errorf("config %d: ∂L/∂p[%d] = %v, finite differences %v", ci, i, grad[i], want)
				}
				bad++
			}
		}
		assert.Zero(t, bad, "config %d: wrong parameter gradients", ci)
		xc := append([]float64(nil), x...)
		wantDx := fd.Gradient(nil, func(v []float64) float64 { copy(x, v); return loss() }, xc, set)
		copy(x, xc)
		for i := range wantDx {
			if !scalar.EqualWithinAbsOrRel(dx[i], wantDx[i], tol, tol) {
				t.Errorf("config %d: ∂L/∂x[%d] = %v, finite differences %v", ci, i, dx[i], wantDx[i])
				break
			}
		}
	}
}

func TestUNetConfigErrors(t *testing.T) {
	mod := func(f func(c *UNetConfig)) UNetConfig {
		c := DefaultUNetConfig()
		f(&c)
		return c
	}
	for i, tc := range []struct {
		cfg  UNetConfig
		want string
	}{
		{mod(func(c *UNetConfig) { c.Size = 30 }), "divisible"}, // 30 % 4 ≠ 0
		{mod(func(c *UNetConfig) { c.Size = 0 }), "size"},
		{mod(func(c *UNetConfig) { c.Size = -32 }), "size"},
		{mod(func(c *UNetConfig) { c.Channels = 0 }), "channels"},
		{mod(func(c *UNetConfig) { c.Channels = -1 }), "channels"},
		{mod(func(c *UNetConfig) { c.Channels = 2 }), "channels"},
		{mod(func(c *UNetConfig) { c.Base = 0 }), "base"},
		{mod(func(c *UNetConfig) { c.Base = -8 }), "base"},
		{mod(func(c *UNetConfig) { c.Base = 31 }), "base"},
		{mod(func(c *UNetConfig) { c.Groups = 5 }), "groups"}, // 5 ∤ 32
		{mod(func(c *UNetConfig) { c.Groups = 0 }), "groups"},
		{mod(func(c *UNetConfig) { c.Base = 6; c.Groups = 4; c.Mults = []int{2} }), "groups"}, // 4 | 12 but 4 ∤ 6 (input of the first block)
		{mod(func(c *UNetConfig) { c.Base = 2; c.Groups = 2; c.Mults = []int{1, 1} }), ""},
		{mod(func(c *UNetConfig) { c.Mults = nil }), "Mults"},
		{mod(func(c *UNetConfig) { c.Mults = []int{1, 0} }), "Mults[1]"},
		{mod(func(c *UNetConfig) { c.ResBlocks = 0 }), "blocks"},
		{mod(func(c *UNetConfig) { c.Size = 1 << 20 }), "size"},
		{mod(func(c *UNetConfig) { c.Mults = []int{1, 1000} }), "channels"},
		{mod(func(c *UNetConfig) { c.Base = 2048; c.Mults = []int{1, 2, 2} }), "parameters"}, // ~10^9 parameters
		{mod(func(c *UNetConfig) { c.Precision = 2 }), "precision"},
		{mod(func(c *UNetConfig) { c.Padding = 3 }), "padding"},
		{mod(func(c *UNetConfig) { c.Padding = -1 }), "padding"},
		{mod(func(c *UNetConfig) { c.Head = 2 }), "head"},
	} {
		u, err := NewUNet(tc.cfg, rand.NewPCG(1, 1))
		if tc.want == "" {
			// Base 2, Groups 2: every channel count is even.
			assert.NoError(t, err, "case %d", i)
			assert.NotNil(t, u, "case %d", i)
			continue
		}
		if assert.Error(t, err, "case %d", i) {
			assert.Contains(t, err.Error(), "diffusion: ", "case %d", i)
			assert.Contains(t, strings.ToLower(err.Error()), strings.ToLower(tc.want), "case %d", i)
		}
		assert.True(t, u == nil, "case %d: UNet returned with an error", i)
	}
}

func TestUNetDeterminismAndBuffers(t *testing.T) {
	for _, prec := range []Precision{PrecisionFloat64, PrecisionFloat32} {
		t.Run(prec.String(), func(t *testing.T) { testUNetDeterminismAndBuffers(t, prec) })
	}
}

func testUNetDeterminismAndBuffers(t *testing.T, prec Precision) {
	cfg := unetTinyConfigs()[0]
	cfg.Precision = prec
	u1, err := NewUNet(cfg, rand.NewPCG(3, 4))
	require.NoError(t, err)
	u2, err := NewUNet(cfg, rand.NewPCG(3, 4))
	require.NoError(t, err)
	assert.Equal(t, u1.Params(), u2.Params(), "same seed, same parameters")
	u3, err := NewUNet(cfg, rand.NewPCG(3, 5))
	require.NoError(t, err)
	assert.NotEqual(t, u1.Params(), u3.Params())
	for _, g := range u1.Grads() {
		require.Zero(t, g)
	}

	rnd := rand.New(rand.NewPCG(9, 9))
	n := cfg.Channels * cfg.Size * cfg.Size
	const batch = 3
	x := unetTestRand(rnd, batch*n)
	ts := []float64{0, 0.5, 1}
	xc := append([]float64(nil), x...)
	out := make([]float64, batch*n)
	u1.Forward(out, x, ts, batch)
	assert.Equal(t, xc, x, "input modified")
	for _, v := range out {
		require.False(t, math.IsNaN(v))
	}

	// Each sample is processed independently: a batch of one gives the
	// same output for it, bit for bit (same operations in the same order),
	// after the buffers were resized.
	one := make([]float64, n)
	u1.Forward(one, x[n:2*n], ts[1:2], 1)
	assert.Equal(t, out[n:2*n], one)
	// Back to the first batch size: identical to the first call.
	again := make([]float64, batch*n)
	u1.Forward(again, x, ts, batch)
	assert.Equal(t, out, again)

	// Aliasing out and x is allowed.
	y := append([]float64(nil), x...)
	u1.Forward(y, y, ts, batch)
	assert.Equal(t, out, y)

	// Backward accumulates: two calls give twice the gradient.
	d := unetTestRand(rnd, batch*n)
	u1.Forward(out, x, ts, batch)
	u1.Backward(nil, d)
	g1 := append([]float64(nil), u1.Grads()...)
	u1.Backward(nil, d)
	for i, g := range u1.Grads() {
		require.InDelta(t, 2*g1[i], g, 1e-12*math.Max(1, math.Abs(g)))
	}
	u1.ZeroGrad()
	for _, g := range u1.Grads() {
		require.Zero(t, g)
	}

	// Clone: same function, independent parameters.
	c := u1.Clone()
	cout := make([]float64, batch*n)
	c.Forward(cout, x, ts, batch)
	assert.Equal(t, out, cout)
	c.Params()[0]++
	assert.NotEqual(t, c.Params()[0], u1.Params()[0])
	cc := c.Config()
	cc.Mults[0] = 99
	assert.Equal(t, cfg.Mults, c.Config().Mults, "UNetConfig returns a copy")
	assert.Greater(t, u1.ActivationFloats(), 0)
}

func TestUNetPanics(t *testing.T) {
	cfg := unetTinyConfigs()[0]
	u, err := NewUNet(cfg, rand.NewPCG(3, 4))
	require.NoError(t, err)
	n := cfg.Channels * cfg.Size * cfg.Size
	assert.PanicsWithValue(t, "diffusion: UNet.Backward called before Forward", func() { u.Backward(nil, make([]float64, n)) })
	assert.Panics(t, func() { u.Forward(make([]float64, n), make([]float64, n), []float64{0}, 0) })
	assert.Panics(t, func() { u.Forward(make([]float64, n), make([]float64, n+1), []float64{0}, 1) })
	assert.Panics(t, func() { u.Forward(make([]float64, n), make([]float64, n), []float64{0, 1}, 1) })
	u.Forward(make([]float64, n), make([]float64, n), []float64{0}, 1)
	assert.Panics(t, func() { u.Backward(nil, make([]float64, 2*n)) })
	assert.Panics(t, func() { u.Backward(make([]float64, 1), make([]float64, n)) })
}

// unetFloat32 returns the configurations with float32 precision.
func unetFloat32(cfgs []UNetConfig) []UNetConfig {
	for i := range cfgs {
		cfgs[i].Precision = PrecisionFloat32
	}
	return cfgs
}

// TestUNetFloat32 checks the float32 network against the float64 one with the
// same parameters, on the default configuration (the twin's) and the tiny
// ones: output, parameter gradients and input gradient. float32 rounds each
// operation to 2⁻²⁴ ≈ 6e-8 relative; through the 20-odd layers of the
// default network (sums of up to 1152 products, group norms) the errors
// measured here are at most 1e-6 of the output's largest entry and 4e-6 of
// each gradient tensor's largest entry (unetF32Tol leaves a factor 25); a
// wrong term would be off by O(1) of it.
func TestUNetFloat32(t *testing.T) {
	const unetF32Tol = 1e-4
	cfgs := append([]UNetConfig{DefaultUNetConfig()}, unetTinyConfigs()...)
	if testing.Short() {
		cfgs = cfgs[1:]
	}
	for ci, cfg := range cfgs {
		u64, err := NewUNet(cfg, rand.NewPCG(uint64(ci), 11))
		require.NoError(t, err)
		cfg32 := cfg
		cfg32.Precision = PrecisionFloat32
		u32, err := NewUNet(cfg32, rand.NewPCG(uint64(ci), 11))
		require.NoError(t, err)
		assert.Equal(t, u64.Params(), u32.Params(), "the same parameters from the same seed")
		assert.Equal(t, PrecisionFloat32, u32.Config().Precision)
		rnd := rand.New(rand.NewPCG(uint64(ci), 12))
		p := u64.Params()
		for i := range p {
			p[i] += 0.05 * rnd.NormFloat64() // move GroupNorm off 1/0
		}
		copy(u32.Params(), p)
		const batch = 2
		n := batch * cfg.Channels * cfg.Size * cfg.Size
		x, r := unetTestRand(rnd, n), unetTestRand(rnd, n)
		ts := []float64{0.2, 0.7}
		out64, out32 := make([]float64, n), make([]float64, n)
		u64.Forward(out64, x, ts, batch)
		u32.Forward(out32, x, ts, batch)
		dx64, dx32 := make([]float64, n), make([]float64, n)
		u64.Backward(dx64, r)
		u32.Backward(dx32, r)
		near := func(name string, want, got []float64) {
			t.Helper()
			scale := 0.0
			for _, v := range want {
				scale = max(scale, math.Abs(v))
			}
			for i, w := range want {
				if d := math.Abs(got[i] - w); !(d <= unetF32Tol*scale) {
					t.Errorf("config %d: %s[%d] = %g in float32, %g in float64 (scale %g)", ci, name, i, got[i], w, scale)
					return
				}
			}
		}
		near("output", out64, out32)
		near("input gradient", dx64, dx32)
		for _, tn := range u64.ParamTensors() {
			near(tn.Name, u64.Grads()[tn.Offset:tn.Offset+tn.Len], u32.Grads()[tn.Offset:tn.Offset+tn.Len])
		}
	}
}

// unetTestRand returns n standard normal values.
func unetTestRand(rnd *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rnd.NormFloat64()
	}
	return x
}

func TestUNetNoAllocation(t *testing.T) {
	// After the first call at a batch size, Forward and Backward reuse the
	// network's buffers and the layers' worker pool: no allocation.
	for ci, cfg := range append(unetTinyConfigs(), unetFloat32(unetTinyConfigs())...) {
		u, err := NewUNet(cfg, rand.NewPCG(5, 6))
		require.NoError(t, err)
		const batch = 3
		n := batch * cfg.Channels * cfg.Size * cfg.Size
		rnd := rand.New(rand.NewPCG(7, 8))
		x, d := unetTestRand(rnd, n), unetTestRand(rnd, n)
		out, dx := make([]float64, n), make([]float64, n)
		ts := []float64{0.1, 0.5, 0.9}
		step := func() {
			u.Forward(out, x, ts, batch)
			u.Backward(dx, d)
		}
		step()
		assert.Zero(t, testing.AllocsPerRun(5, step), "config %d", ci)
		// A smaller batch reuses the buffers of the larger one.
		small := func() {
			u.Forward(out[:n/batch], x[:n/batch], ts[:1], 1)
			u.Backward(dx[:n/batch], d[:n/batch])
			step()
		}
		small()
		assert.Zero(t, testing.AllocsPerRun(5, small), "config %d: batch 1 then 3", ci)
	}
}

// ExampleUNet trains a tiny UNet for a few steps to predict fixed noise:
// forward, the gradient of the mean squared error, backward, AdamW.
func ExampleUNet() {
	cfg := UNetConfig{Channels: 1, Size: 8, Base: 8, Mults: []int{1, 2}, ResBlocks: 1, Groups: 2}
	u, err := NewUNet(cfg, rand.NewPCG(1, 2))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("parameters:", u.NumParams())

	const batch = 4
	n := batch * cfg.Channels * cfg.Size * cfg.Size
	rnd := rand.New(rand.NewPCG(3, 4))
	x, eps := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = rnd.NormFloat64()
		eps[i] = rnd.NormFloat64()
	}
	t := []float64{0.1, 0.4, 0.6, 0.9}
	out, dOut := make([]float64, n), make([]float64, n)
	m, v := make([]float64, u.NumParams()), make([]float64, u.NumParams())
	opt := nn.DefaultAdamW()
	for step := 1; step <= 50; step++ {
		u.ZeroGrad()
		u.Forward(out, x, t, batch)
		loss := 0.0
		for i := range out {
			d := out[i] - eps[i]
			loss += d * d / float64(n)
			dOut[i] = 2 * d / float64(n)
		}
		u.Backward(nil, dOut)
		opt.Step(u.Params(), u.Grads(), m, v, step)
		if step == 1 || step == 50 {
			fmt.Printf("step %d: loss %.2f\n", step, loss)
		}
	}
	// Output:
	// parameters: 26265
	// step 1: loss 1.19
	// step 50: loss 0.03
}

// TestUNetPrecisionCheckpoint checks that checkpoints record the precision:
// a float32 model trains, saves and resumes in float32, and a configuration
// without the field (written before it existed) means float64.
func TestUNetPrecisionCheckpoint(t *testing.T) {
	cfg := trainTestConfig(1)
	cfg.Precision = PrecisionFloat32
	net, err := NewUNet(cfg, rand.NewPCG(1, 2))
	require.NoError(t, err)
	imgs := trainTestImages(5, 8, 21)
	tr, err := NewTrainer(net, imgs, trainTestTC())
	require.NoError(t, err)
	loss, err := tr.Step()
	require.NoError(t, err)
	require.False(t, math.IsNaN(loss))
	assert.Equal(t, PrecisionFloat32, tr.EMA().Config().Precision)
	path := filepath.Join(t.TempDir(), "f32.ckpt")
	require.NoError(t, tr.Save(path))
	ck, err := ReadCheckpoint(path)
	require.NoError(t, err)
	assert.Equal(t, PrecisionFloat32, ck.Model.Precision)
	again, err := Resume(path, imgs)
	require.NoError(t, err)
	assert.Equal(t, PrecisionFloat32, again.Model().Config().Precision)
	s, err := LoadSampler(path)
	require.NoError(t, err)
	_, err = s.Sample(context.Background(), 1, &SampleOptions{Steps: 2, Method: DDIM}, rand.NewPCG(1, 1))
	require.NoError(t, err)

	var old UNetConfig
	require.NoError(t, json.Unmarshal([]byte(`{"Channels":1,"Size":8,"Base":8,"Mults":[1,2],"ResBlocks":1,"Groups":4,"Attention":false}`), &old))
	u, err := NewUNet(old, rand.NewPCG(1, 2))
	require.NoError(t, err)
	assert.Equal(t, PrecisionFloat64, u.Config().Precision)
	assert.Equal(t, PaddingZero, u.Config().Padding, "a checkpoint without the field has zero padding")
	assert.Equal(t, HeadGroupNorm, u.Config().Head, "a checkpoint without the field has the group-norm head")
}

// TestUNetPaddingCheckpoint checks that checkpoints record the padding and
// the head: a circular-padding, mean-head model saves, resumes and loads for
// sampling with them, and its JSON holds the names.
func TestUNetPaddingCheckpoint(t *testing.T) {
	cfg := trainTestConfig(1)
	cfg.Padding = PaddingCircular
	cfg.Head = HeadMean
	net, err := NewUNet(cfg, rand.NewPCG(1, 2))
	require.NoError(t, err)
	imgs := trainTestImages(5, 8, 21)
	tr, err := NewTrainer(net, imgs, trainTestTC())
	require.NoError(t, err)
	_, err = tr.Step()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "circular.ckpt")
	require.NoError(t, tr.Save(path))
	ck, err := ReadCheckpoint(path)
	require.NoError(t, err)
	assert.Equal(t, PaddingCircular, ck.Model.Padding)
	assert.Equal(t, HeadMean, ck.Model.Head)
	b, err := json.Marshal(ck.Model)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"Padding":"circular"`)
	assert.Contains(t, string(b), `"Head":"mean"`)
	again, err := Resume(path, imgs)
	require.NoError(t, err)
	assert.Equal(t, PaddingCircular, again.Model().Config().Padding)
	assert.Equal(t, HeadMean, again.Model().Config().Head)
	s, err := LoadSampler(path)
	require.NoError(t, err)
	_, err = s.Sample(context.Background(), 1, &SampleOptions{Steps: 2, Method: DDIM}, rand.NewPCG(1, 1))
	require.NoError(t, err)
}

// TestUNetPaddingSymmetry checks that the padding reaches every
// convolution, through what each mode implies for the whole network.
// Circular padding makes every layer commute with cyclic shifts (the
// stride-2 convolutions and the upsampling with shifts by even amounts), so
// the network commutes with a cyclic shift by 2^(levels−1) pixels: the
// shifted output equals the output of the shifted input up to rounding
// (both are the same sums in different orders: 1e-12 of O(1) values). Replicate (and
// circular) padding keeps a constant image constant through every layer,
// so a constant input gives a spatially constant output (measured: 1e-15 and
// 9e-14 at most). Zero padding does neither, which shows that both checks
// can fail: it makes differences of 1.2 and 2.1 here (measured), far above
// the rounding tolerance.
func TestUNetPaddingSymmetry(t *testing.T) {
	const tol = 1e-12
	for _, pad := range []Padding{PaddingZero, PaddingReplicate, PaddingCircular} {
		cfg := UNetConfig{Channels: 3, Size: 16, Base: 8, Mults: []int{1, 2, 2}, ResBlocks: 1, Groups: 4, Attention: true, Padding: pad}
		u, err := NewUNet(cfg, rand.NewPCG(4, 4))
		require.NoError(t, err)
		const batch, shift = 2, 4 // 2^(3−1)
		s := cfg.Size
		n := cfg.Channels * s * s
		rnd := rand.New(rand.NewPCG(5, 5))
		x := unetTestRand(rnd, batch*n)
		ts := []float64{0.3, 0.95}
		// roll returns v with every plane shifted cyclically by (dy, dx).
		roll := func(v []float64, dy, dx int) []float64 {
			r := make([]float64, len(v))
			for p := 0; p < len(v)/(s*s); p++ {
				for y := 0; y < s; y++ {
					for x := 0; x < s; x++ {
						r[p*s*s+((y+dy)%s)*s+(x+dx)%s] = v[p*s*s+y*s+x]
					}
				}
			}
			return r
		}
		out, outShifted := make([]float64, batch*n), make([]float64, batch*n)
		u.Forward(out, x, ts, batch)
		u.Forward(outShifted, roll(x, shift, 2*shift), ts, batch)
		worst := 0.0
		for i, v := range roll(out, shift, 2*shift) {
			worst = max(worst, math.Abs(v-outShifted[i]))
		}
		if pad == PaddingCircular {
			assert.Less(t, worst, tol, "circular padding: shift equivariance")
		} else {
			assert.Greater(t, worst, 1e3*tol, "%v padding: not shift equivariant", pad)
		}

		// Constant images of levels −2 and 1.5.
		c := make([]float64, batch*n)
		for i := range c {
			c[i] = 1.5
			if i < n {
				c[i] = -2
			}
		}
		u.Forward(out, c, ts, batch)
		spread := 0.0
		for p := 0; p < batch*cfg.Channels; p++ {
			plane := out[p*s*s : (p+1)*s*s]
			lo, hi := slices.Min(plane), slices.Max(plane)
			spread = max(spread, hi-lo)
		}
		if pad == PaddingZero {
			assert.Greater(t, spread, 1e3*tol, "zero padding: constant input gives a frame")
		} else {
			assert.Less(t, spread, tol, "%v padding: constant input, constant output", pad)
		}
	}
}
