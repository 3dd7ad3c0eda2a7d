// Command vmath generates the amd64 kernels of package internal/vmath with
// avo (github.com/mmcloughlin/avo). From internal/asmgen:
//
//	go run ./vmath -out ../vmath/vmath_amd64.s -stubs ../vmath/vmath_stub_amd64.go -pkg vmath
//
// (internal/vmath's go:generate line runs exactly that). Every kernel has an
// AVX-512F version on 512-bit vectors and an AVX2+FMA version on 256-bit
// vectors, in float32 ("s") and float64 ("d"), and processes n elements, a
// multiple of its unit (vmath's Go wrappers handle the rest). Elementwise
// kernels treat every element with the same instructions whatever its
// position, so results do not depend on where a slice starts or ends.
//
// The exponential: with n = round(x·log₂e) and r = x − n·ln 2 (in two
// parts, Cody and Waite), e^x = 2ⁿ·e^r, where e^r is Cephes' degree-5
// polynomial for float32 (relative error below 2e-7 on |r| ≤ ln 2/2) and the
// degree-12 Taylor polynomial for float64 (truncation below 2e-16), and 2ⁿ is
// built in the exponent bits. x is first clamped to ±87 (float32) or ±708
// (float64), so 2ⁿ stays normal. (The clamp turns a NaN into a number, but
// the SiLU kernels multiply or divide that by z itself, so a NaN z still
// gives NaN.)
package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// isa is a vector width with its name.
type isa struct {
	name  string // "avx512" or "avx2"
	bytes int    // vector size
}

var isas = []isa{{"avx512", 64}, {"avx2", 32}}

// prec is an element type.
type prec struct {
	f32  bool
	es   int    // element size in bytes
	pre  string // "s" or "d"
	typ  string // Go type
	name string
}

var precs = []prec{{true, 4, "s", "float32", "float32"}, {false, 8, "d", "float64", "float64"}}

func main() {
	ConstraintExpr("!purego")
	for _, p := range precs {
		for _, v := range isas {
			affineSiLU(p, v)
			affineSiLUGrad(p, v)
			sum(p, v)
			sumSqDev(p, v)
			dotDev(p, v)
			normGrad(p, v)
		}
	}
	Generate()
}

// vreg returns a new virtual vector register of the ISA's width.
func vreg(v isa) reg.VecVirtual {
	if v.bytes == 64 {
		return ZMM()
	}
	return YMM()
}

// constants holds the read-only data of the kernels, each value replicated
// over 64 bytes so that it serves as a full-width memory operand.
var constants = map[string]Mem{}

func constF32(name string, x float32) Mem {
	key := fmt.Sprintf("s_%s", name)
	if m, ok := constants[key]; ok {
		return m
	}
	m := GLOBL(key, RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(math.Float32bits(x)))
	}
	constants[key] = m
	return m
}

func constF64(name string, x float64) Mem {
	key := fmt.Sprintf("d_%s", name)
	if m, ok := constants[key]; ok {
		return m
	}
	m := GLOBL(key, RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(8*i, U64(math.Float64bits(x)))
	}
	constants[key] = m
	return m
}

func constI32(name string, x int32) Mem {
	key := fmt.Sprintf("i_%s", name)
	if m, ok := constants[key]; ok {
		return m
	}
	m := GLOBL(key, RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(uint32(x)))
	}
	constants[key] = m
	return m
}

func constI64(name string, x int64) Mem {
	key := fmt.Sprintf("q_%s", name)
	if m, ok := constants[key]; ok {
		return m
	}
	m := GLOBL(key, RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(8*i, U64(uint64(x)))
	}
	constants[key] = m
	return m
}

// exp emits e^x for the lanes of x (clobbered) and returns the register
// holding the result.
func exp(p prec, v isa, x reg.VecVirtual) reg.VecVirtual {
	n, r, t := vreg(v), vreg(v), vreg(v)
	if p.f32 {
		VMINPS(constF32("expmax", 87), x, x)
		VMAXPS(constF32("expmin", -87), x, x)
		VMULPS(constF32("log2e", math.Log2E), x, t)
		VCVTPS2DQ(t, n) // round to nearest
		VCVTDQ2PS(n, t)
		// r = x − t·C1 − t·C2 (Cephes: C1 + C2 = ln 2, C1 exact in 9 bits).
		VMOVAPS(x, r)
		VFNMADD231PS(constF32("c1", 0.693359375), t, r)
		VFNMADD231PS(constF32("c2", -2.12194440e-4), t, r)
		// Cephes expf: e^r ≈ 1 + r + r²·P(r).
		q := vreg(v)
		VMOVUPS(constF32("p0", 1.9875691500e-4), q)
		for i, c := range []float64{1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1} {
			VFMADD213PS(constF32(fmt.Sprintf("p%d", i+1), float32(c)), r, q)
		}
		VMULPS(r, r, t)
		VFMADD213PS(r, t, q) // q = r²·P + r
		VADDPS(constF32("one", 1), q, q)
		// 2ⁿ: (n + 127) << 23.
		VPADDD(constI32("bias", 127), n, n)
		VPSLLD(U8(23), n, n)
		VMULPS(n, q, q)
		return q
	}
	VMINPD(constF64("expmax", 708), x, x)
	VMAXPD(constF64("expmin", -708), x, x)
	// t = round(x·log₂e) by adding and subtracting 1.5·2⁵²; the low bits of
	// the sum hold n as an integer.
	const magic = 1.5 * (1 << 52)
	VMULPD(constF64("log2e", math.Log2E), x, t)
	VADDPD(constF64("magic", magic), t, n)
	VSUBPD(constF64("magic", magic), n, t)
	VPSUBQ(constI64("magicbits", int64(math.Float64bits(magic))), n, n)
	// r = x − t·C1 − t·C2 (Cephes: C1 + C2 = ln 2).
	VMOVAPD(x, r)
	VFNMADD231PD(constF64("c1", 6.93145751953125e-1), t, r)
	VFNMADD231PD(constF64("c2", 1.42860682030941723212e-6), t, r)
	// Taylor: Σ_{k≤12} r^k/k!, by Horner.
	q := vreg(v)
	fact := 1.0
	for k := 1; k <= 12; k++ {
		fact *= float64(k)
	}
	VMOVUPD(constF64("t12", 1/fact), q)
	for k := 11; k >= 0; k-- {
		fact /= float64(k + 1)
		VFMADD213PD(constF64(fmt.Sprintf("t%d", k), 1/fact), r, q)
	}
	// 2ⁿ: (n + 1023) << 52.
	VPADDQ(constI64("bias", 1023), n, n)
	VPSLLQ(U8(52), n, n)
	VMULPD(n, q, q)
	return q
}

// ops are the arithmetic instructions of a precision.
type ops struct {
	mov, add, sub, mul, div func(...Op)
	fmadd231, fnmadd231     func(...Op)
	bcast                   func(...Op)
}

func opsOf(p prec) ops {
	if p.f32 {
		return ops{VMOVUPS, VADDPS, VSUBPS, VMULPS, VDIVPS, VFMADD231PS, VFNMADD231PS, VBROADCASTSS}
	}
	return ops{VMOVUPD, VADDPD, VSUBPD, VMULPD, VDIVPD, VFMADD231PD, VFNMADD231PD, VBROADCASTSD}
}

func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// loop emits a loop over n elements, unit at a time, calling body with the
// byte offset register; it advances the given pointers.
func loop(name string, n reg.Register, unit int, ptrs []reg.Register, stride int, body func()) {
	Label(name + "_loop")
	CMPQ(n, U32(unit))
	JL(LabelRef(name + "_done"))
	body()
	for _, q := range ptrs {
		ADDQ(U32(stride), q)
	}
	SUBQ(U32(unit), n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
}

// tailMask prepares the lane mask of the last, partial vector of rem < lanes
// elements (rem in a register): a K register for AVX-512, a vector of
// all-ones lanes for AVX2 (from a sliding window over a table of lanes ones
// then lanes zeros).
func tailMask(p prec, v isa, rem reg.Register) Op {
	lanes := v.bytes / p.es
	if v.bytes == 64 {
		tbl, ok := constants["kmasks"]
		if !ok {
			tbl = GLOBL("kmasks", RODATA|NOPTR)
			for i := 0; i <= 16; i++ {
				DATA(2*i, U16((1<<i)-1))
			}
			constants["kmasks"] = tbl
		}
		t := GP64()
		LEAQ(tbl, t)
		KMOVW(Mem{Base: t, Index: rem, Scale: 2}, reg.K1)
		return reg.K1
	}
	// 32 bytes of ones then 32 of zeros: 8 float32 or 4 float64 lanes each.
	const name = "lanemasks"
	tbl, ok := constants[name]
	if !ok {
		tbl = GLOBL(name, RODATA|NOPTR)
		for i := 0; i < 16; i++ {
			w := uint32(0)
			if i < 8 {
				w = 0xffffffff
			}
			DATA(4*i, U32(w))
		}
		constants[name] = tbl
	}
	// The mask starts at table + (lanes − rem)·es.
	t, off := GP64(), GP64()
	LEAQ(tbl, t)
	MOVQ(U32(lanes), off)
	SUBQ(rem, off)
	m := vreg(v)
	VMOVUPS(Mem{Base: t, Index: off, Scale: uint8(p.es)}, m)
	return m
}

// loadTail loads the first lanes of a partial vector at base (zeros
// elsewhere), storeTail stores them.
func loadTail(p prec, v isa, mask Op, base reg.Register) reg.VecVirtual {
	x := vreg(v)
	switch {
	case v.bytes == 64 && p.f32:
		VMOVUPS_Z(Mem{Base: base}, mask, x)
	case v.bytes == 64:
		VMOVUPD_Z(Mem{Base: base}, mask, x)
	case p.f32:
		VMASKMOVPS(Mem{Base: base}, mask, x)
	default:
		VMASKMOVPD(Mem{Base: base}, mask, x)
	}
	return x
}

func storeTail(p prec, v isa, mask Op, x reg.VecVirtual, base reg.Register) {
	switch {
	case v.bytes == 64 && p.f32:
		VMOVUPS(x, mask, Mem{Base: base})
	case v.bytes == 64:
		VMOVUPD(x, mask, Mem{Base: base})
	case p.f32:
		VMASKMOVPS(x, mask, Mem{Base: base})
	default:
		VMASKMOVPD(x, mask, Mem{Base: base})
	}
}

// elementwise emits a kernel over n elements (any n): a loop over full
// vectors, then the remaining n mod lanes elements with masked loads and
// stores, so that every element gets the same instructions. body computes
// the result from the loaded inputs.
func elementwise(p prec, v isa, name string, n reg.Register, out reg.Register, ins []reg.Register, body func(in []reg.VecVirtual) reg.VecVirtual) {
	o := opsOf(p)
	lanes := v.bytes / p.es
	loop(name, n, lanes, append([]reg.Register{out}, ins...), v.bytes, func() {
		x := make([]reg.VecVirtual, len(ins))
		for i, q := range ins {
			x[i] = vreg(v)
			o.mov(Mem{Base: q}, x[i])
		}
		o.mov(body(x), Mem{Base: out})
	})
	TESTQ(n, n)
	JE(LabelRef(name + "_end"))
	mask := tailMask(p, v, n)
	x := make([]reg.VecVirtual, len(ins))
	for i, q := range ins {
		x[i] = loadTail(p, v, mask, q)
	}
	storeTail(p, v, mask, body(x), out)
	Label(name + "_end")
	VZEROUPPER()
	RET()
}

// affineSiLU: dst[i] = silu(a·src[i] + b), silu(z) = z/(1 + e^−z); z is a
// product then a sum (two roundings), as in plain Go.
func affineSiLU(p prec, v isa) {
	name := fmt.Sprintf("%saffinesilu%s", p.pre, v.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, dst, src *%s, a, b %s)", p.typ, p.typ))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dst[i] = z/(1+e^−z), z = a·src[i] + b, for i < n.", name))
	o := opsOf(p)
	n := Load(Param("n"), GP64())
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	a, b := vreg(v), vreg(v)
	o.bcast(paramAddr("a"), a)
	o.bcast(paramAddr("b"), b)
	elementwise(p, v, name, n, dst, []reg.Register{src}, func(in []reg.VecVirtual) reg.VecVirtual {
		z := vreg(v)
		o.mul(a, in[0], z)
		o.add(b, z, z)
		m := vreg(v)
		negate(p, v, z, m)
		e := exp(p, v, m)
		o.add(constOne(p), e, e)
		o.div(e, z, z) // z / (1 + e^−z)
		return z
	})
}

// affineSiLUGrad: dz[i] = dy[i]·s·(1 + z·(1 − s)), s = 1/(1 + e^−z),
// z = a·x[i] + b: the derivative of silu at z times dy.
func affineSiLUGrad(p prec, v isa) {
	name := fmt.Sprintf("%saffinesilugrad%s", p.pre, v.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, dz, dy, x *%s, a, b %s)", p.typ, p.typ))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dz[i] = dy[i]·s(1 + z(1 − s)), s = 1/(1+e^−z), z = a·x[i] + b, for i < n.", name))
	o := opsOf(p)
	n := Load(Param("n"), GP64())
	dz := Load(Param("dz"), GP64())
	dy := Load(Param("dy"), GP64())
	x := Load(Param("x"), GP64())
	a, b := vreg(v), vreg(v)
	o.bcast(paramAddr("a"), a)
	o.bcast(paramAddr("b"), b)
	elementwise(p, v, name, n, dz, []reg.Register{dy, x}, func(in []reg.VecVirtual) reg.VecVirtual {
		z := vreg(v)
		o.mul(a, in[1], z)
		o.add(b, z, z)
		m := vreg(v)
		negate(p, v, z, m)
		e := exp(p, v, m)
		one := constOne(p)
		o.add(one, e, e)
		s := vreg(v)
		o.mov(one, s)
		o.div(e, s, s) // s = 1/(1 + e^−z)
		t := vreg(v)
		o.mov(one, t)
		o.sub(s, t, t)   // 1 − s
		o.mul(z, t, t)   // z(1 − s)
		o.add(one, t, t) // 1 + z(1 − s)
		o.mul(s, t, t)   // s(1 + z(1 − s))
		o.mul(in[0], t, t)
		return t
	})
}

// negate sets m = −z by flipping the sign bits (VPXORD is AVX512F; the
// floating-point XORs on 512 bits need AVX512DQ).
func negate(p prec, v isa, z, m reg.VecVirtual) {
	sign := constI32("signbit32", math.MinInt32)
	if !p.f32 {
		sign = constI64("signbit64", math.MinInt64)
	}
	if v.bytes == 64 {
		VPXORD(sign, z, m)
	} else {
		VXORPS(sign, z, m)
	}
}

// zero clears a float64 accumulator.
func zero(v isa, r reg.VecVirtual) {
	if v.bytes == 64 {
		VPXORQ(r, r, r)
	} else {
		VXORPD(r, r, r)
	}
}

func constOne(p prec) Mem {
	if p.f32 {
		return constF32("one", 1)
	}
	return constF64("one", 1)
}

// reduction helpers: f32 inputs are widened to float64 lanes as they load.

// load64 loads the float64 lanes of the k-th group of the iteration (each
// group one float64 vector) from base+off.
func load64(p prec, v isa, base reg.Register, k int) reg.VecVirtual {
	lanes := v.bytes / 8
	d := vreg(v)
	if p.f32 {
		VCVTPS2PD(Mem{Base: base, Disp: k * lanes * 4}, d)
	} else {
		VMOVUPD(Mem{Base: base, Disp: k * v.bytes}, d)
	}
	return d
}

// hsum adds the lanes of acc (float64) and stores the total as result i.
func hsum(v isa, acc reg.VecVirtual, i int) {
	x := acc
	if v.bytes == 64 {
		y := YMM()
		VEXTRACTF64X4(U8(1), acc, y)
		VADDPD(y, acc.AsY(), y)
		x = y
	}
	lo := XMM()
	VEXTRACTF128(U8(1), x.AsY(), lo)
	VADDPD(lo, x.AsX(), lo)
	VHADDPD(lo, lo, lo)
	Store(lo, ReturnIndex(i))
}

const redAcc = 4 // accumulators (vectors per iteration) of the reductions

// sum: Σ x[i] in float64.
func sum(p prec, v isa) {
	name := fmt.Sprintf("%ssum%s", p.pre, v.name)
	unit := redAcc * v.bytes / 8
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, x *%s) float64", p.typ))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s returns Σ x[i] for i < n, a multiple of %d, summed in float64.", name, unit))
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	acc := make([]reg.VecVirtual, redAcc)
	for k := range acc {
		acc[k] = vreg(v)
		zero(v, acc[k])
	}
	loop(name, n, unit, []reg.Register{x}, unit*p.es, func() {
		for k := range acc {
			VADDPD(load64(p, v, x, k), acc[k], acc[k])
		}
	})
	VADDPD(acc[1], acc[0], acc[0])
	VADDPD(acc[3], acc[2], acc[2])
	VADDPD(acc[2], acc[0], acc[0])
	hsum(v, acc[0], 0)
	VZEROUPPER()
	RET()
}

// sumSqDev: Σ (x[i] − mu)² in float64.
func sumSqDev(p prec, v isa) {
	name := fmt.Sprintf("%ssumsqdev%s", p.pre, v.name)
	unit := redAcc * v.bytes / 8
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, x *%s, mu float64) float64", p.typ))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s returns Σ (x[i] − mu)² for i < n, a multiple of %d, in float64.", name, unit))
	n := Load(Param("n"), GP64())
	x := Load(Param("x"), GP64())
	mu := vreg(v)
	VBROADCASTSD(paramAddr("mu"), mu)
	acc := make([]reg.VecVirtual, redAcc)
	for k := range acc {
		acc[k] = vreg(v)
		zero(v, acc[k])
	}
	loop(name, n, unit, []reg.Register{x}, unit*p.es, func() {
		for k := range acc {
			d := vreg(v)
			VSUBPD(mu, load64(p, v, x, k), d)
			VFMADD231PD(d, d, acc[k])
		}
	})
	VADDPD(acc[1], acc[0], acc[0])
	VADDPD(acc[3], acc[2], acc[2])
	VADDPD(acc[2], acc[0], acc[0])
	hsum(v, acc[0], 0)
	VZEROUPPER()
	RET()
}

// dotDev: Σ dy[i]·(x[i] − mu) and Σ dy[i], in float64.
func dotDev(p prec, v isa) {
	name := fmt.Sprintf("%sdotdev%s", p.pre, v.name)
	const nacc = 2
	unit := nacc * v.bytes / 8
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, dy, x *%s, mu float64) (sdx, sd float64)", p.typ))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s returns Σ dy[i]·(x[i] − mu) and Σ dy[i] for i < n, a multiple of %d, in float64.", name, unit))
	n := Load(Param("n"), GP64())
	dy := Load(Param("dy"), GP64())
	x := Load(Param("x"), GP64())
	mu := vreg(v)
	VBROADCASTSD(paramAddr("mu"), mu)
	var sdx, sd [nacc]reg.VecVirtual
	for k := 0; k < nacc; k++ {
		sdx[k], sd[k] = vreg(v), vreg(v)
		zero(v, sdx[k])
		zero(v, sd[k])
	}
	loop(name, n, unit, []reg.Register{dy, x}, unit*p.es, func() {
		for k := 0; k < nacc; k++ {
			d := vreg(v)
			VSUBPD(mu, load64(p, v, x, k), d)
			gr := load64(p, v, dy, k)
			VFMADD231PD(gr, d, sdx[k])
			VADDPD(gr, sd[k], sd[k])
		}
	})
	VADDPD(sdx[1], sdx[0], sdx[0])
	VADDPD(sd[1], sd[0], sd[0])
	hsum(v, sdx[0], 0)
	hsum(v, sd[0], 1)
	VZEROUPPER()
	RET()
}

// normGrad: d[i] += T(c1·dy[i] + c2·(x[i] − mu) + c0), the expression in
// float64 whatever T (it cancels: its terms are often much larger than it).
func normGrad(p prec, v isa) {
	name := fmt.Sprintf("%snormgrad%s", p.pre, v.name)
	lanes := v.bytes / 8 // float64 lanes
	TEXT(name, NOSPLIT, fmt.Sprintf("func(n int, d, dy, x *%s, c1, c2, mu, c0 float64)", p.typ))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets d[i] += c1·dy[i] + c2·(x[i] − mu) + c0 (in float64) for i < n, a multiple of %d.", name, lanes))
	n := Load(Param("n"), GP64())
	d := Load(Param("d"), GP64())
	dy := Load(Param("dy"), GP64())
	x := Load(Param("x"), GP64())
	c1, c2, mu, c0 := vreg(v), vreg(v), vreg(v), vreg(v)
	VBROADCASTSD(paramAddr("c1"), c1)
	VBROADCASTSD(paramAddr("c2"), c2)
	VBROADCASTSD(paramAddr("mu"), mu)
	VBROADCASTSD(paramAddr("c0"), c0)
	loop(name, n, lanes, []reg.Register{d, dy, x}, lanes*p.es, func() {
		t, u := load64(p, v, x, 0), load64(p, v, dy, 0)
		VSUBPD(mu, t, t) // x − mu
		VMULPD(c2, t, t) // c2·(x − mu)
		VMULPD(c1, u, u) // c1·dy
		VADDPD(u, t, t)
		VADDPD(c0, t, t)
		if p.f32 {
			// Round the expression to float32, then add in float32.
			h := YMM()
			if v.bytes == 64 {
				VCVTPD2PS(t, h)
				VADDPS(Mem{Base: d}, h, h)
				VMOVUPS(h, Mem{Base: d})
			} else {
				VCVTPD2PSY(t, h.AsX())
				VADDPS(Mem{Base: d}, h.AsX(), h.AsX())
				VMOVUPS(h.AsX(), Mem{Base: d})
			}
			return
		}
		VADDPD(Mem{Base: d}, t, t)
		VMOVUPD(t, Mem{Base: d})
	})
	VZEROUPPER()
	RET()
}
