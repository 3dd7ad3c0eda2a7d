package gemm

import (
	"runtime"
	"sync"
)

// kernel is a micro-kernel with the blocking of the driver around it.
type kernel[T Float] struct {
	name string
	// mr×nr is the block of C that fn computes.
	mr, nr int
	// mc, kc and nc are the cache blocks: a packed mc×kc block of A is
	// reused for every nr-column panel of a kc×nc block of B.
	mc, kc, nc int
	// fn sets C = A·B (or C += A·B if add) for the mr×nr block C of row
	// stride ldc and the packed panels a (kc×mr) and b (kc×nr); c holds at
	// least (mr−1)·ldc+nr elements.
	fn func(kc int, a, b, c []T, ldc int, add bool)

	// Optional assembly packing of full panels (nil means pure Go). copyA
	// and copyB set dst[p·w+j] = alpha·src[p·ld+j] for p < kc, j < w;
	// transA and transB set dst[p·w+j] = alpha·src[j·ld+p] for p < 4·kc4,
	// j < w; w is mr for A and nr for B.
	copyA, copyB   func(kc int, src []T, ld int, dst []T, alpha T)
	transA, transB func(kc4 int, src []T, ld int, dst []T, alpha T)

	pool freeList[T]
}

// workspace holds the packing buffers of one Gemm call in progress.
type workspace[T Float] struct {
	a, b, t []T
}

// grow makes the buffers large enough for ker's blocking.
func (w *workspace[T]) grow(ker *kernel[T]) {
	if n := roundUp(ker.mc, ker.mr) * ker.kc; len(w.a) < n {
		w.a = make([]T, n)
	}
	if n := roundUp(ker.nc, ker.nr) * ker.kc; len(w.b) < n {
		w.b = make([]T, n)
	}
	if n := ker.mr * ker.nr; len(w.t) < n {
		w.t = make([]T, n)
	}
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// freeList keeps the workspaces of finished calls for later ones. Unlike a
// sync.Pool it is never emptied by the garbage collector, so Gemm
// allocates nothing once there have been as many workspaces as concurrent
// callers.
type freeList[T Float] struct {
	mu   sync.Mutex
	free []*workspace[T]
}

func (l *freeList[T]) get() *workspace[T] {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.free)
	if n == 0 {
		return new(workspace[T])
	}
	w := l.free[n-1]
	l.free = l.free[:n-1]
	return w
}

func (l *freeList[T]) put(w *workspace[T]) {
	l.mu.Lock()
	l.free = append(l.free, w)
	l.mu.Unlock()
}

// The micro-kernels usable on this machine, fastest first: the assembly
// kernels that the CPU supports (kernel_amd64.go) and then the pure-Go one.
var (
	kernels64 []*kernel[float64]
	kernels32 []*kernel[float32]
)

// kernelFor returns the micro-kernel that Gemm uses for T.
func kernelFor[T Float]() *kernel[T] {
	var z T
	switch any(z).(type) {
	case float64:
		return any(kernels64[0]).(*kernel[T])
	default:
		return any(kernels32[0]).(*kernel[T])
	}
}

// KernelName returns the name of the micro-kernel that Gemm uses for T on
// this machine, for benchmarks and reports.
func KernelName[T Float]() string { return kernelFor[T]().name }

func init() {
	kernels64 = append(asmKernels64(), goKernels[float64]()...)
	kernels32 = append(asmKernels32(), goKernels[float32]()...)
}

// goKernels returns the pure-Go kernels, the one for this architecture
// first: 2×4 on amd64, where 8 accumulators and 6 operands fit in the 16
// XMM registers (in the UNet step's products it is twice as fast as 4×4,
// which spills), and 4×4 on the others (arm64 has 32 floating-point
// registers).
func goKernels[T Float]() []*kernel[T] {
	k2x4 := &kernel[T]{name: "go2x4", mr: 2, nr: 4, mc: 64, kc: 256, nc: 1024, fn: goKernel2x4[T]}
	k4x4 := &kernel[T]{name: "go4x4", mr: 4, nr: 4, mc: 64, kc: 256, nc: 1024, fn: goKernel4x4[T]}
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "386" {
		return []*kernel[T]{k2x4, k4x4}
	}
	return []*kernel[T]{k4x4, k2x4}
}

// goKernel2x4 is a pure-Go micro-kernel: 8 scalar accumulators, each
// summing its products over p in order.
func goKernel2x4[T Float](kc int, a, b, c []T, ldc int, add bool) {
	a = a[:2*kc]
	b = b[:4*kc]
	var c00, c01, c02, c03, c10, c11, c12, c13 T
	for len(a) >= 2 && len(b) >= 4 {
		a0, a1 := a[0], a[1]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a, b = a[2:], b[4:]
	}
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	if add {
		c00 += r0[0]
		c01 += r0[1]
		c02 += r0[2]
		c03 += r0[3]
		c10 += r1[0]
		c11 += r1[1]
		c12 += r1[2]
		c13 += r1[3]
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
}

// goKernel4x4 is a pure-Go micro-kernel: 16 scalar accumulators, each
// summing its products over p in order.
func goKernel4x4[T Float](kc int, a, b, c []T, ldc int, add bool) {
	a = a[:4*kc]
	b = b[:4*kc]
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	for len(a) >= 4 && len(b) >= 4 {
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		a, b = a[4:], b[4:]
	}
	r0 := c[0:4:4]
	r1 := c[ldc : ldc+4 : ldc+4]
	r2 := c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r3 := c[3*ldc : 3*ldc+4 : 3*ldc+4]
	if add {
		c00 += r0[0]
		c01 += r0[1]
		c02 += r0[2]
		c03 += r0[3]
		c10 += r1[0]
		c11 += r1[1]
		c12 += r1[2]
		c13 += r1[3]
		c20 += r2[0]
		c21 += r2[1]
		c22 += r2[2]
		c23 += r2[3]
		c30 += r3[0]
		c31 += r3[1]
		c32 += r3[2]
		c33 += r3[3]
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
	r2[0], r2[1], r2[2], r2[3] = c20, c21, c22, c23
	r3[0], r3[1], r3[2], r3[3] = c30, c31, c32, c33
}
