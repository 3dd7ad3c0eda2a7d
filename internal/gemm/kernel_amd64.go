//go:build !purego

package gemm

import "golang.org/x/sys/cpu"

//go:generate sh -c "cd ../asmgen && go run ./gemm -out ../gemm/kernel_amd64.s -stubs ../gemm/kernel_stub_amd64.go -pkg gemm"

// asm64 wraps an assembly kernel for mr×nr blocks and its packing
// routines, checking the lengths that the assembly relies on.
func asm64(name string, mr, nr, mc, kc, nc int, f func(kc int, a, b, c *float64, ldc int, add bool)) *kernel[float64] {
	return &kernel[float64]{name: name, mr: mr, nr: nr, mc: mc, kc: kc, nc: nc,
		fn: func(k int, a, b, c []float64, ldc int, add bool) {
			_ = a[k*mr-1]
			_ = b[k*nr-1]
			_ = c[(mr-1)*ldc+nr-1]
			f(k, &a[0], &b[0], &c[0], ldc, add)
		},
		copyA: packCopy(mr, packCopy64[mr]), copyB: packCopy(nr, packCopy64[nr]),
		transA: packTrans(mr, packTrans64[mr]), transB: packTrans(nr, packTrans64[nr]),
	}
}

func asm32(name string, mr, nr, mc, kc, nc int, f func(kc int, a, b, c *float32, ldc int, add bool)) *kernel[float32] {
	return &kernel[float32]{name: name, mr: mr, nr: nr, mc: mc, kc: kc, nc: nc,
		fn: func(k int, a, b, c []float32, ldc int, add bool) {
			_ = a[k*mr-1]
			_ = b[k*nr-1]
			_ = c[(mr-1)*ldc+nr-1]
			f(k, &a[0], &b[0], &c[0], ldc, add)
		},
		copyA: packCopy(mr, packCopy32[mr]), copyB: packCopy(nr, packCopy32[nr]),
		transA: packTrans(mr, packTrans32[mr]), transB: packTrans(nr, packTrans32[nr]),
	}
}

// The assembly packing routines by panel width.
var (
	packCopy64  = map[int]func(kc int, src *float64, ld int, dst *float64, alpha float64){4: dpackcopy4, 8: dpackcopy8, 12: dpackcopy12, 24: dpackcopy24}
	packTrans64 = map[int]func(kc4 int, src *float64, ld int, dst *float64, alpha float64){4: dpacktrans4, 8: dpacktrans8, 12: dpacktrans12, 24: dpacktrans24}
	packCopy32  = map[int]func(kc int, src *float32, ld int, dst *float32, alpha float32){4: spackcopy4, 8: spackcopy8, 24: spackcopy24, 48: spackcopy48}
	packTrans32 = map[int]func(kc4 int, src *float32, ld int, dst *float32, alpha float32){4: spacktrans4, 8: spacktrans8, 24: spacktrans24, 48: spacktrans48}
)

// packCopy wraps the assembly routine f that copies kc rows of w elements,
// or returns nil if there is none.
func packCopy[T Float](w int, f func(kc int, src *T, ld int, dst *T, alpha T)) func(kc int, src []T, ld int, dst []T, alpha T) {
	if f == nil {
		return nil
	}
	return func(kc int, src []T, ld int, dst []T, alpha T) {
		if kc == 0 {
			return
		}
		_ = src[(kc-1)*ld+w-1]
		_ = dst[kc*w-1]
		f(kc, &src[0], ld, &dst[0], alpha)
	}
}

// packTrans wraps the assembly routine f that transposes w rows of 4·kc4
// elements, or returns nil if there is none.
func packTrans[T Float](w int, f func(kc4 int, src *T, ld int, dst *T, alpha T)) func(kc4 int, src []T, ld int, dst []T, alpha T) {
	if f == nil {
		return nil
	}
	return func(kc4 int, src []T, ld int, dst []T, alpha T) {
		if kc4 == 0 {
			return
		}
		_ = src[(w-1)*ld+4*kc4-1]
		_ = dst[4*kc4*w-1]
		f(kc4, &src[0], ld, &dst[0], alpha)
	}
}

func hasAVX2() bool   { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }
func hasAVX512() bool { return cpu.X86.HasAVX512F }

// The kernels and their blocking. Measured on the UNet step's products
// (internal/gemm's BenchmarkUNetStep, one core of a Zen 5 EPYC), broadcasting
// A into a register beat AVX-512's embedded broadcast (98 against 80
// GFLOP/s for the float64 kernel alone in L1), 8×24 and 12×16 were equal
// within the noise (8 rows divide the layers' 32 and 64 channels), and so
// were 8×48 and 12×32 in float32 and 4×12 and 6×8 with AVX2; 4×24 beat
// 6×16 in float32 with AVX2 (57 against 52 GFLOP/s); the blocking
// (mc, kc, nc) made no measurable difference between 48 and 384, 96 and 256,
// 256 and 4096 on these products, whose sizes are mostly below one block.
func asmKernels64() []*kernel[float64] {
	var ks []*kernel[float64]
	if hasAVX512() {
		ks = append(ks, asm64("avx512-8x24", 8, 24, 96, 128, 512, dkern8x24avx512))
	}
	if hasAVX2() {
		ks = append(ks, asm64("avx2-4x12", 4, 12, 96, 128, 512, dkern4x12avx2))
	}
	return ks
}

func asmKernels32() []*kernel[float32] {
	var ks []*kernel[float32]
	if hasAVX512() {
		ks = append(ks, asm32("avx512-8x48", 8, 48, 96, 128, 4096, skern8x48avx512))
	}
	if hasAVX2() {
		ks = append(ks, asm32("avx2-4x24", 4, 24, 96, 256, 1024, skern4x24avx2))
	}
	return ks
}
