//go:build !purego

package vmath

import "golang.org/x/sys/cpu"

//go:generate sh -c "cd ../asmgen && go run ./vmath -out ../vmath/vmath_amd64.s -stubs ../vmath/vmath_stub_amd64.go -pkg vmath"

func init() {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		impls32 = append([]*impl[float32]{asmImpl("avx2", 8, skernels{saffinesiluavx2, saffinesilugradavx2, ssumavx2, ssumsqdevavx2, sdotdevavx2, snormgradavx2})}, impls32...)
		impls64 = append([]*impl[float64]{asmImpl("avx2", 4, dkernels{daffinesiluavx2, daffinesilugradavx2, dsumavx2, dsumsqdevavx2, ddotdevavx2, dnormgradavx2})}, impls64...)
	}
	if cpu.X86.HasAVX512F {
		impls32 = append([]*impl[float32]{asmImpl("avx512", 16, skernels{saffinesiluavx512, saffinesilugradavx512, ssumavx512, ssumsqdevavx512, sdotdevavx512, snormgradavx512})}, impls32...)
		impls64 = append([]*impl[float64]{asmImpl("avx512", 8, dkernels{daffinesiluavx512, daffinesilugradavx512, dsumavx512, dsumsqdevavx512, ddotdevavx512, dnormgradavx512})}, impls64...)
	}
}

// kernels are the assembly functions of one precision and ISA.
type kernels[T Float] struct {
	affineSiLU     func(n int, dst, src *T, a, b T)
	affineSiLUGrad func(n int, dz, dy, x *T, a, b T)
	sum            func(n int, x *T) float64
	sumSqDev       func(n int, x *T, mu float64) float64
	dotDev         func(n int, dy, x *T, mu float64) (float64, float64)
	normGrad       func(n int, d, dy, x *T, c1, c2, mu, c0 float64)
}

type (
	skernels = kernels[float32]
	dkernels = kernels[float64]
)

// asmImpl wraps the assembly kernels whose vectors hold lanes elements of
// T: the SiLU kernels take any length (their last vector is masked),
// NormGrad a multiple of one float64 vector, Sum and SumSqDev of 4, DotDev
// of 2 (see the generator).
func asmImpl[T Float](name string, lanes int, k kernels[T]) *impl[T] {
	lanes64 := lanes
	if _, f32 := any(T(0)).(float32); f32 {
		lanes64 = lanes / 2
	}
	return &impl[T]{
		name: name, unit: lanes64, unitSum: 4 * lanes64, unitDot: 2 * lanes64,
		affineSiLU: func(dst, src []T, a, b T) {
			if n := len(src); n > 0 {
				_ = dst[n-1]
				k.affineSiLU(n, &dst[0], &src[0], a, b)
			}
		},
		affineSiLUGrad: func(dz, dy, x []T, a, b T) {
			if n := len(x); n > 0 {
				_, _ = dz[n-1], dy[n-1]
				k.affineSiLUGrad(n, &dz[0], &dy[0], &x[0], a, b)
			}
		},
		sum: func(x []T) float64 {
			if len(x) == 0 {
				return 0
			}
			return k.sum(len(x), &x[0])
		},
		sumSqDev: func(x []T, mu float64) float64 {
			if len(x) == 0 {
				return 0
			}
			return k.sumSqDev(len(x), &x[0], mu)
		},
		dotDev: func(dy, x []T, mu float64) (float64, float64) {
			if n := len(x); n > 0 {
				_ = dy[n-1]
				return k.dotDev(n, &dy[0], &x[0], mu)
			}
			return 0, 0
		},
		normGrad: func(d, dy, x []T, c1, c2, mu, c0 float64) {
			if n := len(d); n > 0 {
				_, _ = dy[n-1], x[n-1]
				k.normGrad(n, &d[0], &dy[0], &x[0], c1, c2, mu, c0)
			}
		},
	}
}
