// Command gemm generates the amd64 micro-kernels of package internal/gemm
// with avo (github.com/mmcloughlin/avo). From internal/asmgen:
//
//	go run ./gemm -out ../gemm/kernel_amd64.s -stubs ../gemm/kernel_stub_amd64.go -pkg gemm
//
// (internal/gemm's go:generate line runs exactly that). Every kernel has the
// Go signature
//
//	func name(kc int, a, b, c *T, ldc int, add bool)
//
// and computes the MR×NR block
//
//	C = A·B       (add false)
//	C = C + A·B   (add true)
//
// where A is a packed kc×MR panel (a[p·MR+i] = A[i, p]), B a packed kc×NR
// panel (b[p·NR+j] = B[p, j]) and C is row major with row stride ldc
// elements. Each of the MR·NR/lanes accumulators is a vector register that
// sums over p in order with fused multiply-adds (one rounding per step), so
// every element of C is the same sequence of operations whatever MR and NR,
// and its value depends only on kc and the data. A row of B is loaded as
// NV vectors and every element of A is broadcast, either from memory into
// the FMA (AVX-512's embedded broadcast) or into a register first (AVX2,
// which has only 16 vector registers and no embedded broadcast).
//
// AVX2 kernels use Y0–Y15 (VEX encodable) and need AVX2 and FMA; AVX-512
// kernels use Z0–Z31 and need AVX512F only. The caller checks the CPU.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// kernel describes one generated micro-kernel.
type kernel struct {
	name   string
	f32    bool // float32 (else float64)
	zmm    bool // 512-bit vectors (AVX-512), else 256-bit (AVX2+FMA)
	mr, nv int  // MR rows; NV vectors per row (NR = NV·lanes)
	unroll int  // k steps per loop iteration
	// bcastReg broadcasts each element of A into a register and uses
	// register FMAs; otherwise the FMA broadcasts from memory (AVX-512 only).
	bcastReg bool
	// prefetchC touches the C block's cache lines before the k loop so that
	// they arrive while the FMAs run.
	prefetchC bool
}

// kernels lists what internal/gemm uses (see its kernel_amd64.go for the
// blocking of each and the measurements behind the choice).
var kernels = []kernel{
	{name: "dkern8x24avx512", zmm: true, mr: 8, nv: 3, unroll: 4, prefetchC: true, bcastReg: true},
	{name: "dkern4x12avx2", mr: 4, nv: 3, unroll: 4, prefetchC: true, bcastReg: true},
	{name: "skern8x48avx512", f32: true, zmm: true, mr: 8, nv: 3, unroll: 4, prefetchC: true, bcastReg: true},
	{name: "skern4x24avx2", f32: true, mr: 4, nv: 3, unroll: 4, prefetchC: true, bcastReg: true},
}

// packers lists the panel widths (MR and NR of the kernels above) that get
// assembly packing routines, per precision.
var packers = []struct {
	f32    bool
	widths []int
}{
	{false, []int{4, 8, 12, 24}},
	{true, []int{4, 8, 24, 48}},
}

func main() {
	ConstraintExpr("!purego")
	for _, k := range kernels {
		generate(k)
	}
	for _, p := range packers {
		for _, w := range p.widths {
			packCopy(p.f32, w)
			packTrans(p.f32, w)
		}
	}
	Generate()
}

func vec(zmm bool, i int) reg.VecPhysical {
	if zmm {
		return []reg.VecPhysical{
			reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
			reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15,
			reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23,
			reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31,
		}[i]
	}
	return []reg.VecPhysical{
		reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7,
		reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15,
	}[i]
}

func generate(k kernel) {
	typ, es := "float64", 8
	if k.f32 {
		typ, es = "float32", 4
	}
	vb, nregs := 32, 16
	if k.zmm {
		vb, nregs = 64, 32
	}
	lanes := vb / es
	nr := k.nv * lanes
	nacc := k.mr * k.nv
	ntmp := 0
	if k.bcastReg {
		// Two broadcast registers let consecutive rows overlap; one if
		// that is all that is left.
		ntmp = min(2, nregs-nacc-k.nv)
	}
	if !k.zmm && !k.bcastReg {
		panic(k.name + ": AVX2 has no embedded broadcast")
	}
	if nacc+k.nv+ntmp > nregs || (k.bcastReg && ntmp < 1) {
		panic(fmt.Sprintf("%s: needs %d vector registers", k.name, nacc+k.nv+ntmp))
	}
	acc := func(i, v int) reg.VecPhysical { return vec(k.zmm, i*k.nv+v) }
	bv := func(v int) reg.VecPhysical { return vec(k.zmm, nacc+v) }
	tmp := func(i int) reg.VecPhysical { return vec(k.zmm, nacc+k.nv+i%ntmp) }

	TEXT(k.name, NOSPLIT, fmt.Sprintf("func(kc int, a, b, c *%s, ldc int, add bool)", typ))
	isa := "AVX2 and FMA"
	if k.zmm {
		isa = "AVX512F"
	}
	Doc(fmt.Sprintf("%s sets C = A·B or, if add, C += A·B for the %d×%d block C of row stride ldc and the packed panels A (kc×%d) and B (kc×%d). It needs %s.", k.name, k.mr, nr, k.mr, nr, isa))

	kc := Load(Param("kc"), reg.RCX)
	a := Load(Param("a"), reg.RSI)
	b := Load(Param("b"), reg.RDI)
	c := Load(Param("c"), reg.RDX)
	ldc := Load(Param("ldc"), reg.R8)
	add := Load(Param("add"), reg.R9B)
	SHLQ(U8(map[int]uint8{4: 2, 8: 3}[es]), ldc)

	if k.prefetchC {
		Comment("Prefetch the cache lines of C.")
		p := reg.R10
		MOVQ(c, p)
		for i := 0; i < k.mr; i++ {
			for off := 0; off < nr*es; off += 64 {
				PREFETCHT0(Mem{Base: p, Disp: off})
			}
			PREFETCHT0(Mem{Base: p, Disp: nr*es - 1})
			if i+1 < k.mr {
				ADDQ(ldc, p)
			}
		}
	}

	for i := 0; i < nacc; i++ {
		r := vec(k.zmm, i)
		if k.zmm {
			VPXORQ(r, r, r)
		} else {
			VXORPD(r, r, r)
		}
	}

	fma, fmaB, bcast, mov, vadd := VFMADD231PD, VFMADD231PD_BCST, VBROADCASTSD, VMOVUPD, VADDPD
	if k.f32 {
		fma, fmaB, bcast, mov, vadd = VFMADD231PS, VFMADD231PS_BCST, VBROADCASTSS, VMOVUPS, VADDPS
	}
	step := func(s int) {
		for v := 0; v < k.nv; v++ {
			mov(Mem{Base: b, Disp: (s*nr + v*lanes) * es}, bv(v))
		}
		for i := 0; i < k.mr; i++ {
			am := Mem{Base: a, Disp: (s*k.mr + i) * es}
			if k.bcastReg {
				t := tmp(i)
				bcast(am, t)
				for v := 0; v < k.nv; v++ {
					fma(bv(v), t, acc(i, v))
				}
			} else {
				for v := 0; v < k.nv; v++ {
					fmaB(am, bv(v), acc(i, v))
				}
			}
		}
	}

	loop, tail, store, storeAdd := k.name+"_loop", k.name+"_tail", k.name+"_store", k.name+"_add"
	Comment(fmt.Sprintf("Main loop, %d steps of k per iteration.", k.unroll))
	Label(loop)
	CMPQ(kc, U32(k.unroll))
	JL(LabelRef(tail))
	for s := 0; s < k.unroll; s++ {
		step(s)
	}
	ADDQ(U32(k.unroll*k.mr*es), a)
	ADDQ(U32(k.unroll*nr*es), b)
	SUBQ(U32(k.unroll), kc)
	JMP(LabelRef(loop))

	Label(tail)
	TESTQ(kc, kc)
	JE(LabelRef(store))
	step(0)
	ADDQ(U32(k.mr*es), a)
	ADDQ(U32(nr*es), b)
	DECQ(kc)
	JMP(LabelRef(tail))

	Label(store)
	TESTB(add, add)
	JNE(LabelRef(storeAdd))
	Comment("C = A·B")
	for i := 0; i < k.mr; i++ {
		for v := 0; v < k.nv; v++ {
			mov(acc(i, v), Mem{Base: c, Disp: v * vb})
		}
		if i+1 < k.mr {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()

	Label(storeAdd)
	Comment("C += A·B")
	for i := 0; i < k.mr; i++ {
		for v := 0; v < k.nv; v++ {
			m := Mem{Base: c, Disp: v * vb}
			vadd(m, acc(i, v), acc(i, v))
			mov(acc(i, v), m)
		}
		if i+1 < k.mr {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// packCopy generates
//
//	func [ds]packcopyW(kc int, src *T, ld int, dst *T, alpha T)
//
// which sets dst[p·W+j] = alpha·src[p·ld+j] for p < kc and j < W: kc rows
// of W elements, row stride ld, into a packed kc×W panel. It needs AVX.
func packCopy(f32 bool, w int) {
	typ, es, pre := "float64", 8, "d"
	if f32 {
		typ, es, pre = "float32", 4, "s"
	}
	name := fmt.Sprintf("%spackcopy%d", pre, w)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(kc int, src *%s, ld int, dst *%s, alpha %s)", typ, typ, typ))
	Doc(fmt.Sprintf("%s sets dst[p·%d+j] = alpha·src[p·ld+j] for p < kc and j < %d. It needs AVX.", name, w, w))
	kc := Load(Param("kc"), reg.RCX)
	src := Load(Param("src"), reg.RSI)
	ld := Load(Param("ld"), reg.RDX)
	dst := Load(Param("dst"), reg.RDI)
	SHLQ(U8(map[int]uint8{4: 2, 8: 3}[es]), ld)
	alpha := reg.Y15
	mul, mov := VMULPD, VMOVUPD
	if f32 {
		VBROADCASTSS(paramAddr("alpha"), alpha)
		mul, mov = VMULPS, VMOVUPS
	} else {
		VBROADCASTSD(paramAddr("alpha"), alpha)
	}
	loop, done := name+"_loop", name+"_done"
	Label(loop)
	TESTQ(kc, kc)
	JE(LabelRef(done))
	n := w * es // bytes per row
	r := 0
	for off := 0; off < n; {
		x := vec(false, r)
		if n-off >= 32 {
			mov(Mem{Base: src, Disp: off}, x)
			mul(alpha, x, x)
			mov(x, Mem{Base: dst, Disp: off})
			off += 32
		} else {
			// 16 bytes: the XMM half.
			xx := x.AsX()
			mov(Mem{Base: src, Disp: off}, xx)
			mul(alpha.AsX(), xx, xx)
			mov(xx, Mem{Base: dst, Disp: off})
			off += 16
		}
		r = (r + 1) % 8
	}
	ADDQ(ld, src)
	ADDQ(U32(n), dst)
	DECQ(kc)
	JMP(LabelRef(loop))
	Label(done)
	VZEROUPPER()
	RET()
}

// packTrans generates
//
//	func [ds]packtransW(kc4 int, src *T, ld int, dst *T, alpha T)
//
// which sets dst[p·W+j] = alpha·src[j·ld+p] for p < 4·kc4 and j < W: it
// writes W rows of src (row stride ld) as the columns of a packed 4·kc4×W
// panel, by 4×4 transposes in registers. It needs AVX.
func packTrans(f32 bool, w int) {
	typ, es, pre := "float64", 8, "d"
	if f32 {
		typ, es, pre = "float32", 4, "s"
	}
	if w%4 != 0 {
		panic("packTrans: width not a multiple of 4")
	}
	name := fmt.Sprintf("%spacktrans%d", pre, w)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(kc4 int, src *%s, ld int, dst *%s, alpha %s)", typ, typ, typ))
	Doc(fmt.Sprintf("%s sets dst[p·%d+j] = alpha·src[j·ld+p] for p < 4·kc4 and j < %d. It needs AVX.", name, w, w))
	kc4 := Load(Param("kc4"), reg.RCX)
	src := Load(Param("src"), reg.RSI)
	ld := Load(Param("ld"), reg.RDX)
	dst := Load(Param("dst"), reg.RDI)
	SHLQ(U8(map[int]uint8{4: 2, 8: 3}[es]), ld)
	ld3, ld4, row := reg.R8, reg.R9, reg.R10
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	MOVQ(ld, ld4)
	SHLQ(U8(2), ld4)
	alpha := reg.Y15
	if f32 {
		VBROADCASTSS(paramAddr("alpha"), alpha)
	} else {
		VBROADCASTSD(paramAddr("alpha"), alpha)
	}
	loop, done := name+"_loop", name+"_done"
	Label(loop)
	TESTQ(kc4, kc4)
	JE(LabelRef(done))
	MOVQ(src, row)
	for g := 0; g < w/4; g++ {
		rows := []Mem{
			{Base: row},
			{Base: row, Index: ld, Scale: 1},
			{Base: row, Index: ld, Scale: 2},
			{Base: row, Index: ld3, Scale: 1},
		}
		// Output s (column p = 4b+s of the panel) goes to dst + s·W + 4g.
		out := func(s int) Mem { return Mem{Base: dst, Disp: (s*w + 4*g) * es} }
		if f32 {
			x := func(i int) reg.Register { return vec(false, i).AsX() }
			for i := 0; i < 4; i++ {
				VMOVUPS(rows[i], x(i))
			}
			VUNPCKLPS(x(1), x(0), x(4)) // r0[0] r1[0] r0[1] r1[1]
			VUNPCKLPS(x(3), x(2), x(5)) // r2[0] r3[0] r2[1] r3[1]
			VUNPCKHPS(x(1), x(0), x(6)) // r0[2] r1[2] r0[3] r1[3]
			VUNPCKHPS(x(3), x(2), x(7)) // r2[2] r3[2] r2[3] r3[3]
			VMOVLHPS(x(5), x(4), x(0))  // column 0
			VMOVHLPS(x(4), x(5), x(1))  // column 1
			VMOVLHPS(x(7), x(6), x(2))  // column 2
			VMOVHLPS(x(6), x(7), x(3))  // column 3
			for s := 0; s < 4; s++ {
				VMULPS(alpha.AsX(), x(s), x(s))
				VMOVUPS(x(s), out(s))
			}
		} else {
			y := func(i int) reg.VecPhysical { return vec(false, i) }
			for i := 0; i < 4; i++ {
				VMOVUPD(rows[i], y(i))
			}
			VUNPCKLPD(y(1), y(0), y(4))            // r0[0] r1[0] r0[2] r1[2]
			VUNPCKHPD(y(1), y(0), y(5))            // r0[1] r1[1] r0[3] r1[3]
			VUNPCKLPD(y(3), y(2), y(6))            // r2[0] r3[0] r2[2] r3[2]
			VUNPCKHPD(y(3), y(2), y(7))            // r2[1] r3[1] r2[3] r3[3]
			VPERM2F128(U8(0x20), y(6), y(4), y(0)) // column 0
			VPERM2F128(U8(0x20), y(7), y(5), y(1)) // column 1
			VPERM2F128(U8(0x31), y(6), y(4), y(2)) // column 2
			VPERM2F128(U8(0x31), y(7), y(5), y(3)) // column 3
			for s := 0; s < 4; s++ {
				VMULPD(alpha, y(s), y(s))
				VMOVUPD(y(s), out(s))
			}
		}
		if g+1 < w/4 {
			ADDQ(ld4, row)
		}
	}
	ADDQ(U32(4*es), src)
	ADDQ(U32(4*w*es), dst)
	DECQ(kc4)
	JMP(LabelRef(loop))
	Label(done)
	VZEROUPPER()
	RET()
}

// paramAddr returns the memory operand of a scalar parameter.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}
