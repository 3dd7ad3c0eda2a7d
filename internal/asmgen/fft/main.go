// Command fft generates the assembly stage kernels of package
// github.com/cloud-diffusion/noise/internal/fft:
//
//	cd internal/asmgen && go run ./fft -out ../fft/kernels_amd64.s -stubs ../fft/kernels_stubs_amd64.go -pkg fft
//
// Each kernel runs one decimation-in-frequency Stockham stage of radix r
// (2, 3, 4, 5 or 8) over a batch of 8 sequences in the block layout of
// package fft (per element, 8 real parts then 8 imaginary parts, 128
// bytes), with the signature and arithmetic of the plain-Go kernels of
// kernels_go.go:
//
//	func radixRISA(y, x, tw []float64, m, s int)
//
// For each twiddle group p < m and offset q < s, the r input blocks
// x[(p+j·m)·s+q] give the r output blocks y[(r·p+k)·s+q] = w^{pk}·DFT_r,
// with the twiddles w^{pk} read from tw[2(p(r−1)+k−1)] (cosine) and the
// next element (sine), skipped for p = 0. The AVX-512 kernels hold a part
// of a block in one ZMM register; the AVX2 ones run the butterfly twice,
// on lanes 0–3 and 4–7, in YMM registers. Both use fused multiply-adds for
// the twiddle products and the radix-3 and 5 constants.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

const (
	blockBytes = 128 // one element of a batch: 16 float64
	imOff      = 64  // offset of the imaginary parts in a block
)

// isa is a vector instruction set: AVX-512 (one ZMM per part of a block) or
// AVX2 (two YMM per part, processed as two halves).
type isa struct {
	name   string
	zmm    bool
	halves int
}

var (
	avx512 = isa{"AVX512", true, 1}
	avx2   = isa{"AVX2", false, 2}
)

// Constants of the butterflies, 8 copies each so that a YMM or ZMM memory
// operand reads them directly.
var consts = map[string]float64{
	"sqrt2h": 0.70710678118654752440, // cos(π/4)
	"sqrt3h": 0.86602540378443864676, // sin(2π/3)
	"half":   0.5,
	"c51":    0.30901699437494742410, // cos(2π/5)
	"c52":    -0.8090169943749474241, // cos(4π/5)
	"s51":    0.95105651629515357212, // sin(2π/5)
	"s52":    0.58778525229247312917, // sin(4π/5)
}

var constMem = map[string]Mem{}

func defineConsts() {
	for _, name := range []string{"sqrt2h", "sqrt3h", "half", "c51", "c52", "s51", "s52"} {
		m := GLOBL("fftconst_"+name, RODATA|NOPTR)
		for i := range 8 {
			DATA(8*i, F64(consts[name]))
		}
		constMem[name] = m
	}
	// Indices of the second stage of the AVX-512 8×8 transpose.
	for k, idx := range [2][8]uint64{{0, 1, 8, 9, 4, 5, 12, 13}, {2, 3, 10, 11, 6, 7, 14, 15}} {
		m := GLOBL(fmt.Sprintf("fftconst_tperm%d", k), RODATA|NOPTR)
		for i, v := range idx {
			DATA(8*i, U64(v))
		}
		constMem[fmt.Sprintf("tperm%d", k)] = m
	}
}

// gen emits the code of one kernel.
type gen struct {
	isa isa
	r   int
	h   int // the half under way (AVX2)

	// Addressing of the input streams j: base in[j/4] plus inIdx[j%4]; of
	// the outputs k: base out[k/4] plus outIdx[k%4]. Index 0 is none, 1
	// and 2 are stride·1 and stride·2, 3 is stride3·1 (and 4, for radix 5,
	// is stride·4).
	inb, outb        [2]reg.GPVirtual
	sx, s3x, sy, s3y reg.GPVirtual
	twp              reg.GPVirtual
	twiddle          bool
}

func (g *gen) vec() reg.VecVirtual {
	if g.isa.zmm {
		return ZMM()
	}
	return YMM()
}

func addr(base, stride, stride3 reg.GPVirtual, j int, disp int) Mem {
	switch j {
	case 0:
		return Mem{Base: base, Disp: disp}
	case 1:
		return Mem{Base: base, Index: stride, Scale: 1, Disp: disp}
	case 2:
		return Mem{Base: base, Index: stride, Scale: 2, Disp: disp}
	case 3:
		return Mem{Base: base, Index: stride3, Scale: 1, Disp: disp}
	case 4:
		return Mem{Base: base, Index: stride, Scale: 4, Disp: disp}
	}
	panic("addr")
}

// part returns the displacement of the real (im false) or imaginary part of
// the half under way.
func (g *gen) part(im bool) int {
	d := 32 * g.h
	if im {
		d += imOff
	}
	return d
}

func (g *gen) inMem(j int, im bool) Mem {
	if g.r == 8 {
		return addr(g.inb[j/4], g.sx, g.s3x, j%4, g.part(im))
	}
	return addr(g.inb[0], g.sx, g.s3x, j, g.part(im))
}

func (g *gen) outMem(k int, im bool) Mem {
	if g.r == 8 {
		return addr(g.outb[k/4], g.sy, g.s3y, k%4, g.part(im))
	}
	return addr(g.outb[0], g.sy, g.s3y, k, g.part(im))
}

// cx is a vector of complex values: real and imaginary parts.
type cx struct{ r, i Op }

func (g *gen) load(j int) cx {
	re, im := g.vec(), g.vec()
	VMOVUPD(g.inMem(j, false), re)
	VMOVUPD(g.inMem(j, true), im)
	return cx{re, im}
}

func (g *gen) in(j int) cx { return cx{g.inMem(j, false), g.inMem(j, true)} }

// add returns b + a, sub returns b − a, mul returns a·b (a may be memory).
func (g *gen) add(a, b Op) Op { d := g.vec(); VADDPD(a, b, d); return d }
func (g *gen) sub(a, b Op) Op { d := g.vec(); VSUBPD(a, b, d); return d }
func (g *gen) mul(a, b Op) Op { d := g.vec(); VMULPD(a, b, d); return d }

// cadd returns b + a and csub b − a for complex vectors.
func (g *gen) cadd(a, b cx) cx { return cx{g.add(a.r, b.r), g.add(a.i, b.i)} }
func (g *gen) csub(a, b cx) cx { return cx{g.sub(a.r, b.r), g.sub(a.i, b.i)} }

// store writes output k, multiplied by its twiddle w^{pk} when the kernel
// is in its twiddled loop: y = (br·wr − bi·wi, br·wi + bi·wr).
func (g *gen) store(k int, b cx) {
	if !g.twiddle || k == 0 {
		VMOVUPD(b.r, g.outMem(k, false))
		VMOVUPD(b.i, g.outMem(k, true))
		return
	}
	wr := Mem{Base: g.twp, Disp: 16 * (k - 1)}
	wi := Mem{Base: g.twp, Disp: 16*(k-1) + 8}
	tr, ti := g.vec(), g.vec()
	if g.isa.zmm {
		VMULPD_BCST(wi, b.i, tr)
		VFMSUB231PD_BCST(wr, b.r, tr)
		VMULPD_BCST(wr, b.i, ti)
		VFMADD231PD_BCST(wi, b.r, ti)
	} else {
		vr, vi := g.vec(), g.vec()
		VBROADCASTSD(wr, vr)
		VBROADCASTSD(wi, vi)
		VMULPD(vi, b.i, tr)
		VFMSUB231PD(vr, b.r, tr)
		VMULPD(vr, b.i, ti)
		VFMADD231PD(vi, b.r, ti)
	}
	VMOVUPD(tr, g.outMem(k, false))
	VMOVUPD(ti, g.outMem(k, true))
}

// c returns the memory operand of a butterfly constant.
func (g *gen) c(name string) Mem { return constMem[name] }

func (g *gen) radix2() {
	a := g.load(0)
	g.store(0, g.cadd(g.in(1), a))
	g.store(1, g.csub(g.in(1), a))
}

func (g *gen) radix4() {
	a0, a1 := g.load(0), g.load(1)
	t0, t1 := g.cadd(g.in(2), a0), g.csub(g.in(2), a0)
	t2, t3 := g.cadd(g.in(3), a1), g.csub(g.in(3), a1)
	g.store(0, g.cadd(t2, t0))
	g.store(2, g.csub(t2, t0))
	g.store(1, cx{g.add(t3.i, t1.r), g.sub(t3.r, t1.i)}) // t1 − i·t3
	g.store(3, cx{g.sub(t3.i, t1.r), g.add(t3.r, t1.i)}) // t1 + i·t3
}

func (g *gen) radix3() {
	a0, a1 := g.load(0), g.load(1)
	s := g.cadd(g.in(2), a1)
	d := g.csub(g.in(2), a1)
	g.store(0, g.cadd(s, a0))
	// m = a0 − s/2 (in place of a0), then b1 = m − i·h·d, b2 = m + i·h·d.
	VFNMADD231PD(g.c("half"), s.r, a0.r)
	VFNMADD231PD(g.c("half"), s.i, a0.i)
	b1r, b1i := g.vec(), g.vec()
	VMOVUPD(a0.r, b1r)
	VMOVUPD(a0.i, b1i)
	VFMADD231PD(g.c("sqrt3h"), d.i, b1r)  // m_r + h·d_i
	VFNMADD231PD(g.c("sqrt3h"), d.r, b1i) // m_i − h·d_r
	VFNMADD231PD(g.c("sqrt3h"), d.i, a0.r)
	VFMADD231PD(g.c("sqrt3h"), d.r, a0.i)
	g.store(1, cx{b1r, b1i})
	g.store(2, a0)
}

func (g *gen) radix5() {
	a0, a1, a2 := g.load(0), g.load(1), g.load(2)
	s1, d1 := g.cadd(g.in(4), a1), g.csub(g.in(4), a1)
	s2, d2 := g.cadd(g.in(3), a2), g.csub(g.in(3), a2)
	g.store(0, g.cadd(s2, g.cadd(s1, a0)))
	// m1 = a0 + c1·s1 + c2·s2, m2 = a0 + c2·s1 + c1·s2,
	// n1 = sn1·d1 + sn2·d2, n2 = sn2·d1 − sn1·d2.
	mk := func(ca, cb string, sa, sb cx) cx {
		m := cx{g.vec(), g.vec()}
		VMOVUPD(a0.r, m.r)
		VMOVUPD(a0.i, m.i)
		VFMADD231PD(g.c(ca), sa.r, m.r)
		VFMADD231PD(g.c(ca), sa.i, m.i)
		VFMADD231PD(g.c(cb), sb.r, m.r)
		VFMADD231PD(g.c(cb), sb.i, m.i)
		return m
	}
	m1 := mk("c51", "c52", s1, s2)
	n1 := cx{g.mul(g.c("s52"), d2.r), g.mul(g.c("s52"), d2.i)}
	VFMADD231PD(g.c("s51"), d1.r, n1.r)
	VFMADD231PD(g.c("s51"), d1.i, n1.i)
	g.store(1, cx{g.add(n1.i, m1.r), g.sub(n1.r, m1.i)}) // m1 − i·n1
	g.store(4, cx{g.sub(n1.i, m1.r), g.add(n1.r, m1.i)}) // m1 + i·n1
	m2 := mk("c52", "c51", s1, s2)
	n2 := cx{g.mul(g.c("s52"), d1.r), g.mul(g.c("s52"), d1.i)}
	VFNMADD231PD(g.c("s51"), d2.r, n2.r)
	VFNMADD231PD(g.c("s51"), d2.i, n2.i)
	g.store(2, cx{g.add(n2.i, m2.r), g.sub(n2.r, m2.i)}) // m2 − i·n2
	g.store(3, cx{g.sub(n2.i, m2.r), g.add(n2.r, m2.i)}) // m2 + i·n2
}

// radix8 computes the odd outputs first, from d_j = a_j − a_{j+4}, then the
// even ones from u_j = a_j + a_{j+4}, reloading the inputs, to stay within
// 16 YMM registers.
func (g *gen) radix8() {
	k := g.c("sqrt2h")
	// Odd outputs: the 4-point DFT of v_j = d_j·ω^j, ω = e^{−iπ/4}:
	// v0 = d0, v1 = k(d1r + d1i, d1i − d1r), v2 = (d2i, −d2r),
	// v3 = (k(d3i − d3r), −k(d3r + d3i)).
	d0 := g.csub(g.in(4), g.load(0))
	d2 := g.csub(g.in(6), g.load(2))
	// t0 = v0 + v2, t1 = v0 − v2.
	t0 := cx{g.add(d2.i, d0.r), g.sub(d2.r, d0.i)}
	t1 := cx{g.sub(d2.i, d0.r), g.add(d2.r, d0.i)}
	d1 := g.csub(g.in(5), g.load(1))
	d3 := g.csub(g.in(7), g.load(3))
	v1 := cx{g.mul(k, g.add(d1.i, d1.r)), g.mul(k, g.sub(d1.r, d1.i))}
	v3r := g.mul(k, g.sub(d3.r, d3.i))
	e3i := g.mul(k, g.add(d3.i, d3.r)) // v3i = −e3i
	// t2 = v1 + v3, t3 = v1 − v3.
	t2 := cx{g.add(v3r, v1.r), g.sub(e3i, v1.i)}
	t3 := cx{g.sub(v3r, v1.r), g.add(e3i, v1.i)}
	g.store(1, g.cadd(t2, t0))
	g.store(5, g.csub(t2, t0))
	g.store(3, cx{g.add(t3.i, t1.r), g.sub(t3.r, t1.i)}) // t1 − i·t3
	g.store(7, cx{g.sub(t3.i, t1.r), g.add(t3.r, t1.i)}) // t1 + i·t3
	// Even outputs: the 4-point DFT of u.
	u0 := g.cadd(g.in(4), g.load(0))
	u2 := g.cadd(g.in(6), g.load(2))
	s0, s1 := g.cadd(u2, u0), g.csub(u2, u0)
	u1 := g.cadd(g.in(5), g.load(1))
	u3 := g.cadd(g.in(7), g.load(3))
	s2, s3 := g.cadd(u3, u1), g.csub(u3, u1)
	g.store(0, g.cadd(s2, s0))
	g.store(4, g.csub(s2, s0))
	g.store(2, cx{g.add(s3.i, s1.r), g.sub(s3.r, s1.i)}) // s1 − i·s3
	g.store(6, cx{g.sub(s3.i, s1.r), g.add(s3.r, s1.i)}) // s1 + i·s3
}

func (g *gen) butterfly() {
	for g.h = 0; g.h < g.isa.halves; g.h++ {
		switch g.r {
		case 2:
			g.radix2()
		case 3:
			g.radix3()
		case 4:
			g.radix4()
		case 5:
			g.radix5()
		case 8:
			g.radix8()
		}
	}
}

// kernel emits the function radix<r><isa>.
func kernel(r int, is isa) {
	name := fmt.Sprintf("radix%d%s", r, is.name)
	TEXT(name, NOSPLIT, "func(y, x, tw []float64, m, s int)")
	Doc(fmt.Sprintf("%s runs a radix-%d stage (see kernels_go.go) with %s.", name, r, is.name))
	g := &gen{isa: is, r: r}
	g.inb[0] = Load(Param("x").Base(), GP64()).(reg.GPVirtual)
	g.outb[0] = Load(Param("y").Base(), GP64()).(reg.GPVirtual)
	g.twp = Load(Param("tw").Base(), GP64()).(reg.GPVirtual)
	m := Load(Param("m"), GP64())
	s := Load(Param("s"), GP64())

	// Strides in bytes: sy = s·128 between output streams, sx = m·sy
	// between input streams.
	g.sy, g.sx, g.s3x, g.s3y = GP64(), GP64(), GP64(), GP64()
	MOVQ(s, g.sy)
	SHLQ(U8(7), g.sy)
	MOVQ(m, g.sx)
	IMULQ(g.sy, g.sx)
	LEAQ(Mem{Base: g.sx, Index: g.sx, Scale: 2}, g.s3x)
	LEAQ(Mem{Base: g.sy, Index: g.sy, Scale: 2}, g.s3y)
	if r == 8 {
		g.inb[1], g.outb[1] = GP64(), GP64()
	}
	q := GP64()
	setHigh := func() {
		if r == 8 {
			LEAQ(Mem{Base: g.inb[0], Index: g.sx, Scale: 4}, g.inb[1])
			LEAQ(Mem{Base: g.outb[0], Index: g.sy, Scale: 4}, g.outb[1])
		}
	}
	step := func() {
		for i := range 2 {
			if i == 1 && r != 8 {
				break
			}
			ADDQ(U32(blockBytes), g.inb[i])
			ADDQ(U32(blockBytes), g.outb[i])
		}
	}

	Comment("p = 0: no twiddles.")
	setHigh()
	MOVQ(s, q)
	Label(name + "_p0")
	g.twiddle = false
	g.butterfly()
	step()
	DECQ(q)
	JNZ(LabelRef(name + "_p0"))

	Comment("p = 1..m−1. The inputs of p+1 follow those of p; the outputs of p+1 start r·s blocks after those of p.")
	p := GP64()
	MOVQ(m, p)
	DECQ(p)
	JZ(LabelRef(name + "_done"))
	Label(name + "_p")
	// The output pointer has advanced by s blocks: add (r−1)·s more.
	switch r {
	case 2:
		ADDQ(g.sy, g.outb[0])
	case 3:
		LEAQ(Mem{Base: g.outb[0], Index: g.sy, Scale: 2}, g.outb[0])
	case 4:
		ADDQ(g.s3y, g.outb[0])
	case 5:
		LEAQ(Mem{Base: g.outb[0], Index: g.sy, Scale: 4}, g.outb[0])
	case 8:
		ADDQ(g.sy, g.outb[0])
		LEAQ(Mem{Base: g.outb[0], Index: g.s3y, Scale: 2}, g.outb[0])
	}
	ADDQ(U32(16*(r-1)), g.twp)
	setHigh()
	MOVQ(s, q)
	Label(name + "_q")
	g.twiddle = true
	g.butterfly()
	step()
	DECQ(q)
	JNZ(LabelRef(name + "_q"))
	DECQ(p)
	JNZ(LabelRef(name + "_p"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// transpose emits transpose8<ISA>(dst []float64, ds, dstep int, src
// []float64, ss, sstep, n int): for t < n, the 8×8 tile of src at t·sstep
// (row stride ss) is written transposed to dst at t·dstep (row stride ds):
// dst[t·dstep + j·ds + i] = src[t·sstep + i·ss + j] for i, j < 8. Strides
// are in float64 elements.
func transpose(is isa) {
	name := "transpose8" + is.name
	TEXT(name, NOSPLIT, "func(dst []float64, ds, dstep int, src []float64, ss, sstep, n int)")
	Doc(name + " transposes n 8×8 tiles (see transpose8Go) with " + is.name + ".")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	ds, dstep := Load(Param("ds"), GP64()), Load(Param("dstep"), GP64())
	ss, sstep := Load(Param("ss"), GP64()), Load(Param("sstep"), GP64())
	n := Load(Param("n"), GP64())
	for _, r := range []reg.Register{ds, dstep, ss, sstep} {
		SHLQ(U8(3), r)
	}
	ds3, ss3 := GP64(), GP64()
	LEAQ(Mem{Base: ds, Index: ds, Scale: 2}, ds3)
	LEAQ(Mem{Base: ss, Index: ss, Scale: 2}, ss3)
	src4, dst4 := GP64(), GP64()
	row := func(base, b4, st, st3 reg.Register, i, disp int) Mem {
		b := base
		if i >= 4 {
			b = b4
		}
		switch i % 4 {
		case 0:
			return Mem{Base: b, Disp: disp}
		case 1:
			return Mem{Base: b, Index: st, Scale: 1, Disp: disp}
		case 2:
			return Mem{Base: b, Index: st, Scale: 2, Disp: disp}
		}
		return Mem{Base: b, Index: st3, Scale: 1, Disp: disp}
	}
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	var idx [2]reg.VecVirtual
	if is.zmm {
		// Permutation indices of the second stage (VPERMT2PD: 0–7 from the
		// first table, 8–15 from the second).
		for k, m := range []Mem{constMem["tperm0"], constMem["tperm1"]} {
			idx[k] = ZMM()
			VMOVDQU64(m, idx[k])
		}
	}
	Label(name + "_loop")
	LEAQ(Mem{Base: src, Index: ss, Scale: 4}, src4)
	LEAQ(Mem{Base: dst, Index: ds, Scale: 4}, dst4)
	if is.zmm {
		var r, t, u [8]reg.VecVirtual
		for i := range 8 {
			r[i] = ZMM()
			VMOVUPD(row(src, src4, ss, ss3, i, 0), r[i])
		}
		// t_{2k}, t_{2k+1}: unpack rows 2k and 2k+1 (pairs per 128-bit lane).
		for k := range 4 {
			t[2*k], t[2*k+1] = ZMM(), ZMM()
			VUNPCKLPD(r[2*k+1], r[2*k], t[2*k])
			VUNPCKHPD(r[2*k+1], r[2*k], t[2*k+1])
		}
		// u: 4×4 blocks of rows 0–3 (from t0..t3) and 4–7 (t4..t7).
		perm := func(a, b reg.VecVirtual, k int) reg.VecVirtual {
			d := ZMM()
			VMOVAPD(a, d)
			VPERMT2PD(b, idx[k], d)
			return d
		}
		u[0], u[1] = perm(t[0], t[2], 0), perm(t[0], t[2], 1)
		u[2], u[3] = perm(t[1], t[3], 0), perm(t[1], t[3], 1)
		u[4], u[5] = perm(t[4], t[6], 0), perm(t[4], t[6], 1)
		u[6], u[7] = perm(t[5], t[7], 0), perm(t[5], t[7], 1)
		// Column c: 256-bit halves of u (rows 0–3) and u' (rows 4–7).
		cols := [8]struct {
			a, b reg.VecVirtual
			hi   bool
		}{{u[0], u[4], false}, {u[2], u[6], false}, {u[1], u[5], false}, {u[3], u[7], false},
			{u[0], u[4], true}, {u[2], u[6], true}, {u[1], u[5], true}, {u[3], u[7], true}}
		for c, cc := range cols {
			d := ZMM()
			imm := U8(0x44)
			if cc.hi {
				imm = U8(0xee)
			}
			VSHUFF64X2(imm, cc.b, cc.a, d)
			VMOVUPD(d, row(dst, dst4, ds, ds3, c, 0))
		}
	} else {
		// Four 4×4 blocks: rows 4bi.., columns 4bj.. go to rows 4bj..,
		// columns 4bi.. of the tile.
		for bi := range 2 {
			for bj := range 2 {
				var r [4]reg.VecVirtual
				for i := range 4 {
					r[i] = YMM()
					VMOVUPD(row(src, src4, ss, ss3, 4*bi+i, 32*bj), r[i])
				}
				t0, t1, t2, t3 := YMM(), YMM(), YMM(), YMM()
				VUNPCKLPD(r[1], r[0], t0)
				VUNPCKHPD(r[1], r[0], t1)
				VUNPCKLPD(r[3], r[2], t2)
				VUNPCKHPD(r[3], r[2], t3)
				for c, pr := range [4][2]reg.VecVirtual{{t0, t2}, {t1, t3}, {t0, t2}, {t1, t3}} {
					d := YMM()
					imm := U8(0x20)
					if c >= 2 {
						imm = U8(0x31)
					}
					VPERM2F128(imm, pr[1], pr[0], d)
					VMOVUPD(d, row(dst, dst4, ds, ds3, 4*bj+c, 32*bi))
				}
			}
		}
	}
	ADDQ(sstep, src)
	ADDQ(dstep, dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// vecPart returns the memory operand of one vector of a block: part 0 the
// real, 1 the imaginary lanes, half h of an AVX2 block.
func vecPart(base reg.Register, part, h int) Mem {
	return Mem{Base: base, Disp: part*imOff + 32*h}
}

// split emits split<ISA>(a, b, z []float64, v0, count, n int): for t <
// count, with v = v0+t and w = n−v, the half spectra of the two real
// sequences carried by z (see splitGo):
//
//	a[t] = (z[v] + conj z[w])/2,  b[t] = (z[v] − conj z[w])/(2i).
func split(is isa) {
	name := "split" + is.name
	TEXT(name, NOSPLIT, "func(a, b, z []float64, v0, count, n int)")
	Doc(name + " separates the half spectra of paired real sequences (see splitGo) with " + is.name + ".")
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	z := Load(Param("z").Base(), GP64())
	v0 := Load(Param("v0"), GP64())
	count := Load(Param("count"), GP64())
	n := Load(Param("n"), GP64())
	pz, pw := GP64(), GP64()
	// pz = z + v0·128, pw = z + (n−v0)·128.
	MOVQ(v0, pz)
	SHLQ(U8(7), pz)
	ADDQ(z, pz)
	SUBQ(v0, n)
	SHLQ(U8(7), n)
	LEAQ(Mem{Base: z, Index: n, Scale: 1}, pw)
	TESTQ(count, count)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	for h := range is.halves {
		vec := func() reg.VecVirtual {
			if is.zmm {
				return ZMM()
			}
			return YMM()
		}
		zr, zi := vec(), vec()
		VMOVUPD(vecPart(pz, 0, h), zr)
		VMOVUPD(vecPart(pz, 1, h), zi)
		ar, ai, br, bi := vec(), vec(), vec(), vec()
		VADDPD(vecPart(pw, 0, h), zr, ar) // zr + wr
		VSUBPD(vecPart(pw, 1, h), zi, ai) // zi − wi
		VADDPD(vecPart(pw, 1, h), zi, br) // zi + wi
		VMOVUPD(vecPart(pw, 0, h), bi)
		VSUBPD(zr, bi, bi) // wr − zr
		for i, v := range []reg.VecVirtual{ar, ai, br, bi} {
			VMULPD(constMem["half"], v, v)
			base := a
			if i >= 2 {
				base = b
			}
			VMOVUPD(v, vecPart(base, i%2, h))
		}
	}
	ADDQ(U32(blockBytes), pz)
	SUBQ(U32(blockBytes), pw)
	ADDQ(U32(blockBytes), a)
	ADDQ(U32(blockBytes), b)
	DECQ(count)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// merge emits merge<ISA>(z, a, b []float64, v0, count, n int), the inverse
// of split with real and imaginary parts exchanged for an inverse
// transform: for t < count, with v = v0+t and w = n−v, the spectrum
// Z = A + iB of the paired sequences,
//
//	Z[v] = a[t] + i·b[t],  Z[w] = conj a[t] + i·conj b[t],
//
// is stored exchanged: z[v] = (Im Z[v], Re Z[v]), and likewise z[w].
func merge(is isa) {
	name := "merge" + is.name
	TEXT(name, NOSPLIT, "func(z, a, b []float64, v0, count, n int)")
	Doc(name + " builds the exchanged spectrum of paired real sequences (see mergeGo) with " + is.name + ".")
	z := Load(Param("z").Base(), GP64())
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	v0 := Load(Param("v0"), GP64())
	count := Load(Param("count"), GP64())
	n := Load(Param("n"), GP64())
	pz, pw := GP64(), GP64()
	MOVQ(v0, pz)
	SHLQ(U8(7), pz)
	ADDQ(z, pz)
	SUBQ(v0, n)
	SHLQ(U8(7), n)
	LEAQ(Mem{Base: z, Index: n, Scale: 1}, pw)
	TESTQ(count, count)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	for h := range is.halves {
		vec := func() reg.VecVirtual {
			if is.zmm {
				return ZMM()
			}
			return YMM()
		}
		ar, ai := vec(), vec()
		VMOVUPD(vecPart(a, 0, h), ar)
		VMOVUPD(vecPart(a, 1, h), ai)
		x0, x1, x2, x3 := vec(), vec(), vec(), vec()
		VADDPD(vecPart(b, 0, h), ai, x0) // ai + br = Im Z[v]
		VSUBPD(vecPart(b, 1, h), ar, x1) // ar − bi = Re Z[v]
		VMOVUPD(vecPart(b, 0, h), x2)
		VSUBPD(ai, x2, x2)               // br − ai = Im Z[w]
		VADDPD(vecPart(b, 1, h), ar, x3) // ar + bi = Re Z[w]
		VMOVUPD(x0, vecPart(pz, 0, h))
		VMOVUPD(x1, vecPart(pz, 1, h))
		VMOVUPD(x2, vecPart(pw, 0, h))
		VMOVUPD(x3, vecPart(pw, 1, h))
	}
	ADDQ(U32(blockBytes), pz)
	SUBQ(U32(blockBytes), pw)
	ADDQ(U32(blockBytes), a)
	ADDQ(U32(blockBytes), b)
	DECQ(count)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// copySwap emits copySwap<ISA>(dst, src []float64, n, stride int): for
// k < n, block k of dst is block k·stride of src with its real and
// imaginary parts exchanged (see copySwapGo).
func copySwap(is isa) {
	name := "copySwap" + is.name
	TEXT(name, NOSPLIT, "func(dst, src []float64, n, stride int)")
	Doc(name + " copies n blocks with their parts exchanged (see copySwapGo) with " + is.name + ".")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("n"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(7), stride)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	for h := range is.halves {
		a, b := vec(is), vec(is)
		VMOVUPD(vecPart(src, 0, h), a)
		VMOVUPD(vecPart(src, 1, h), b)
		VMOVUPD(a, vecPart(dst, 1, h))
		VMOVUPD(b, vecPart(dst, 0, h))
	}
	ADDQ(stride, src)
	ADDQ(U32(blockBytes), dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// twiddleAcc emits twiddleAcc<ISA>(dst, z, tw []float64, n int): for k <
// n, with v the block k of z with its parts exchanged and w = tw[2k] +
// i·tw[2k+1], dst[k] += w·v (see twiddleAccGo).
func twiddleAcc(is isa) {
	name := "twiddleAcc" + is.name
	TEXT(name, NOSPLIT, "func(dst, z, tw []float64, n int)")
	Doc(name + " accumulates twiddled blocks (see twiddleAccGo) with " + is.name + ".")
	dst := Load(Param("dst").Base(), GP64())
	z := Load(Param("z").Base(), GP64())
	tw := Load(Param("tw").Base(), GP64())
	n := Load(Param("n"), GP64())
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	wr, wi := Mem{Base: tw}, Mem{Base: tw, Disp: 8}
	var bwr, bwi reg.VecVirtual
	if !is.zmm {
		bwr, bwi = YMM(), YMM()
		VBROADCASTSD(wr, bwr)
		VBROADCASTSD(wi, bwi)
	}
	for h := range is.halves {
		// v = (z_im, z_re); d_r += v_r·w_r − v_i·w_i, d_i += v_r·w_i + v_i·w_r.
		vr, vi, dr, di := vec(is), vec(is), vec(is), vec(is)
		VMOVUPD(vecPart(z, 1, h), vr)
		VMOVUPD(vecPart(z, 0, h), vi)
		VMOVUPD(vecPart(dst, 0, h), dr)
		VMOVUPD(vecPart(dst, 1, h), di)
		if is.zmm {
			VFMADD231PD_BCST(wr, vr, dr)
			VFNMADD231PD_BCST(wi, vi, dr)
			VFMADD231PD_BCST(wi, vr, di)
			VFMADD231PD_BCST(wr, vi, di)
		} else {
			VFMADD231PD(bwr, vr, dr)
			VFNMADD231PD(bwi, vi, dr)
			VFMADD231PD(bwi, vr, di)
			VFMADD231PD(bwr, vi, di)
		}
		VMOVUPD(dr, vecPart(dst, 0, h))
		VMOVUPD(di, vecPart(dst, 1, h))
	}
	ADDQ(U32(blockBytes), z)
	ADDQ(U32(blockBytes), dst)
	ADDQ(U32(16), tw)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func vec(is isa) reg.VecVirtual {
	if is.zmm {
		return ZMM()
	}
	return YMM()
}

func main() {
	ConstraintExpr("!purego")
	defineConsts()
	for _, is := range []isa{avx512, avx2} {
		for _, r := range []int{2, 3, 4, 5, 8} {
			kernel(r, is)
		}
		transpose(is)
		split(is)
		merge(is)
		copySwap(is)
		twiddleAcc(is)
	}
	Generate()
}
